// Where a provider's signing keys come from: fixed keys (a PEM key, a JWKS file) or a JWKS
// URL fetched and cached by key id.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/keys.h"
#include "core/clock.h"
#include "core/error.h"

namespace minicrm::auth {

struct KeyLookup {
  enum class Outcome {
    found,
    unknown,       // no key for that kid (`reason` says why)
    needsNetwork,  // ask again with allowNetwork: a fetch is due
  };
  Outcome outcome = Outcome::unknown;
  std::optional<PublicKey> key;
  std::string reason;
};

class KeySource {
 public:
  virtual ~KeySource() = default;
  // The key for a token's `kid` (nullopt: the token names none). Never touches the network
  // unless `allowNetwork`; thread-safe.
  virtual KeyLookup find(const std::optional<std::string>& kid, Millis now, bool allowNetwork) = 0;
  // Loads remote keys now (at start), so the first requests need not wait. Blocking.
  virtual void warmUp(Millis) {}
};

// Keys known at start. A key without a kid (PEM) matches any token; otherwise the kid must
// match, or be absent with exactly one key loaded.
class StaticKeys final : public KeySource {
 public:
  explicit StaticKeys(std::vector<PublicKey> keys) : keys_(std::move(keys)) {}
  KeyLookup find(const std::optional<std::string>& kid, Millis now, bool allowNetwork) override;

 private:
  std::vector<PublicKey> keys_;
};

// A JWKS document's path on disk or a PEM key's text, loaded once.
Result<std::shared_ptr<KeySource>> keysFromJwksFile(const std::string& path);
Result<std::shared_ptr<KeySource>> keysFromPem(const std::string& pem);

struct RemoteJwksOptions {
  std::string url;     // the JWKS URL; empty: discovered from `issuer`
  std::string issuer;  // for OpenID discovery: <issuer>/.well-known/openid-configuration
  std::vector<std::string> headers;  // sent with the JWKS request (Clerk: the secret as bearer)
  std::chrono::milliseconds timeout{5000};
  Millis minRefetchInterval = 30'000;  // at most one fetch attempt per interval
  Millis defaultMaxAge = 3'600'000;    // when the response has no Cache-Control max-age
  Millis maxMaxAge = 86'400'000;
};

// A JWKS URL, cached by kid for the response's max-age (else an hour). An unknown kid or an
// expired cache triggers a fetch, but at most one attempt per minRefetchInterval; while
// the provider is down, the keys already known keep being served. A caller that has no key
// while a fetch is under way waits for it (off the io threads).
class RemoteJwks final : public KeySource {
 public:
  RemoteJwks(RemoteJwksOptions options, std::string name);
  KeyLookup find(const std::optional<std::string>& kid, Millis now, bool allowNetwork) override;
  void warmUp(Millis now) override;

  // Fetch attempts made so far (tests, metrics).
  std::uint64_t fetches() const;

 private:
  void refresh(Millis now);
  Result<std::string> jwksUrl();

  RemoteJwksOptions options_;
  std::string name_;
  std::mutex fetchMu_;  // one fetch at a time; held without mu_
  mutable std::mutex mu_;
  std::shared_ptr<const std::vector<PublicKey>> keys_;
  Millis expires_ = 0;
  std::optional<Millis> lastAttempt_;
  bool fetching_ = false;
  std::string discoveredUrl_;
  std::uint64_t fetches_ = 0;
};

}  // namespace minicrm::auth
