// API keys: "mck_" + 256 random bits (base64url) from the OS CSPRNG, shown once at creation
// and stored as SHA-256 only. Sent as `Authorization: Bearer mck_...`; the caller is
// "key:<name>" with the key's role.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/api_key.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "core/principal.h"
#include "store/store.h"

namespace minicrm::auth {

constexpr std::string_view kApiKeyPrefix = "mck_";

// SHA-256 of `data`, 32 raw bytes.
std::string sha256(std::string_view data);
// Equality of two secrets in time independent of where they differ (and of their lengths:
// their digests are compared).
bool secretEquals(std::string_view a, std::string_view b);

// A fresh key. Throws only if the OS has no randomness to give.
std::string generateApiKey();

// "90d", "12h", "2w", "1y" -> milliseconds; invalid otherwise.
Result<Millis> parseKeyLifetime(std::string_view text);

struct CreatedApiKey {
  ApiKey record;
  std::string key;  // the only time it exists outside the caller's hands
};

// Creates and stores a key. `role` is "admin" or "member"; `lifetime` (from now) optional.
Result<CreatedApiKey> createApiKey(Store& store, const Clock& clock, IdGenerator& ids,
                                   const std::string& name, const std::string& role,
                                   std::optional<Millis> lifetime);

// The principal an API key stands for.
Principal principalOf(const ApiKey& key);

// Active keys by hash, reloaded from the store when older than `ttl` (so a key created or
// revoked while the server runs takes effect within `ttl`). Last-use times are collected in
// memory and written in one store job per reload, never one write per request.
class ApiKeyCache {
 public:
  ApiKeyCache(Store& store, const Clock& clock, Millis ttl = 5000);
  ~ApiKeyCache();  // flushes

  // The caller presenting `key`, or nullopt for an unknown, revoked or expired key.
  std::optional<Principal> authenticate(std::string_view key);
  // Queues the collected last-use times as one write.
  void flush();

 private:
  struct Snapshot {
    Millis loadedAt = 0;
    std::unordered_map<std::string, ApiKey> byHash;
  };
  std::shared_ptr<const Snapshot> current(Millis now);

  Store& store_;
  const Clock& clock_;
  Millis ttl_;
  std::mutex reloadMu_;
  std::mutex mu_;  // guards snapshot_ and used_
  std::shared_ptr<const Snapshot> snapshot_;
  std::unordered_map<Id, Millis> used_;
};

}  // namespace minicrm::auth
