// Seeded generators of customer sets and segment rule documents, for the property tests
// (equivalence of the engines, print/parse round trip). Deterministic for a seed on every
// platform: no std distributions.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <vector>

#include "core/clock.h"
#include "core/customer.h"
#include "segment/segment_support.h"

namespace minicrm::segtest {

// splitmix64.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  // Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  bool chance(int percent) { return below(100) < static_cast<std::uint64_t>(percent); }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  std::uint64_t state_;
};

// The "now" the generated data is built around: 2025-06-15T10:30:00.000Z.
Millis generatedNow();

// `count` customers: unicode names and cities, emails of several domains (unique), null
// and empty phones/cities, money 0..10^9 paise, visits 0..10,000 (so value x visits fits
// int64), dates on and around day boundaries and around `now`, many exact ties. Some carry
// order aggregates (served values = base + orders, lastActive = the later one).
std::vector<Customer> randomCustomers(Rng& rng, Ids& ids, Millis now, int count);

// A rule document: every field and operator, $not, nested $and/$or/$nor up to depth 5,
// relative and absolute dates, $in lists with and without null, regexes from a safe list,
// values mostly drawn from `customers` so predicates match some of them. Always meant to
// be valid; the callers count the rare rejection.
boost::json::value randomRule(Rng& rng, const std::vector<Customer>& customers, Millis now);

}  // namespace minicrm::segtest
