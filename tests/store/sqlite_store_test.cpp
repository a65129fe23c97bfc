// Runs the Store conformance suite against SQLite, plus what is specific to the SQLite
// backend: durability across reopen, migrations, group commit.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "store/conformance.h"
#include "store/open.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace minicrm::testing {
namespace {

std::unique_ptr<sqlite::SqliteStore> openSqliteWith(const sqlite::SqliteOptions& o,
                                                    const Clock& clock) {
  auto s = sqlite::SqliteStore::open(o, clock);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(s).value() : nullptr;
}

std::unique_ptr<Store> openSqlite(const std::string& path, const Clock& clock) {
  sqlite::SqliteOptions o;
  o.path = path;
  return openSqliteWith(o, clock);
}

TempDir& dirs() {
  static TempDir dir("minicrm-store");
  return dir;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
                         ::testing::Values(StoreFactory{
                             "sqlite",
                             [](const Clock& clock) {
                               return openSqlite(dirs().newFile("conformance.db"), clock);
                             }}),
                         [](const auto& info) { return info.param.name; });

TEST(SqliteStore, CommittedWritesSurviveReopen) {
  TempDir dir("minicrm-reopen");
  const std::string path = dir.newFile("reopen.db");
  ManualClock clock(1'750'000'000'000);
  IdGenerator ids(clock);
  CustomerDraft d;
  d.name = "Durable";
  d.email = "durable@x.io";
  Customer c = makeCustomer(d, ids.next(), clock.now());
  {
    auto store = openSqlite(path, clock);
    ASSERT_TRUE(store->writeSync([&](WriteTx& tx) { return tx.insertCustomer(c); }).ok());
  }
  auto store = openSqlite(path, clock);
  auto got = store->getCustomer(c.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Durable");
}

TEST(SqliteStore, MigrationsAreIdempotentAndRecorded) {
  TempDir dir("minicrm-migrate");
  const std::string path = dir.newFile("m.db");
  auto first = sqlite::migrate(path);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, static_cast<int>(sqlite::migrations().size()));
  auto second = sqlite::migrate(path);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 0);
}

TEST(SqliteStore, RefusesADatabaseFromANewerVersion) {
  TempDir dir("minicrm-newer");
  const std::string path = dir.newFile("n.db");
  ASSERT_TRUE(sqlite::migrate(path).ok());
  {
    sqlite::ConnectionOptions o;
    o.path = path;
    sqlite::Connection c(o);
    c.exec("INSERT INTO schema_migrations VALUES (9999, 'future', 0)");
  }
  auto again = sqlite::migrate(path);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("newer"), std::string::npos);
}

TEST(SqliteStore, ConcurrentWritesShareTransactions) {
  TempDir dir("minicrm-group");
  ManualClock clock(1'750'000'000'000);
  IdGenerator ids(clock);
  sqlite::SqliteOptions o;
  o.path = dir.newFile("g.db");
  auto opened = openSqliteWith(o, clock);
  ASSERT_TRUE(opened);
  auto& store = *opened;
  constexpr int kJobs = 2000;
  std::atomic<int> done{0};
  std::promise<void> all;
  for (int i = 0; i < kJobs; ++i) {
    CustomerDraft d;
    d.name = "G";
    d.email = "g" + std::to_string(i) + "@x.io";
    Customer c = makeCustomer(d, ids.next(), clock.now());
    store.write([c](WriteTx& tx) { return tx.insertCustomer(c); },
                [&](Status s) {
                  EXPECT_TRUE(s.ok());
                  if (++done == kJobs) all.set_value();
                });
  }
  all.get_future().wait();
  EXPECT_EQ(store.writeJobs(), static_cast<std::uint64_t>(kJobs));
  // Jobs queued together commit together: far fewer transactions than jobs.
  EXPECT_LT(store.writeBatches(), static_cast<std::uint64_t>(kJobs / 4));
}

