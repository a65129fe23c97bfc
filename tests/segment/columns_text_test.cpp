// CustomerColumns' text records and where they live: the heap, or MappedArena's file whose
// written pages leave the process's page tables. Member sets are checked against what the
// test itself knows each customer's text to be.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <csignal>

#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "core/segment/columns.h"
#include "store/sqlite/mapped_arena.h"
#include "support/temp_dir.h"

namespace minicrm::segment {
namespace {

Id idOf(std::uint32_t n) {
  std::uint8_t b[12] = {};
  std::memcpy(b + 8, &n, 4);
  return Id::fromBytes(b);
}

CustomerFacts facts(std::uint32_t n, int round) {
  CustomerFacts f;
  f.id = idOf(n);
  f.name = "Customer " + std::to_string(n) + " r" + std::to_string(round);
  f.email = "c" + std::to_string(n) + "." + std::to_string(round) + "@example.com";
  if ((n + round) % 3 != 0) f.phone = "+91" + std::to_string(9000000000LL + n);
  f.totalSpend = static_cast<Money>(n) * 100;
  f.visits = n % 7;
  f.lastActive = 1'700'000'000'000 + n;
  f.createdAt = 1'600'000'000'000 + n;
  return f;
}

std::vector<Id> members(const CustomerColumns& c, const char* rules) {
  auto node = parse(boost::json::parse(rules));
  EXPECT_TRUE(node.ok()) << rules;
  auto ids = c.members(*node, 1'800'000'000'000);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string json(const std::string& s) {
  return boost::json::serialize(boost::json::value(s));
}

// Every customer's name, email and phone are found by exact match, and phone presence
// counts as the test expects.
void expectText(const CustomerColumns& c, const std::vector<CustomerFacts>& now) {
  std::size_t withPhone = 0;
  for (std::size_t i = 0; i < now.size(); i += 97) {
    const auto& f = now[i];
    const std::vector<Id> one{f.id};
    EXPECT_EQ(members(c, ("{\"name\":" + json(f.name) + "}").c_str()), one) << f.name;
    EXPECT_EQ(members(c, ("{\"email\":" + json(f.email) + "}").c_str()), one) << f.email;
    if (f.phone) {
      EXPECT_EQ(members(c, ("{\"phone\":" + json(*f.phone) + "}").c_str()), one);
    }
  }
  for (const auto& f : now)
    withPhone += f.phone ? 1 : 0;
  EXPECT_EQ(members(c, R"({"phone":{"$exists":true}})").size(), withPhone);
  EXPECT_EQ(members(c, R"({"email":{"$regex":"@example\\.com$"}})").size(), now.size());
}

TEST(CustomerColumnsText, AggregateOnlyWritesKeepTheTextAndAppendNothing) {
  CustomerColumns c;
  std::vector<CustomerFacts> now;
  for (std::uint32_t n = 0; n < 2000; ++n) {
    now.push_back(facts(n, 0));
    c.upsert(now.back());
  }
  const std::size_t text = c.textBytes();
  for (int round = 1; round <= 5; ++round) {
    for (auto& f : now) {
      CustomerFacts order = facts(static_cast<std::uint32_t>(f.visits), round);  // wrong text
      order.id = f.id;
      order.totalSpend = f.totalSpend + round;
      order.visits = f.visits;
      order.lastActive = f.lastActive;
      order.createdAt = f.createdAt;
      order.aggregatesOnly = true;
      c.upsert(order);
      f.totalSpend = order.totalSpend;
    }
  }
  EXPECT_EQ(c.textBytes(), text);
  expectText(c, now);
  EXPECT_EQ(members(c, R"({"totalSpend":{"$gte":1000.05}})").size(), now.size() - 1000);

  // Rewriting the same text appends nothing either; a customer the columns do not hold yet
  // gets its text even from an aggregates-only write.
  c.upsert(now[5]);
  EXPECT_EQ(c.textBytes(), text);
  CustomerFacts fresh = facts(5000, 0);
  fresh.aggregatesOnly = true;
  c.upsert(fresh);
  EXPECT_EQ(members(c, ("{\"name\":" + json(fresh.name) + "}").c_str()), std::vector<Id>{fresh.id});
}

TEST(CustomerColumnsText, ReplacedTextIsCompactedAwayAndStaysExact) {
  testing::TempDir dir("minicrm-columns");
  int arenas = 0;
  auto mapped = sqlite::textArenasFor((dir.path() / "x.db").string());
  CustomerColumns c([&] {
    ++arenas;
    return mapped();
  });
  std::vector<CustomerFacts> now;
  for (std::uint32_t n = 0; n < 4000; ++n) {
    now.push_back(facts(n, 0));
    c.upsert(now.back());
  }
  // A record is each field's bytes plus a one-byte length at these sizes.
  auto liveBytes = [&] {
    std::size_t n = 0;
    for (const auto& f : now)
      n += f.name.size() + f.email.size() + (f.phone ? f.phone->size() : 0) + 3;
    return n;
  };
  EXPECT_EQ(c.textBytes(), liveBytes());
  for (int round = 1; round <= 60; ++round) {
    for (std::uint32_t n = 0; n < now.size(); ++n) {
      now[n] = facts(n, round);
      c.upsert(now[n]);
    }
    // Replaced records go once they are half the arena and it is over 1 MiB.
    EXPECT_LE(c.textBytes(), std::max<std::size_t>(2 * liveBytes(), 1u << 20) + 64)
        << "round " << round;
  }
  EXPECT_GT(arenas, 2) << "compaction starts a fresh arena";
  expectText(c, now);

  // Erased customers free their slots; reused slots carry their new text only.
  for (std::size_t i = 0; i < now.size(); i += 2)
    EXPECT_TRUE(c.erase(now[i].id));
  std::vector<CustomerFacts> kept;
  for (std::size_t i = 1; i < now.size(); i += 2)
    kept.push_back(now[i]);
  for (std::uint32_t n = 10000; n < 11000; ++n) {
    kept.push_back(facts(n, 99));
    c.upsert(kept.back());
  }
  EXPECT_EQ(c.size(), kept.size());
  expectText(c, kept);
  EXPECT_TRUE(members(c, ("{\"name\":" + json(now[0].name) + "}").c_str()).empty());
}

// The Rss of the mapping that starts at `base`, from /proc/self/smaps.
long residentKiB(const void* base) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  char start[32];
  std::snprintf(start, sizeof start, "%lx-", reinterpret_cast<unsigned long>(base));
  while (std::getline(smaps, line)) {
    if (line.rfind(start, 0) == 0) {
      inside = true;
    } else if (inside && line.rfind("Rss:", 0) == 0) {
      return std::stol(line.substr(4));
    }
  }
  return -1;
}

TEST(MappedArena, WrittenPagesLeaveTheProcessButStayReadable) {
  testing::TempDir dir("minicrm-arena");
  sqlite::MappedArena arena(dir.path().string());
  std::string record(100, 'x');
  for (std::uint32_t i = 0; i < 200'000; ++i) {  // 20 MB
    std::memcpy(record.data(), &i, 4);
    EXPECT_EQ(arena.append(record), std::uint64_t{i} * record.size());
  }
  EXPECT_EQ(arena.size(), 200'000u * record.size());
  EXPECT_EQ(arena.heapBytes(), 0u);
  const long before = residentKiB(arena.data());
  ASSERT_GE(before, 0) << "mapping not found in /proc/self/smaps";
  EXPECT_LE(before, 1024 + 4) << "only the last MiB written stays mapped";

  for (std::uint32_t i = 0; i < 200'000; i += 1013) {
    std::uint32_t got = 0;
    std::memcpy(&got, arena.data() + std::uint64_t{i} * record.size(), 4);
    ASSERT_EQ(got, i);
  }
  EXPECT_GT(residentKiB(arena.data()), before) << "reads map pages back in";
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "the file is never visible";
}

TEST(MappedArena, AFileThatCannotGrowMovesTheBytesToTheHeap) {
  testing::TempDir dir("minicrm-arena");
  sqlite::MappedArena arena(dir.path().string());
  std::string record(1000, 'y');
  // Past 40 MiB the file may not grow: the kernel refuses (EFBIG) instead of a full disk.
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto* oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 40u << 20;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  for (std::uint32_t i = 0; i < 60'000; ++i) {  // 60 MB
    std::memcpy(record.data(), &i, 4);
    ASSERT_EQ(arena.append(record), std::uint64_t{i} * record.size());
  }
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, oldHandler);

  EXPECT_TRUE(arena.inHeap());
  EXPECT_GE(arena.heapBytes(), arena.size());
  for (std::uint32_t i = 0; i < 60'000; i += 7) {
    std::uint32_t got = 0;
    std::memcpy(&got, arena.data() + std::uint64_t{i} * record.size(), 4);
    ASSERT_EQ(got, i) << "every byte written before and after the move is kept";
    ASSERT_EQ(arena.data()[std::uint64_t{i} * record.size() + 999], 'y');
  }
}

TEST(MappedArena, ADirectoryWithoutRoomForTheFileFallsBackToTheHeap) {
  EXPECT_THROW(sqlite::MappedArena("/nonexistent/minicrm"), std::system_error);
  auto arena = sqlite::textArenasFor("/nonexistent/minicrm/x.db")();
  arena->append("Asha");
  EXPECT_GT(arena->heapBytes(), 0u);
  EXPECT_EQ(std::string_view(arena->data(), arena->size()), "Asha");
}

}  // namespace
}  // namespace minicrm::segment
