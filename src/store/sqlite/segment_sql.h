// Segment -> SQLite WHERE clause. Values are always bound parameters and field names come
// from a fixed map, so nothing from a rule reaches SQL as text. Every predicate compiles
// to an expression that is exactly 0 or 1 (never NULL), so NOT and NOR keep the two-valued
// semantics of core/segment/segment.h.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/segment/segment.h"
#include "store/sqlite/db.h"

namespace minicrm::sqlite {

struct SqlSegment {
  std::string where;  // an expression over the customers table, placeholders ?1, ?2, ...
  std::vector<std::variant<std::nullptr_t, std::int64_t, std::string>> binds;

  // Binds the values to ?1..?N; returns N + 1, the next free parameter number. Statements
  // that add parameters after the WHERE clause must number them from there.
  int bindTo(Statement& s) const;
};

// REQUIRES: `segment` came from segment::parse().
SqlSegment compileSegment(const segment::Node& segment, Millis now);

// Registers minicrm_regexp(pattern, options, text) on a connection: RE2, compiled once per
// statement, options as in segment::compileRegex().
void registerRegexp(sqlite3* db);

}  // namespace minicrm::sqlite
