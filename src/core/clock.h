// Time as int64 milliseconds since the Unix epoch (UTC). A Clock is injected wherever
// "now" matters so tests can move time.
#pragma once

#include <atomic>
#include <cstdint>

namespace minicrm {

using Millis = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis now() const = 0;
};

// Wall-clock time.
class SystemClock final : public Clock {
 public:
  Millis now() const override;
  static const SystemClock& instance();
};

// A clock tests set by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start) : now_(start) {}
  Millis now() const override { return now_.load(std::memory_order_relaxed); }
  void set(Millis t) { now_.store(t, std::memory_order_relaxed); }
  void advance(Millis d) { now_.fetch_add(d, std::memory_order_relaxed); }

 private:
  std::atomic<Millis> now_;
};

}  // namespace minicrm
