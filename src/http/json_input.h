// Reading JSON request bodies: the content-type and syntax checks every JSON route shares,
// and typed field readers that record a FieldError (with its dot path) for each problem.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "core/money.h"
#include "http/message.h"

namespace minicrm::http {

// The body as JSON. An empty body is null (callers decide whether that is allowed).
// Unsupported media (415) when a non-empty body is not declared as JSON; invalid (400)
// with line, column and byte offset when it does not parse.
Result<boost::json::value> parseJsonBody(const Request& req);
// parseJsonBody, requiring an object (an empty body counts as {}).
Result<boost::json::value> parseJsonObject(const Request& req);

// "prefix.key" (or "key" when prefix is empty).
std::string joinPath(std::string_view prefix, std::string_view key);

// Reads an object's fields by name; every key not read is reported by rejectUnknown().
class ObjectFields {
 public:
  ObjectFields(const boost::json::object& obj, std::string prefix, std::vector<FieldError>& errors)
      : obj_(obj), prefix_(std::move(prefix)), errors_(errors) {}

  // The value under key, or nullptr when absent or JSON null. Marks the key as known;
  // `present` (if given) tells whether the key was there at all (null included).
  const boost::json::value* get(std::string_view key, bool* present = nullptr);
  // Like get(), and records "is required" when the value is absent or null.
  const boost::json::value* require(std::string_view key);
  // Reports each key not read through get/require: "is not allowed", or the message
  // given for that key in `known` (e.g. {"_id", "is set by the server"}).
  void rejectUnknown(const std::vector<std::pair<std::string_view, std::string_view>>& known = {});

  std::string path(std::string_view key) const { return joinPath(prefix_, key); }
  std::vector<FieldError>& errors() { return errors_; }

 private:
  const boost::json::object& obj_;
  std::string prefix_;
  std::vector<FieldError>& errors_;
  std::vector<std::string_view> known_;
};

// Typed readers. Each returns nullopt and records an error under `path` when v does not
// fit. Numeric fields accept numeric strings ("5000") as old clients' forms send them.
std::optional<std::string> textOf(const boost::json::value& v, const std::string& path,
                                  std::vector<FieldError>& errors, bool numbersAsText = false);
std::optional<Money> moneyOf(const boost::json::value& v, const std::string& path,
                             std::vector<FieldError>& errors);
std::optional<std::int64_t> integerOf(const boost::json::value& v, const std::string& path,
                                      std::vector<FieldError>& errors);
// ISO-8601 text (see core/time.h).
std::optional<Millis> timeOf(const boost::json::value& v, const std::string& path,
                             std::vector<FieldError>& errors);
std::optional<Id> idOf(const boost::json::value& v, const std::string& path,
                       std::vector<FieldError>& errors);
// Name of the JSON type for messages: "a string", "an array", ...
std::string_view describeType(const boost::json::value& v);

}  // namespace minicrm::http
