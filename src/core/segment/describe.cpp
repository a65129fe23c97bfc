// Node -> a short sentence for people: campaign history, the rule builder, AI answers.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/segment/segment.h"
#include "core/time.h"

namespace minicrm::segment {
namespace {

// ₹ with Indian digit grouping: ₹10,000, ₹1,00,000, ₹12,34,567.50.
std::string rupees(Money paise) {
  const bool negative = paise < 0;
  if (negative) paise = -paise;
  std::string digits = std::to_string(paise / 100);
  std::string grouped;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    grouped.push_back(digits[i]);
    const int left = n - 1 - i;
    if (left > 0 && (left == 3 || (left > 3 && (left - 3) % 2 == 0))) grouped.push_back(',');
  }
  std::string out = (negative ? "-₹" : "₹") + grouped;
  if (paise % 100 != 0) out += fmt::format(".{:02}", paise % 100);
  return out;
}

std::string plural(std::int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 || n == -1 ? one : many);
}

std::string span(const DateValue& d) {
  static const std::map<std::string, std::pair<const char*, const char*>> units = {
      {"d", {"day", "days"}},
      {"w", {"week", "weeks"}},
      {"mo", {"month", "months"}},
      {"y", {"year", "years"}}};
  const auto& u = units.at(d.unit);
  return plural(d.amount < 0 ? -d.amount : d.amount, u.first, u.second);
}

std::string dateText(const DateValue& d) {
  if (d.relative) {
    if (d.amount == 0) return "now";
    return d.amount < 0 ? span(d) + " ago" : span(d) + " from now";
  }
  return d.dateOnly ? formatDay(d.at) : formatIso(d.at);
}

// The field as people say it.
std::string spoken(Field f) {
  switch (f) {
    case Field::phone:
      return "phone number";
    case Field::totalSpend:
      return "total spend";
    case Field::avgOrderValue:
      return "average order value";
    case Field::lastActive:
      return "last active";
    case Field::createdAt:
      return "joined";
    default:
      return std::string(nameOf(f));
  }
}

std::string valueText(Field f, const Value& v) {
  switch (v.kind) {
    case Value::Kind::null:
      return "nothing";
    case Value::Kind::text:
      return v.text;
    case Value::Kind::date:
      return dateText(v.date);
    case Value::Kind::number:
      return typeOf(f) == FieldType::money ? rupees(v.number) : std::to_string(v.number);
  }
  return "";
}

std::string listText(Field f, const std::vector<Value>& values, const char* conj) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += i + 1 == values.size() ? fmt::format(" {} ", conj) : ", ";
    out += valueText(f, values[i]);
  }
  return out;
}

std::string dateRule(const Predicate& p) {
  const DateValue& d = p.values.at(0).date;
  const bool active = p.field == Field::lastActive;
  if (d.relative && d.amount < 0) {
    const std::string s = span(d);
    switch (p.op) {
      case Op::lt:
      case Op::lte:
        return active ? "inactive for " + s : "joined more than " + s + " ago";
      case Op::gt:
      case Op::gte:
        return active ? "active in the last " + s : "joined in the last " + s;
      default:
        break;
    }
  }
  const std::string what = active ? "last active" : "joined";
  const std::string when = dateText(d);
  // "on" a day; an instant is matched exactly.
  const char* on = d.relative || !d.dateOnly ? "exactly" : "on";
  switch (p.op) {
    case Op::eq:
      return fmt::format("{} {} {}", what, on, when);
    case Op::ne:
      return fmt::format("{} not {} {}", what, on, when);
    case Op::gt:
      return fmt::format("{} after {}", what, when);
    case Op::gte:
      return fmt::format("{} on or after {}", what, when);
    case Op::lt:
      return fmt::format("{} before {}", what, when);
    case Op::lte:
      return fmt::format("{} on or before {}", what, when);
    default:
      return what;
  }
}

std::string countRule(const Predicate& p) {
  const std::int64_t n = p.values.at(0).number;
  switch (p.op) {
    case Op::eq:
      return "exactly " + plural(n, "visit", "visits");
    case Op::ne:
      return "not exactly " + plural(n, "visit", "visits");
    case Op::gt:
      return "more than " + plural(n, "visit", "visits");
    case Op::gte:
      return "at least " + plural(n, "visit", "visits");
    case Op::lt:
      return "fewer than " + plural(n, "visit", "visits");
    case Op::lte:
      return "at most " + plural(n, "visit", "visits");
    default:
      return "visits";
  }
}

