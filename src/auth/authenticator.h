// Who is calling: the one place that reads an Authorization header. Bearer tokens starting
// with "mck_" are API keys; anything else must be a JWT from a configured provider.
#pragma once

#include <memory>
#include <string_view>

#include "auth/api_keys.h"
#include "auth/verifier.h"
#include "core/clock.h"

namespace minicrm::auth {

class Authenticator {
 public:
  // `jwt` may be null (API keys only).
  Authenticator(std::shared_ptr<const JwtVerifier> jwt, std::shared_ptr<ApiKeyCache> apiKeys,
                const Clock& clock);

  // The caller presenting `authorization` (the header's value; empty when absent). Never
  // touches the network unless `allowNetwork` (see Verdict::needsNetwork). Thread-safe.
  Verdict authenticate(std::string_view authorization, bool allowNetwork) const;

 private:
  std::shared_ptr<const JwtVerifier> jwt_;
  std::shared_ptr<ApiKeyCache> apiKeys_;
  const Clock& clock_;
};

// The token of an "Authorization: Bearer <token>" value (scheme case-insensitive), or
// nullopt when the value uses another scheme or is empty.
std::optional<std::string_view> bearerToken(std::string_view authorization);

}  // namespace minicrm::auth
