// Base64url (RFC 4648 section 5) without padding, as JWS and JWK use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace minicrm::auth {

std::string base64UrlEncode(std::string_view bytes);

// Strict decoding: only [A-Za-z0-9_-], no padding, no white space, and unused trailing
// bits must be zero (so each byte string has exactly one encoding). nullopt otherwise.
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace minicrm::auth
