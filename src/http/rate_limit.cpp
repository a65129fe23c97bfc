#include "http/rate_limit.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace minicrm::http {

RateLimiter::RateLimiter(RateLimit limit) : limit_(limit) {}

std::optional<std::int64_t> RateLimiter::take(std::string_view key, std::int64_t nowMs) {
  if (!enabled()) return std::nullopt;
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mu);
  auto refilled = [&](const Bucket& b) {
    const double elapsed = static_cast<double>(std::max<std::int64_t>(0, nowMs - b.updated));
    return std::min(limit_.burst, b.tokens + elapsed / 1000.0 * limit_.perSecond);
  };
  if (shard.buckets.size() >= kPruneAt) {
    std::erase_if(shard.buckets,
                  [&](const auto& kv) { return refilled(kv.second) >= limit_.burst; });
  }
  auto [it, fresh] = shard.buckets.try_emplace(std::string(key), Bucket{limit_.burst, nowMs});
  Bucket& b = it->second;
  b.tokens = refilled(b);
  b.updated = nowMs;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return static_cast<std::int64_t>(std::ceil((1 - b.tokens) / limit_.perSecond * 1000.0));
}

}  // namespace minicrm::http
