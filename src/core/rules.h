// Field rules shared by every entity and input format. Each checks one value, appends a
// FieldError under `path` when it fails, and returns the normalised value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace minicrm::rules {

// Trimmed text of at most `maxChars` characters (UTF-8 code points), valid UTF-8, no
// control characters. Empty after trimming: "is required".
std::optional<std::string> requiredText(std::string_view v, std::size_t maxChars,
                                        const std::string& path, std::vector<FieldError>& errors);

// Like requiredText, but empty means "no value": an engaged optional holding nullopt.
std::optional<std::optional<std::string>> optionalText(std::string_view v, std::size_t maxChars,
                                                       const std::string& path,
                                                       std::vector<FieldError>& errors);

}  // namespace minicrm::rules
