// Segments: audience rules in MongoDB query style (API.md, "Segment rules"), as a typed
// tree. One tree, several fronts and backs: parsed from JSON, printed back to canonical
// JSON, evaluated in memory (here), over compact columns (columns.h) and compiled to SQL
// (store). Every backend implements the semantics written below; the equivalence test
// holds them to it.
//
// Semantics (an absent value is null; phone and city are the only nullable fields):
//   $eq v      value == v; {$eq: null} matches null. Text compares byte-wise.
//   $ne v      not ($eq v): matches null when v is not null (as MongoDB does).
//   $gt/$gte/$lt/$lte   never match null.
//   $in [..]   $eq any element (null in the list matches null); $nin: not $in.
//   $exists b  b ? value is not null : value is null.
//   $regex     RE2 partial match, options "i" (case-insensitive), "m", "s"; never null.
//   $not {..}  negation of the operator object: matches null too.
//   $and/$or/$nor  arrays of rule documents; top-level keys are ANDed.
// Dates: a date-only value ("2025-01-31") compares by whole UTC days: $lte and $gt use the
// end of that day, $lt and $gte its start, $eq/$ne/$in/$nin mean "on"/"not on" that day.
// Relative dates ("now-90d", units d, w = 7d, mo = 30d, y = 365d; alias {"$daysAgo": 90})
// resolve against the clock when the segment is evaluated.
// avgOrderValue = totalSpend / visits, 0 when visits is 0; compared exactly (as
// totalSpend against value x visits), never rounded.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/customer.h"
#include "core/error.h"
#include "core/money.h"

namespace re2 {
class RE2;
}

namespace minicrm::segment {

enum class Field {
  name,
  email,
  phone,
  city,
  totalSpend,
  visits,
  lastActive,
  createdAt,
  avgOrderValue
};
enum class FieldType { text, money, count, date };

FieldType typeOf(Field f);
std::string_view nameOf(Field f);
std::optional<Field> fieldNamed(std::string_view name);
bool nullable(Field f);  // phone, city

enum class Op { eq, ne, gt, gte, lt, lte, in, nin, exists, regex };
std::string_view nameOf(Op op);  // "$eq", ...

// A date in a rule: absolute (date-only or an instant) or relative to "now".
struct DateValue {
  bool relative = false;
  Millis at = 0;            // absolute: the instant (date-only: that day's UTC midnight)
  bool dateOnly = false;    // absolute only
  std::int64_t amount = 0;  // relative: signed count of `unit` (now-90d -> -90)
  std::string unit;         // relative: "d", "w", "mo" or "y"

  // The instant this value means at `now` (date-only: the start of the day).
  Millis resolve(Millis now) const;
  bool operator==(const DateValue&) const = default;
};

// A value in a rule. Exactly one alternative is meaningful, by `kind`.
struct Value {
  enum class Kind { null, text, number, date } kind = Kind::null;
  std::string text;         // text fields (email lower-cased)
  std::int64_t number = 0;  // money in paise, or a count
  DateValue date;

  bool operator==(const Value&) const = default;
};

// One field test.
struct Predicate {
  Field field = Field::name;
  Op op = Op::eq;
  std::vector<Value> values;  // one for comparisons, the list for $in/$nin
  bool exists = true;         // $exists
  std::string pattern;        // $regex
  std::string options;        // $regex options, sorted, e.g. "i"

  bool operator==(const Predicate&) const = default;
};

struct Node {
  enum class Kind { all, predicate, and_, or_, nor, not_ } kind = Kind::all;
  Predicate predicate;         // kind == predicate
  std::vector<Node> children;  // and_/or_/nor: the operands; not_: exactly one

  bool operator==(const Node&) const = default;
};

struct Limits {
  int maxDepth = 32;
  int maxNodes = 1000;
  std::size_t maxInValues = 10'000;
  std::size_t maxRegexBytes = 512;
};

// Parses a rule document. `path` prefixes every error path (API.md dot form, e.g.
// "segmentRules.$or.1.totalSpend.$gte"). An empty document {} matches everyone.
Result<Node> parse(const boost::json::value& rules, const std::string& path = "segmentRules",
                   const Limits& limits = {});

// Canonical JSON: parse(print(n)) == n. Conjunctions of distinct fields come out flat
// ({"field": {"$op": v}, ...}); dates as "2025-01-31", full ISO instants or "now-90d".
boost::json::value print(const Node& n);

// A short human sentence: "total spend over ₹10,000 and fewer than 3 visits, or inactive
// for 90 days". "everyone" for the empty segment.
std::string describe(const Node& n);

// The in-memory evaluator: the reference semantics. Regex patterns are compiled per call;
// use an Evaluator to evaluate one segment against many customers.
class Evaluator {
 public:
  // REQUIRES: n came from parse() (patterns are valid RE2).
  Evaluator(const Node& n, Millis now);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;
  bool matches(const Customer& c) const;

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

// The RE2 program of a $regex predicate, options applied ("i" case-insensitive, "m"
// multi-line anchors, "s" dot matches newline). Every backend compiles through here.
// REQUIRES: the pattern was accepted by parse().
std::unique_ptr<re2::RE2> compileRegex(const std::string& pattern, const std::string& options);

// A $regex for matching many texts: a pattern that is a plain literal, optionally anchored
// (`@gmail\.com$`, `^asha`, `vip`), is compared directly on ASCII text, which is most of
// the common rules and several times faster; everything else goes to RE2. The answers
// are RE2's in every case (text with non-ASCII bytes always goes to RE2, whose case
// folding reaches beyond ASCII).
class RegexMatcher {
 public:
  RegexMatcher(const std::string& pattern, const std::string& options);
  ~RegexMatcher();
  bool matches(std::string_view text) const;
  // Whether the pattern took the direct path (tests).
  bool literal() const { return literal_.has_value(); }

 private:
  struct Literal {
    std::string needle;  // lower-cased when `fold`
    bool atStart = false;
    bool atEnd = false;
    bool fold = false;
  };
  static std::optional<Literal> literalOf(std::string_view pattern, std::string_view options);
  std::unique_ptr<re2::RE2> re_;
  std::optional<Literal> literal_;
};

// Whether a field compared with a value, giving `sign` (<0, 0, >0 for field less, equal,
// greater), satisfies $eq/$ne/$gt/$gte/$lt/$lte.
bool satisfies(Op op, int sign);

// avgOrderValue compared with `value` (paise): the sign of (spend / visits - value),
// computed exactly; visits 0 means an average of 0.
int compareAverage(Money spend, std::int64_t visits, Money value);

// The [start, end] instants a date value covers at `now` for an operator: a date-only
// value covers its whole UTC day, anything else the single instant.
struct Span {
  Millis start;
  Millis end;
};
Span spanOf(const DateValue& d, Millis now);

}  // namespace minicrm::segment
