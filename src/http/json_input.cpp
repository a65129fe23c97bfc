#include "http/json_input.h"

#include <fmt/format.h>
#include <boost/json/stream_parser.hpp>

#include <algorithm>
#include <cmath>

#include "core/customer.h"
#include "core/text.h"
#include "core/time.h"

namespace minicrm::http {
namespace {

bool isJsonContentType(std::string_view ct) {
  std::string_view mime = trim(ct.substr(0, ct.find(';')));
  if (iequals(mime, "application/json")) return true;
  // application/<something>+json (e.g. application/merge-patch+json)
  return mime.size() > 17 && iequals(mime.substr(0, 12), "application/") &&
         iequals(mime.substr(mime.size() - 5), "+json");
}

}  // namespace

Result<boost::json::value> parseJsonBody(const Request& req) {
  if (trim(req.body).empty()) return boost::json::value(nullptr);
  const std::string_view ct = req.header("content-type");
  if (!isJsonContentType(ct)) {
    return Error{ErrorKind::unsupported_media,
                 ct.empty() ? "Missing Content-Type: send the body as application/json"
                            : fmt::format("Unsupported Content-Type '{}': send the body as "
                                          "application/json",
                                          ct),
                 {}};
  }
  boost::json::parse_options opts;
  opts.max_depth = 64;
  boost::json::stream_parser parser({}, opts);
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(req.body.data(), req.body.size(), ec);
  if (!ec && consumed == req.body.size()) {
    parser.finish(ec);
    consumed = req.body.size();
  }
  if (!ec && !parser.done()) ec = boost::json::error::incomplete;
  if (ec) {
    const std::size_t offset = std::min(consumed, req.body.size());
    const std::string_view before(req.body.data(), offset);
    const auto line = 1 + std::count(before.begin(), before.end(), '\n');
    const std::size_t lastNl = before.rfind('\n');
    const std::size_t column = offset - (lastNl == std::string_view::npos ? 0 : lastNl + 1) + 1;
    const std::string detail =
        fmt::format("line {}, column {} (byte {}): {}", line, column, offset, ec.message());
    return Error::invalid({{"", "Malformed JSON at " + detail}}, "Malformed JSON at " + detail);
  }
  return parser.release();
}

Result<boost::json::value> parseJsonObject(const Request& req) {
  auto v = parseJsonBody(req);
  if (!v.ok()) return std::move(v).error();
  if (v->is_null()) return boost::json::value(boost::json::object());
  if (!v->is_object()) {
    return Error::invalid({{"", fmt::format("expected a JSON object, got {}", describeType(*v))}},
                          "The request body must be a JSON object");
  }
  return std::move(v).value();
}

std::string joinPath(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  std::string out;
  out.reserve(prefix.size() + 1 + key.size());
  out.append(prefix).push_back('.');
  out.append(key);
  return out;
}

const boost::json::value* ObjectFields::get(std::string_view key, bool* present) {
  known_.push_back(key);
  auto it = obj_.find(key);
  if (present) *present = it != obj_.end();
  if (it == obj_.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

const boost::json::value* ObjectFields::require(std::string_view key) {
  const auto* v = get(key);
  if (!v) errors_.push_back({path(key), "is required"});
  return v;
}

void ObjectFields::rejectUnknown(
    const std::vector<std::pair<std::string_view, std::string_view>>& known) {
  for (const auto& kv : obj_) {
    const std::string_view k = kv.key();
    if (std::find(known_.begin(), known_.end(), k) != known_.end()) continue;
    std::string message = "is not allowed";
    for (const auto& [name, why] : known) {
      if (name == k) message = why;
    }
    errors_.push_back({path(k), std::move(message)});
  }
}

std::string_view describeType(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

std::optional<std::string> textOf(const boost::json::value& v, const std::string& path,
                                  std::vector<FieldError>& errors, bool numbersAsText) {
  if (v.is_string()) return std::string(v.get_string());
  if (numbersAsText) {
    if (v.is_int64()) return std::to_string(v.get_int64());
    if (v.is_uint64()) return std::to_string(v.get_uint64());
  }
  errors.push_back({path, fmt::format("expected a string, got {}", describeType(v))});
  return std::nullopt;
}

std::optional<Money> moneyOf(const boost::json::value& v, const std::string& path,
                             std::vector<FieldError>& errors) {
  std::optional<Money> m;
  if (v.is_int64() || v.is_uint64() || v.is_double()) {
    m = moneyFromDouble(v.to_number<double>());
  } else if (v.is_string()) {
    const std::string_view t = trim(v.get_string());
    if (t.empty()) {
      errors.push_back({path, "is missing a value"});
      return std::nullopt;
    }
    m = moneyFromText(t);
  } else {
    errors.push_back({path, fmt::format("expected a number, got {}", describeType(v))});
    return std::nullopt;
  }
  if (!m) errors.push_back({path, "must be an amount with at most 2 decimals"});
  return m;
}

std::optional<std::int64_t> integerOf(const boost::json::value& v, const std::string& path,
                                      std::vector<FieldError>& errors) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    errors.push_back({path, "is too large"});
    return std::nullopt;
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
      return static_cast<std::int64_t>(d);
    }
    errors.push_back({path, "must be an integer"});
    return std::nullopt;
  }
  if (v.is_string()) {
    const std::string_view t = trim(v.get_string());
    if (t.empty()) {
      errors.push_back({path, "is missing a value"});
      return std::nullopt;
    }
    std::int64_t out = 0;
    bool neg = false;
    std::size_t i = 0;
    if (t[0] == '-' || t[0] == '+') {
      neg = t[0] == '-';
      i = 1;
    }
    if (i == t.size() || t.size() - i > 15) {
      errors.push_back({path, "must be an integer"});
      return std::nullopt;
    }
    for (; i < t.size(); ++i) {
      if (t[i] < '0' || t[i] > '9') {
        errors.push_back({path, "must be an integer"});
        return std::nullopt;
      }
      out = out * 10 + (t[i] - '0');
    }
    return neg ? -out : out;
  }
  errors.push_back({path, fmt::format("expected an integer, got {}", describeType(v))});
  return std::nullopt;
}

std::optional<Millis> timeOf(const boost::json::value& v, const std::string& path,
                             std::vector<FieldError>& errors) {
  if (!v.is_string()) {
    errors.push_back(
        {path, fmt::format("expected an ISO-8601 date string, got {}", describeType(v))});
    return std::nullopt;
  }
  const std::string_view t = trim(v.get_string());
  if (t.empty()) {
    errors.push_back({path, "is missing a value"});
    return std::nullopt;
  }
  auto parsed = parseIsoTime(t);
  if (!parsed) {
    errors.push_back({path, "must be an ISO-8601 date such as 2025-01-31 or 2025-01-31T10:30:00Z"});
    return std::nullopt;
  }
  return parsed->millis;
}

std::optional<Id> idOf(const boost::json::value& v, const std::string& path,
                       std::vector<FieldError>& errors) {
  if (!v.is_string()) {
    errors.push_back({path, fmt::format("expected an id string, got {}", describeType(v))});
    return std::nullopt;
  }
  auto id = Id::parse(trim(v.get_string()));
  if (!id) errors.push_back({path, "must be a 24-character hexadecimal id"});
  return id;
}

}  // namespace minicrm::http
