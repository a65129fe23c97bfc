#include "auth/keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <boost/json/parse.hpp>

#include "auth/base64url.h"

namespace minicrm::auth {
namespace {

Error invalidKey(std::string why) {
  return Error::invalidField("key", std::move(why));
}

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* k) {
  return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free);
}

const EVP_MD* digestFor(Algorithm alg) {
  // Fetched once: EVP_sha256() and friends would be looked up on every verification.
  static EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static EVP_MD* sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  switch (alg) {
    case Algorithm::RS256:
    case Algorithm::ES256:
      return sha256;
    case Algorithm::RS384:
    case Algorithm::ES384:
      return sha384;
    case Algorithm::RS512:
      return sha512;
    case Algorithm::EdDSA:
      return nullptr;
  }
  return nullptr;
}

// JWS ECDSA signatures are r||s, each the size of the curve order; OpenSSL wants DER.
std::string ecdsaToDer(std::string_view raw, std::size_t half) {
  if (raw.size() != 2 * half) return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + half,
                        static_cast<int>(half), nullptr);
  std::string der;
  if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = nullptr;  // owned by sig now
    unsigned char* out = nullptr;
    const int len = i2d_ECDSA_SIG(sig, &out);
    if (len > 0) der.assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
    OPENSSL_free(out);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  return der;
}

std::optional<std::string> member(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

Result<std::string> b64Member(const boost::json::object& o, std::string_view name) {
  auto text = member(o, name);
  if (!text) return invalidKey("the JWK has no " + std::string(name));
  auto bytes = base64UrlDecode(*text);
  if (!bytes || bytes->empty()) return invalidKey(std::string(name) + " is not base64url");
  return std::move(*bytes);
}

Result<std::shared_ptr<EVP_PKEY>> fromParams(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  const bool ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
                  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (!ok) return invalidKey(std::string("OpenSSL refused the ") + type + " key");
  return own(key);
}

Result<std::shared_ptr<EVP_PKEY>> rsaKey(const std::string& n, const std::string& e) {
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                         static_cast<int>(n.size()), nullptr);
  BIGNUM* be = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                         static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  Result<std::shared_ptr<EVP_PKEY>> out = invalidKey("the RSA key is invalid");
  if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1) {
    out = fromParams("RSA", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn);
  BN_free(be);
  return out;
}

Result<std::shared_ptr<EVP_PKEY>> ecKey(const char* group, const std::string& x,
                                        const std::string& y) {
  std::string point = "\x04" + x + y;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  Result<std::shared_ptr<EVP_PKEY>> out = invalidKey("the EC key is invalid");
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) ==
          1) {
    out = fromParams("EC", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  return out;
}

Status checkRsaSize(EVP_PKEY* key) {
  if (EVP_PKEY_get_bits(key) < kMinRsaBits) {
    return invalidKey("RSA keys must have at least " + std::to_string(kMinRsaBits) + " bits");
  }
  return {};
}

std::optional<Algorithm> parseAlg(std::string_view s) {
  if (s == "RS256") return Algorithm::RS256;
  if (s == "RS384") return Algorithm::RS384;
  if (s == "RS512") return Algorithm::RS512;
  if (s == "ES256") return Algorithm::ES256;
  if (s == "ES384") return Algorithm::ES384;
  if (s == "EdDSA") return Algorithm::EdDSA;
  return std::nullopt;
}

}  // namespace

std::string_view toString(Algorithm alg) {
  switch (alg) {
    case Algorithm::RS256:
      return "RS256";
    case Algorithm::RS384:
      return "RS384";
    case Algorithm::RS512:
      return "RS512";
    case Algorithm::ES256:
      return "ES256";
    case Algorithm::ES384:
      return "ES384";
    case Algorithm::EdDSA:
      return "EdDSA";
  }
  return "?";
}

