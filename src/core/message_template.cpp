#include "core/message_template.h"

#include <fmt/format.h>

#include "core/customer.h"
#include "core/text.h"

namespace minicrm {

std::string MessageTemplate::firstName(std::string_view name) {
  name = trim(name);
  const std::size_t space = name.find_first_of(" \t");
  return std::string(space == std::string_view::npos ? name : name.substr(0, space));
}

Result<MessageTemplate> MessageTemplate::parse(std::string_view text, const std::string& path) {
  const std::string_view t = trim(text);
  std::vector<FieldError> errors;
  if (t.empty()) return Error::invalidField(path, "is required");
  if (!validUtf8(t)) return Error::invalidField(path, "must be valid UTF-8 text");
  if (utf8Length(t) > kMaxLength) {
    return Error::invalidField(path, fmt::format("must be at most {} characters", kMaxLength));
  }
  MessageTemplate m;
  m.text_ = std::string(t);
  std::string unknown;
  std::size_t pos = 0;
  while (pos < t.size()) {
    const std::size_t open = t.find("{{", pos);
    if (open == std::string_view::npos) {
      m.parts_.push_back({Field::literal, std::string(t.substr(pos))});
      break;
    }
    if (open > pos) m.parts_.push_back({Field::literal, std::string(t.substr(pos, open - pos))});
    const std::size_t close = t.find("}}", open + 2);
    if (close == std::string_view::npos) {
      errors.push_back(
          {path, fmt::format("has an unclosed placeholder at character {}", open + 1)});
      break;
    }
    const std::string_view inside = t.substr(open + 2, close - open - 2);
    const std::size_t bar = inside.find('|');
    const std::string_view key = trim(inside.substr(0, bar));
    Part p;
    p.text = bar == std::string_view::npos ? "" : std::string(trim(inside.substr(bar + 1)));
    if (key == "name") {
      p.field = Field::name;
    } else if (key == "firstName") {
      p.field = Field::firstName;
    } else if (key == "city") {
      p.field = Field::city;
    } else if (key == "email") {
      p.field = Field::email;
    } else {
      unknown += (unknown.empty() ? "" : ", ") + fmt::format("{{{{{}}}}}", key);
    }
    m.parts_.push_back(std::move(p));
    ++m.placeholders_;
    pos = close + 2;
  }
  if (!unknown.empty()) {
    errors.push_back({path, fmt::format("has unknown placeholders {}; use {{{{name}}}}, "
                                        "{{{{firstName}}}}, {{{{city}}}} or {{{{email}}}}",
                                        unknown)});
  }
  if (!errors.empty()) return Error::invalid(std::move(errors));
  return m;
}

std::string MessageTemplate::render(const Recipient& r) const {
  if (placeholders_ == 0) return "Hi " + firstName(r.name) + ", " + text_;
  std::string out;
  out.reserve(text_.size() + 32);
  for (const auto& p : parts_) {
    std::string value;
    switch (p.field) {
      case Field::literal:
        out += p.text;
        continue;
      case Field::name:
        value = std::string(trim(r.name));
        break;
      case Field::firstName:
        value = firstName(r.name);
        break;
      case Field::city:
        value = r.city ? std::string(trim(*r.city)) : "";
        break;
      case Field::email:
        value = r.email;
        break;
    }
    out += value.empty() ? p.text : value;
  }
  return out;
}

}  // namespace minicrm
