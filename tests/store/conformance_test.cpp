#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "core/time.h"
#include "store/conformance.h"

namespace minicrm::testing {

void StoreConformance::SetUp() {
  store_ = GetParam().open(clock_);
}

Customer StoreConformance::addCustomer(const std::string& name, const std::string& email,
                                       std::optional<std::string> phone,
                                       std::optional<std::string> city) {
  CustomerDraft d;
  d.name = name;
  d.email = email;
  d.phone = std::move(phone);
  d.city = std::move(city);
  clock_.advance(1000);
  Customer c = makeCustomer(d, ids_.next(), clock_.now());
  Status s = store_->writeSync([&](WriteTx& tx) { return tx.insertCustomer(c); });
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return c;
}

Order StoreConformance::addOrder(const Id& customer, Money amount, Millis orderDate,
                                 OrderStatus status, std::optional<std::string> externalId) {
  Order o;
  o.id = ids_.next();
  o.customer = customer;
  o.items = {{"Item", 1, amount}};
  o.amount = amount;
  o.orderDate = orderDate;
  o.status = status;
  o.externalId = std::move(externalId);
  o.createdAt = o.updatedAt = clock_.now();
  Status s = store_->writeSync([&](WriteTx& tx) -> Status {
    if (Status i = tx.insertOrder(o); !i.ok()) return i;
    if (!o.counts()) return Status();
    auto ref = tx.addOrderToAggregates(customer, amount, orderDate, clock_.now());
    return ref.ok() ? Status() : Status(std::move(ref).error());
  });
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return o;
}

namespace {

std::vector<std::string> names(const std::vector<Customer>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs)
    out.push_back(c.name);
  return out;
}

}  // namespace

TEST_P(StoreConformance, CustomerRoundTrip) {
  Customer c = addCustomer("Asha Rao", "asha@example.com", "+91 98765 43210", std::nullopt);
  auto got = store_->getCustomer(c.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, c.id);
  EXPECT_EQ(got->name, "Asha Rao");
  EXPECT_EQ(got->email, "asha@example.com");
  EXPECT_EQ(got->phone, "+91 98765 43210");
  EXPECT_EQ(got->city, std::nullopt);
  EXPECT_EQ(got->createdAt, c.createdAt);
  EXPECT_EQ(got->lastActive(), c.createdAt);
  EXPECT_FALSE(got->lastOrderAt);
}

TEST_P(StoreConformance, UnknownCustomerIsNotFound) {
  auto got = store_->getCustomer(ids_.next());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::not_found);
}

TEST_P(StoreConformance, DuplicateEmailIsAConflictNamingEmail) {
  Customer a = addCustomer("A", "same@example.com");
  CustomerDraft d;
  d.name = "B";
  d.email = "same@example.com";
  Customer b = makeCustomer(d, ids_.next(), clock_.now());
  Status s = store_->writeSync([&](WriteTx& tx) { return tx.insertCustomer(b); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::conflict);
  ASSERT_EQ(s.error().fields.size(), 1u);
  EXPECT_EQ(s.error().fields[0].path, "email");

  Customer other = addCustomer("C", "other@example.com");
  other.email = a.email;
  Status u = store_->writeSync([&](WriteTx& tx) { return tx.updateCustomer(other); });
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().kind, ErrorKind::conflict);
}

TEST_P(StoreConformance, FailedJobRollsBackAloneWithinABatch) {
  Customer a = addCustomer("A", "a@example.com");
  std::vector<std::future<Status>> results;
  std::vector<Customer> made;
  for (int i = 0; i < 50; ++i) {
    CustomerDraft d;
    d.name = "N" + std::to_string(i);
    d.email = i == 25 ? "a@example.com" : "n" + std::to_string(i) + "@example.com";
    made.push_back(makeCustomer(d, ids_.next(), clock_.now()));
  }
  for (const auto& c : made) {
    auto p = std::make_shared<std::promise<Status>>();
    results.push_back(p->get_future());
    store_->write(
        [c](WriteTx& tx) -> Status {
          // A job that writes, then fails, must leave nothing behind.
          if (Status s = tx.insertCustomer(c); !s.ok()) return s;
          if (c.name == "N10") return Error::invalidField("name", "rejected on purpose");
          return {};
        },
        [p](Status s) { p->set_value(std::move(s)); });
  }
  for (int i = 0; i < 50; ++i) {
    Status s = results[i].get();
    EXPECT_EQ(s.ok(), i != 25 && i != 10) << i;
  }
  auto page = store_->listCustomers({});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 49);  // a + 48
  EXPECT_FALSE(store_->getCustomer(made[10].id).ok());
}

