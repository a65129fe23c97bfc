// Reading query parameters: the one pagination and sort parser, typed filters. Problems are
// collected and reported together by finish(), each naming its parameter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "core/money.h"
#include "core/page.h"
#include "http/message.h"

namespace minicrm::http {

class QueryParams {
 public:
  explicit QueryParams(const Request& req) : req_(req) {}

  // page >= 1 (default 1), limit 1..maxLimit (default defaultLimit); out of range is an error.
  PageRequest page(std::int64_t maxLimit = 100, std::int64_t defaultLimit = 10);
  // "field" ascending, "-field" descending; field must be in `allowed`.
  SortKey sort(const std::vector<std::string>& allowed, SortKey fallback);
  // ISO date. As a range end (`rangeEnd`), a date-only value includes that whole day.
  std::optional<Millis> time(std::string_view name, bool rangeEnd);
  std::optional<Money> money(std::string_view name);
  std::optional<Id> id(std::string_view name);
  // Integer in [min, max] or `fallback` when absent.
  std::int64_t integer(std::string_view name, std::int64_t min, std::int64_t max,
                       std::int64_t fallback);
  // One of `choices`, or `fallback` when absent.
  std::string choice(std::string_view name, const std::vector<std::string>& choices,
                     std::string fallback);
  std::string text(std::string_view name, std::size_t maxLength = 200);
  // 1/true/yes/on or 0/false/no/off (case-insensitive); false when absent.
  bool flag(std::string_view name);

  // Invalid (400) listing every problem, or success.
  Status finish() const;

 private:
  std::optional<std::string_view> raw(std::string_view name) const;

  const Request& req_;
  std::vector<FieldError> errors_;
};

}  // namespace minicrm::http