bool PublicKey::verify(std::string_view data, std::string_view signature) const {
  std::string der;
  if (alg_ == Algorithm::ES256 || alg_ == Algorithm::ES384) {
    der = ecdsaToDer(signature, alg_ == Algorithm::ES256 ? 32 : 48);
    if (der.empty()) return false;
    signature = der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, digestFor(alg_), nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

Result<PublicKey> publicKeyFromJwk(const boost::json::object& jwk) {
  const auto kty = member(jwk, "kty");
  if (!kty) return invalidKey("the JWK has no kty");
  if (auto use = member(jwk, "use"); use && *use != "sig") {
    return invalidKey("the JWK is not a signing key (use " + *use + ")");
  }
  if (jwk.contains("d")) return invalidKey("the JWK holds a private key; publish public keys only");
  const std::string kid = member(jwk, "kid").value_or("");
  const auto declared = member(jwk, "alg");
  std::optional<Algorithm> alg;
  if (declared) {
    alg = parseAlg(*declared);
    if (!alg) return invalidKey("unsupported JWK alg " + *declared);
  }

  if (*kty == "RSA") {
    if (!alg) alg = Algorithm::RS256;
    if (*alg != Algorithm::RS256 && *alg != Algorithm::RS384 && *alg != Algorithm::RS512) {
      return invalidKey("an RSA JWK cannot verify " + *declared);
    }
    auto n = b64Member(jwk, "n");
    if (!n.ok()) return std::move(n).error();
    auto e = b64Member(jwk, "e");
    if (!e.ok()) return std::move(e).error();
    auto key = rsaKey(*n, *e);
    if (!key.ok()) return std::move(key).error();
    if (Status s = checkRsaSize(key->get()); !s.ok()) return std::move(s).error();
    return PublicKey(std::move(*key), *alg, kid);
  }
  if (*kty == "EC") {
    const auto crv = member(jwk, "crv").value_or("");
    const bool p256 = crv == "P-256";
    if (!p256 && crv != "P-384") return invalidKey("unsupported EC curve '" + crv + "'");
    const Algorithm implied = p256 ? Algorithm::ES256 : Algorithm::ES384;
    if (alg && *alg != implied) return invalidKey("the JWK alg does not match its curve");
    auto x = b64Member(jwk, "x");
    if (!x.ok()) return std::move(x).error();
    auto y = b64Member(jwk, "y");
    if (!y.ok()) return std::move(y).error();
    const std::size_t size = p256 ? 32 : 48;
    if (x->size() != size || y->size() != size)
      return invalidKey("EC coordinates have the wrong size");
    auto key = ecKey(p256 ? "P-256" : "P-384", *x, *y);
    if (!key.ok()) return std::move(key).error();
    return PublicKey(std::move(*key), implied, kid);
  }
  if (*kty == "OKP") {
    if (member(jwk, "crv").value_or("") != "Ed25519") return invalidKey("unsupported OKP curve");
    if (alg && *alg != Algorithm::EdDSA) return invalidKey("the JWK alg does not match its curve");
    auto x = b64Member(jwk, "x");
    if (!x.ok()) return std::move(x).error();
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
    if (!key) return invalidKey("the Ed25519 key is invalid");
    return PublicKey(own(key), Algorithm::EdDSA, kid);
  }
  return invalidKey("unsupported key type " + *kty);
}

Result<std::vector<PublicKey>> parseJwks(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return invalidKey("the JWKS is not a JSON object");
  const auto* keys = doc.as_object().if_contains("keys");
  if (!keys || !keys->is_array()) return invalidKey("the JWKS has no keys array");
  std::vector<PublicKey> out;
  for (const auto& k : keys->as_array()) {
    if (!k.is_object()) continue;
    auto key = publicKeyFromJwk(k.as_object());
    if (key.ok()) out.push_back(std::move(key).value());  // others are skipped, as RFC 7517 says
  }
  return out;
}

Result<PublicKey> publicKeyFromPem(std::string_view pem) {
  std::string b64;
  std::size_t pos = 0;
  while (pos < pem.size()) {
    if (pem.compare(pos, 5, "-----") == 0) {  // a BEGIN or END line
      const std::size_t end = pem.find("-----", pos + 5);
      pos = end == std::string_view::npos ? pem.size() : end + 5;
      continue;
    }
    if (pem.compare(pos, 2, "\\n") == 0) {
      pos += 2;
      continue;
    }
    const char c = pem[pos++];
    if (c == '+') {
      b64.push_back('-');
    } else if (c == '/') {
      b64.push_back('_');
    } else if (c != '=' && !std::isspace(static_cast<unsigned char>(c))) {
      b64.push_back(c);
    }
  }
  auto der = base64UrlDecode(b64);
  if (!der || der->empty()) return invalidKey("the PEM key is not base64");
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  EVP_PKEY* raw = d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size()));
  if (!raw) return invalidKey("the PEM text is not a public key (SubjectPublicKeyInfo)");
  auto key = own(raw);
  if (EVP_PKEY_is_a(raw, "RSA")) {
    if (Status s = checkRsaSize(raw); !s.ok()) return std::move(s).error();
    return PublicKey(std::move(key), Algorithm::RS256, "");
  }
  if (EVP_PKEY_is_a(raw, "ED25519")) return PublicKey(std::move(key), Algorithm::EdDSA, "");
  if (EVP_PKEY_is_a(raw, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    EVP_PKEY_get_utf8_string_param(raw, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len);
    const std::string_view g(group, len);
    if (g == "prime256v1" || g == "P-256") return PublicKey(std::move(key), Algorithm::ES256, "");
    if (g == "secp384r1" || g == "P-384") return PublicKey(std::move(key), Algorithm::ES384, "");
  }
  return invalidKey("unsupported PEM key type");
}

}  // namespace minicrm::auth
