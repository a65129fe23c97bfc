// Rule documents -> Node, with every problem reported at its JSON path.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/json_writer.h"
#include "core/segment/segment.h"
#include "core/text.h"
#include "core/time.h"

namespace minicrm::segment {
namespace {

std::string_view kindName(const boost::json::value& v) {
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

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Operators MongoDB has that a segment must never run.
bool forbidden(std::string_view key) {
  static const std::vector<std::string_view> keys = {
      "$where", "$expr",   "$function", "$accumulator", "$jsonSchema",
      "$text",  "$lookup", "$eval",     "$code",        "$javascript"};
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Digits with an optional sign and decimal point: a number, if perhaps not a valid amount.
bool looksNumeric(std::string_view t) {
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  bool digit = false;
  for (char c : t) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '.') {
      return false;
    }
  }
  return digit;
}

std::string fieldList() {
  std::string out;
  for (Field f : {Field::name, Field::email, Field::phone, Field::city, Field::totalSpend,
                  Field::visits, Field::lastActive, Field::createdAt, Field::avgOrderValue}) {
    out += (out.empty() ? "" : ", ") + std::string(nameOf(f));
  }
  return out;
}

class Parser {
 public:
  Parser(const Limits& limits) : limits_(limits) {}

  std::optional<Node> document(const boost::json::value& v, const std::string& path, int depth) {
    if (!v.is_object()) {
      fail(path, fmt::format("expected a rule document (an object), got {}", kindName(v)));
      return std::nullopt;
    }
    const auto& obj = v.get_object();
    if (obj.empty()) return count(path) ? std::optional<Node>(Node{}) : std::nullopt;
    std::vector<Node> parts;
    bool ok = true;
    for (const auto& kv : obj) {
      const std::string_view key = kv.key();
      const std::string keyPath = join(path, key);
      std::optional<Node> part;
      if (key.starts_with('$')) {
        part = logical(key, kv.value(), keyPath, depth);
      } else if (auto field = fieldNamed(key)) {
        part = fieldRule(*field, kv.value(), keyPath, depth);
      } else {
        fail(keyPath, fmt::format("unknown field '{}'; segments use {}", key, fieldList()));
      }
      if (!part) {
        ok = false;
        continue;
      }
      parts.push_back(std::move(*part));
    }
    return conjunction(std::move(parts), ok, path);
  }

  std::vector<FieldError> errors;

 private:
  void fail(const std::string& path, std::string message) {
    if (errors.size() < 50) errors.push_back({path, std::move(message)});
  }

  // The node of a document or operator object: its one part, or the AND of its parts.
  std::optional<Node> conjunction(std::vector<Node> parts, bool ok, const std::string& path) {
    if (!ok) return std::nullopt;
    if (parts.size() == 1) return std::move(parts[0]);
    Node n;
    n.kind = Node::Kind::and_;
    n.children = std::move(parts);
    if (!count(path)) return std::nullopt;
    return n;
  }

  bool count(const std::string& path) {
    if (++nodes_ == limits_.maxNodes + 1) {
      fail(path, fmt::format("the segment has more than {} nodes", limits_.maxNodes));
    }
    return nodes_ <= limits_.maxNodes;
  }

  bool deeper(int depth, const std::string& path) {
    if (depth + 1 > limits_.maxDepth) {
      fail(path, fmt::format("rules nest deeper than {} levels", limits_.maxDepth));
      return false;
    }
    return true;
  }

  std::optional<Node> logical(std::string_view key, const boost::json::value& v,
                              const std::string& path, int depth) {
    Node::Kind kind;
    if (key == "$and") {
      kind = Node::Kind::and_;
    } else if (key == "$or") {
      kind = Node::Kind::or_;
    } else if (key == "$nor") {
      kind = Node::Kind::nor;
    } else if (forbidden(key)) {
      fail(path, fmt::format("{} is not allowed: segments are made of field rules and "
                             "$and/$or/$nor",
                             key));
      return std::nullopt;
    } else {
      fail(path, fmt::format("unknown operator {} at the top of a rule document; use $and, "
                             "$or or $nor, or a field name",
                             key));
      return std::nullopt;
    }
    if (!v.is_array() || v.get_array().empty()) {
      fail(path, fmt::format("expected a non-empty array of rule documents, got {}",
                             v.is_array() ? "an empty array" : kindName(v)));
      return std::nullopt;
    }
    if (!deeper(depth, path)) return std::nullopt;
    Node n;
    n.kind = kind;
    bool ok = true;
    const auto& arr = v.get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      auto child = document(arr[i], join(path, std::to_string(i)), depth + 1);
      if (!child) {
        ok = false;
        continue;
      }
      n.children.push_back(std::move(*child));
    }
    if (!ok || !count(path)) return std::nullopt;
    return n;
  }

