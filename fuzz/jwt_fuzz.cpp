// libFuzzer target for what MiniCRM reads from untrusted token text: the compact JWS parser
// (base64url, header and payload JSON) and the key readers a JWKS response or PEM setting
// feed. The first byte picks the reader. Built with -DMINICRM_FUZZ=ON and clang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/jwt.h"
#include "auth/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto jwt = minicrm::auth::parseJwt(text);
      if (jwt.ok() && jwt->signingInput.size() > text.size()) __builtin_trap();
      break;
    }
    case 1:
      (void)minicrm::auth::parseJwks(text);
      break;
    default:
      (void)minicrm::auth::publicKeyFromPem(text);
      break;
  }
  return 0;
}
