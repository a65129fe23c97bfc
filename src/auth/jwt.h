// JSON Web Tokens in compact JWS form (RFC 7515/7519): splitting and decoding a token.
// Nothing here trusts the token: verification is JwtVerifier's (auth/verifier.h).
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace minicrm::auth {

// Longer tokens are refused before any decoding (Clerk's and Google's are under 2 KiB).
constexpr std::size_t kMaxTokenBytes = 8 * 1024;

// A decoded, unverified token.
struct Jwt {
  std::string alg;                 // header "alg", as the token claims it
  std::optional<std::string> kid;  // header "kid"
  boost::json::object claims;      // the payload
  std::string signingInput;        // "<header>.<payload>" exactly as received
  std::string signature;           // decoded signature bytes
};

// Splits and decodes `token`. Unauthorized, with a reason fit for a 401 body, when it is
// too long, not three base64url segments, not JSON objects, has no string "alg", or names
// critical header parameters ("crit") this verifier does not implement.
Result<Jwt> parseJwt(std::string_view token);

}  // namespace minicrm::auth
