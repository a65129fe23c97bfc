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

// A chunk that yields to other writes leaves rows over. They are written before parsing
// goes on, so the rows held in memory stay within about two chunks however big the file.
TEST(ImportService, RowsHeldStayWithinTwoChunksWhileChunksKeepYielding) {
  TempDir dir("minicrm-held");
  ManualClock clock(1'750'000'000'000);
  sqlite::SqliteOptions o;
  o.path = dir.newFile("held.db");
  o.customerIndex = false;
  auto store = sqlite::SqliteStore::open(o, clock);
  ASSERT_TRUE(store.ok());
  ImportSettings settings;
  settings.spoolDir = dir.newFile("spool");
  settings.chunkRows = 500;
  settings.batchRows = 50;
  settings.slice = std::chrono::milliseconds(0);
  ImportService imports(**store, clock, settings);

  const std::string csv = dir.newFile("customers.csv");
  {
    std::ofstream out(csv);
    out << "name,email\n";
    for (int i = 0; i < 150'000; ++i)
      out << "Held " << i << ",held" << i << "@x.io\n";
  }
  // Other writes keep waiting, so every chunk yields after its first batch.
  std::atomic<bool> done{false};
  std::thread other([&] {
    while (!done)
      EXPECT_TRUE((*store)->writeSync([](WriteTx&) { return Status{}; }).ok());
  });
  std::int64_t held = 0;
  int samples = 0;
  ImportRequest request;
  auto report = imports.importFile(request, csv, [&](const ImportProgress& p) {
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
  TempDir dir("minicrm-chained");
  ManualClock clock(1'750'000'000'000);
  sqlite::SqliteOptions o;
  o.path = dir.newFile("chained.db");
  o.customerIndex = false;
  o.writer.chainHold = std::chrono::minutes(1);
  auto store = sqlite::SqliteStore::open(o, clock);
  ASSERT_TRUE(store.ok());
  ImportSettings settings;
  settings.spoolDir = dir.newFile("spool");
  settings.chunkRows = 500;
  ImportService imports(**store, clock, settings);

  constexpr int kRows = 20'000;  // 40 chunks
  const std::string csv = dir.newFile("customers.csv");
  {
    std::ofstream out(csv);
    out << "name,email\n";
    for (int i = 0; i < kRows; ++i)
      out << "Chained " << i << ",chained" << i << "@x.io\n";
  }
  const std::uint64_t before = (*store)->writeBatches();
  ImportRequest request;
  auto report = imports.importFile(request, csv, nullptr);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->summary.inserted, kRows);
  // The job's own saves, plus the chunks: far fewer transactions than the 40 chunks.
  EXPECT_LT((*store)->writeBatches() - before, 10u);
  CustomerQuery all;
  all.page.limit = 1;
  auto page = (*store)->listCustomers(all);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, kRows);
}

}  // namespace
}  // namespace minicrm::testing