  std::optional<Node> fieldRule(Field field, const boost::json::value& v, const std::string& path,
                                int depth) {
    if (v.is_object()) return operators(field, v.get_object(), path, depth);
    if (v.is_array()) {
      fail(path, "expected a value or an operator object; use {\"$in\": [...]} for a list");
      return std::nullopt;
    }
    Predicate p;
    p.field = field;
    p.op = Op::eq;
    auto value = this->value(field, v, path, /*allowNull=*/true);
    if (!value) return std::nullopt;
    p.values.push_back(std::move(*value));
    return leaf(std::move(p), path);
  }

  std::optional<Node> leaf(Predicate p, const std::string& path) {
    if (!count(path)) return std::nullopt;
    Node n;
    n.kind = Node::Kind::predicate;
    n.predicate = std::move(p);
    return n;
  }

  std::optional<Node> operators(Field field, const boost::json::object& obj,
                                const std::string& path, int depth) {
    if (obj.empty()) {
      fail(path, "expected at least one operator, such as {\"$eq\": ...}");
      return std::nullopt;
    }
    std::vector<Node> parts;
    bool ok = true;
    const auto* options = obj.if_contains("$options");
    if (options && !obj.contains("$regex")) {
      fail(join(path, "$options"), "$options goes with $regex");
      ok = false;
    }
    for (const auto& kv : obj) {
      const std::string_view key = kv.key();
      const std::string opPath = join(path, key);
      if (key == "$options") continue;
      std::optional<Node> part;
      if (!key.starts_with('$')) {
        fail(opPath, fmt::format("expected an operator such as $eq or $gt, got '{}'", key));
      } else if (key == "$not") {
        if (!kv.value().is_object()) {
          fail(opPath, fmt::format("expected an operator object, got {}", kindName(kv.value())));
        } else if (deeper(depth, opPath)) {
          auto inner = operators(field, kv.value().get_object(), opPath, depth + 1);
          if (inner && count(opPath)) {
            Node n;
            n.kind = Node::Kind::not_;
            n.children.push_back(std::move(*inner));
            part = std::move(n);
          }
        }
      } else if (key == "$regex") {
        part = regex(field, kv.value(), options, opPath, path);
      } else if (key == "$exists") {
        part = exists(field, kv.value(), opPath);
      } else if (key == "$in" || key == "$nin") {
        part = list(field, key == "$in" ? Op::in : Op::nin, kv.value(), opPath);
      } else if (auto op = comparison(key)) {
        part = compare(field, *op, kv.value(), opPath);
      } else if (key == "$daysAgo") {
        fail(opPath,
             "$daysAgo is a date value, not an operator: write {\"$lt\": {\"$daysAgo\": 90}}");
      } else if (forbidden(key)) {
        fail(opPath, fmt::format("{} is not allowed in segments", key));
      } else {
        fail(opPath, fmt::format("unknown operator {}; use $eq, $ne, $gt, $gte, $lt, $lte, $in, "
                                 "$nin, $exists, $regex or $not",
                                 key));
      }
      if (!part) {
        ok = false;
        continue;
      }
      parts.push_back(std::move(*part));
    }
    return conjunction(std::move(parts), ok, path);
  }

  static std::optional<Op> comparison(std::string_view key) {
    for (Op op : {Op::eq, Op::ne, Op::gt, Op::gte, Op::lt, Op::lte}) {
      if (nameOf(op) == key) return op;
    }
    return std::nullopt;
  }

  std::optional<Node> compare(Field field, Op op, const boost::json::value& v,
                              const std::string& path) {
    const bool equality = op == Op::eq || op == Op::ne;
    if (v.is_null() && !equality) {
      fail(path, "cannot compare with null; use $exists");
      return std::nullopt;
    }
    // Objects are values only as the {"$daysAgo": N} date alias.
    if (v.is_array() || (v.is_object() && typeOf(field) != FieldType::date)) {
      fail(path, fmt::format("expected a single value, got {}", kindName(v)));
      return std::nullopt;
    }
    auto value = this->value(field, v, path, equality);
    if (!value) return std::nullopt;
    Predicate p;
    p.field = field;
    p.op = op;
    p.values.push_back(std::move(*value));
    return leaf(std::move(p), path);
  }

