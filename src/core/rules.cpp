#include "core/rules.h"

#include "core/customer.h"
#include "core/text.h"

namespace minicrm::rules {

std::optional<std::optional<std::string>> optionalText(std::string_view v, std::size_t maxChars,
                                                       const std::string& path,
                                                       std::vector<FieldError>& errors) {
  const std::string_view t = trim(v);
  if (t.empty()) return std::optional<std::string>{};
  if (!validUtf8(t) || hasControlChars(t)) {
    errors.push_back({path, "must be text without control characters"});
    return std::nullopt;
  }
  if (utf8Length(t) > maxChars) {
    errors.push_back({path, "must be at most " + std::to_string(maxChars) + " characters"});
    return std::nullopt;
  }
  return std::optional<std::string>{std::string(t)};
}

std::optional<std::string> requiredText(std::string_view v, std::size_t maxChars,
                                        const std::string& path, std::vector<FieldError>& errors) {
  auto text = optionalText(v, maxChars, path, errors);
  if (!text) return std::nullopt;
  if (!*text) {
    errors.push_back({path, "is required"});
    return std::nullopt;
  }
  return std::move(**text);
}

}  // namespace minicrm::rules
