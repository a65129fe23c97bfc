// ImportService driven directly (no HTTP): how far parsing may run ahead of writing.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "core/clock.h"
#include "service/import.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace minicrm::testing {
namespace {

// A store without the customer index and a CSV of `rows` customers, in a fresh directory.
struct ImportSetup {
  TempDir dir;
  ManualClock clock{1'750'000'000'000};
  std::unique_ptr<sqlite::SqliteStore> store;
  std::string csv;

  ImportSetup(const std::string& name, int rows, sqlite::SqliteOptions o = {})
      : dir("minicrm-" + name) {
    o.path = dir.newFile(name + ".db");
    o.customerIndex = false;
    auto opened = sqlite::SqliteStore::open(o, clock);
    EXPECT_TRUE(opened.ok());
    if (opened.ok()) store = std::move(opened).value();
    csv = dir.newFile("customers.csv");
    std::ofstream out(csv);
    out << "name,email\n";
    for (int i = 0; i < rows; ++i)
      out << "Customer " << i << "," << name << i << "@x.io\n";
  }
  ImportSettings settings() {
    ImportSettings s;
    s.spoolDir = dir.newFile("spool");
    return s;
  }
};

// A chunk that yields to other writes leaves rows over. They are written before parsing
// goes on, so the rows held in memory stay within about two chunks however big the file.
TEST(ImportService, RowsHeldStayWithinTwoChunksWhileChunksKeepYielding) {
  ImportSetup at("held", 150'000);
  ASSERT_TRUE(at.store);
  auto& store = at.store;
  ImportSettings settings = at.settings();
  settings.chunkRows = 500;
  settings.batchRows = 50;
  settings.slice = std::chrono::milliseconds(0);
  ImportService imports(*store, at.clock, settings);

  // Other writes keep waiting, so every chunk yields after its first batch.
  std::atomic<bool> done{false};
  std::thread other([&] {
    while (!done)
      EXPECT_TRUE(store->writeSync([](WriteTx&) { return Status{}; }).ok());
  });
  std::int64_t held = 0;
  int samples = 0;
  ImportRequest request;
  auto report = imports.importFile(request, at.csv, [&](const ImportProgress& p) {
    held = std::max(held, p.parsed - p.rows);
    ++samples;
  });
  done = true;
  other.join();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->summary.inserted, 150'000);
  EXPECT_GE(samples, 2);
  EXPECT_LE(held, 2 * 500 + 50) << "rows parsed but not yet written";
}

// With nothing else writing, consecutive chunks continue one transaction instead of
// committing (and rewriting every index page they touched) one by one; the report comes
// only once all of it is committed.
TEST(ImportService, ChunksShareTransactionsWhenNoOtherWriteWaits) {
  constexpr int kRows = 20'000;  // 40 chunks
  sqlite::SqliteOptions o;
  o.writer.chainHold = std::chrono::minutes(1);
  ImportSetup at("chained", kRows, o);
  ASSERT_TRUE(at.store);
  auto& store = at.store;
  ImportSettings settings = at.settings();
  settings.chunkRows = 500;
  ImportService imports(*store, at.clock, settings);
  const std::uint64_t before = store->writeBatches();
  ImportRequest request;
  auto report = imports.importFile(request, at.csv, nullptr);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->summary.inserted, kRows);
  // The job's own saves, plus the chunks: far fewer transactions than the 40 chunks.
  EXPECT_LT(store->writeBatches() - before, 10u);
  CustomerQuery all;
  all.page.limit = 1;
  auto page = store->listCustomers(all);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, kRows);
}

}  // namespace
}  // namespace minicrm::testing
