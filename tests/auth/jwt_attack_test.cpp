// The attack suite: every way a token can be forged, replayed, confused or malformed,
// as a table of cases run against a verifier whose keys come from a JWKS served over HTTP
// on 127.0.0.1 (support/jwks_server.h). Each case says whether the token must be accepted,
// and for refusals, a fragment of the 401 message.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <functional>

#include "auth/base64url.h"
#include "auth/verifier.h"
#include "support/jwks_server.h"
#include "support/jwt_fixtures.h"

namespace minicrm::testing {
namespace {

using boost::json::object;
using boost::json::serialize;

constexpr long kNow = 1'750'000'000;  // seconds
constexpr const char* kClerkIss = "https://clerk.minicrm.test";
constexpr const char* kGoogleAud = "1234-abc.apps.googleusercontent.com";

const TestKey& rsa512Key() {
  static const TestKey k(TestKey::Type::rsa2048, "rsa-512");
  return k;
}
const TestKey& weakKey() {
  static const TestKey k(TestKey::Type::rsa1024, "weak-1024");
  return k;
}

// Signs `claims` with `key` under a hand-written header.
std::string withHeader(const TestKey& key, const object& header, const object& claims,
                       std::string_view alg) {
  return key.signRaw(serialize(header), serialize(claims), alg);
}

std::string replacePayload(const std::string& token, const object& claims) {
  const auto d1 = token.find('.'), d2 = token.rfind('.');
  return token.substr(0, d1 + 1) + auth::base64UrlEncode(serialize(claims)) + token.substr(d2);
}

struct Case {
  std::string name;
  std::function<std::string()> token;
  bool accepted;
  std::string refusal;  // a fragment of the 401 message
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }
};

object clerk() {
  return clerkClaims(kNow);
}
object clerkWith(std::string_view key, boost::json::value v) {
  object c = clerk();
  c[key] = std::move(v);
  return c;
}
object clerkWithout(std::string_view key) {
  object c = clerk();
  c.erase(key);
  return c;
}
object google(std::string_view iss = "https://accounts.google.com") {
  return googleClaims(kNow, kGoogleAud, "asha@example.com", iss);
}

std::vector<Case> cases() {
  const TestKey& rsa = rsaKey();
  std::vector<Case> c = {
      // What must pass.
      {"clerk session token RS256", [&] { return rsa.sign(clerk(), "RS256"); }, true, ""},
      {"google id token", [&] { return rsa.sign(google(), "RS256"); }, true, ""},
      {"google id token, bare issuer",
       [&] { return rsa.sign(google("accounts.google.com"), "RS256"); }, true, ""},
      {"ES256 key", [] { return ecKey().sign(clerk(), "ES256"); }, true, ""},
      {"EdDSA key", [] { return edKey().sign(clerk(), "EdDSA"); }, true, ""},
      {"RS512 key", [] { return rsa512Key().sign(clerk(), "RS512"); }, true, ""},
      {"expired 59 s ago is within the leeway",
       [&] { return rsa.sign(clerkWith("exp", kNow - 59), "RS256"); }, true, ""},
      {"clerk token without azp (not a browser session)",
       [&] { return rsa.sign(clerkWithout("azp"), "RS256"); }, true, ""},
      {"aud array containing the client id",
       [&] {
         object g = google();
         g["aud"] = boost::json::array{"other", kGoogleAud};
         return rsa.sign(g, "RS256");
       },
       true, ""},

      // Unsigned and algorithm confusion.
      {"unsigned, alg none",
       [&] {
         return unsignedToken(R"({"alg":"none","typ":"JWT","kid":"ins_test_rsa_1"})",
                              serialize(clerk()));
       },
       false, "alg none is not accepted"},
      {"alg none with a signature appended",
       [&] {
         const std::string good = rsa.sign(clerk(), "RS256");
         return auth::base64UrlEncode(R"({"alg":"none","kid":"ins_test_rsa_1"})") +
                good.substr(good.find('.'));
       },
       false, "alg none is not accepted"},
      {"alg NoNe spelled otherwise",
       [&] {
         return unsignedToken(R"({"alg":"NoNe","kid":"ins_test_rsa_1"})", serialize(clerk()));
       },
       false, "does not match the signing key"},
      {"no alg at all",
       [&] { return unsignedToken(R"({"kid":"ins_test_rsa_1"})", serialize(clerk())); }, false,
       "no alg"},
      {"HS256 signed with the RSA public key PEM",
       [&] { return hs256Token(clerk(), rsa.publicPem(), rsa.kid()); }, false,
       "HS256 is not accepted"},
      {"HS256 signed with the JWK modulus",
       [&] { return hs256Token(clerk(), serialize(rsa.jwk()), rsa.kid()); }, false,
       "HS256 is not accepted"},
      {"RS256 header on the EC key's kid",
       [&] {
         return withHeader(rsa, {{"alg", "RS256"}, {"kid", ecKey().kid()}}, clerk(), "RS256");
       },
       false, "does not match the signing key (ES256)"},
      {"ES256 header on the RSA key's kid",
       [&] {
         return withHeader(ecKey(), {{"alg", "ES256"}, {"kid", rsa.kid()}}, clerk(), "ES256");
       },
       false, "does not match the signing key (RS256)"},
      {"RS384 header on an RS256 key",
       [&] {
         return withHeader(rsa, {{"alg", "RS384"}, {"kid", rsa.kid()}}, clerk(), "RS384");
       },
       false, "does not match the signing key"},

      // Wrong keys and tampering.
      {"signed by another RSA key under the real kid",
       [&] {
         return withHeader(otherRsaKey(), {{"alg", "RS256"}, {"kid", rsa.kid()}}, clerk(), "RS256");
       },
       false, "signature does not verify"},
      {"signed by a key embedded in the header (jwk)",
       [&] {
         return withHeader(otherRsaKey(),
                           {{"alg", "RS256"}, {"kid", rsa.kid()}, {"jwk", otherRsaKey().jwk()}},
                           clerk(), "RS256");
       },
       false, "signature does not verify"},
      {"signed by a key the header points to (jku) under its own kid",
       [&] {
         return withHeader(otherRsaKey(),
                           {{"alg", "RS256"},
                            {"kid", otherRsaKey().kid()},
                            {"jku", "https://attacker.example/jwks.json"}},
                           clerk(), "RS256");
       },
       false, "no signing key with kid 'ins_test_rsa_2'"},
      {"payload changed after signing (sub)",
       [&] { return replacePayload(rsa.sign(clerk(), "RS256"), clerkWith("sub", "user_admin")); },
       false, "signature does not verify"},
      {"payload changed after signing (exp extended)",
       [&] {
         return replacePayload(rsa.sign(clerkWith("exp", kNow - 3600), "RS256"),
                               clerkWith("exp", kNow + 3600));
       },
       false, "signature does not verify"},
      {"signature taken from another token",
       [&] {
         const std::string a = rsa.sign(clerk(), "RS256");
         const std::string b = rsa.sign(clerkWith("sub", "user_other"), "RS256");
         return a.substr(0, a.rfind('.')) + b.substr(b.rfind('.'));
       },
       false, "signature does not verify"},
      {"ES256 signature in DER instead of r||s",
       [&] {
         const std::string t = ecKey().sign(clerk(), "ES256");
         auto raw = *auth::base64UrlDecode(t.substr(t.rfind('.') + 1));
         std::string der = "\x30\x44\x02\x20" + raw.substr(0, 32) + "\x02\x20" + raw.substr(32);
         return t.substr(0, t.rfind('.') + 1) + auth::base64UrlEncode(der);
       },
       false, "signature does not verify"},
      {"a key under 2048 bits is never loaded", [] { return weakKey().sign(clerk(), "RS256"); },
       false, "no signing key with kid"},
      {"unknown kid",
       [&] {
         return withHeader(rsa, {{"alg", "RS256"}, {"kid", "nope"}}, clerk(), "RS256");
       },
       false, "no signing key with kid 'nope'"},
      {"no kid while the provider has several keys",
       [&] { return rsa.sign(clerk(), "RS256", false); }, false, "no kid"},
      {"critical header parameter",
       [&] {
         return withHeader(
             rsa, {{"alg", "RS256"}, {"kid", rsa.kid()}, {"crit", boost::json::array{"exp"}}},
             clerk(), "RS256");
       },
       false, "critical"},

      // Time.
      {"expired", [&] { return rsa.sign(clerkWith("exp", kNow - 61), "RS256"); }, false,
       "Token expired"},
      {"not yet valid (nbf)", [&] { return rsa.sign(clerkWith("nbf", kNow + 61), "RS256"); }, false,
       "not yet valid"},
      {"issued in the future (iat)",
       [&] { return rsa.sign(clerkWith("iat", kNow + 3600), "RS256"); }, false,
       "issued in the future"},
      {"no exp", [&] { return rsa.sign(clerkWithout("exp"), "RS256"); }, false, "no exp"},
      {"exp as a string", [&] { return rsa.sign(clerkWith("exp", "9999999999"), "RS256"); }, false,
       "must be numbers"},

      // Who issued it, for whom.
      {"wrong issuer", [&] { return rsa.sign(clerkWith("iss", "https://evil.example"), "RS256"); },
       false, "issuer is not trusted"},
      {"no issuer", [&] { return rsa.sign(clerkWithout("iss"), "RS256"); }, false, "no iss"},
      {"wrong audience",
       [&] {
         object g = google();
         g["aud"] = "someone-else.apps.googleusercontent.com";
         return rsa.sign(g, "RS256");
       },
       false, "audience"},
      {"missing audience",
       [&] {
         object g = google();
         g.erase("aud");
         return rsa.sign(g, "RS256");
       },
       false, "audience"},
      {"wrong authorized party (azp)",
       [&] { return rsa.sign(clerkWith("azp", "https://evil.example"), "RS256"); }, false,
       "authorized party"},
      {"no subject", [&] { return rsa.sign(clerkWithout("sub"), "RS256"); }, false, "no sub"},
      {"empty subject", [&] { return rsa.sign(clerkWith("sub", ""), "RS256"); }, false, "no sub"},

      // Malformed.
      {"empty", [] { return std::string(); }, false, "empty"},
      {"two segments",
       [&] {
         const std::string t = rsa.sign(clerk(), "RS256");
         return t.substr(0, t.rfind('.'));
       },
       false, "three dot-separated segments"},
      {"four segments", [&] { return rsa.sign(clerk(), "RS256") + ".AAAA"; }, false,
       "three dot-separated segments"},
      {"truncated signature",
       [&] {
         const std::string t = rsa.sign(clerk(), "RS256");
         return t.substr(0, t.size() - 8);
       },
       false, "signature"},
      {"truncated in the payload",
       [&] {
         const std::string t = rsa.sign(clerk(), "RS256");
         return t.substr(0, t.find('.') + 11);
       },
       false, "three dot-separated segments"},
      {"oversized (9 KiB)",
       [&] {
         return rsa.sign(clerkWith("pad", boost::json::string(std::string(9000, 'x'))), "RS256");
       },
       false, "longer than 8192 bytes"},
      {"padding in the signature", [&] { return rsa.sign(clerk(), "RS256") + "=="; }, false,
       "signature is not base64url"},
      {"standard base64 characters",
       [&] {
         std::string t = rsa.sign(clerk(), "RS256");
         t[t.size() - 3] = '+';
         return t;
       },
       false, "signature is not base64url"},
      {"header is not JSON", [&] { return auth::base64UrlEncode("not json") + ".e30.AAAA"; }, false,
       "header is not base64url-encoded JSON"},
      {"payload is an array",
       [&] {
         return auth::base64UrlEncode(R"({"alg":"RS256"})") + "." + auth::base64UrlEncode("[1]") +
                ".AAAA";
       },
       false, "payload is not"},
      {"deeply nested payload",
       [&] {
         return auth::base64UrlEncode(R"({"alg":"RS256"})") + "." +
                auth::base64UrlEncode(std::string(40, '[') + std::string(40, ']')) + ".AAAA";
       },
       false, "payload is not"},
  };
  return c;
}

class JwtAttack : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    server_ = new JwksServer(jwksOf({rsaKey().jwk("RS256"), ecKey().jwk(), edKey().jwk(),
                                     rsa512Key().jwk("RS512"), weakKey().jwk()}));
    auth::RemoteJwksOptions clerkKeys;
    clerkKeys.url = server_->baseUrl() + "/v1/jwks";
    clerkKeys.headers = {std::string("Authorization: Bearer ") + JwksServer::kClerkSecret};
    auth::RemoteJwksOptions googleKeys;
    googleKeys.url = server_->jwksUrl();
    std::vector<auth::Provider> providers;
    providers.push_back({"clerk",
                         {kClerkIss},
                         std::nullopt,
                         {"http://localhost:5173"},
                         std::make_shared<auth::RemoteJwks>(clerkKeys, "clerk")});
    providers.push_back({"google",
                         {"https://accounts.google.com", "accounts.google.com"},
                         std::string(kGoogleAud),
                         {},
                         std::make_shared<auth::RemoteJwks>(googleKeys, "google")});
    verifier_ = new auth::JwtVerifier(std::move(providers), {});
  }
  static void TearDownTestSuite() {
    delete verifier_;
    delete server_;
  }
  static JwksServer* server_;
  static auth::JwtVerifier* verifier_;
};
JwksServer* JwtAttack::server_ = nullptr;
auth::JwtVerifier* JwtAttack::verifier_ = nullptr;

TEST_P(JwtAttack, Outcome) {
  const Case& c = GetParam();
  const std::string token = c.token();
  const auth::Verdict v = verifier_->verify(token, kNow * 1000, /*allowNetwork=*/true);
  ASSERT_FALSE(v.needsNetwork());
  if (c.accepted) {
    ASSERT_TRUE(v.principal) << v.error->message;
    EXPECT_FALSE(v.principal->subject.empty());
    return;
  }
  ASSERT_TRUE(v.error) << "accepted a forged or invalid token";
  EXPECT_EQ(v.error->kind, ErrorKind::unauthorized);
  EXPECT_NE(v.error->message.find(c.refusal), std::string::npos) << v.error->message;
  // A 401 message never echoes the token.
  if (token.size() > 20) {
    EXPECT_EQ(v.error->message.find(token.substr(0, 20)), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, JwtAttack, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string n;
                           for (char ch : info.param.name)
                             n += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return n;
                         });

}  // namespace
}  // namespace minicrm::testing
