#include "core/segment/segment.h"

#include <re2/re2.h>

#include "core/time.h"

namespace minicrm::segment {

FieldType typeOf(Field f) {
  switch (f) {
    case Field::name:
    case Field::email:
    case Field::phone:
    case Field::city:
      return FieldType::text;
    case Field::totalSpend:
    case Field::avgOrderValue:
      return FieldType::money;
    case Field::visits:
      return FieldType::count;
    case Field::lastActive:
    case Field::createdAt:
      return FieldType::date;
  }
  return FieldType::text;
}

std::string_view nameOf(Field f) {
  switch (f) {
    case Field::name:
      return "name";
    case Field::email:
      return "email";
    case Field::phone:
      return "phone";
    case Field::city:
      return "city";
    case Field::totalSpend:
      return "totalSpend";
    case Field::visits:
      return "visits";
    case Field::lastActive:
      return "lastActive";
    case Field::createdAt:
      return "createdAt";
    case Field::avgOrderValue:
      return "avgOrderValue";
  }
  return "";
}

std::optional<Field> fieldNamed(std::string_view name) {
  for (Field f : {Field::name, Field::email, Field::phone, Field::city, Field::totalSpend,
                  Field::visits, Field::lastActive, Field::createdAt, Field::avgOrderValue}) {
    if (nameOf(f) == name) return f;
  }
  return std::nullopt;
}

bool nullable(Field f) {
  return f == Field::phone || f == Field::city;
}

std::string_view nameOf(Op op) {
  switch (op) {
    case Op::eq:
      return "$eq";
    case Op::ne:
      return "$ne";
    case Op::gt:
      return "$gt";
    case Op::gte:
      return "$gte";
    case Op::lt:
      return "$lt";
    case Op::lte:
      return "$lte";
    case Op::in:
      return "$in";
    case Op::nin:
      return "$nin";
    case Op::exists:
      return "$exists";
    case Op::regex:
      return "$regex";
  }
  return "";
}

Millis DateValue::resolve(Millis now) const {
  if (!relative) return at;
  std::int64_t days = amount;
  if (unit == "w") days *= 7;
  if (unit == "mo") days *= 30;
  if (unit == "y") days *= 365;
  return now + days * kMillisPerDay;
}

Span spanOf(const DateValue& d, Millis now) {
  const Millis t = d.resolve(now);
  if (!d.relative && d.dateOnly) return {t, t + kMillisPerDay - 1};
  return {t, t};
}

std::unique_ptr<re2::RE2> compileRegex(const std::string& pattern, const std::string& options) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_case_sensitive(options.find('i') == std::string::npos);
  o.set_dot_nl(options.find('s') != std::string::npos);
  const bool multiline = options.find('m') != std::string::npos;
  return std::make_unique<RE2>(multiline ? "(?m)" + pattern : pattern, o);
}

RegexMatcher::RegexMatcher(const std::string& pattern, const std::string& options)
    : re_(compileRegex(pattern, options)), literal_(literalOf(pattern, options)) {}

RegexMatcher::~RegexMatcher() = default;

std::optional<RegexMatcher::Literal> RegexMatcher::literalOf(std::string_view pattern,
                                                             std::string_view options) {
  Literal l;
  for (char o : options) {
    if (o == 'i') {
      l.fold = true;
    } else if (o != 's' && o != 'm') {  // dot-all cannot matter to a literal
      return std::nullopt;
    }
  }
  const bool multiline = options.find('m') != std::string_view::npos;
  if (!pattern.empty() && pattern.front() == '^') {
    l.atStart = true;
    pattern.remove_prefix(1);
  }
  if (!pattern.empty() && pattern.back() == '$') {
    // An escaped dollar (`\$`) is a literal one: count the backslashes before it.
    std::size_t slashes = 0;
    while (slashes + 1 < pattern.size() && pattern[pattern.size() - 2 - slashes] == '\\')
      ++slashes;
    if (slashes % 2 == 0) {
      l.atEnd = true;
      pattern.remove_suffix(1);
    }
  }
  if (multiline && (l.atStart || l.atEnd)) return std::nullopt;  // anchors at every line
  static constexpr std::string_view kMeta = ".[]()*+?{}|^$\\";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char ch = pattern[i];
    if (ch == '\\') {
      // An escaped punctuation character is itself; \d, \b, \x41, \Q... are not literals.
      if (i + 1 == pattern.size()) return std::nullopt;
      ch = pattern[++i];
      if (!std::ispunct(static_cast<unsigned char>(ch))) return std::nullopt;
    } else if (kMeta.find(ch) != std::string_view::npos) {
      return std::nullopt;
    }
    if (static_cast<unsigned char>(ch) >= 0x80) return std::nullopt;
    l.needle += l.fold ? static_cast<char>(std::tolower(static_cast<unsigned char>(ch))) : ch;
  }
  return l;
}

bool RegexMatcher::matches(std::string_view text) const {
  if (literal_) {
    const Literal& l = *literal_;
    bool ascii = true;
    for (char ch : text)
      ascii = ascii && static_cast<unsigned char>(ch) < 0x80;
    if (ascii) {
      if (l.needle.size() > text.size()) return false;
      auto same = [&](std::size_t at) {
        for (std::size_t k = 0; k < l.needle.size(); ++k) {
          char ch = text[at + k];
          if (l.fold) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          if (ch != l.needle[k]) return false;
        }
        return true;
      };
      const std::size_t last = text.size() - l.needle.size();
      if (l.atStart && l.atEnd) return last == 0 && same(0);
      if (l.atStart) return same(0);
      if (l.atEnd) return same(last);
      if (!l.fold) return text.find(l.needle) != std::string_view::npos;
      for (std::size_t at = 0; at <= last; ++at) {
        if (same(at)) return true;
      }
      return false;
    }
  }
  return RE2::PartialMatch(text, *re_);
}

bool satisfies(Op op, int sign) {
  switch (op) {
    case Op::eq:
      return sign == 0;
    case Op::ne:
      return sign != 0;
    case Op::gt:
      return sign > 0;
    case Op::gte:
      return sign >= 0;
    case Op::lt:
      return sign < 0;
    case Op::lte:
      return sign <= 0;
    default:
      return false;
  }
}

int compareAverage(Money spend, std::int64_t visits, Money value) {
  if (visits <= 0) return value < 0 ? 1 : (value > 0 ? -1 : 0);
  // spend / visits <=> value  <=>  spend <=> value * visits (visits > 0).
  const __int128 lhs = spend;
  const __int128 rhs = static_cast<__int128>(value) * visits;
  return lhs < rhs ? -1 : (lhs > rhs ? 1 : 0);
}

}  // namespace minicrm::segment
