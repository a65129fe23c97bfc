#include "auth/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <sys/random.h>

#include <array>
#include <charconv>
#include <stdexcept>

#include "auth/base64url.h"
#include "core/json_writer.h"

namespace minicrm::auth {

std::string sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

bool secretEquals(std::string_view a, std::string_view b) {
  const std::string da = sha256(a), db = sha256(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

std::string generateApiKey() {
  std::array<char, 32> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed");
    }
    got += static_cast<std::size_t>(n);
  }
  return std::string(kApiKeyPrefix) + base64UrlEncode(std::string_view(bytes.data(), bytes.size()));
}

Result<Millis> parseKeyLifetime(std::string_view text) {
  long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  constexpr Millis kHour = 3'600'000;
  Millis per = 0;
  if (unit == "h") per = kHour;
  if (unit == "d") per = 24 * kHour;
  if (unit == "w") per = 7 * 24 * kHour;
  if (unit == "y") per = 365 * 24 * kHour;
  if (ec != std::errc() || end == text.data() || n <= 0 || n > 100'000 || per == 0) {
    return Error::invalidField("expires", "must be a positive number of h, d, w or y, e.g. 90d");
  }
  return n * per;
}

Result<CreatedApiKey> createApiKey(Store& store, const Clock& clock, IdGenerator& ids,
                                   const std::string& name, const std::string& role,
                                   std::optional<Millis> lifetime) {
  std::vector<FieldError> errors;
  if (name.empty() || name.size() > 100) errors.push_back({"name", "must be 1 to 100 characters"});
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7F) {
      errors.push_back({"name", "must not contain spaces or control characters"});
      break;
    }
  }
  if (role != "admin" && role != "member") errors.push_back({"role", "must be admin or member"});
  if (!errors.empty()) return Error::invalid(std::move(errors));

  CreatedApiKey out;
  out.key = generateApiKey();
  ApiKey& k = out.record;
  k.id = ids.next();
  k.name = name;
  k.role = role;
  k.hash = sha256(out.key);
  k.hint = out.key.substr(out.key.size() - 4);
  k.createdAt = clock.now();
  if (lifetime) k.expiresAt = k.createdAt + *lifetime;
  if (Status s = store.writeSync([&k](WriteTx& tx) { return tx.insertApiKey(k); }); !s.ok()) {
    return std::move(s).error();
  }
  return out;
}

Principal principalOf(const ApiKey& key) {
  Principal p;
  p.subject = "key:" + key.name;
  p.admin = key.role == "admin";
  p.roles = {key.role};
  return p;
}

ApiKeyCache::ApiKeyCache(Store& store, const Clock& clock, Millis ttl)
    : store_(store), clock_(clock), ttl_(ttl) {}

ApiKeyCache::~ApiKeyCache() {
  flush();
}

std::shared_ptr<const ApiKeyCache::Snapshot> ApiKeyCache::current(Millis now) {
  {
    std::lock_guard lock(mu_);
    if (snapshot_ && now - snapshot_->loadedAt < ttl_ && now >= snapshot_->loadedAt) {
      return snapshot_;
    }
  }
  // One thread reloads; the others keep using the previous snapshot meanwhile.
  std::unique_lock reload(reloadMu_, std::try_to_lock);
  if (!reload.owns_lock()) {
    std::lock_guard lock(mu_);
    if (snapshot_) return snapshot_;
    reload.lock();
  }
  auto keys = store_.listApiKeys();
  auto next = std::make_shared<Snapshot>();
  next->loadedAt = now;
  if (keys.ok()) {
    for (auto& k : *keys) {
      if (k.activeAt(now)) next->byHash.emplace(k.hash, std::move(k));
    }
  } else {
    spdlog::warn(R"("msg":"API keys could not be read","error":{})",
                 jsonQuote(keys.error().message));
    std::lock_guard lock(mu_);
    if (snapshot_) next->byHash = snapshot_->byHash;  // keep serving what was known
  }
  {
    std::lock_guard lock(mu_);
    snapshot_ = next;
  }
  flush();
  return next;
}

std::optional<Principal> ApiKeyCache::authenticate(std::string_view key) {
  if (!key.starts_with(kApiKeyPrefix)) return std::nullopt;
  const Millis now = clock_.now();
  const auto snapshot = current(now);
  const std::string hash = sha256(key);
  auto it = snapshot->byHash.find(hash);
  if (it == snapshot->byHash.end() || !it->second.activeAt(now)) return std::nullopt;
  {
    std::lock_guard lock(mu_);
    used_[it->second.id] = now;
  }
  return principalOf(it->second);
}

void ApiKeyCache::flush() {
  std::unordered_map<Id, Millis> used;
  {
    std::lock_guard lock(mu_);
    used.swap(used_);
  }
  if (used.empty()) return;
  store_.write(
      [used = std::move(used)](WriteTx& tx) -> Status {
        for (const auto& [id, at] : used) {
          if (Status s = tx.recordApiKeyUse(id, at); !s.ok()) return s;
        }
        return {};
      },
      nullptr);
}

}  // namespace minicrm::auth
