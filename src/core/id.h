// Document ids: 12 bytes laid out like a MongoDB ObjectId (4-byte big-endian seconds,
// 5 random bytes chosen once per process, 3-byte counter), shown as 24 lowercase hex
// characters. Byte order equals time order, and ids made by one IdGenerator are strictly
// increasing, so "newest first" is a reverse scan of the key.
#pragma once

#include <array>
#include <atomic>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace minicrm {

struct Id {
  std::array<std::uint8_t, 12> bytes{};

  // Accepts exactly 24 hex digits (either case); anything else is nullopt.
  static std::optional<Id> parse(std::string_view hex);
  static Id fromBytes(const void* data);  // REQUIRES: 12 readable bytes
  std::string hex() const;
  void appendHex(std::string& out) const;
  // Seconds since the epoch encoded in the first four bytes.
  std::int64_t seconds() const;

  auto operator<=>(const Id&) const = default;
  bool operator==(const Id&) const = default;
};

// Makes ids. Thread-safe; one per process is enough.
class IdGenerator {
 public:
  explicit IdGenerator(const Clock& clock);
  // Ids whose bytes 4..8 are `fixed` instead of process-random ones (an import tags the
  // rows it creates this way), all greater than those made before `state` was taken.
  IdGenerator(const Clock& clock, const std::array<std::uint8_t, 5>& fixed, std::uint64_t state);
  Id next();
  // Where the sequence stands: pass it back to continue after the last id made.
  std::uint64_t state() const { return state_.load(std::memory_order_relaxed); }

 private:
  const Clock& clock_;
  std::array<std::uint8_t, 5> random_{};
  // (seconds << 24 | counter); bumped monotonically, carrying into seconds on overflow.
  std::atomic<std::uint64_t> state_{0};
};

}  // namespace minicrm

template <>
struct std::hash<minicrm::Id> {
  std::size_t operator()(const minicrm::Id& id) const noexcept {
    std::uint64_t a = 0;
    std::uint32_t b = 0;
    __builtin_memcpy(&a, id.bytes.data(), 8);
    __builtin_memcpy(&b, id.bytes.data() + 8, 4);
    // Every bit of the result depends on every byte (SplitMix64's finaliser): ids made in
    // the same second differ only in their counter, and open-addressing tables (the
    // customer index) cluster badly when the low bits follow the counter.
    std::uint64_t z = a ^ (std::uint64_t{b} * 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<std::size_t>(z ^ (z >> 31));
  }
};
