// Small text predicates and transforms used by validation and search.
#pragma once

#include <string>
#include <string_view>

namespace minicrm {

// True when s is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool validUtf8(std::string_view s);
// Number of code points in valid UTF-8 text.
std::size_t utf8Length(std::string_view s);
// True when s holds an ASCII control character other than tab.
bool hasControlChars(std::string_view s);
// ASCII lower case; other bytes unchanged.
std::string asciiLower(std::string_view s);
// Case-insensitive (ASCII) equality.
bool iequals(std::string_view a, std::string_view b);

}  // namespace minicrm
