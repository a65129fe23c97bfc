#include "cli/security.h"

#include <spdlog/spdlog.h>

#include "auth/fetch.h"
#include "auth/key_source.h"
#include "auth/verifier.h"

namespace minicrm::cli {
namespace {

constexpr const char* kGoogleIssuer = "https://accounts.google.com";

Result<std::vector<auth::Provider>> providers(const Settings& s) {
  std::vector<auth::Provider> out;
  if (!s.clerkJwtKey.empty() || !s.clerkSecretKey.empty()) {
    auth::Provider clerk;
    clerk.name = "clerk";
    if (!s.clerkIssuer.empty()) clerk.issuers = {s.clerkIssuer};
    clerk.authorizedParties = s.clerkAuthorizedParties;
    if (!s.clerkJwtKey.empty()) {
      auto keys = auth::keysFromPem(s.clerkJwtKey);
      if (!keys.ok()) {
        return Error::invalidField("CLERK_JWT_KEY", keys.error().fields.at(0).message);
      }
      clerk.keys = std::move(keys).value();
    } else {
      auth::RemoteJwksOptions o;
      o.url = s.clerkApiUrl + "/v1/jwks";
      o.headers = {"Authorization: Bearer " + s.clerkSecretKey};
      clerk.keys = std::make_shared<auth::RemoteJwks>(std::move(o), "clerk");
    }
    out.push_back(std::move(clerk));
  }
  if (!s.oidcIssuer.empty()) {
    auth::Provider oidc;
    oidc.name = "oidc";
    oidc.issuers = {s.oidcIssuer};
    // Google's ID tokens carry either form.
    if (s.oidcIssuer == kGoogleIssuer) oidc.issuers.emplace_back("accounts.google.com");
    if (!s.oidcAudience.empty()) oidc.audience = s.oidcAudience;
    if (s.oidcJwksUrl.starts_with("file:")) {
      auto keys = auth::keysFromJwksFile(s.oidcJwksUrl.substr(5));
      if (!keys.ok()) return Error::invalidField("OIDC_JWKS_URL", keys.error().message);
      oidc.keys = std::move(keys).value();
    } else {
      auth::RemoteJwksOptions o;
      o.url = s.oidcJwksUrl;
      o.issuer = s.oidcIssuer;
      oidc.keys = std::make_shared<auth::RemoteJwks>(std::move(o), "oidc");
    }
    out.push_back(std::move(oidc));
  }
  return out;
}

}  // namespace

Result<Security> setUpSecurity(const Settings& s, Store& store, const Clock& clock) {
  Security sec;
  auto keys = store.listApiKeys();
  if (!keys.ok()) return std::move(keys).error();
  const Millis now = clock.now();
  const bool anyKey =
      std::any_of(keys->begin(), keys->end(), [now](const ApiKey& k) { return k.activeAt(now); });
  sec.configured = s.identityProviderConfigured() || anyKey || s.auth == "required";

  if (!sec.configured) {
    if (!auth::isLoopbackHost(s.host) && !s.insecure) {
      return Error::invalidField(
          "HOST", s.host +
                      " is not a loopback address and no auth is configured, so anyone who can "
                      "reach it could read and change all data. Configure auth (Clerk, OIDC or "
                      "`minicrm keys create`; README, Securing MiniCRM) or, to serve openly on "
                      "purpose, pass --insecure (INSECURE=on)");
    }
    sec.openModeWarning =
        "No auth is configured: every caller is the admin 'local'. Configure Clerk, OIDC or "
        "an API key before exposing this server.";
    return sec;
  }
  if (s.receiptWebhookSecret.empty()) {
    return Error::invalidField("RECEIPT_WEBHOOK_SECRET",
                               "is required once auth is configured: the delivery-receipt "
                               "webhook is open to the network and must be signed");
  }
  auto list = providers(s);
  if (!list.ok()) return std::move(list).error();
  std::shared_ptr<const auth::JwtVerifier> verifier;
  if (!list->empty()) {
    auth::VerifierOptions vo;
    vo.roleClaims = s.roleClaims;
    vo.adminSubjects = s.adminSubjects;
    auto jwt = std::make_shared<auth::JwtVerifier>(std::move(list).value(), std::move(vo));
    jwt->warmUp(clock.now());
    verifier = std::move(jwt);
  }
  sec.apiKeys = std::make_shared<auth::ApiKeyCache>(store, clock);
  sec.authenticator = std::make_shared<auth::Authenticator>(verifier, sec.apiKeys, clock);
  return sec;
}

}  // namespace minicrm::cli
