// Test identity providers: key pairs generated with OpenSSL at run time, their JWKs and
// PEM, and tokens signed in the shapes real providers issue (Clerk session tokens, Google
// ID tokens) or deliberately malformed ones.
#pragma once

#include <boost/json/object.hpp>

#include <memory>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace minicrm::testing {

class TestKey {
 public:
  enum class Type { rsa2048, rsa1024, p256, ed25519 };
  TestKey(Type type, std::string kid);

  const std::string& kid() const { return kid_; }
  // The public JWK; `alg` is added when non-empty.
  boost::json::object jwk(std::string_view alg = "") const;
  std::string publicPem() const;
  // A compact JWS of `claims` with header {"alg", "typ":"JWT", "kid"} (kid omitted when
  // `withKid` is false), signed with this key under `alg` (RS256/RS384/RS512, ES256, EdDSA).
  std::string sign(const boost::json::object& claims, std::string_view alg,
                   bool withKid = true) const;
  // Signs an arbitrary header and payload text (already JSON).
  std::string signRaw(std::string_view headerJson, std::string_view payloadJson,
                      std::string_view alg) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  Type type_;
  std::string kid_;
};

// {"keys": [jwk...]} as text.
std::string jwksOf(std::initializer_list<boost::json::object> jwks);

// A token signed with HMAC-SHA256 under `secret`, header {"alg":"HS256", "kid"}.
std::string hs256Token(const boost::json::object& claims, std::string_view secret,
                       std::string_view kid);
// "<b64url(header)>.<b64url(payload)>." : an unsigned token (alg none).
std::string unsignedToken(std::string_view headerJson, std::string_view payloadJson);

// Claims of a Clerk session token issued at `nowSeconds` (60-second lifetime).
boost::json::object clerkClaims(long nowSeconds, std::string_view sub = "user_2abcDEF",
                                std::string_view iss = "https://clerk.minicrm.test",
                                std::string_view azp = "http://localhost:5173");
// Claims of a Google ID token issued at `nowSeconds` (one-hour lifetime).
boost::json::object googleClaims(long nowSeconds, std::string_view aud, std::string_view email,
                                 std::string_view iss = "https://accounts.google.com");

// A shared RSA key (2048 bits) and a P-256 key for a test binary: generated once.
const TestKey& rsaKey();
const TestKey& otherRsaKey();
const TestKey& ecKey();
const TestKey& edKey();

}  // namespace minicrm::testing
