#include "auth/verifier.h"

#include <algorithm>
#include <cmath>

#include "auth/jwt.h"
#include "core/text.h"

namespace minicrm::auth {
namespace {

std::optional<std::string_view> stringClaim(const boost::json::object& claims,
                                            std::string_view name) {
  const auto* v = claims.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string_view(v->as_string());
}

// A NumericDate claim: nullopt when absent; invalid (false) when not a finite number.
bool numericClaim(const boost::json::object& claims, std::string_view name,
                  std::optional<double>& out) {
  const auto* v = claims.if_contains(name);
  if (!v) return true;
  if (v->is_int64()) {
    out = static_cast<double>(v->as_int64());
  } else if (v->is_uint64()) {
    out = static_cast<double>(v->as_uint64());
  } else if (v->is_double() && std::isfinite(v->as_double())) {
    out = v->as_double();
  } else {
    return false;
  }
  return true;
}

const boost::json::value* claimPath(const boost::json::object& claims, std::string_view path) {
  const boost::json::object* obj = &claims;
  for (;;) {
    const std::size_t dot = path.find('.');
    const auto* v = obj->if_contains(path.substr(0, dot));
    if (!v || dot == std::string_view::npos) return v;
    if (!v->is_object()) return nullptr;
    obj = &v->as_object();
    path = path.substr(dot + 1);
  }
}

bool contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

bool isAdminRole(std::string_view role) {
  return role == "admin" || role == "org:admin";
}

JwtVerifier::JwtVerifier(std::vector<Provider> providers, VerifierOptions options)
    : providers_(std::move(providers)), options_(std::move(options)) {}

void JwtVerifier::warmUp(Millis now) const {
  for (const auto& p : providers_)
    p.keys->warmUp(now);
}

bool JwtVerifier::adminFor(const std::string& subject,
                           const std::optional<std::string>& verifiedEmail,
                           const std::vector<std::string>& roles) const {
  if (std::any_of(roles.begin(), roles.end(), isAdminRole)) return true;
  for (const auto& a : options_.adminSubjects) {
    if (a == subject || (verifiedEmail && iequals(a, *verifiedEmail))) return true;
  }
  return false;
}

Verdict JwtVerifier::verify(std::string_view token, Millis now, bool allowNetwork) const {
  auto parsed = parseJwt(token);
  if (!parsed.ok()) return Verdict::refuse(parsed.error().message);
  const Jwt& jwt = *parsed;
  if (jwt.alg == "none" || jwt.alg.starts_with("HS") || jwt.alg.starts_with("hs")) {
    return Verdict::refuse("Invalid token: alg " + jwt.alg.substr(0, 16) + " is not accepted");
  }
  const auto iss = stringClaim(jwt.claims, "iss");
  if (!iss) return Verdict::refuse("Invalid token: no iss claim");

  // Providers that name this issuer; else those that accept any issuer (Clerk).
  std::vector<const Provider*> candidates;
  for (const auto& p : providers_) {
    if (contains(p.issuers, *iss)) candidates.push_back(&p);
  }
  if (candidates.empty()) {
    for (const auto& p : providers_) {
      if (p.issuers.empty()) candidates.push_back(&p);
    }
  }
  if (candidates.empty()) return Verdict::refuse("Invalid token: the issuer is not trusted");

  const Provider* provider = nullptr;
  std::optional<PublicKey> key;
  std::string unknown;
  for (const Provider* p : candidates) {
    KeyLookup found = p->keys->find(jwt.kid, now, allowNetwork);
    if (found.outcome == KeyLookup::Outcome::needsNetwork) return Verdict::network();
    if (found.outcome == KeyLookup::Outcome::found) {
      provider = p;
      key = std::move(found.key);
      break;
    }
    unknown = found.reason;
  }
  if (!key) return Verdict::refuse("Invalid token: " + unknown);
  if (jwt.alg != toString(key->algorithm())) {
    return Verdict::refuse("Invalid token: alg " + jwt.alg.substr(0, 16) +
                           " does not match the signing key (" +
                           std::string(toString(key->algorithm())) + ")");
  }
  if (!key->verify(jwt.signingInput, jwt.signature)) {
    return Verdict::refuse("Invalid token: the signature does not verify");
  }

  // The token is authentic; now whether it is valid here and now.
  const double nowSeconds = static_cast<double>(now) / 1000.0;
  const double leeway = static_cast<double>(options_.leewaySeconds);
  std::optional<double> exp, nbf, iat;
  if (!numericClaim(jwt.claims, "exp", exp) || !numericClaim(jwt.claims, "nbf", nbf) ||
      !numericClaim(jwt.claims, "iat", iat)) {
    return Verdict::refuse("Invalid token: exp, nbf and iat must be numbers");
  }
  if (!exp) return Verdict::refuse("Invalid token: no exp claim");
  if (nowSeconds > *exp + leeway) return Verdict::refuse("Token expired");
  if (nbf && nowSeconds + leeway < *nbf) return Verdict::refuse("Token not yet valid (nbf)");
  if (iat && nowSeconds + leeway < *iat) return Verdict::refuse("Token issued in the future (iat)");

  if (provider->audience) {
    bool ok = false;
    if (const auto* aud = jwt.claims.if_contains("aud")) {
      if (aud->is_string()) ok = aud->as_string() == *provider->audience;
      if (aud->is_array()) {
        for (const auto& a : aud->as_array())
          ok = ok || (a.is_string() && a.as_string() == *provider->audience);
      }
    }
    if (!ok) return Verdict::refuse("Invalid token: wrong audience (aud)");
  }
  if (!provider->authorizedParties.empty()) {
    // As Clerk's SDK does: a token without azp (not from a browser session) passes.
    if (const auto* azp = jwt.claims.if_contains("azp")) {
      if (!azp->is_string() || !contains(provider->authorizedParties, azp->as_string())) {
        return Verdict::refuse("Invalid token: the authorized party (azp) is not allowed");
      }
    }
  }

  const auto sub = stringClaim(jwt.claims, "sub");
  if (!sub || sub->empty()) return Verdict::refuse("Invalid token: no sub claim");
  Principal p;
  p.subject = std::string(*sub);
  if (const auto email = stringClaim(jwt.claims, "email")) {
    const auto* verified = jwt.claims.if_contains("email_verified");
    // Google sends a boolean, some providers the string "false".
    const bool unverified =
        verified && ((verified->is_bool() && !verified->as_bool()) ||
                     (verified->is_string() && verified->as_string() == "false"));
    if (!unverified) p.email = std::string(*email);
  }
  for (const auto& name : options_.roleClaims) {
    const auto* v = claimPath(jwt.claims, name);
    if (!v) continue;
    if (v->is_string()) p.roles.emplace_back(v->as_string());
    if (v->is_array()) {
      for (const auto& r : v->as_array()) {
        if (r.is_string()) p.roles.emplace_back(r.as_string());
      }
    }
    break;
  }
  p.admin = adminFor(p.subject, p.email, p.roles);
  return Verdict::accept(std::move(p));
}

}  // namespace minicrm::auth