TEST(SqliteStore, DurableModeAnswersAfterAWalFlushThatCoversWholeBatches) {
  for (const char* mode : {"FULL", "NORMAL"}) {
    TempDir dir("minicrm-sync");
    ManualClock clock(1'750'000'000'000);
    IdGenerator ids(clock);
    sqlite::SqliteOptions o;
    o.path = dir.newFile("s.db");
    o.synchronous = mode;
    auto opened = openSqliteWith(o, clock);
    ASSERT_TRUE(opened);
    auto& store = *opened;
    std::vector<std::future<Status>> results;
    for (int i = 0; i < 500; ++i) {
      CustomerDraft d;
      d.name = "S";
      d.email = "s" + std::to_string(i) + "@x.io";
      Customer c = makeCustomer(d, ids.next(), clock.now());
      auto p = std::make_shared<std::promise<Status>>();
      results.push_back(p->get_future());
      store.write([c](WriteTx& tx) { return tx.insertCustomer(c); },
                  [p](Status s) { p->set_value(std::move(s)); });
    }
    for (auto& r : results)
      EXPECT_TRUE(r.get().ok());
    if (std::string(mode) == "FULL") {
      // Every answer waited for a flush, and flushes are shared between batches.
      EXPECT_GE(store.walSyncs(), 1u);
      EXPECT_LE(store.walSyncs(), store.writeBatches());
    } else {
      EXPECT_EQ(store.walSyncs(), 0u);
    }
  }
}

TEST(SqliteStore, OpenRejectsUnsupportedUrls) {
  ManualClock clock(0);
  StoreSettings s;
  s.databaseUrl = "postgres://localhost/minicrm";
  auto r = openStore(s, clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fields.at(0).path, "DATABASE_URL");
  s.databaseUrl = "mongodb://x";
  EXPECT_FALSE(openStore(s, clock).ok());
  EXPECT_EQ(*sqlitePath("sqlite:./a.db"), "./a.db");
  EXPECT_EQ(*sqlitePath("sqlite:///tmp/a.db"), "/tmp/a.db");
}

TEST(SqliteStore, AJobAloneCommitsOrRollsBackWholeWithoutTouchingOthers) {
  TempDir dir("minicrm-alone");
  ManualClock clock(1'750'000'000'000);
  IdGenerator ids(clock);
  auto store = openSqlite(dir.newFile("alone.db"), clock);
  auto customer = [&](const std::string& email) {
    CustomerDraft d;
    d.name = email;
    d.email = email;
    return makeCustomer(d, ids.next(), clock.now());
  };
  const Customer before = customer("before@x.io");
  const Customer inFailed = customer("failed@x.io");
  const Customer inGood = customer("good@x.io");
  const Customer after = customer("after@x.io");
  std::promise<Status> p1, p2, p3, p4;
  store->write([&](WriteTx& tx) { return tx.insertCustomer(before); },
               [&](Status s) { p1.set_value(std::move(s)); });
  store->writeAlone(
      [&](WriteTx& tx) -> Status {
        if (Status s = tx.insertCustomer(inFailed); !s.ok()) return s;
        return Error::internal("the chunk failed half-way");
      },
      [&](Status s) { p2.set_value(std::move(s)); });
  store->writeAlone([&](WriteTx& tx) { return tx.insertCustomer(inGood); },
                    [&](Status s) { p3.set_value(std::move(s)); });
  store->write([&](WriteTx& tx) { return tx.insertCustomer(after); },
               [&](Status s) { p4.set_value(std::move(s)); });
  EXPECT_TRUE(p1.get_future().get().ok());
  Status failed = p2.get_future().get();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "the chunk failed half-way");
  EXPECT_TRUE(p3.get_future().get().ok());
  EXPECT_TRUE(p4.get_future().get().ok());
  EXPECT_TRUE(store->getCustomer(before.id).ok());
  EXPECT_FALSE(store->getCustomer(inFailed.id).ok());
  EXPECT_TRUE(store->getCustomer(inGood.id).ok());
  EXPECT_TRUE(store->getCustomer(after.id).ok());
}

// Import chunks chain: each is told it ran at once, the next continues the same
// transaction, and nothing of the chain is visible or answered until it commits.
struct ChainFixture {
  TempDir dir{"minicrm-chain"};
  ManualClock clock{1'750'000'000'000};
  IdGenerator ids{clock};
  std::string path = dir.newFile("chain.db");
  std::unique_ptr<sqlite::SqliteStore> store;

