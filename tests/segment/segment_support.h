// Shared by the segment tests: JSON literals, customers, and a SQLite store holding a
// customer set, evaluated by the three segment engines (the in-memory Evaluator, SQL and
// the in-memory columns behind SqliteStore).
#pragma once

#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/customer.h"
#include "core/id.h"
#include "core/segment/segment.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace minicrm::segtest {

// Parses JSON text; throws on malformed text (a broken test, not a finding).
boost::json::value json(std::string_view text);
// Compact JSON text.
std::string text(const boost::json::value& v);
// Millis of an ISO-8601 text; throws when it does not parse.
Millis at(std::string_view iso);

// The engines a member set can be computed with.
enum class Engine { evaluator, sql, columns };
const char* nameOf(Engine e);
inline constexpr Engine kEngines[] = {Engine::evaluator, Engine::sql, Engine::columns};

// A readable one-line account of a customer's segment facts, for failure messages.
std::string describeCustomer(const Customer& c);

// A fresh SQLite store (in its own temporary directory) holding `customers`, with the
// customer index loaded. The customers keep the ids they were given.
class SegmentStore {
 public:
  // Empty pointer (and a gtest failure) when the store cannot be opened or written.
  static std::unique_ptr<SegmentStore> open(std::vector<Customer> customers);
  ~SegmentStore();

  const std::vector<Customer>& customers() const { return customers_; }
  // Replaces stored customers (same ids), deletes some and inserts new ones, in one
  // transaction, then waits for the customer index to catch up. False (and a gtest
  // failure) when that fails.
  bool change(const std::vector<Customer>& updated, const std::vector<Id>& deleted,
              const std::vector<Customer>& added);
  sqlite::SqliteStore& store() { return *store_; }

  // The members of `rules` at `now` by one engine, ids sorted ascending. An engine error
  // comes back as the error.
  Result<std::vector<Id>> members(const segment::Node& rules, Millis now, Engine e);
  // The evaluator's members sorted as previews list them: lastActive descending, then id
  // descending.
  std::vector<Id> previewOrder(const segment::Node& rules, Millis now) const;
  const Customer* find(const Id& id) const;

 private:
  SegmentStore() : dir_("minicrm-segment") {}

  testing::TempDir dir_;
  ManualClock clock_{1'750'000'000'000};
  std::unique_ptr<sqlite::SqliteStore> store_;
  std::vector<Customer> customers_;
};

// Customer ids for tests: strictly increasing, so id order is creation order.
class Ids {
 public:
  Id next() { return gen_.next(); }

 private:
  ManualClock clock_{1'700'000'000'000};
  IdGenerator gen_{clock_};
};

}  // namespace minicrm::segtest

namespace minicrm::segment {
// gtest prints a Node as its canonical JSON.
void PrintTo(const Node& n, std::ostream* os);
}  // namespace minicrm::segment
