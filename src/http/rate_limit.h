// Token-bucket rate limits keyed by a string (a client address, a principal's subject).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace minicrm::http {

struct RateLimit {
  double perSecond = 0;  // refill rate; 0: no limit
  double burst = 0;      // bucket size
  bool enabled() const { return perSecond > 0 && burst >= 1; }
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit);

  bool enabled() const { return limit_.enabled(); }
  // Takes one token from `key`'s bucket at `nowMs` (a monotonic clock). nullopt when
  // allowed; else the milliseconds until a token will be there. Thread-safe.
  std::optional<std::int64_t> take(std::string_view key, std::int64_t nowMs);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t updated = 0;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShards = 16;
  // Buckets that have refilled completely are forgotten once a shard holds this many.
  static constexpr std::size_t kPruneAt = 4096;

  RateLimit limit_;
  std::array<Shard, kShards> shards_;
};

}  // namespace minicrm::http
