#include "service/orders.h"

#include <memory>

namespace minicrm {
namespace {

CustomerRef refOf(const Customer& c) {
  return {c.id, c.name, c.email, c.phone};
}

// The order's customer does not exist: a 404 that names the field.
Error customerNotFound() {
  return Error{ErrorKind::not_found, "customer not found", {{"customer", "customer not found"}}};
}

// Inserts one order and adds it to its customer's aggregates; fills `out`.
Status insertWithAggregates(WriteTx& tx, const Order& o, Millis now, OrderView& out) {
  // Updating the aggregates first proves the customer exists and yields the reference
  // the answer embeds, in one statement.
  auto customer = o.counts() ? tx.addOrderToAggregates(o.customer, o.amount, o.orderDate, now)
                             : tx.getCustomerRef(o.customer);
  if (!customer.ok()) {
    return customer.error().kind == ErrorKind::not_found ? customerNotFound()
                                                         : std::move(customer).error();
  }
  if (Status s = tx.insertOrder(o); !s.ok()) return s;
  out.order = o;
  out.customer = std::move(*customer);
  return {};
}

Error withPrefix(Error e, std::size_t index, const char* fallbackField) {
  const std::string prefix = std::to_string(index) + ".";
  if (e.fields.empty()) {
    e.fields.push_back({prefix + fallbackField, e.message});
  } else {
    for (auto& f : e.fields)
      f.path = prefix + f.path;
  }
  e.message = "Order " + std::to_string(index) + ": " + e.message;
  return e;
}

}  // namespace

Order OrderService::makeOrder(const OrderDraft& d, Millis now) {
  Order o;
  o.id = ids_.next();
  o.customer = d.customer;
  o.items = d.items;
  o.amount = d.amount ? *d.amount : orderAmount(d.items).value_or(0);
  o.orderDate = d.orderDate.value_or(now);
  o.status = d.status;
  o.channel = d.channel;
  o.externalId = d.externalId;
  o.createdAt = now;
  o.updatedAt = now;
  return o;
}

void OrderService::create(const OrderDraft& draft, Callback<OrderView> done) {
  const Millis now = clock_.now();
  auto view = std::make_shared<OrderView>();
  store_.write([order = makeOrder(draft, now), now,
                view](WriteTx& tx) { return insertWithAggregates(tx, order, now, *view); },
               [view, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(std::move(s).error());
                 done(std::move(*view));
               });
}

void OrderService::createMany(const std::vector<OrderDraft>& drafts,
                              Callback<std::vector<OrderView>> done) {
  const Millis now = clock_.now();
  std::vector<Order> orders;
  orders.reserve(drafts.size());
  for (const auto& d : drafts)
    orders.push_back(makeOrder(d, now));
  auto views = std::make_shared<std::vector<OrderView>>(orders.size());
  store_.write(
      [orders = std::move(orders), now, views](WriteTx& tx) -> Status {
        for (std::size_t i = 0; i < orders.size(); ++i) {
          Status s = insertWithAggregates(tx, orders[i], now, (*views)[i]);
          if (s.ok()) continue;
          Error e = std::move(s).error();
          if (e.kind == ErrorKind::not_found) {
            return withPrefix(
                Error::invalid({{"customer", "customer not found"}}, "customer not found"), i,
                "customer");
          }
          return withPrefix(std::move(e), i, "");
        }
        return {};
      },
      [views, done = std::move(done)](Status s) {
        if (!s.ok()) return done(std::move(s).error());
        done(std::move(*views));
      });
}

Result<Page<OrderView>> OrderService::listForCustomer(const Id& customer, const PageRequest& page,
                                                      const SortKey& sort) {
  if (auto c = store_.getCustomer(customer); !c.ok()) return std::move(c).error();
  OrderQuery q;
  q.customer = customer;
  q.page = page;
  q.sort = sort;
  return store_.listOrders(q);
}

void OrderService::update(const Id& id, const OrderPatch& patch, Callback<OrderView> done) {
  const Millis now = clock_.now();
  auto view = std::make_shared<OrderView>();
  store_.write(
      [id, patch, now, view](WriteTx& tx) -> Status {
        auto current = tx.getOrder(id);
        if (!current.ok()) return std::move(current).error();
        const Order before = *current;
        Order after = before;
        if (patch.customer) after.customer = *patch.customer;
        if (patch.items) {
          after.items = *patch.items;
          after.amount = orderAmount(after.items).value_or(0);
        }
        if (patch.orderDate) after.orderDate = *patch.orderDate;
        if (patch.status) after.status = *patch.status;
        if (patch.channel) after.channel = *patch.channel;
        if (patch.externalId) after.externalId = *patch.externalId;
        after.updatedAt = now;

        auto customer = tx.getCustomer(after.customer);
        if (!customer.ok()) {
          return Error{
              ErrorKind::not_found, "customer not found", {{"customer", "customer not found"}}};
        }
        if (Status s = tx.updateOrder(after); !s.ok()) return s;
        const bool aggregatesMoved =
            before.customer != after.customer || before.amount != after.amount ||
            before.orderDate != after.orderDate || before.status != after.status;
        if (aggregatesMoved) {
          if (Status s = tx.recomputeAggregates(before.customer, now); !s.ok()) return s;
          if (after.customer != before.customer) {
            if (Status s = tx.recomputeAggregates(after.customer, now); !s.ok()) return s;
          }
        }
        view->order = after;
        view->customer = refOf(*customer);
        return {};
      },
      [view, done = std::move(done)](Status s) {
        if (!s.ok()) return done(std::move(s).error());
        done(std::move(*view));
      });
}

void OrderService::remove(const Id& id, Callback<OrderView> done) {
  const Millis now = clock_.now();
  auto removed = std::make_shared<OrderView>();
  store_.write(
      [id, now, removed](WriteTx& tx) -> Status {
        auto current = tx.getOrder(id);
        if (!current.ok()) return std::move(current).error();
        auto customer = tx.getCustomer(current->customer);
        if (customer.ok()) removed->customer = refOf(*customer);
        removed->order = *current;
        if (Status s = tx.deleteOrder(id); !s.ok()) return s;
        if (current->counts()) return tx.recomputeAggregates(current->customer, now);
        return {};
      },
      [removed, done = std::move(done)](Status s) {
        if (!s.ok()) return done(std::move(s).error());
        done(std::move(*removed));
      });
}

}  // namespace minicrm
