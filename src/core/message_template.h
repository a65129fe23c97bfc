// Campaign messages are templates: {{name}}, {{firstName}}, {{city}}, {{email}}, each with
// an optional fallback used when the value is empty ({{firstName|there}}). A message
// without any placeholder is sent as "Hi <first name>, <message>", as the old backend did.
// Templates are checked when a campaign is saved and rendered when each message is sent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace minicrm {

// What a message can say about its recipient.
struct Recipient {
  std::string name;
  std::string email;
  std::optional<std::string> city;
};

class MessageTemplate {
 public:
  static constexpr std::size_t kMaxLength = 2000;  // characters

  // Checks `text`; errors name `path` and every unknown placeholder.
  static Result<MessageTemplate> parse(std::string_view text, const std::string& path = "message");

  std::string render(const Recipient& r) const;
  bool hasPlaceholders() const { return placeholders_ > 0; }
  const std::string& text() const { return text_; }

  // "Asha" for "Asha Rao"; the whole name when it has no space.
  static std::string firstName(std::string_view name);

 private:
  enum class Field { literal, name, firstName, city, email };
  struct Part {
    Field field = Field::literal;
    std::string text;  // the literal, or the fallback of a placeholder
  };

  std::string text_;
  std::vector<Part> parts_;
  int placeholders_ = 0;
};

}  // namespace minicrm
