#include "auth/authenticator.h"

#include "core/text.h"

namespace minicrm::auth {

std::optional<std::string_view> bearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

Authenticator::Authenticator(std::shared_ptr<const JwtVerifier> jwt,
                             std::shared_ptr<ApiKeyCache> apiKeys, const Clock& clock)
    : jwt_(std::move(jwt)), apiKeys_(std::move(apiKeys)), clock_(clock) {}

Verdict Authenticator::authenticate(std::string_view authorization, bool allowNetwork) const {
  if (authorization.empty()) {
    return Verdict::refuse("Authentication required: send Authorization: Bearer <token>");
  }
  const auto token = bearerToken(authorization);
  if (!token) return Verdict::refuse("Unsupported Authorization header: use Bearer <token>");
  if (token->starts_with(kApiKeyPrefix)) {
    if (apiKeys_) {
      if (auto p = apiKeys_->authenticate(*token)) return Verdict::accept(std::move(*p));
    }
    return Verdict::refuse("Invalid API key: unknown, revoked or expired");
  }
  if (!jwt_)
    return Verdict::refuse("Invalid token: no identity provider is configured; use an API key");
  return jwt_->verify(*token, clock_.now(), allowNetwork);
}

}  // namespace minicrm::auth
