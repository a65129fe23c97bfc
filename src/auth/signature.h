// Signed HTTP requests between MiniCRM and a messaging vendor: the receipt webhook and the
// vendor simulator. Header `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`
// with a shared secret; a signature older or newer than the window is refused, and the
// comparison takes constant time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace minicrm::auth {

constexpr std::int64_t kSignatureWindowSeconds = 300;

// The header value for `body` signed at `unixSeconds`.
std::string signatureHeader(std::string_view secret, std::string_view body,
                            std::int64_t unixSeconds);

// Unauthorized (401) with a reason when `header` is missing, malformed, outside the window
// around `nowSeconds`, or does not match.
Status verifySignature(std::string_view secret, std::string_view header, std::string_view body,
                       std::int64_t nowSeconds);

// Lower-case hex HMAC-SHA256.
std::string hmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace minicrm::auth