TEST_P(StoreConformance, DoneRunsAfterCommitSoReadsSeeTheWrite) {
  CustomerDraft d;
  d.name = "Visible";
  d.email = "visible@example.com";
  Customer c = makeCustomer(d, ids_.next(), clock_.now());
  std::promise<bool> seen;
  store_->write([&](WriteTx& tx) { return tx.insertCustomer(c); },
                [&](Status s) { seen.set_value(s.ok() && store_->getCustomer(c.id).ok()); });
  EXPECT_TRUE(seen.get_future().get());
}

TEST_P(StoreConformance, UpdateAndDeleteCustomerWithOrders) {
  Customer c = addCustomer("Before", "before@example.com");
  Order o = addOrder(c.id, 500, kStart);
  c.name = "After";
  c.email = "after@example.com";
  c.city = "Pune";
  ASSERT_TRUE(store_->writeSync([&](WriteTx& tx) { return tx.updateCustomer(c); }).ok());
  EXPECT_EQ(store_->getCustomer(c.id)->name, "After");
  EXPECT_EQ(store_->getCustomer(c.id)->city, "Pune");

  ASSERT_TRUE(
      store_->writeSync([&](WriteTx& tx) { return tx.deleteCustomer(c.id, clock_.now()); }).ok());
  EXPECT_EQ(store_->getCustomer(c.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->getOrder(o.id).error().kind, ErrorKind::not_found);
  Status again =
      store_->writeSync([&](WriteTx& tx) { return tx.deleteCustomer(c.id, clock_.now()); });
  EXPECT_EQ(again.error().kind, ErrorKind::not_found);
}

TEST_P(StoreConformance, ListCustomersPagesNewestFirstAndCounts) {
  for (int i = 0; i < 25; ++i)
    addCustomer("C" + std::to_string(i), "c" + std::to_string(i) + "@x.io");
  CustomerQuery q;
  q.page = {2, 10};
  auto page = store_->listCustomers(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 25);
  ASSERT_EQ(page->items.size(), 10u);
  EXPECT_EQ(page->items.front().name, "C14");
  EXPECT_EQ(page->items.back().name, "C5");
  q.page = {3, 10};
  EXPECT_EQ(store_->listCustomers(q)->items.size(), 5u);
  q.page = {4, 10};
  EXPECT_TRUE(store_->listCustomers(q)->items.empty());
}

TEST_P(StoreConformance, ListCustomersSortsByEveryAdvertisedField) {
  Customer b = addCustomer("bravo", "b@x.io", std::nullopt, "Delhi");
  Customer a = addCustomer("Alpha", "a@x.io", std::nullopt, "Agra");
  Customer c = addCustomer("charlie", "c@x.io", std::nullopt, "Chennai");
  addOrder(a.id, 900, kStart + 10 * kMillisPerDay);
  addOrder(c.id, 100, kStart + 20 * kMillisPerDay);
  addOrder(c.id, 100, kStart + 21 * kMillisPerDay);
  for (const auto& field : Store::customerSortFields()) {
    for (bool desc : {false, true}) {
      CustomerQuery q;
      q.sort = {field, desc};
      auto page = store_->listCustomers(q);
      ASSERT_TRUE(page.ok()) << field;
      EXPECT_EQ(page->items.size(), 3u) << field;
    }
  }
  auto sorted = [&](const std::string& field, bool desc) {
    CustomerQuery q;
    q.sort = {field, desc};
    return names(store_->listCustomers(q)->items);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(sorted("name", false), (V{"Alpha", "bravo", "charlie"}));  // case-insensitive
  EXPECT_EQ(sorted("email", true), (V{"charlie", "bravo", "Alpha"}));
  EXPECT_EQ(sorted("city", false), (V{"Alpha", "charlie", "bravo"}));
  EXPECT_EQ(sorted("totalSpend", true), (V{"Alpha", "charlie", "bravo"}));
  EXPECT_EQ(sorted("visits", true)[0], "charlie");
  EXPECT_EQ(sorted("lastActive", true), (V{"charlie", "Alpha", "bravo"}));
  EXPECT_EQ(sorted("createdAt", false), (V{"bravo", "Alpha", "charlie"}));
  (void)b;
}

TEST_P(StoreConformance, ListCustomersFiltersBySubstringOfNameEmailOrPhone) {
  addCustomer("Asha Rao", "asha@example.com", "+91 98765 00001");
  addCustomer("Ravi Kumar", "ravi@shop.in", "+91 90000 11111");
  addCustomer("Meera", "meera@example.com");
  auto find = [&](const std::string& text) {
    CustomerQuery q;
    q.q = text;
    q.sort = {"name", false};
    return names(store_->listCustomers(q)->items);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(find("RAO"), (V{"Asha Rao"}));
  EXPECT_EQ(find("example"), (V{"Asha Rao", "Meera"}));
  EXPECT_EQ(find("11111"), (V{"Ravi Kumar"}));
  EXPECT_EQ(find("a"), (V{"Asha Rao", "Meera", "Ravi Kumar"}));
  EXPECT_TRUE(find("%").empty());  // literal, not a wildcard
  CustomerQuery q;
  q.q = "example";
  EXPECT_EQ(store_->listCustomers(q)->total, 2);
}

TEST_P(StoreConformance, SearchPutsPrefixMatchesFirstAndCaps) {
  addCustomer("Zed Ash", "zed@example.com");    // substring of name
  addCustomer("Ashok", "ashok@example.com");    // prefix of both
  addCustomer("Neha", "ash.neha@example.com");  // email prefix
  addCustomer("Mohan", "mohan@cash.in");        // substring of email
  auto found = store_->searchCustomers("ASH", 10);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 4u);
  EXPECT_EQ((*found)[0].name, "Neha");  // email prefix, ordered by email
  EXPECT_EQ((*found)[1].name, "Ashok");
  std::vector<std::string> tail = {(*found)[2].name, (*found)[3].name};
  std::sort(tail.begin(), tail.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"Mohan", "Zed Ash"}));
  EXPECT_EQ(store_->searchCustomers("ash", 2)->size(), 2u);
  EXPECT_TRUE(store_->searchCustomers("", 10)->empty());
  EXPECT_TRUE(store_->searchCustomers("nobody", 10)->empty());
}

