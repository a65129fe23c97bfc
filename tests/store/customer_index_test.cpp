// The in-memory customer index of the SQLite store: kept current by this process's writes
// and by other processes' (through customer_changes), and bounded in time.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace minicrm::testing {
namespace {

using namespace std::chrono_literals;

segment::Node rules(const char* json) {
  return *segment::parse(boost::json::parse(json));
}

class CustomerIndexTest : public ::testing::Test {
 protected:
  std::unique_ptr<sqlite::SqliteStore> open(bool server) {
    sqlite::SqliteOptions o;
    o.path = path_;
    o.synchronous = "NORMAL";
    o.customerIndex = server;
    o.logCustomerChanges = !server;
    auto s = sqlite::SqliteStore::open(o, clock_);
    EXPECT_TRUE(s.ok());
    return std::move(s).value();
  }

  Customer add(Store& store, const std::string& email, Money spend) {
    CustomerDraft d;
    d.name = email;
    d.email = email;
    d.totalSpend = spend;
    Customer c = makeCustomer(d, ids_.next(), clock_.now());
    EXPECT_TRUE(store.writeSync([&](WriteTx& tx) { return tx.insertCustomer(c); }).ok());
    return c;
  }

  TempDir dir_{"minicrm-index"};
  std::string path_ = dir_.newFile("index.db");
  ManualClock clock_{1'750'000'000'000};
  IdGenerator ids_{clock_};
};

TEST_F(CustomerIndexTest, LoadsExistingCustomersAtStart) {
  {
    auto cli = open(false);
    for (int i = 0; i < 50; ++i)
      add(*cli, "c" + std::to_string(i) + "@x.io", i * 100);
  }
  auto server = open(true);
  ASSERT_TRUE(server->waitForCustomerIndex(10s));
  auto p = server->previewSegment(rules(R"({"totalSpend": {"$gte": 40}})"), clock_.now(), 5, 2s,
                                  SegmentEngine::columns);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->total, 10);
  EXPECT_EQ(p->customers.size(), 5u);
  EXPECT_GT(server->customerIndexBytes(), 0u);
}

TEST_F(CustomerIndexTest, SeesAnotherProcessWritesWithinASecond) {
  auto server = open(true);
  ASSERT_TRUE(server->waitForCustomerIndex(10s));
  auto cli = open(false);  // the CLI importer's mode: logs what it touches
  const Customer c = add(*cli, "imported@x.io", 777'00);
  const auto segment = rules(R"({"totalSpend": 777})");
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  std::int64_t total = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto p = server->previewSegment(segment, clock_.now(), 1, 2s, SegmentEngine::columns);
    ASSERT_TRUE(p.ok());
    total = p->total;
    if (total == 1) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(total, 1) << "the server's index did not notice the other process's write";
  // Deletions travel the same way.
  ASSERT_TRUE(
      cli->writeSync([&](WriteTx& tx) { return tx.deleteCustomer(c.id, clock_.now()); }).ok());
  const auto again = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < again) {
    total = server->previewSegment(segment, clock_.now(), 1, 2s, SegmentEngine::columns)->total;
    if (total == 0) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(total, 0);
}

TEST_F(CustomerIndexTest, OwnWritesAreVisibleToTheNextPreview) {
  auto server = open(true);
  ASSERT_TRUE(server->waitForCustomerIndex(10s));
  const auto segment = rules(R"({"totalSpend": {"$gt": 1000}})");
  for (int i = 0; i < 20; ++i) {
    add(*server, "own" + std::to_string(i) + "@x.io", 2000'00);
    // automatic engine: uses the index once it has applied the commit just made
    auto p = server->previewSegment(segment, clock_.now(), 1, 2s, SegmentEngine::automatic);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->total, i + 1);
  }
}

TEST_F(CustomerIndexTest, TooExpensiveSegmentsAreStoppedOnBothEngines) {
  auto server = open(true);
  {
    // Enough rows that a many-branch regex tree cannot finish in a millisecond.
    ASSERT_TRUE(server
                    ->writeSync([&](WriteTx& tx) -> Status {
                      for (int i = 0; i < 20000; ++i) {
                        CustomerDraft d;
                        d.name = std::string(200, 'a') + std::to_string(i);
                        d.email = "slow" + std::to_string(i) + "@x.io";
                        if (Status s = tx.insertCustomer(makeCustomer(d, ids_.next(), 0));
                            !s.ok()) {
                          return s;
                        }
                      }
                      return {};
                    })
                    .ok());
  }
  ASSERT_TRUE(server->waitForCustomerIndex(10s));
  std::string branches;
  for (int i = 0; i < 40; ++i) {
    branches += std::string(i ? "," : "") + R"({"name": {"$regex": "a.*b.*c)" + std::to_string(i) +
                R"(", "$options": "i"}})";
  }
  const auto segment = rules((R"({"$or": [)" + branches + "]}").c_str());
  for (auto engine : {SegmentEngine::sql, SegmentEngine::columns}) {
    auto p = server->previewSegment(segment, clock_.now(), 20, 1ms, engine);
    ASSERT_FALSE(p.ok()) << (engine == SegmentEngine::sql ? "sql" : "columns");
    EXPECT_EQ(p.error().kind, ErrorKind::unprocessable);
    // With time enough, the same segment is answered.
    auto full = server->previewSegment(segment, clock_.now(), 20, 30s, engine);
    ASSERT_TRUE(full.ok());
    EXPECT_EQ(full->total, 0);
  }
}

}  // namespace
}  // namespace minicrm::testing
