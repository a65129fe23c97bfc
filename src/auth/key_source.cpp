#include "auth/key_source.h"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>

#include <fstream>
#include <sstream>

#include "auth/fetch.h"
#include "core/json_writer.h"

namespace minicrm::auth {
namespace {

const PublicKey* match(const std::vector<PublicKey>& keys, const std::optional<std::string>& kid) {
  if (!kid) return keys.size() == 1 ? &keys.front() : nullptr;
  for (const auto& k : keys) {
    if (k.kid().empty() || k.kid() == *kid) return &k;
  }
  return nullptr;
}

std::string describe(const std::optional<std::string>& kid) {
  return kid ? "no signing key with kid '" + kid->substr(0, 64) + "'"
             : "the token has no kid and the provider has several keys";
}

}  // namespace

KeyLookup StaticKeys::find(const std::optional<std::string>& kid, Millis, bool) {
  if (const PublicKey* k = match(keys_, kid)) return {KeyLookup::Outcome::found, *k, {}};
  return {KeyLookup::Outcome::unknown, std::nullopt, describe(kid)};
}

Result<std::shared_ptr<KeySource>> keysFromJwksFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::invalidField(path, "cannot read the JWKS file");
  std::stringstream text;
  text << in.rdbuf();
  auto keys = parseJwks(text.str());
  if (!keys.ok()) return Error::invalidField(path, keys.error().fields.at(0).message);
  if (keys->empty()) return Error::invalidField(path, "the JWKS has no usable signing key");
  return std::shared_ptr<KeySource>(std::make_shared<StaticKeys>(std::move(keys).value()));
}

Result<std::shared_ptr<KeySource>> keysFromPem(const std::string& pem) {
  auto key = publicKeyFromPem(pem);
  if (!key.ok()) return std::move(key).error();
  return std::shared_ptr<KeySource>(
      std::make_shared<StaticKeys>(std::vector<PublicKey>{std::move(key).value()}));
}

RemoteJwks::RemoteJwks(RemoteJwksOptions options, std::string name)
    : options_(std::move(options)), name_(std::move(name)) {}

std::uint64_t RemoteJwks::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

KeyLookup RemoteJwks::find(const std::optional<std::string>& kid, Millis now, bool allowNetwork) {
  for (int pass = 0;; ++pass) {
    std::shared_ptr<const std::vector<PublicKey>> keys;
    bool fresh = false, mayFetch = false, everLoaded = false, fetching = false;
    {
      std::lock_guard lock(mu_);
      keys = keys_;
      everLoaded = keys_ != nullptr;
      fresh = now < expires_;
      mayFetch = !lastAttempt_ || now - *lastAttempt_ >= options_.minRefetchInterval;
      fetching = fetching_;
    }
    const PublicKey* key = keys ? match(*keys, kid) : nullptr;
    // Fresh, or stale but not due for another fetch (the provider may be down): serve it.
    if (key && (fresh || !mayFetch || pass > 0)) return {KeyLookup::Outcome::found, *key, {}};
    if (!key && fetching && pass == 0) {
      if (!allowNetwork) return {KeyLookup::Outcome::needsNetwork, std::nullopt, {}};
      std::lock_guard wait(fetchMu_);  // until the fetch under way is over
      continue;
    }
    if (!mayFetch || pass > 0) {
      return {KeyLookup::Outcome::unknown, std::nullopt,
              everLoaded ? describe(kid) : "the signing keys are not available yet"};
    }
    if (!allowNetwork) return {KeyLookup::Outcome::needsNetwork, std::nullopt, {}};
    refresh(now);
  }
}

void RemoteJwks::warmUp(Millis now) {
  find(std::nullopt, now, /*allowNetwork=*/true);
}

Result<std::string> RemoteJwks::jwksUrl() {
  if (!options_.url.empty()) return options_.url;
  if (!discoveredUrl_.empty()) return discoveredUrl_;
  std::string base = options_.issuer;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  auto res = httpGet(base + "/.well-known/openid-configuration", {}, options_.timeout);
  if (!res.ok()) return std::move(res).error();
  if (res->status != 200) {
    return Error::unavailable("OpenID discovery answered " + std::to_string(res->status));
  }
  boost::system::error_code ec;
  auto doc = boost::json::parse(res->body, ec);
  const auto* uri = !ec && doc.is_object() ? doc.as_object().if_contains("jwks_uri") : nullptr;
  if (!uri || !uri->is_string()) return Error::unavailable("OpenID discovery has no jwks_uri");
  std::string url(uri->as_string());
  if (Status s = checkKeyUrl(url, "jwks_uri"); !s.ok()) return std::move(s).error();
  discoveredUrl_ = url;
  return url;
}

void RemoteJwks::refresh(Millis now) {
  std::lock_guard fetching(fetchMu_);
  {
    std::lock_guard lock(mu_);
    // Another thread fetched while this one waited: use what it got.
    if (lastAttempt_ && now - *lastAttempt_ < options_.minRefetchInterval) return;
    lastAttempt_ = now;
    ++fetches_;
    fetching_ = true;
  }
  struct Done {
    RemoteJwks* self;
    ~Done() {
      std::lock_guard lock(self->mu_);
      self->fetching_ = false;
    }
  } done{this};
  auto url = jwksUrl();
  Result<FetchResponse> res = url.ok() ? httpGet(*url, options_.headers, options_.timeout)
                                       : Result<FetchResponse>(url.error());
  std::string problem;
  if (!res.ok()) {
    problem = res.error().message;
  } else if (res->status != 200) {
    problem = "answered HTTP " + std::to_string(res->status);
  } else if (auto keys = parseJwks(res->body); !keys.ok()) {
    problem = keys.error().fields.at(0).message;
  } else {
    const auto seconds = maxAgeSeconds(res->cacheControl);
    const Millis maxAge =
        std::min(options_.maxMaxAge, seconds ? Millis(*seconds) * 1000 : options_.defaultMaxAge);
    auto loaded = std::make_shared<const std::vector<PublicKey>>(std::move(keys).value());
    spdlog::info(R"("msg":"signing keys loaded","provider":{},"keys":{},"maxAgeSeconds":{})",
                 jsonQuote(name_), loaded->size(), maxAge / 1000);
    std::lock_guard lock(mu_);
    keys_ = std::move(loaded);
    expires_ = now + maxAge;
    return;
  }
  std::size_t known = 0;
  {
    std::lock_guard lock(mu_);
    known = keys_ ? keys_->size() : 0;
  }
  spdlog::warn(
      R"("msg":"signing keys could not be fetched; keeping the keys already known","provider":{},"known":{},"error":{})",
      jsonQuote(name_), known, jsonQuote(problem));
}

}  // namespace minicrm::auth
