// Public keys that verify JWT signatures, from JWKs (RFC 7517), JWKS documents or PEM.
// A key carries the one algorithm it verifies: the algorithm comes from the key (its type,
// curve and JWK "alg"), never from a token.
#pragma once

#include <boost/json/object.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace minicrm::auth {

// The asymmetric JWS algorithms MiniCRM verifies. There is no "none" and no HS*: a
// shared-secret algorithm with a public key is the classic forgery.
enum class Algorithm { RS256, RS384, RS512, ES256, ES384, EdDSA };

std::string_view toString(Algorithm alg);

// RSA keys shorter than this are refused when loaded.
constexpr int kMinRsaBits = 2048;

// An immutable public key; cheap to copy and safe to use from many threads at once.
class PublicKey {
 public:
  PublicKey(std::shared_ptr<EVP_PKEY> key, Algorithm alg, std::string kid)
      : key_(std::move(key)), alg_(alg), kid_(std::move(kid)) {}

  Algorithm algorithm() const { return alg_; }
  const std::string& kid() const { return kid_; }  // empty for a PEM key

  // True when `signature` (in JWS form: r||s for ECDSA) signs `data` under this key's
  // algorithm.
  bool verify(std::string_view data, std::string_view signature) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  Algorithm alg_;
  std::string kid_;
};

// One JWK: RSA (n, e; alg RS256 unless the JWK says RS384/RS512), EC P-256 (ES256) or
// P-384 (ES384), OKP Ed25519 (EdDSA). Invalid with a reason for anything else, for
// private keys' extra members alone being present, or "use" other than "sig".
Result<PublicKey> publicKeyFromJwk(const boost::json::object& jwk);

// The usable signing keys of a JWKS document ({"keys": [...]}); keys of other types or
// uses are skipped. Invalid when the document is not a JWKS.
Result<std::vector<PublicKey>> parseJwks(std::string_view json);

// A SubjectPublicKeyInfo public key as PEM. Like Clerk's SDK, the BEGIN/END lines, white
// space and literal "\n" sequences are optional, so a key pasted on one line of a .env
// file works. RSA keys verify RS256, P-256 keys ES256, Ed25519 keys EdDSA.
Result<PublicKey> publicKeyFromPem(std::string_view pem);

}  // namespace minicrm::auth