  explicit ChainFixture(std::chrono::milliseconds hold, std::chrono::milliseconds wait) {
    sqlite::SqliteOptions o;
    o.path = path;
    o.writer.chainHold = hold;
    o.writer.chainWait = wait;
    store = openSqliteWith(o, clock);
  }
  Customer customer(const std::string& email) {
    CustomerDraft d;
    d.name = email;
    d.email = email;
    return makeCustomer(d, ids.next(), clock.now());
  }
  // Queues an alone job inserting `c` (failing afterwards when `fail`).
  void chained(const Customer& c, std::promise<Status>& ran, std::promise<Status>& done,
               bool fail = false) {
    store->writeAlone(
        [c, fail](WriteTx& tx) -> Status {
          if (Status s = tx.insertCustomer(c); !s.ok()) return s;
          if (fail) return Error::internal("the chunk failed");
          return {};
        },
        [&done](Status s) { done.set_value(std::move(s)); },
        [&ran](Status s) { ran.set_value(std::move(s)); });
  }
  bool stored(const Customer& c) { return store->getCustomer(c.id).ok(); }
};

bool ready(std::future<Status>& f) {
  return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

TEST(SqliteStore, ChainedJobsShareOneTransactionUntilAnotherWriteComes) {
  ChainFixture f(std::chrono::seconds(60), std::chrono::seconds(60));
  ASSERT_TRUE(f.store);
  const Customer a = f.customer("a@x.io"), b = f.customer("b@x.io"), c = f.customer("c@x.io");
  const std::uint64_t batchesBefore = f.store->writeBatches();
  std::promise<Status> ranA, doneA, ranB, doneB, doneC;
  auto doneAf = doneA.get_future(), doneBf = doneB.get_future();
  f.chained(a, ranA, doneA);
  ASSERT_TRUE(ranA.get_future().get().ok());
  f.chained(b, ranB, doneB);
  ASSERT_TRUE(ranB.get_future().get().ok());
  // Both ran inside one open transaction: unseen, unanswered, uncommitted.
  EXPECT_FALSE(f.stored(a));
  EXPECT_FALSE(f.stored(b));
  EXPECT_FALSE(ready(doneAf));
  EXPECT_FALSE(ready(doneBf));
  EXPECT_EQ(f.store->writeBatches(), batchesBefore);
  // Another write ends the chain: it commits, then the write runs in a batch of its own.
  f.store->write([&](WriteTx& tx) { return tx.insertCustomer(c); },
                 [&](Status s) { doneC.set_value(std::move(s)); });
  EXPECT_TRUE(doneC.get_future().get().ok());
  EXPECT_TRUE(doneAf.get().ok());
  EXPECT_TRUE(doneBf.get().ok());
  EXPECT_TRUE(f.stored(a));
  EXPECT_TRUE(f.stored(b));
  EXPECT_TRUE(f.stored(c));
  EXPECT_EQ(f.store->writeBatches(), batchesBefore + 2);
}

TEST(SqliteStore, AFailingJobRollsBackItsWholeChain) {
  ChainFixture f(std::chrono::seconds(60), std::chrono::seconds(60));
  ASSERT_TRUE(f.store);
  const Customer a = f.customer("a@x.io"), b = f.customer("b@x.io"), c = f.customer("c@x.io");
  std::promise<Status> ranA, doneA, ranB, doneB;
  f.chained(a, ranA, doneA);
  ASSERT_TRUE(ranA.get_future().get().ok());
  f.chained(b, ranB, doneB, true);
  Status ranBs = ranB.get_future().get();
  ASSERT_FALSE(ranBs.ok());
  EXPECT_EQ(ranBs.error().message, "the chunk failed");
  // The job that ran before it in the chain is rolled back with it and told so.
  Status a2 = doneA.get_future().get();
  ASSERT_FALSE(a2.ok());
  EXPECT_EQ(a2.error().message, "the chunk failed");
  EXPECT_FALSE(doneB.get_future().get().ok());
  EXPECT_FALSE(f.stored(a));
  EXPECT_FALSE(f.stored(b));
  EXPECT_TRUE(f.store->writeSync([&](WriteTx& tx) { return tx.insertCustomer(c); }).ok());
  EXPECT_TRUE(f.stored(c));
}

TEST(SqliteStore, AChainCommitsWhenNoJobFollowsOrItsTimeIsUp) {
  // Nothing follows within chainWait; then a chain whose hold is over.
  for (auto [hold, wait] :
       {std::pair{std::chrono::milliseconds(60'000), std::chrono::milliseconds(30)},
        std::pair{std::chrono::milliseconds(30), std::chrono::milliseconds(60'000)}}) {
    ChainFixture f(hold, wait);
    ASSERT_TRUE(f.store);
    const Customer a = f.customer("a@x.io");
    std::promise<Status> ranA, doneA;
    f.chained(a, ranA, doneA);
    auto done = doneA.get_future();
    ASSERT_EQ(done.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    EXPECT_TRUE(done.get().ok());
    EXPECT_TRUE(f.stored(a));
  }
}

TEST(SqliteStore, AJobWithoutRanEndsItsChainAndClosingCommitsAnOpenOne) {
  ChainFixture f(std::chrono::seconds(60), std::chrono::seconds(60));
  ASSERT_TRUE(f.store);
  const Customer a = f.customer("a@x.io"), b = f.customer("b@x.io"), c = f.customer("c@x.io");
  std::promise<Status> ranA, doneA, doneB, ranC, doneC;
  f.chained(a, ranA, doneA);
  ASSERT_TRUE(ranA.get_future().get().ok());
  f.store->writeAlone([&](WriteTx& tx) { return tx.insertCustomer(b); },
                      [&](Status s) { doneB.set_value(std::move(s)); });
  EXPECT_TRUE(doneB.get_future().get().ok());
  EXPECT_TRUE(doneA.get_future().get().ok());
  EXPECT_TRUE(f.stored(a));
  EXPECT_TRUE(f.stored(b));
  // A chain still open when the store closes is committed, not lost.
  f.chained(c, ranC, doneC);
  ASSERT_TRUE(ranC.get_future().get().ok());
  f.store.reset();
  EXPECT_TRUE(doneC.get_future().get().ok());
  auto reopened = openSqlite(f.path, f.clock);
  ASSERT_TRUE(reopened);
  EXPECT_TRUE(reopened->getCustomer(c.id).ok());
}

// Pooled readers keep their snapshot between reads while nothing is committed; a write
// that has been answered must still be visible to the very next read.
TEST(SqliteStore, EveryReadSeesEveryWriteAnsweredBeforeIt) {
  TempDir dir("minicrm-snapshots");
  ManualClock clock(1'750'000'000'000);
  IdGenerator ids(clock);
  auto store = openSqlite(dir.newFile("snapshots.db"), clock);
  for (int i = 0; i < 200; ++i) {
    CustomerDraft d;
    d.name = "Reader " + std::to_string(i);
    d.email = "reader" + std::to_string(i) + "@x.io";
    Customer c = makeCustomer(d, ids.next(), clock.now());
    ASSERT_TRUE(store->writeSync([&](WriteTx& tx) { return tx.insertCustomer(c); }).ok());
    ASSERT_TRUE(store->getCustomer(c.id).ok()) << "customer " << i << " unseen";
    c.name = "Renamed " + std::to_string(i);
    ASSERT_TRUE(store->writeSync([&](WriteTx& tx) { return tx.updateCustomer(c); }).ok());
    auto again = store->getCustomer(c.id);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->name, c.name);
    CustomerQuery q;
    auto page = store->listCustomers(q);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->total, i + 1);
  }
}

// Writes by another process (here: another connection) move no commit counter of ours;
// readers still see them within a tenth of a second.
TEST(SqliteStore, WritesOfOtherProcessesAreSeenWithinATenthOfASecond) {
  TempDir dir("minicrm-external");
  const std::string path = dir.newFile("external.db");
  ManualClock clock(1'750'000'000'000);
  IdGenerator ids(clock);
  auto store = openSqlite(path, clock);
  CustomerDraft d;
  d.name = "Before";
  d.email = "external@x.io";
  const Customer c = makeCustomer(d, ids.next(), clock.now());
  ASSERT_TRUE(store->writeSync([&](WriteTx& tx) { return tx.insertCustomer(c); }).ok());
  ASSERT_EQ(store->getCustomer(c.id)->name, "Before");  // a reader now holds a snapshot

  sqlite::ConnectionOptions other;
  other.path = path;
  sqlite::Connection external(other);
  external.exec("UPDATE customers SET name = 'After' WHERE email = 'external@x.io'");
  const auto changed = std::chrono::steady_clock::now();
  std::string seen;
  while (std::chrono::steady_clock::now() - changed < std::chrono::seconds(2)) {
    seen = store->getCustomer(c.id)->name;
    if (seen == "After") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(seen, "After");
  EXPECT_LT(std::chrono::steady_clock::now() - changed, std::chrono::milliseconds(400));
}

// A store on a fresh file whose background checkpoints start after 8 WAL pages.
class SqliteStoreWal : public ::testing::Test {
 protected:
  SqliteStoreWal() {
    o.path = dir.newFile("wal.db");
    o.writer.checkpointPages = 8;
  }

  TempDir dir{"minicrm-wal"};
  ManualClock clock{1'750'000'000'000};
  IdGenerator ids{clock};
  sqlite::SqliteOptions o;
};

// An idle reader's snapshot would keep checkpoints from copying the WAL, so the WAL could
// never start over; idle snapshots are given up before each checkpoint.
TEST_F(SqliteStoreWal, IdleReadersDoNotKeepTheWalFromStartingOver) {
  auto opened = openSqliteWith(o, clock);
  ASSERT_TRUE(opened);
  auto& store = *opened;
  int n = 0;
  auto insert = [&] {
    CustomerDraft d;
    d.name = "Wal " + std::to_string(n);
    d.email = "wal" + std::to_string(n++) + "@x.io";
    Customer c = makeCustomer(d, ids.next(), clock.now());
    EXPECT_TRUE(store.writeSync([&](WriteTx& tx) { return tx.insertCustomer(c); }).ok());
    return c;
  };
  const Customer first = insert();
  // Several readers at once, so the pool keeps several snapshots idle afterwards.
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] { EXPECT_TRUE(store.getCustomer(first.id).ok()); });
  for (auto& t : readers)
    t.join();
  const auto start = std::chrono::steady_clock::now();
  while (store.walRestarts() == 0 &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    insert();
  }
  EXPECT_GT(store.walRestarts(), 0u) << "after " << n << " writes";
}

// Commits bigger than the tail the writer copies itself (a bulk import) outrun the
// background passes; the WAL must still start over instead of growing with every commit.
TEST_F(SqliteStoreWal, TheWalStaysBoundedWhenCommitsOutrunTheCheckpointer) {
  o.customerIndex = false;
  auto opened = openSqliteWith(o, clock);
  ASSERT_TRUE(opened);
  auto& store = *opened;
  const std::string padding(1000, 'n');
  std::uintmax_t largest = 0, first = 0;
  constexpr int kCommits = 12;
  for (int commit = 0; commit < kCommits; ++commit) {
    // About 24 MB of table and index pages per commit: many times the tail the writer copies.
    std::vector<Customer> batch;
    for (int i = 0; i < 2500; ++i) {
      CustomerDraft d;
      d.name = padding + std::to_string(commit) + "-" + std::to_string(i);
      d.email = "bulk" + std::to_string(commit) + "-" + std::to_string(i) + "@x.io";
      batch.push_back(makeCustomer(d, ids.next(), clock.now()));
    }
    ASSERT_TRUE(store
                    .writeSync([&](WriteTx& tx) -> Status {
                      for (const auto& c : batch) {
                        if (Status s = tx.insertCustomer(c); !s.ok()) return s;
                      }
                      return {};
                    })
                    .ok());
    largest = std::max(largest, std::filesystem::file_size(o.path + "-wal"));
    if (commit == 0) first = largest;
  }
  // Unbounded, the WAL would hold every commit (12 times the first).
  EXPECT_LE(largest, 3 * first) << "WAL bytes at most; one commit wrote " << first;
  EXPECT_GE(store.walRestarts(), std::uint64_t{kCommits / 2});
}

}  // namespace
}  // namespace minicrm::testing