std::string moneyRule(const Predicate& p) {
  const std::string what = p.field == Field::totalSpend ? "total spend" : "average order value";
  const std::string v = rupees(p.values.at(0).number);
  switch (p.op) {
    case Op::eq:
      return fmt::format("{} of exactly {}", what, v);
    case Op::ne:
      return fmt::format("{} other than {}", what, v);
    case Op::gt:
      return fmt::format("{} over {}", what, v);
    case Op::gte:
      return fmt::format("{} of at least {}", what, v);
    case Op::lt:
      return fmt::format("{} under {}", what, v);
    case Op::lte:
      return fmt::format("{} of at most {}", what, v);
    default:
      return what;
  }
}

std::string textRule(const Predicate& p) {
  const std::string what = spoken(p.field);
  const Value& v = p.values.empty() ? Value{} : p.values[0];
  const bool isNull = v.kind == Value::Kind::null;
  switch (p.op) {
    case Op::eq:
      if (isNull) return "without a " + what;
      return p.field == Field::city ? "in " + v.text : fmt::format("{} is {}", what, v.text);
    case Op::ne:
      if (isNull) return "with a " + what;
      return p.field == Field::city ? "not in " + v.text
                                    : fmt::format("{} is not {}", what, v.text);
    case Op::gt:
      return fmt::format("{} after \"{}\"", what, v.text);
    case Op::gte:
      return fmt::format("{} from \"{}\"", what, v.text);
    case Op::lt:
      return fmt::format("{} before \"{}\"", what, v.text);
    case Op::lte:
      return fmt::format("{} up to \"{}\"", what, v.text);
    default:
      return what;
  }
}

std::string predicateText(const Predicate& p) {
  switch (p.op) {
    case Op::exists:
      return (p.exists ? "with a " : "without a ") + spoken(p.field);
    case Op::regex:
      return fmt::format("{} matching /{}/{}", spoken(p.field), p.pattern, p.options);
    case Op::in:
    case Op::nin: {
      const bool in = p.op == Op::in;
      if (p.field == Field::city) {
        return (in ? "in " : "not in ") + listText(p.field, p.values, in ? "or" : "or");
      }
      return fmt::format("{} {} {}", spoken(p.field), in ? "is one of" : "is none of",
                         listText(p.field, p.values, "or"));
    }
    default:
      break;
  }
  switch (typeOf(p.field)) {
    case FieldType::date:
      return dateRule(p);
    case FieldType::count:
      return countRule(p);
    case FieldType::money:
      return moneyRule(p);
    case FieldType::text:
      return textRule(p);
  }
  return "";
}

bool compound(const Node& n) {
  return n.kind == Node::Kind::and_ || n.kind == Node::Kind::or_ || n.kind == Node::Kind::nor;
}

std::string text(const Node& n);

std::string joined(const Node& n, const char* conj) {
  std::string out;
  const bool anyCompound = std::any_of(n.children.begin(), n.children.end(), compound);
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    const Node& c = n.children[i];
    std::string part = text(c);
    // A group inside a group of the other kind needs brackets unless it is the only
    // compound one and comes first ("a and b, or c").
    if (compound(c) && c.kind != n.kind && (anyCompound && n.children.size() > 1) &&
        !(i == 0 && std::count_if(n.children.begin(), n.children.end(), compound) == 1)) {
      part = "(" + part + ")";
    }
    if (i > 0) {
      const bool last = i + 1 == n.children.size();
      out += anyCompound ? fmt::format(", {} ", conj) : (last ? fmt::format(" {} ", conj) : ", ");
    }
    out += part;
  }
  return out;
}

std::string text(const Node& n) {
  switch (n.kind) {
    case Node::Kind::all:
      return "everyone";
    case Node::Kind::predicate:
      return predicateText(n.predicate);
    case Node::Kind::and_:
      return joined(n, "and");
    case Node::Kind::or_:
      return joined(n, "or");
    case Node::Kind::nor: {
      Node any = n;
      any.kind = Node::Kind::or_;
      return "none of (" + joined(any, "or") + ")";
    }
    case Node::Kind::not_:
      return "not (" + text(n.children.at(0)) + ")";
  }
  return "";
}

}  // namespace

std::string describe(const Node& n) {
  return text(n);
}

}  // namespace minicrm::segment
