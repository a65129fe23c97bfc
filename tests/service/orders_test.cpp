// Order use cases over the SQLite store: aggregates stay exact through every write path.
#include "service/orders.h"

#include <gtest/gtest.h>

#include <future>

#include "service/customers.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace minicrm::testing {
namespace {

template <class T>
Result<T> await(std::function<void(Callback<T>)> call) {
  std::promise<Result<T>> p;
  call([&p](Result<T> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

class OrderServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite::SqliteOptions o;
    o.path = dir_.newFile("orders.db");
    auto s = sqlite::SqliteStore::open(o, clock_);
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    customers_ = std::make_unique<CustomerService>(*store_, clock_, ids_);
    orders_ = std::make_unique<OrderService>(*store_, clock_, ids_);
  }

  Customer customer(const std::string& email, std::optional<Money> base = std::nullopt,
                    std::optional<std::int64_t> visits = std::nullopt) {
    CustomerDraft d;
    d.name = email;
    d.email = email;
    d.totalSpend = base;
    d.visits = visits;
    auto r = await<Customer>([&](auto cb) { customers_->create(d, cb); });
    EXPECT_TRUE(r.ok());
    return *r;
  }

  OrderView order(const Id& customer, std::vector<OrderItem> items, Millis date,
                  OrderStatus status = OrderStatus::completed) {
    OrderDraft d;
    d.customer = customer;
    d.items = std::move(items);
    d.orderDate = date;
    d.status = status;
    auto r = await<OrderView>([&](auto cb) { orders_->create(d, cb); });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return *r;
  }

  Customer reload(const Id& id) { return *store_->getCustomer(id); }

  static constexpr Millis kDay = 86'400'000;
  const Millis t0 = 1'750'000'000'000;
  TempDir dir_{"minicrm-service"};
  ManualClock clock_{1'750'000'000'000};
  IdGenerator ids_{clock_};
  std::unique_ptr<sqlite::SqliteStore> store_;
  std::unique_ptr<CustomerService> customers_;
  std::unique_ptr<OrderService> orders_;
};

TEST_F(OrderServiceTest, CreateAddsToAggregatesAndComputesAmount) {
  Customer c = customer("a@x.io", 10'000, 2);
  OrderView o = order(c.id, {{"Tea", 2, 19'999}, {"Cup", 1, 500}}, t0 + 3 * kDay);
  EXPECT_EQ(o.order.amount, 40'498);
  EXPECT_EQ(o.customer.email, "a@x.io");
  Customer after = reload(c.id);
  EXPECT_EQ(after.totalSpend(), 50'498);
  EXPECT_EQ(after.visits(), 3);
  EXPECT_EQ(after.lastActive(), t0 + 3 * kDay);
}

TEST_F(OrderServiceTest, NonCompletedOrdersDoNotCount) {
  Customer c = customer("a@x.io");
  order(c.id, {{"x", 1, 700}}, t0 + kDay, OrderStatus::cancelled);
  order(c.id, {{"x", 1, 700}}, t0 + kDay, OrderStatus::refunded);
  EXPECT_EQ(reload(c.id).totalSpend(), 0);
  EXPECT_EQ(reload(c.id).visits(), 0);
  EXPECT_EQ(reload(c.id).lastActive(), c.lastActive());
}

TEST_F(OrderServiceTest, UnknownCustomerIsNotFound) {
  OrderDraft d;
  d.customer = ids_.next();
  d.items = {{"x", 1, 1}};
  auto r = await<OrderView>([&](auto cb) { orders_->create(d, cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
}

TEST_F(OrderServiceTest, MovingAnOrderToAnotherCustomerMovesItsAggregates) {
  Customer a = customer("a@x.io");
  Customer b = customer("b@x.io");
  order(a.id, {{"x", 1, 100}}, t0 + kDay);
  OrderView moving = order(a.id, {{"y", 1, 900}}, t0 + 5 * kDay);
  OrderPatch p;
  p.customer = b.id;
  auto r = await<OrderView>([&](auto cb) { orders_->update(moving.order.id, p, cb); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->customer.id, b.id);
  EXPECT_EQ(reload(a.id).totalSpend(), 100);
  EXPECT_EQ(reload(a.id).visits(), 1);
  EXPECT_EQ(reload(a.id).lastActive(), t0 + kDay);
  EXPECT_EQ(reload(b.id).totalSpend(), 900);
  EXPECT_EQ(reload(b.id).visits(), 1);
  EXPECT_EQ(reload(b.id).lastActive(), t0 + 5 * kDay);
}

TEST_F(OrderServiceTest, StatusItemsAndDateChangesReconcile) {
  Customer a = customer("a@x.io");
  OrderView o = order(a.id, {{"x", 1, 100}}, t0 + kDay);
  auto patch = [&](OrderPatch p) {
    auto r = await<OrderView>([&](auto cb) { orders_->update(o.order.id, p, cb); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->order.amount : -1;
  };
  OrderPatch items;
  items.items = std::vector<OrderItem>{{"x", 3, 250}};
  EXPECT_EQ(patch(items), 750);
  EXPECT_EQ(reload(a.id).totalSpend(), 750);

  OrderPatch date;
  date.orderDate = t0 + 9 * kDay;
  EXPECT_EQ(patch(date), 750);
  EXPECT_EQ(reload(a.id).lastActive(), t0 + 9 * kDay);

  OrderPatch refund;
  refund.status = OrderStatus::refunded;
  EXPECT_EQ(patch(refund), 750);
  EXPECT_EQ(reload(a.id).totalSpend(), 0);
  EXPECT_EQ(reload(a.id).visits(), 0);
  EXPECT_EQ(reload(a.id).lastActive(), a.lastActive());

  OrderPatch again;
  again.status = OrderStatus::completed;
  EXPECT_EQ(patch(again), 750);
  EXPECT_EQ(reload(a.id).totalSpend(), 750);
}

TEST_F(OrderServiceTest, DeleteRecomputesIncludingLastActive) {
  Customer a = customer("a@x.io", 5'000, 1);
  order(a.id, {{"x", 1, 100}}, t0 + kDay);
  OrderView newest = order(a.id, {{"x", 1, 200}}, t0 + 7 * kDay);
  auto r = await<OrderView>([&](auto cb) { orders_->remove(newest.order.id, cb); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->order.amount, 200);
  Customer after = reload(a.id);
  EXPECT_EQ(after.totalSpend(), 5'100);
  EXPECT_EQ(after.visits(), 2);
  EXPECT_EQ(after.lastActive(), t0 + kDay);
}

TEST_F(OrderServiceTest, PatchedTotalSpendSurvivesLaterOrderChanges) {
  Customer a = customer("a@x.io");
  OrderView o = order(a.id, {{"x", 1, 4'000}}, t0 + kDay);
  CustomerPatch p;
  p.totalSpend = 1'000;  // served value below the orders' part: base goes negative
  auto r = await<Customer>([&](auto cb) { customers_->update(a.id, p, cb); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->totalSpend(), 1'000);
  auto removed = await<OrderView>([&](auto cb) { orders_->remove(o.order.id, cb); });
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(reload(a.id).totalSpend(), 0);  // never below zero
  order(a.id, {{"x", 1, 5'000}}, t0 + 2 * kDay);
  EXPECT_EQ(reload(a.id).totalSpend(), 2'000);
}

TEST_F(OrderServiceTest, CreateManyIsAllOrNothingWithIndexedPaths) {
  Customer a = customer("a@x.io");
  std::vector<OrderDraft> drafts(3);
  for (auto& d : drafts) {
    d.customer = a.id;
    d.items = {{"x", 1, 100}};
  }
  drafts[2].customer = ids_.next();
  auto bad = await<std::vector<OrderView>>([&](auto cb) { orders_->createMany(drafts, cb); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid);
  EXPECT_EQ(bad.error().fields.at(0).path, "2.customer");
  EXPECT_EQ(reload(a.id).visits(), 0);
  OrderQuery q;
  EXPECT_EQ(store_->listOrders(q)->total, 0);

  drafts[2].customer = a.id;
  drafts[1].externalId = "E1";
  drafts[2].externalId = "E1";
  bad = await<std::vector<OrderView>>([&](auto cb) { orders_->createMany(drafts, cb); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::conflict);
  EXPECT_EQ(bad.error().fields.at(0).path, "2.externalId");
  EXPECT_EQ(store_->listOrders(q)->total, 0);

  drafts[2].externalId = "E2";
  auto ok = await<std::vector<OrderView>>([&](auto cb) { orders_->createMany(drafts, cb); });
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 3u);
  EXPECT_EQ(reload(a.id).totalSpend(), 300);
}

TEST_F(OrderServiceTest, DeletingACustomerDeletesTheirOrders) {
  Customer a = customer("a@x.io");
  Customer b = customer("b@x.io");
  order(a.id, {{"x", 1, 100}}, t0);
  OrderView kept = order(b.id, {{"x", 1, 100}}, t0);
  auto r = await<Customer>([&](auto cb) { customers_->remove(a.id, cb); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->email, "a@x.io");
  OrderQuery q;
  auto page = store_->listOrders(q);
  ASSERT_EQ(page->total, 1);
  EXPECT_EQ(page->items[0].order.id, kept.order.id);
}

}  // namespace
}  // namespace minicrm::testing