TEST_P(StoreConformance, OrderRoundTripEmbedsCustomer) {
  Customer c = addCustomer("Asha", "asha@example.com", "123");
  Order o = addOrder(c.id, 2599, kStart - kMillisPerDay, OrderStatus::refunded, "EXT-1");
  auto got = store_->getOrder(o.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->order.amount, 2599);
  EXPECT_EQ(got->order.status, OrderStatus::refunded);
  EXPECT_EQ(got->order.externalId, "EXT-1");
  EXPECT_EQ(got->order.items, o.items);
  EXPECT_EQ(got->customer.id, c.id);
  EXPECT_EQ(got->customer.email, "asha@example.com");
  EXPECT_EQ(got->customer.phone, "123");
}

TEST_P(StoreConformance, ExternalIdIsUniqueWhenGiven) {
  Customer c = addCustomer("A", "a@x.io");
  addOrder(c.id, 100, kStart, OrderStatus::completed, "EXT-9");
  addOrder(c.id, 100, kStart);  // no external id: any number allowed
  addOrder(c.id, 100, kStart);
  Order dup;
  dup.id = ids_.next();
  dup.customer = c.id;
  dup.amount = 1;
  dup.externalId = "EXT-9";
  Status s = store_->writeSync([&](WriteTx& tx) { return tx.insertOrder(dup); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::conflict);
  EXPECT_EQ(s.error().fields.at(0).path, "externalId");
}

TEST_P(StoreConformance, AggregatesAddAndRecompute) {
  Customer c = addCustomer("A", "a@x.io");
  addOrder(c.id, 1000, kStart + 1);
  Order late = addOrder(c.id, 250, kStart + 5 * kMillisPerDay);
  addOrder(c.id, 9999, kStart + 9 * kMillisPerDay, OrderStatus::cancelled);
  auto got = store_->getCustomer(c.id);
  EXPECT_EQ(got->orderSpend, 1250);
  EXPECT_EQ(got->orderVisits, 2);
  EXPECT_EQ(got->lastOrderAt, kStart + 5 * kMillisPerDay);

  ASSERT_TRUE(store_
                  ->writeSync([&](WriteTx& tx) -> Status {
                    if (Status s = tx.deleteOrder(late.id); !s.ok()) return s;
                    return tx.recomputeAggregates(c.id, clock_.now());
                  })
                  .ok());
  got = store_->getCustomer(c.id);
  EXPECT_EQ(got->orderSpend, 1000);
  EXPECT_EQ(got->orderVisits, 1);
  EXPECT_EQ(got->lastOrderAt, kStart + 1);
}

TEST_P(StoreConformance, ListOrdersFiltersAndSorts) {
  Customer a = addCustomer("Asha", "asha@x.io");
  Customer b = addCustomer("Bala", "bala@y.io");
  addOrder(a.id, 100, kStart + 1 * kMillisPerDay);
  addOrder(a.id, 500, kStart + 2 * kMillisPerDay);
  addOrder(b.id, 300, kStart + 3 * kMillisPerDay);
  auto amounts = [&](OrderQuery q) {
    std::vector<Money> out;
    auto page = store_->listOrders(q);
    EXPECT_TRUE(page.ok());
    for (const auto& o : page->items)
      out.push_back(o.order.amount);
    return out;
  };
  using V = std::vector<Money>;
  EXPECT_EQ(amounts({}), (V{300, 500, 100}));  // newest orderDate first
  OrderQuery q;
  q.customer = a.id;
  EXPECT_EQ(amounts(q), (V{500, 100}));
  q = {};
  q.from = kStart + 2 * kMillisPerDay;
  EXPECT_EQ(amounts(q), (V{300, 500}));
  q = {};
  q.to = kStart + 2 * kMillisPerDay;
  EXPECT_EQ(amounts(q), (V{500, 100}));
  q = {};
  q.minAmount = 200;
  q.maxAmount = 400;
  EXPECT_EQ(amounts(q), (V{300}));
  q = {};
  q.q = "BALA";
  EXPECT_EQ(amounts(q), (V{300}));
  q = {};
  q.q = "x.io";
  EXPECT_EQ(amounts(q), (V{500, 100}));
  q = {};
  q.sort = {"amount", false};
  EXPECT_EQ(amounts(q), (V{100, 300, 500}));
  for (const auto& field : Store::orderSortFields()) {
    q = {};
    q.sort = {field, true};
    EXPECT_EQ(amounts(q).size(), 3u) << field;
  }
  q = {};
  q.page = {2, 2};
  auto page = store_->listOrders(q);
  EXPECT_EQ(page->total, 3);
  EXPECT_EQ(page->items.size(), 1u);
}

TEST_P(StoreConformance, RevenueCountsCompletedOrdersByUtcDayAndMonth) {
  Customer c = addCustomer("A", "a@x.io");
  const Millis sep1 = parseIsoTime("2025-09-01")->millis;
  addOrder(c.id, 100, sep1);
  addOrder(c.id, 200, sep1 + kMillisPerDay - 1);
  addOrder(c.id, 400, sep1 + kMillisPerDay);
  addOrder(c.id, 800, parseIsoTime("2025-10-05T12:00")->millis);
  addOrder(c.id, 5000, sep1, OrderStatus::cancelled);
  addOrder(c.id, 5000, sep1, OrderStatus::refunded);
  auto days = store_->revenue(Granularity::day, {});
  ASSERT_TRUE(days.ok());
  ASSERT_EQ(days->size(), 3u);
  EXPECT_EQ((*days)[0].start, sep1);
  EXPECT_EQ((*days)[0].revenue, 300);
  EXPECT_EQ((*days)[0].count, 2);
  EXPECT_EQ((*days)[1].revenue, 400);
  auto months = store_->revenue(Granularity::month, {});
  ASSERT_EQ(months->size(), 2u);
  EXPECT_EQ((*months)[0].revenue, 700);
  EXPECT_EQ((*months)[0].count, 3);
  EXPECT_EQ((*months)[1].revenue, 800);
  auto ranged = store_->revenue(Granularity::day, {sep1 + kMillisPerDay, std::nullopt});
  ASSERT_EQ(ranged->size(), 2u);
  EXPECT_EQ((*ranged)[0].revenue, 400);
}

TEST_P(StoreConformance, TopCustomersRankByCompletedRevenue) {
  Customer a = addCustomer("A", "a@x.io");
  Customer b = addCustomer("B", "b@x.io", "555");
  Customer c = addCustomer("C", "c@x.io");
  addOrder(a.id, 100, kStart);
  addOrder(b.id, 300, kStart);
  addOrder(b.id, 50, kStart);
  addOrder(c.id, 1000, kStart, OrderStatus::refunded);
  auto top = store_->topCustomers(10, {});
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ((*top)[0].customer.id, b.id);
  EXPECT_EQ((*top)[0].customer.phone, "555");
  EXPECT_EQ((*top)[0].revenue, 350);
  EXPECT_EQ((*top)[0].count, 2);
  EXPECT_EQ((*top)[1].customer.id, a.id);
  EXPECT_EQ(store_->topCustomers(1, {})->size(), 1u);
}

TEST_P(StoreConformance, ConcurrentWritersAllCommit) {
  Customer c = addCustomer("Busy", "busy@x.io");
  constexpr int kThreads = 8, kPerThread = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Order o;
        o.id = ids_.next();
        o.customer = c.id;
        o.items = {{"x", 1, 100 + t}};
        o.amount = 100 + t;
        o.orderDate = kStart + i;
        Status s = store_->writeSync([&](WriteTx& tx) -> Status {
          if (Status w = tx.insertOrder(o); !w.ok()) return w;
          auto ref = tx.addOrderToAggregates(c.id, o.amount, o.orderDate, kStart);
          return ref.ok() ? Status() : Status(std::move(ref).error());
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
  auto got = store_->getCustomer(c.id);
  Money expected = 0;
  for (int t = 0; t < kThreads; ++t)
    expected += (100 + t) * kPerThread;
  EXPECT_EQ(got->orderSpend, expected);
  EXPECT_EQ(got->orderVisits, kThreads * kPerThread);
  OrderQuery q;
  q.customer = c.id;
  EXPECT_EQ(store_->listOrders(q)->total, kThreads * kPerThread);
}

}  // namespace minicrm::testing
