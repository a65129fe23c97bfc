#include "service/customers.h"

#include <memory>

namespace minicrm {

void CustomerService::create(const CustomerDraft& draft, Callback<Customer> done) {
  auto customer = std::make_shared<Customer>(makeCustomer(draft, ids_.next(), clock_.now()));
  store_.write([customer](WriteTx& tx) { return tx.insertCustomer(*customer); },
               [customer, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(std::move(s).error());
                 done(std::move(*customer));
               });
}

void CustomerService::update(const Id& id, const CustomerPatch& patch, Callback<Customer> done) {
  auto result = std::make_shared<Customer>();
  const Millis now = clock_.now();
  store_.write(
      [id, patch, now, result](WriteTx& tx) -> Status {
        auto current = tx.getCustomer(id);
        if (!current.ok()) return std::move(current).error();
        *result = std::move(*current);
        applyPatch(*result, patch, now);
        return tx.updateCustomer(*result);
      },
      [result, done = std::move(done)](Status s) {
        if (!s.ok()) return done(std::move(s).error());
        done(std::move(*result));
      });
}

void CustomerService::remove(const Id& id, Callback<Customer> done) {
  auto removed = std::make_shared<Customer>();
  const Millis now = clock_.now();
  store_.write(
      [id, now, removed](WriteTx& tx) -> Status {
        auto current = tx.getCustomer(id);
        if (!current.ok()) return std::move(current).error();
        *removed = std::move(*current);
        return tx.deleteCustomer(id, now);
      },
      [removed, done = std::move(done)](Status s) {
        if (!s.ok()) return done(std::move(s).error());
        done(std::move(*removed));
      });
}

Result<std::vector<CustomerRef>> CustomerService::search(const std::string& q) {
  return store_.searchCustomers(q, kSearchLimit);
}

}  // namespace minicrm
