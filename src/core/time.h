// ISO-8601 dates on the wire, int64 milliseconds UTC everywhere else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace minicrm {

constexpr Millis kMillisPerDay = 86'400'000;

struct ParsedTime {
  Millis millis = 0;
  // True for a bare "YYYY-MM-DD": callers that compare by whole days need to know.
  bool dateOnly = false;
};

// Parses "2025-01-31", "2025-08-21T10:30", "2025-08-21T10:30:00.123", each optionally
// followed by "Z" or an offset "+05:30" / "+0530" / "+05". A value without a zone is UTC
// (what an HTML datetime-local input sends). A space may stand for "T". Years 0001-9999.
// Returns nullopt for anything else, including impossible dates (2025-02-30).
std::optional<ParsedTime> parseIsoTime(std::string_view text);

// "2025-01-31T10:30:00.000Z".
std::string formatIso(Millis t);
void appendIso(std::string& out, Millis t);
// "2025-01-31" and "2025-01" of the UTC day/month containing t.
std::string formatDay(Millis t);
std::string formatMonth(Millis t);

// Start of the UTC day containing t, and the last millisecond of it.
Millis startOfDay(Millis t);
inline Millis endOfDay(Millis t) {
  return startOfDay(t) + kMillisPerDay - 1;
}
// Start of the UTC month containing t.
Millis startOfMonth(Millis t);

// Days since 1970-01-01 for a proleptic Gregorian date; exposed for tests and generators.
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d);

}  // namespace minicrm
