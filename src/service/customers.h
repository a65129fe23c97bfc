// Customer use cases.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/customer.h"
#include "core/id.h"
#include "service/callback.h"
#include "store/store.h"

namespace minicrm {

class CustomerService {
 public:
  static constexpr int kSearchLimit = 10;

  CustomerService(Store& store, const Clock& clock, IdGenerator& ids)
      : store_(store), clock_(clock), ids_(ids) {}

  // Conflict (409) when the email is taken.
  void create(const CustomerDraft& draft, Callback<Customer> done);
  Result<Customer> get(const Id& id) { return store_.getCustomer(id); }
  Result<Page<Customer>> list(const CustomerQuery& q) { return store_.listCustomers(q); }
  // Not found, or conflict when the new email is taken.
  void update(const Id& id, const CustomerPatch& patch, Callback<Customer> done);
  // Removes the customer and their orders; answers with the customer as it was.
  void remove(const Id& id, Callback<Customer> done);
  // Typeahead: at most kSearchLimit matches, prefix matches first; empty q -> none.
  Result<std::vector<CustomerRef>> search(const std::string& q);

 private:
  Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace minicrm
