#include "http/query_params.h"

#include <fmt/format.h>

#include <charconv>

#include "core/customer.h"
#include "core/text.h"
#include "core/time.h"

namespace minicrm::http {
namespace {

std::optional<std::int64_t> parseInt(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::string_view> QueryParams::raw(std::string_view name) const {
  auto v = req_.queryParam(name);
  if (!v) return std::nullopt;
  std::string_view t = trim(*v);
  if (t.empty()) return std::nullopt;
  return t;
}

PageRequest QueryParams::page(std::int64_t maxLimit, std::int64_t defaultLimit) {
  PageRequest p;
  p.limit = defaultLimit;
  if (auto v = raw("page")) {
    auto n = parseInt(*v);
    if (!n || *n < 1 || *n > 1'000'000'000) {
      errors_.push_back({"page", "must be an integer >= 1"});
    } else {
      p.page = *n;
    }
  }
  if (auto v = raw("limit")) {
    auto n = parseInt(*v);
    if (!n || *n < 1 || *n > maxLimit) {
      errors_.push_back({"limit", fmt::format("must be an integer from 1 to {}", maxLimit)});
    } else {
      p.limit = *n;
    }
  }
  return p;
}

SortKey QueryParams::sort(const std::vector<std::string>& allowed, SortKey fallback) {
  auto v = raw("sort");
  if (!v) return fallback;
  std::string_view s = *v;
  bool desc = false;
  if (s.starts_with('-')) {
    desc = true;
    s.remove_prefix(1);
  } else if (s.starts_with('+')) {
    s.remove_prefix(1);
  }
  for (const auto& field : allowed) {
    if (field == s) return {field, desc};
  }
  std::string list;
  for (const auto& field : allowed)
    list += (list.empty() ? "" : ", ") + field;
  errors_.push_back({"sort", fmt::format("must be one of {} (prefix - for descending)", list)});
  return fallback;
}

std::optional<Millis> QueryParams::time(std::string_view name, bool rangeEnd) {
  auto v = raw(name);
  if (!v) return std::nullopt;
  auto t = parseIsoTime(*v);
  if (!t && v->size() > 19 && (*v)[v->size() - 6] == ' ') {
    // An unencoded '+' in a query string arrives as a space: "...10:30:00 05:30".
    std::string fixed(*v);
    fixed[fixed.size() - 6] = '+';
    t = parseIsoTime(fixed);
  }
  if (!t) {
    errors_.push_back({std::string(name), "must be an ISO-8601 date such as 2025-01-31"});
    return std::nullopt;
  }
  return rangeEnd && t->dateOnly ? endOfDay(t->millis) : t->millis;
}

std::optional<Money> QueryParams::money(std::string_view name) {
  auto v = raw(name);
  if (!v) return std::nullopt;
  auto m = moneyFromText(*v);
  if (!m) errors_.push_back({std::string(name), "must be an amount with at most 2 decimals"});
  return m;
}

std::optional<Id> QueryParams::id(std::string_view name) {
  auto v = raw(name);
  if (!v) return std::nullopt;
  auto id = Id::parse(*v);
  if (!id) errors_.push_back({std::string(name), "must be a 24-character hexadecimal id"});
  return id;
}

std::int64_t QueryParams::integer(std::string_view name, std::int64_t min, std::int64_t max,
                                  std::int64_t fallback) {
  auto v = raw(name);
  if (!v) return fallback;
  auto n = parseInt(*v);
  if (!n || *n < min || *n > max) {
    errors_.push_back(
        {std::string(name), fmt::format("must be an integer from {} to {}", min, max)});
    return fallback;
  }
  return *n;
}

std::string QueryParams::choice(std::string_view name, const std::vector<std::string>& choices,
                                std::string fallback) {
  auto v = raw(name);
  if (!v) return fallback;
  for (const auto& c : choices) {
    if (iequals(c, *v)) return c;
  }
  std::string list;
  for (const auto& c : choices)
    list += (list.empty() ? "" : ", ") + c;
  errors_.push_back({std::string(name), fmt::format("must be one of {}", list)});
  return fallback;
}

std::string QueryParams::text(std::string_view name, std::size_t maxLength) {
  auto v = raw(name);
  if (!v) return {};
  if (v->size() > maxLength || !validUtf8(*v)) {
    errors_.push_back(
        {std::string(name), fmt::format("must be text of at most {} bytes", maxLength)});
    return {};
  }
  return std::string(*v);
}

bool QueryParams::flag(std::string_view name) {
  auto v = raw(name);
  if (!v) return false;
  for (const char* yes : {"1", "true", "yes", "on"}) {
    if (iequals(*v, yes)) return true;
  }
  for (const char* no : {"0", "false", "no", "off"}) {
    if (iequals(*v, no)) return false;
  }
  errors_.push_back({std::string(name), "must be 1 or 0 (true or false)"});
  return false;
}

Status QueryParams::finish() const {
  if (errors_.empty()) return {};
  std::string message = "Invalid query parameters: ";
  for (std::size_t i = 0; i < errors_.size(); ++i) {
    message += (i ? "; " : "") + errors_[i].path + " " + errors_[i].message;
  }
  return Error::invalid(errors_, message);
}

}  // namespace minicrm::http
