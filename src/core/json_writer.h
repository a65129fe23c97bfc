// A small, fast JSON text builder. Commas are placed automatically; the caller keeps
// begin/end calls balanced and passes valid UTF-8.
#pragma once

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/id.h"
#include "core/money.h"

namespace minicrm {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(256); }

  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  // Next value belongs to `name` in the enclosing object.
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view s);
  JsonWriter& integer(std::int64_t v);
  JsonWriter& number(double v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  JsonWriter& money(Money m);
  JsonWriter& time(Millis t);    // ISO-8601 string
  JsonWriter& id(const Id& id);  // 24-hex string
  // Writes a parsed JSON value (numbers in their shortest form, as number() does).
  JsonWriter& value(const boost::json::value& v);
  // Inserts already-serialised JSON as one value.
  JsonWriter& raw(std::string_view json);

  // null when absent.
  JsonWriter& optString(const std::optional<std::string>& s) { return s ? string(*s) : null(); }
  JsonWriter& optTime(const std::optional<Millis>& t) { return t ? time(*t) : null(); }

  const std::string& str() const& { return out_; }
  std::string str() && { return std::move(out_); }

  // Appends s as a quoted JSON string.
  static void appendQuoted(std::string& out, std::string_view s);

 private:
  void separate();

  std::string out_;
  // One entry per open container: true until its first element is written.
  std::vector<bool> first_;
  bool afterKey_ = false;
};

// s as a quoted JSON string, for building log lines.
std::string jsonQuote(std::string_view s);

}  // namespace minicrm
