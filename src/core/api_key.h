// An API key as stored: never the key itself, only its SHA-256 (auth/api_keys.h makes and
// checks keys).
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/id.h"

namespace minicrm {

struct ApiKey {
  Id id;
  std::string name;  // the principal is "key:<name>"
  std::string role;  // "admin" or "member"
  std::string hash;  // SHA-256 of the whole key, 32 raw bytes
  std::string hint;  // the key's last 4 characters, to tell keys apart in listings
  Millis createdAt = 0;
  std::optional<Millis> expiresAt;
  std::optional<Millis> revokedAt;
  std::optional<Millis> lastUsedAt;

  bool activeAt(Millis now) const { return !revokedAt && (!expiresAt || now < *expiresAt); }
};

}  // namespace minicrm
