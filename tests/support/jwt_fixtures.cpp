#include "support/jwt_fixtures.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>
#include <vector>

#include "auth/base64url.h"

namespace minicrm::testing {
namespace {

using auth::base64UrlEncode;

std::string bnBytes(EVP_PKEY* key, const char* param) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, param, &bn) != 1) throw std::runtime_error("bn param");
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

const EVP_MD* digest(std::string_view alg) {
  if (alg == "RS256" || alg == "ES256" || alg == "PS256") return EVP_sha256();
  if (alg == "RS384") return EVP_sha384();
  if (alg == "RS512") return EVP_sha512();
  return nullptr;
}

}  // namespace

TestKey::TestKey(Type type, std::string kid) : type_(type), kid_(std::move(kid)) {
  EVP_PKEY* k = nullptr;
  switch (type) {
    case Type::rsa2048:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case Type::rsa1024:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
      break;
    case Type::p256:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case Type::ed25519:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (!k) throw std::runtime_error("key generation failed");
  key_.reset(k, EVP_PKEY_free);
}

boost::json::object TestKey::jwk(std::string_view alg) const {
  boost::json::object o;
  EVP_PKEY* k = key_.get();
  if (type_ == Type::rsa2048 || type_ == Type::rsa1024) {
    o["kty"] = "RSA";
    o["n"] = base64UrlEncode(bnBytes(k, OSSL_PKEY_PARAM_RSA_N));
    o["e"] = base64UrlEncode(bnBytes(k, OSSL_PKEY_PARAM_RSA_E));
  } else if (type_ == Type::p256) {
    unsigned char point[65];
    std::size_t len = 0;
    EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
    if (len != 65) throw std::runtime_error("unexpected EC point");
    o["kty"] = "EC";
    o["crv"] = "P-256";
    o["x"] = base64UrlEncode(std::string_view(reinterpret_cast<char*>(point) + 1, 32));
    o["y"] = base64UrlEncode(std::string_view(reinterpret_cast<char*>(point) + 33, 32));
  } else {
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    EVP_PKEY_get_raw_public_key(k, raw, &len);
    o["kty"] = "OKP";
    o["crv"] = "Ed25519";
    o["x"] = base64UrlEncode(std::string_view(reinterpret_cast<char*>(raw), len));
  }
  o["kid"] = kid_;
  o["use"] = "sig";
  if (!alg.empty()) o["alg"] = alg;
  return o;
}

std::string TestKey::publicPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key_.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

std::string TestKey::signRaw(std::string_view headerJson, std::string_view payloadJson,
                             std::string_view alg) const {
  const std::string input = base64UrlEncode(headerJson) + "." + base64UrlEncode(payloadJson);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  if (EVP_DigestSignInit(ctx, nullptr, alg == "EdDSA" ? nullptr : digest(alg), nullptr,
                         key_.get()) != 1 ||
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    throw std::runtime_error("sign init failed");
  }
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (alg == "ES256") {  // DER -> r||s
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(es);
    sig = raw;
  }
  return input + "." + base64UrlEncode(sig);
}

std::string TestKey::sign(const boost::json::object& claims, std::string_view alg,
                          bool withKid) const {
  boost::json::object header{{"alg", alg}, {"typ", "JWT"}};
  if (withKid) header["kid"] = kid_;
  return signRaw(boost::json::serialize(header), boost::json::serialize(claims), alg);
}

std::string jwksOf(std::initializer_list<boost::json::object> jwks) {
  boost::json::array keys;
  for (const auto& k : jwks)
    keys.push_back(k);
  return boost::json::serialize(boost::json::object{{"keys", keys}});
}

std::string hs256Token(const boost::json::object& claims, std::string_view secret,
                       std::string_view kid) {
  const boost::json::object header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", kid}};
  const std::string input = base64UrlEncode(boost::json::serialize(header)) + "." +
                            base64UrlEncode(boost::json::serialize(claims));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + base64UrlEncode(std::string_view(reinterpret_cast<char*>(mac), len));
}

std::string unsignedToken(std::string_view headerJson, std::string_view payloadJson) {
  return base64UrlEncode(headerJson) + "." + base64UrlEncode(payloadJson) + ".";
}

boost::json::object clerkClaims(long now, std::string_view sub, std::string_view iss,
                                std::string_view azp) {
  return {{"azp", azp},      {"exp", now + 60},       {"iat", now}, {"iss", iss},
          {"nbf", now - 10}, {"sid", "sess_2xyzABC"}, {"sub", sub}};
}

boost::json::object googleClaims(long now, std::string_view aud, std::string_view email,
                                 std::string_view iss) {
  return {{"iss", iss},
          {"azp", aud},
          {"aud", aud},
          {"sub", "110169484474386276334"},
          {"email", email},
          {"email_verified", true},
          {"at_hash", "HK6E_P6Dh8Y93mRNtsDB1Q"},
          {"name", "Asha Rao"},
          {"iat", now},
          {"exp", now + 3600}};
}

const TestKey& rsaKey() {
  static const TestKey k(TestKey::Type::rsa2048, "ins_test_rsa_1");
  return k;
}
const TestKey& otherRsaKey() {
  static const TestKey k(TestKey::Type::rsa2048, "ins_test_rsa_2");
  return k;
}
const TestKey& ecKey() {
  static const TestKey k(TestKey::Type::p256, "ec-1");
  return k;
}
const TestKey& edKey() {
  static const TestKey k(TestKey::Type::ed25519, "ed-1");
  return k;
}

}  // namespace minicrm::testing
