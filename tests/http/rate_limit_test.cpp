#include "http/rate_limit.h"

#include <gtest/gtest.h>

namespace minicrm::http {
namespace {

TEST(RateLimiter, BurstThenRefillAtTheRate) {
  RateLimiter limiter({2.0, 4.0});  // 2/s, bursts of 4
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(limiter.take("a", 1000)) << i;
  auto wait = limiter.take("a", 1000);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 500);
  EXPECT_FALSE(limiter.take("b", 1000)) << "buckets are per key";
  EXPECT_FALSE(limiter.take("a", 1500));
  EXPECT_TRUE(limiter.take("a", 1500));
  EXPECT_FALSE(limiter.take("a", 100'000));  // refilled, capped at the burst
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(limiter.take("a", 100'000));
  EXPECT_TRUE(limiter.take("a", 100'000));
}

TEST(RateLimiter, OffByDefault) {
  RateLimiter limiter({});
  for (int i = 0; i < 1000; ++i)
    EXPECT_FALSE(limiter.take("a", 0));
}

TEST(RateLimiter, ForgetsIdleClientsSoManyAddressesDoNotGrowItForever) {
  RateLimiter limiter({1.0, 1.0});
  for (int i = 0; i < 100'000; ++i)
    limiter.take("10.0." + std::to_string(i), i * 10'000LL);
  // Still limiting the client that matters.
  EXPECT_FALSE(limiter.take("x", 2'000'000'000));
  EXPECT_TRUE(limiter.take("x", 2'000'000'000));
}

}  // namespace
}  // namespace minicrm::http
