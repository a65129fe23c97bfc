#include "core/id.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace minicrm {
namespace {

TEST(Id, ParsesAndPrintsHex) {
  auto id = Id::parse("6B071728f5f8add4cd0000ff");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->hex(), "6b071728f5f8add4cd0000ff");
  EXPECT_EQ(id->seconds(), 0x6b071728);
}

TEST(Id, RejectsMalformed) {
  EXPECT_FALSE(Id::parse(""));
  EXPECT_FALSE(Id::parse("6b071728f5f8add4cd0000f"));    // 23
  EXPECT_FALSE(Id::parse("6b071728f5f8add4cd0000fff"));  // 25
  EXPECT_FALSE(Id::parse("6b071728f5f8add4cd0000fg"));
  EXPECT_FALSE(Id::parse("6b071728-5f8add4cd0000ff"));
}

TEST(IdGenerator, EmbedsClockSecondsAndIsStrictlyIncreasing) {
  ManualClock clock(1'700'000'000'123);
  IdGenerator gen(clock);
  Id first = gen.next();
  EXPECT_EQ(first.seconds(), 1'700'000'000);
  Id prev = first;
  for (int i = 0; i < 1000; ++i) {
    Id next = gen.next();
    EXPECT_LT(prev, next);
    prev = next;
  }
  clock.advance(5000);
  Id later = gen.next();
  EXPECT_EQ(later.seconds(), 1'700'000'005);
  EXPECT_LT(prev, later);
}

TEST(IdGenerator, StaysIncreasingWhenTheClockGoesBack) {
  ManualClock clock(1'700'000'100'000);
  IdGenerator gen(clock);
  Id a = gen.next();
  clock.set(1'700'000'000'000);
  Id b = gen.next();
  EXPECT_LT(a, b);
}

TEST(IdGenerator, CounterOverflowCarriesIntoSeconds) {
  ManualClock clock(1'700'000'000'000);
  IdGenerator gen(clock);
  Id prev = gen.next();
  for (int i = 0; i < (1 << 24) + 10; ++i) {
    Id next = gen.next();
    ASSERT_LT(prev, next) << i;
    prev = next;
  }
  EXPECT_EQ(prev.seconds(), 1'700'000'001);
}

TEST(IdGenerator, UniqueAcrossThreads) {
  ManualClock clock(1'700'000'000'000);
  IdGenerator gen(clock);
  std::vector<std::vector<Id>> perThread(4);
  std::vector<std::thread> threads;
  for (auto& out : perThread) {
    threads.emplace_back([&gen, &out] {
      for (int i = 0; i < 20000; ++i)
        out.push_back(gen.next());
    });
  }
  for (auto& t : threads)
    t.join();
  std::set<Id> all;
  for (const auto& v : perThread) {
    for (std::size_t i = 1; i < v.size(); ++i)
      EXPECT_LT(v[i - 1], v[i]);
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), 80000u);
}

}  // namespace
}  // namespace minicrm
