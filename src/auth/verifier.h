// Verifies OpenID Connect / Clerk JWTs against configured providers and turns their claims
// into a Principal. The key (chosen by the token's issuer and kid) dictates the algorithm;
// the token's "alg" must agree with it and never selects anything.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/key_source.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/principal.h"

namespace minicrm::auth {

// What checking a credential decided: a caller, a refusal (401), or neither when a key
// fetch is due and the caller asked not to touch the network (ask again, off the io thread).
struct Verdict {
  std::optional<Principal> principal;
  std::optional<Error> error;

  bool needsNetwork() const { return !principal && !error; }
  static Verdict accept(Principal p) { return {std::move(p), std::nullopt}; }
  static Verdict refuse(std::string message) {
    return {std::nullopt, Error{ErrorKind::unauthorized, std::move(message), {}}};
  }
  static Verdict network() { return {}; }
};

// One identity provider.
struct Provider {
  std::string name;                     // "clerk", "oidc": in logs
  std::vector<std::string> issuers;     // accepted "iss" values; empty: any (its keys pin it)
  std::optional<std::string> audience;  // "aud" must contain it when set
  std::vector<std::string> authorizedParties;  // Clerk: an "azp" present must be one of these
  std::shared_ptr<KeySource> keys;
};

struct VerifierOptions {
  // Claims holding the caller's roles (a string or an array of strings); a dotted name
  // reaches into an object ("metadata.role"). The first present wins.
  std::vector<std::string> roleClaims = {"role", "roles"};
  // Subjects or (verified) emails that are admins whatever their roles say.
  std::vector<std::string> adminSubjects;
  std::int64_t leewaySeconds = 60;
};

// Role values that make a caller an admin ("org:admin" is Clerk's organisation admin).
bool isAdminRole(std::string_view role);

class JwtVerifier {
 public:
  JwtVerifier(std::vector<Provider> providers, VerifierOptions options);

  // Checks `token` at `now`: structure, issuer, key, algorithm, signature, then exp/nbf/iat
  // (with leeway), aud and azp. Thread-safe.
  Verdict verify(std::string_view token, Millis now, bool allowNetwork) const;

  // Fetches remote signing keys now (at start), so the first requests need not wait.
  void warmUp(Millis now) const;

  // Roles and admin flag for a subject with these roles/email (shared with API keys).
  bool adminFor(const std::string& subject, const std::optional<std::string>& verifiedEmail,
                const std::vector<std::string>& roles) const;

 private:
  std::vector<Provider> providers_;
  VerifierOptions options_;
};

}  // namespace minicrm::auth
