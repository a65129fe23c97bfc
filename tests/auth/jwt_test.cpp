// Token parsing, keys (JWK, JWKS, PEM) and claims to Principal.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "auth/base64url.h"
#include "auth/jwt.h"
#include "auth/keys.h"
#include "auth/verifier.h"
#include "support/jwt_fixtures.h"

namespace minicrm::testing {
namespace {

constexpr long kNow = 1'750'000'000;

TEST(Base64Url, RoundTripsAndIsStrict) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00\x01"}) {
    EXPECT_EQ(auth::base64UrlDecode(auth::base64UrlEncode(s)), s);
  }
  EXPECT_EQ(auth::base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(auth::base64UrlDecode("Zm9v="));  // padding
  EXPECT_FALSE(auth::base64UrlDecode("Zm+v"));   // standard alphabet
  EXPECT_FALSE(auth::base64UrlDecode("Zm9 v"));
  EXPECT_FALSE(auth::base64UrlDecode("Z"));   // impossible length
  EXPECT_FALSE(auth::base64UrlDecode("Zh"));  // non-zero unused bits ("Zg" is canonical)
  EXPECT_TRUE(auth::base64UrlDecode("Zg"));
}

TEST(Jwt, ParsesHeaderClaimsAndSigningInput) {
  const std::string t = rsaKey().sign(clerkClaims(kNow), "RS256");
  auto jwt = auth::parseJwt(t);
  ASSERT_TRUE(jwt.ok()) << jwt.error().message;
  EXPECT_EQ(jwt->alg, "RS256");
  EXPECT_EQ(jwt->kid, rsaKey().kid());
  EXPECT_EQ(jwt->claims.at("sid").as_string(), "sess_2xyzABC");
  EXPECT_EQ(jwt->signingInput, t.substr(0, t.rfind('.')));
  EXPECT_EQ(jwt->signature.size(), 256u);
}

TEST(Keys, JwkAlgorithmsComeFromTheKey) {
  EXPECT_EQ(auth::publicKeyFromJwk(rsaKey().jwk())->algorithm(), auth::Algorithm::RS256);
  EXPECT_EQ(auth::publicKeyFromJwk(rsaKey().jwk("RS384"))->algorithm(), auth::Algorithm::RS384);
  EXPECT_EQ(auth::publicKeyFromJwk(ecKey().jwk())->algorithm(), auth::Algorithm::ES256);
  EXPECT_EQ(auth::publicKeyFromJwk(edKey().jwk())->algorithm(), auth::Algorithm::EdDSA);
  EXPECT_FALSE(auth::publicKeyFromJwk(rsaKey().jwk("HS256")).ok());
  EXPECT_FALSE(auth::publicKeyFromJwk(rsaKey().jwk("ES256")).ok());
  EXPECT_FALSE(auth::publicKeyFromJwk(ecKey().jwk("RS256")).ok());
  auto enc = rsaKey().jwk();
  enc["use"] = "enc";
  EXPECT_FALSE(auth::publicKeyFromJwk(enc).ok());
  auto secret = rsaKey().jwk();
  secret["d"] = "AQAB";
  EXPECT_FALSE(auth::publicKeyFromJwk(secret).ok());
  boost::json::object oct{{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hmac"}};
  EXPECT_FALSE(auth::publicKeyFromJwk(oct).ok());
  TestKey weak(TestKey::Type::rsa1024, "weak");
  EXPECT_FALSE(auth::publicKeyFromJwk(weak.jwk()).ok());
}

TEST(Keys, JwksSkipsKeysItCannotUse) {
  boost::json::object oct{{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hmac"}};
  auto keys = auth::parseJwks(jwksOf({oct, rsaKey().jwk(), ecKey().jwk()}));
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid(), rsaKey().kid());
  EXPECT_FALSE(auth::parseJwks("[]").ok());
  EXPECT_FALSE(auth::parseJwks(R"({"keys":{}})").ok());
}

TEST(Keys, PemAsClerkShowsItOrPastedOnOneLine) {
  const std::string pem = rsaKey().publicPem();
  const std::string token = rsaKey().sign(clerkClaims(kNow), "RS256");
  const std::string input = token.substr(0, token.rfind('.'));
  const std::string sig = *auth::base64UrlDecode(token.substr(token.rfind('.') + 1));
  std::string oneLine, bare;
  for (char c : pem) {
    oneLine += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  for (std::size_t pos = 0; pos < pem.size();) {
    const std::size_t eol = pem.find('\n', pos);
    const std::string line = pem.substr(pos, eol - pos);
    if (!line.starts_with("-----")) bare += line;
    pos = eol == std::string::npos ? pem.size() : eol + 1;
  }
  for (const auto& text : {pem, oneLine, bare}) {
    auto key = auth::publicKeyFromPem(text);
    ASSERT_TRUE(key.ok()) << text;
    EXPECT_EQ(key->algorithm(), auth::Algorithm::RS256);
    EXPECT_TRUE(key->verify(input, sig));
    EXPECT_FALSE(key->verify(input + "x", sig));
  }
  EXPECT_EQ(auth::publicKeyFromPem(ecKey().publicPem())->algorithm(), auth::Algorithm::ES256);
  EXPECT_EQ(auth::publicKeyFromPem(edKey().publicPem())->algorithm(), auth::Algorithm::EdDSA);
  EXPECT_FALSE(auth::publicKeyFromPem("not a key").ok());
}

// A verifier over fixed keys (what CLERK_JWT_KEY gives).
auth::JwtVerifier pemVerifier(auth::VerifierOptions options = {}) {
  auto keys = auth::keysFromPem(rsaKey().publicPem());
  return auth::JwtVerifier({{"clerk", {}, std::nullopt, {}, std::move(keys).value()}},
                           std::move(options));
}

TEST(Claims, BecomeAPrincipal) {
  auto v = pemVerifier().verify(
      rsaKey().sign(clerkClaims(kNow, "user_29w83sxmDNGwOuEthce5gg56FcC"), "RS256"), kNow * 1000,
      false);
  ASSERT_TRUE(v.principal) << v.error->message;
  EXPECT_EQ(v.principal->subject, "user_29w83sxmDNGwOuEthce5gg56FcC");
  EXPECT_FALSE(v.principal->email);
  EXPECT_FALSE(v.principal->admin);
  EXPECT_TRUE(v.principal->roles.empty());
}

TEST(Claims, RolesFromTheConfiguredClaimMakeAdmins) {
  auto claims = clerkClaims(kNow);
  claims["role"] = "admin";
  auto v = pemVerifier().verify(rsaKey().sign(claims, "RS256"), kNow * 1000, false);
  ASSERT_TRUE(v.principal);
  EXPECT_TRUE(v.principal->admin);
  EXPECT_EQ(v.principal->roles, std::vector<std::string>{"admin"});

  claims.erase("role");
  claims["roles"] = boost::json::array{"editor", "org:admin"};
  EXPECT_TRUE(
      pemVerifier().verify(rsaKey().sign(claims, "RS256"), kNow * 1000, false).principal->admin);

  claims["roles"] = boost::json::array{"member"};
  EXPECT_FALSE(
      pemVerifier().verify(rsaKey().sign(claims, "RS256"), kNow * 1000, false).principal->admin);

  // A nested custom claim, as Clerk session-token templates write public metadata.
  claims["metadata"] = boost::json::object{{"role", "admin"}};
  auth::VerifierOptions nested;
  nested.roleClaims = {"metadata.role"};
  EXPECT_TRUE(pemVerifier(nested)
                  .verify(rsaKey().sign(claims, "RS256"), kNow * 1000, false)
                  .principal->admin);
}

TEST(Claims, AdminSubjectsBySubOrVerifiedEmail) {
  auth::VerifierOptions o;
  o.adminSubjects = {"user_boss", "Owner@Example.com"};
  auto verifier = pemVerifier(o);
  EXPECT_TRUE(
      verifier.verify(rsaKey().sign(clerkClaims(kNow, "user_boss"), "RS256"), kNow * 1000, false)
          .principal->admin);
  auto google = googleClaims(kNow, "aud", "owner@example.com");
  EXPECT_TRUE(verifier.verify(rsaKey().sign(google, "RS256"), kNow * 1000, false).principal->admin);
  google["email_verified"] = false;
  auto unverified = verifier.verify(rsaKey().sign(google, "RS256"), kNow * 1000, false);
  ASSERT_TRUE(unverified.principal);
  EXPECT_FALSE(unverified.principal->admin) << "an unverified email proves nothing";
  EXPECT_FALSE(unverified.principal->email);
}

}  // namespace
}  // namespace minicrm::testing
