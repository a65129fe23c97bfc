// API keys and the Authorization header: key format, hashing, lifetimes, and which
// credential goes where.
#include <gtest/gtest.h>

#include "auth/api_keys.h"
#include "auth/authenticator.h"
#include "auth/key_source.h"
#include "support/jwt_fixtures.h"

namespace minicrm::testing {
namespace {

constexpr long kNow = 1'750'000'000;

TEST(Authenticator, ReadsBearerTokens) {
  EXPECT_EQ(auth::bearerToken("Bearer abc"), "abc");
  EXPECT_EQ(auth::bearerToken("bearer   abc "), "abc");
  EXPECT_FALSE(auth::bearerToken("Basic dXNlcjpwYXNz"));
  EXPECT_FALSE(auth::bearerToken("Bearer "));
  EXPECT_FALSE(auth::bearerToken("Bearerabc"));

  ManualClock clock(kNow * 1000);
  auto keys = auth::keysFromPem(rsaKey().publicPem());
  auto verifier = std::make_shared<auth::JwtVerifier>(
      std::vector<auth::Provider>{{"clerk", {}, std::nullopt, {}, std::move(keys).value()}},
      auth::VerifierOptions{});
  auth::Authenticator a(verifier, nullptr, clock);
  EXPECT_NE(a.authenticate("", false).error->message.find("Authentication required"),
            std::string::npos);
  EXPECT_NE(a.authenticate("Basic x", false).error->message.find("Bearer"), std::string::npos);
  EXPECT_TRUE(
      a.authenticate("Bearer " + rsaKey().sign(clerkClaims(kNow), "RS256"), false).principal);
  EXPECT_NE(a.authenticate("Bearer mck_abc", false).error->message.find("Invalid API key"),
            std::string::npos);
}

TEST(ApiKeys, AreLongRandomAndHashed) {
  const std::string a = auth::generateApiKey(), b = auth::generateApiKey();
  EXPECT_TRUE(a.starts_with("mck_"));
  EXPECT_EQ(a.size(), 4u + 43u);  // 256 bits in base64url
  EXPECT_NE(a, b);
  EXPECT_EQ(auth::sha256("abc").size(), 32u);
  EXPECT_TRUE(auth::secretEquals("token", "token"));
  EXPECT_FALSE(auth::secretEquals("token", "token2"));
  EXPECT_EQ(*auth::parseKeyLifetime("90d"), 90LL * 86'400'000);
  EXPECT_EQ(*auth::parseKeyLifetime("12h"), 12LL * 3'600'000);
  EXPECT_FALSE(auth::parseKeyLifetime("0d").ok());
  EXPECT_FALSE(auth::parseKeyLifetime("90").ok());
  EXPECT_FALSE(auth::parseKeyLifetime("d").ok());
}

}  // namespace
}  // namespace minicrm::testing
