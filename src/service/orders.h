// Order use cases. Every order write reconciles its customers' aggregates in the same
// transaction, so totalSpend / visits / lastActive are exact at every commit.
#pragma once

#include <vector>

#include "core/clock.h"
#include "core/id.h"
#include "core/order.h"
#include "service/callback.h"
#include "store/store.h"

namespace minicrm {

class OrderService {
 public:
  static constexpr std::size_t kMaxBatch = 1000;  // orders per JSON bulk request

  OrderService(Store& store, const Clock& clock, IdGenerator& ids)
      : store_(store), clock_(clock), ids_(ids) {}

  // Not found when the customer does not exist; conflict on a taken externalId.
  void create(const OrderDraft& draft, Callback<OrderView> done);
  // All or nothing. A failing order's error paths are prefixed with its index
  // ("2.customer"); an unknown customer is then a validation error, not a 404.
  void createMany(const std::vector<OrderDraft>& drafts, Callback<std::vector<OrderView>> done);
  Result<OrderView> get(const Id& id) { return store_.getOrder(id); }
  Result<Page<OrderView>> list(const OrderQuery& q) { return store_.listOrders(q); }
  // Orders of one customer; not found when the customer does not exist.
  Result<Page<OrderView>> listForCustomer(const Id& customer, const PageRequest& page,
                                          const SortKey& sort);
  void update(const Id& id, const OrderPatch& patch, Callback<OrderView> done);
  // Deletes the order; answers with the order as it was.
  void remove(const Id& id, Callback<OrderView> done);

  Result<std::vector<RevenueBucket>> revenue(Granularity g, const DateRange& r) {
    return store_.revenue(g, r);
  }
  Result<std::vector<TopCustomer>> topCustomers(int limit, const DateRange& r) {
    return store_.topCustomers(limit, r);
  }

 private:
  Order makeOrder(const OrderDraft& d, Millis now);

  Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace minicrm