  std::optional<Node> list(Field field, Op op, const boost::json::value& v,
                           const std::string& path) {
    if (!v.is_array()) {
      fail(path, fmt::format("expected an array, got {}", kindName(v)));
      return std::nullopt;
    }
    const auto& arr = v.get_array();
    if (arr.size() > limits_.maxInValues) {
      fail(path,
           fmt::format("holds {} values; at most {} are allowed", arr.size(), limits_.maxInValues));
      return std::nullopt;
    }
    Predicate p;
    p.field = field;
    p.op = op;
    bool ok = true;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (arr[i].is_array() || (arr[i].is_object() && typeOf(field) != FieldType::date)) {
        fail(join(path, std::to_string(i)),
             fmt::format("expected a value, got {}", kindName(arr[i])));
        ok = false;
        continue;
      }
      auto value = this->value(field, arr[i], join(path, std::to_string(i)), true);
      if (!value) {
        ok = false;
        continue;
      }
      p.values.push_back(std::move(*value));
    }
    if (!ok) return std::nullopt;
    return leaf(std::move(p), path);
  }

  std::optional<Node> exists(Field field, const boost::json::value& v, const std::string& path) {
    Predicate p;
    p.field = field;
    p.op = Op::exists;
    if (v.is_bool()) {
      p.exists = v.get_bool();
    } else if ((v.is_int64() && (v.get_int64() == 0 || v.get_int64() == 1))) {
      p.exists = v.get_int64() == 1;
    } else {
      fail(path, fmt::format("expected true or false, got {}", kindName(v)));
      return std::nullopt;
    }
    return leaf(std::move(p), path);
  }

  std::optional<Node> regex(Field field, const boost::json::value& v,
                            const boost::json::value* options, const std::string& path,
                            const std::string& fieldPath) {
    if (typeOf(field) != FieldType::text) {
      fail(path, fmt::format("$regex applies to text fields (name, email, phone, city), not {}",
                             nameOf(field)));
      return std::nullopt;
    }
    if (!v.is_string()) {
      fail(path, fmt::format("expected a pattern string, got {}", kindName(v)));
      return std::nullopt;
    }
    const std::string pattern(v.get_string());
    if (pattern.size() > limits_.maxRegexBytes) {
      fail(path, fmt::format("the pattern is {} bytes; at most {} are allowed", pattern.size(),
                             limits_.maxRegexBytes));
      return std::nullopt;
    }
    std::string opts;
    if (options) {
      const std::string optPath = join(fieldPath, "$options");
      if (!options->is_string()) {
        fail(optPath, fmt::format("expected a string of flags, got {}", kindName(*options)));
        return std::nullopt;
      }
      for (char c : options->get_string()) {
        if (c != 'i' && c != 'm' && c != 's') {
          fail(optPath, fmt::format("unsupported flag '{}'; use i, m or s", c));
          return std::nullopt;
        }
        if (opts.find(c) == std::string::npos) opts.push_back(c);
      }
      std::sort(opts.begin(), opts.end());
    }
    auto re = compileRegex(pattern, opts);
    if (!re->ok()) {
      fail(path, "invalid pattern: " + re->error());
      return std::nullopt;
    }
    Predicate p;
    p.field = field;
    p.op = Op::regex;
    p.pattern = pattern;
    p.options = opts;
    return leaf(std::move(p), path);
  }

  std::optional<Value> value(Field field, const boost::json::value& v, const std::string& path,
                             bool allowNull) {
    Value out;
    if (v.is_null()) {
      if (!allowNull) {
        fail(path, "cannot be null");
        return std::nullopt;
      }
      return out;
    }
    switch (typeOf(field)) {
      case FieldType::text:
        return text(field, v, path);
      case FieldType::money:
        return money(v, path);
      case FieldType::count:
        return countValue(v, path);
      case FieldType::date:
        return date(v, path);
    }
    return std::nullopt;
  }

  std::optional<Value> text(Field field, const boost::json::value& v, const std::string& path) {
    Value out;
    out.kind = Value::Kind::text;
    if (v.is_string()) {
      out.text = std::string(v.get_string());
    } else if (v.is_int64()) {
      out.text = std::to_string(v.get_int64());
    } else if (v.is_uint64()) {
      out.text = std::to_string(v.get_uint64());
    } else if (v.is_double() && std::isfinite(v.get_double())) {
      // The shortest decimal text that reads back as the same number: 98765.5 -> "98765.5".
      JsonWriter w;
      w.number(v.get_double());
      out.text = w.str();
    } else {
      fail(path, fmt::format("expected a string, got {}", kindName(v)));
      return std::nullopt;
    }
    if (!validUtf8(out.text)) {
      fail(path, "must be valid UTF-8 text");
      return std::nullopt;
    }
    // Emails are stored lower-cased, so rules compare them that way too.
    if (field == Field::email) out.text = asciiLower(trim(out.text));
    return out;
  }

  std::optional<Value> money(const boost::json::value& v, const std::string& path) {
    std::optional<Money> m;
    if (v.is_number()) {
      m = moneyFromDouble(v.to_number<double>());
    } else if (v.is_string()) {
      const std::string_view t = trim(v.get_string());
      if (t.empty()) {
        fail(path, "is missing a value");
        return std::nullopt;
      }
      m = moneyFromText(t);
      if (!m && !looksNumeric(t)) {
        fail(path, fmt::format("expected a number, got \"{}\"", t));
        return std::nullopt;
      }
    } else {
      fail(path, fmt::format("expected a number, got {}", kindName(v)));
      return std::nullopt;
    }
    if (!m) {
      fail(path, "expected an amount with at most 2 decimals");
      return std::nullopt;
    }
    Value out;
    out.kind = Value::Kind::number;
    out.number = *m;
    return out;
  }

  std::optional<Value> countValue(const boost::json::value& v, const std::string& path) {
    std::optional<std::int64_t> n;
    if (v.is_int64()) {
      n = v.get_int64();
    } else if (v.is_double() || v.is_uint64()) {
      const double d = v.to_number<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15)
        n = static_cast<std::int64_t>(d);
    } else if (v.is_string()) {
      const std::string_view t = trim(v.get_string());
      if (t.empty()) {
        fail(path, "is missing a value");
        return std::nullopt;
      }
      // "5", "+5", "5.0": a whole number written as forms write it.
      if (auto hundredths = moneyFromText(t); hundredths && *hundredths % 100 == 0) {
        n = *hundredths / 100;
      }
    } else {
      fail(path, fmt::format("expected a number, got {}", kindName(v)));
      return std::nullopt;
    }
    if (!n || std::llabs(*n) > 1'000'000'000'000LL) {
      fail(path, "expected a whole number");
      return std::nullopt;
    }
    Value out;
    out.kind = Value::Kind::number;
    out.number = *n;
    return out;
  }

  std::optional<Value> date(const boost::json::value& v, const std::string& path) {
    Value out;
    out.kind = Value::Kind::date;
    if (v.is_object()) {
      const auto& obj = v.get_object();
      const auto* days = obj.if_contains("$daysAgo");
      if (obj.size() != 1 || !days) {
        fail(path, "expected a date, or {\"$daysAgo\": N}");
        return std::nullopt;
      }
      if (!days->is_int64() || days->get_int64() < 0 || days->get_int64() > 1'000'000) {
        fail(join(path, "$daysAgo"), "expected a whole number of days >= 0");
        return std::nullopt;
      }
      out.date.relative = true;
      out.date.amount = -days->get_int64();
      out.date.unit = "d";
      return out;
    }
    if (!v.is_string()) {
      fail(path, fmt::format("expected a date string, got {}", kindName(v)));
      return std::nullopt;
    }
    const std::string_view t = trim(v.get_string());
    if (t.empty()) {
      fail(path, "is missing a value");
      return std::nullopt;
    }
    if (t.starts_with("now")) {
      if (auto rel = relative(t.substr(3))) {
        out.date = *rel;
        return out;
      }
      fail(path, "expected a relative date such as now-90d (units d, w, mo, y)");
      return std::nullopt;
    }
    auto parsed = parseIsoTime(t);
    if (!parsed) {
      fail(path, "expected a date such as 2025-01-31, 2025-01-31T10:30:00Z or now-90d");
      return std::nullopt;
    }
    out.date.at = parsed->millis;
    out.date.dateOnly = parsed->dateOnly;
    return out;
  }

  static std::optional<DateValue> relative(std::string_view rest) {
    DateValue d;
    d.relative = true;
    d.unit = "d";
    if (rest.empty()) return d;  // "now"
    const char sign = rest[0];
    if (sign != '-' && sign != '+') return std::nullopt;
    rest.remove_prefix(1);
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
      ++digits;
    if (digits == 0 || digits > 6) return std::nullopt;
    std::int64_t amount = 0;
    std::from_chars(rest.data(), rest.data() + digits, amount);
    const std::string_view unit = rest.substr(digits);
    if (unit != "d" && unit != "w" && unit != "mo" && unit != "y") return std::nullopt;
    d.amount = sign == '-' ? -amount : amount;
    d.unit = amount == 0 ? "d" : std::string(unit);  // "now-0w" is just "now"
    return d;
  }

  const Limits& limits_;
  int nodes_ = 0;
};

}  // namespace

Result<Node> parse(const boost::json::value& rules, const std::string& path, const Limits& limits) {
  Parser p(limits);
  auto node = p.document(rules, path, 0);
  if (!node || !p.errors.empty()) {
    std::string message = "Invalid segment rules";
    if (!p.errors.empty()) message += ": " + p.errors[0].path + ": " + p.errors[0].message;
    if (p.errors.size() > 1) message += fmt::format(" (and {} more)", p.errors.size() - 1);
    return Error::invalid(std::move(p.errors), std::move(message));
  }
  return std::move(*node);
}

}  // namespace minicrm::segment
