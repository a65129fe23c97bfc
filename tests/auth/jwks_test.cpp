// Keys from the network: caching by kid for the response's max-age, the refetch limit on
// unknown kids, stale keys while the provider is down, Clerk's backend API and OpenID
// discovery. Time is a ManualClock, so every refetch decision is deterministic.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "auth/verifier.h"
#include "support/jwks_server.h"
#include "support/jwt_fixtures.h"

namespace minicrm::testing {
namespace {

constexpr long kNow = 1'750'000'000;
constexpr const char* kIss = "https://issuer.minicrm.test";

struct Fixture {
  explicit Fixture(std::string cacheControl = "public, max-age=600",
                   std::string jwks = jwksOf({rsaKey().jwk()}))
      : server(std::move(jwks), std::move(cacheControl)) {
    auth::RemoteJwksOptions o;
    o.url = server.jwksUrl();
    keys = std::make_shared<auth::RemoteJwks>(o, "test");
    verifier = std::make_unique<auth::JwtVerifier>(
        std::vector<auth::Provider>{{"test", {kIss}, std::nullopt, {}, keys}},
        auth::VerifierOptions{});
  }
  // Verifies a token signed by `key` at the clock's time, off the io thread.
  auth::Verdict verify(const TestKey& key) {
    const long now = clock.now() / 1000;
    return verifier->verify(key.sign(clerkClaims(now, "user_1", kIss), "RS256"), clock.now(), true);
  }

  JwksServer server;
  ManualClock clock{kNow * 1000};
  std::shared_ptr<auth::RemoteJwks> keys;
  std::unique_ptr<auth::JwtVerifier> verifier;
};

TEST(Jwks, FirstUseFetchesOnlyWhenTheNetworkIsAllowed) {
  Fixture f;
  const std::string token = rsaKey().sign(clerkClaims(kNow, "user_1", kIss), "RS256");
  EXPECT_TRUE(f.verifier->verify(token, f.clock.now(), false).needsNetwork());
  EXPECT_EQ(f.server.hits(), 0);
  EXPECT_TRUE(f.verifier->verify(token, f.clock.now(), true).principal);
  EXPECT_EQ(f.server.hits(), 1);
  // Cached: no network needed now.
  EXPECT_TRUE(f.verifier->verify(token, f.clock.now(), false).principal);
}

TEST(Jwks, ConcurrentFirstRequestsShareOneFetch) {
  Fixture f;
  const std::string token = rsaKey().sign(clerkClaims(kNow, "user_1", kIss), "RS256");
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (f.verifier->verify(token, f.clock.now(), true).principal) ++accepted;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(accepted, 8) << "callers without a key wait for the fetch under way";
  EXPECT_EQ(f.server.hits(), 1);
}

TEST(Jwks, WarmUpLoadsTheKeysAtStart) {
  Fixture f;
  f.verifier->warmUp(f.clock.now());
  EXPECT_EQ(f.server.hits(), 1);
  const std::string token = rsaKey().sign(clerkClaims(kNow, "user_1", kIss), "RS256");
  EXPECT_TRUE(f.verifier->verify(token, f.clock.now(), false).principal);
}

TEST(Jwks, CachedForTheMaxAgeThenRefetched) {
  Fixture f("public, max-age=600, must-revalidate");
  ASSERT_TRUE(f.verify(rsaKey()).principal);
  f.clock.advance(599'000);
  ASSERT_TRUE(f.verify(rsaKey()).principal);
  EXPECT_EQ(f.server.hits(), 1);
  f.clock.advance(2'000);
  ASSERT_TRUE(f.verify(rsaKey()).principal);
  EXPECT_EQ(f.server.hits(), 2);
}

TEST(Jwks, WithoutMaxAgeKeysAreCachedForAnHour) {
  Fixture f("no-transform");
  ASSERT_TRUE(f.verify(rsaKey()).principal);
  f.clock.advance(3'599'000);
  ASSERT_TRUE(f.verify(rsaKey()).principal);
  EXPECT_EQ(f.server.hits(), 1);
  f.clock.advance(2'000);
  ASSERT_TRUE(f.verify(rsaKey()).principal);
  EXPECT_EQ(f.server.hits(), 2);
}

TEST(Jwks, UnknownKidRefetchesAtMostOncePer30Seconds) {
  Fixture f;
  ASSERT_TRUE(f.verify(rsaKey()).principal);
  f.clock.advance(30'000);
  // A kid the provider does not publish (yet): one fetch, then none for 30 s.
  auto v = f.verify(otherRsaKey());
  ASSERT_TRUE(v.error);
  EXPECT_NE(v.error->message.find("no signing key with kid"), std::string::npos);
  EXPECT_EQ(f.server.hits(), 2);
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(f.verify(otherRsaKey()).error);
  }
  EXPECT_EQ(f.server.hits(), 2) << "a flood of unknown kids must not flood the provider";
  // The provider rotates keys; once the interval is over, the new kid is found.
  f.server.setJwks(jwksOf({rsaKey().jwk(), otherRsaKey().jwk()}));
  f.clock.advance(29'000);
  EXPECT_TRUE(f.verify(otherRsaKey()).error);
  EXPECT_EQ(f.server.hits(), 2);
  f.clock.advance(1'000);
  EXPECT_TRUE(f.verify(otherRsaKey()).principal);
  EXPECT_EQ(f.server.hits(), 3);
  // Known kids never needed those fetches.
  EXPECT_TRUE(f.verify(rsaKey()).principal);
  EXPECT_EQ(f.server.hits(), 3);
}

TEST(Jwks, ProviderDownServesCachedKeys) {
  Fixture f;
  ASSERT_TRUE(f.verify(rsaKey()).principal);
  f.server.setDown(true);
  f.clock.advance(700'000);  // past max-age: a refetch is due and fails
  EXPECT_TRUE(f.verify(rsaKey()).principal);
  EXPECT_EQ(f.server.hits(), 2);
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(f.verify(rsaKey()).principal);
  EXPECT_EQ(f.server.hits(), 2) << "retries are limited to one per 30 s";
  f.clock.advance(30'000);
  EXPECT_TRUE(f.verify(rsaKey()).principal);
  EXPECT_EQ(f.server.hits(), 3);
  // Back up: fresh keys again.
  f.server.setDown(false);
  f.clock.advance(30'000);
  EXPECT_TRUE(f.verify(rsaKey()).principal);
  EXPECT_EQ(f.server.hits(), 4);
}

TEST(Jwks, ProviderDownWithoutCachedKeysRefuses) {
  Fixture f;
  f.server.setDown(true);
  auto v = f.verify(rsaKey());
  ASSERT_TRUE(v.error);
  EXPECT_EQ(v.error->kind, ErrorKind::unauthorized);
  EXPECT_NE(v.error->message.find("not available"), std::string::npos) << v.error->message;
  EXPECT_EQ(f.server.hits(), 1);
  EXPECT_TRUE(f.verify(rsaKey()).error);
  EXPECT_EQ(f.server.hits(), 1);
  f.server.setDown(false);
  f.clock.advance(30'000);
  EXPECT_TRUE(f.verify(rsaKey()).principal);
}

TEST(Jwks, UnreachableProviderRefuses) {
  auth::RemoteJwksOptions o;
  o.url = "http://127.0.0.1:1/jwks";  // nothing listens on port 1
  o.timeout = std::chrono::milliseconds(2000);
  auto keys = std::make_shared<auth::RemoteJwks>(o, "down");
  auth::JwtVerifier verifier({{"down", {kIss}, std::nullopt, {}, keys}}, {});
  auto v =
      verifier.verify(rsaKey().sign(clerkClaims(kNow, "user_1", kIss), "RS256"), kNow * 1000, true);
  ASSERT_TRUE(v.error);
  EXPECT_EQ(v.error->kind, ErrorKind::unauthorized);
}

TEST(Jwks, ClerkBackendApiNeedsTheSecretKey) {
  JwksServer server(jwksOf({rsaKey().jwk()}));
  auto make = [&](const std::string& secret) {
    auth::RemoteJwksOptions o;
    o.url = server.baseUrl() + "/v1/jwks";
    o.headers = {"Authorization: Bearer " + secret};
    return auth::JwtVerifier({{"clerk",
                               {},
                               std::nullopt,
                               {"http://localhost:5173"},
                               std::make_shared<auth::RemoteJwks>(o, "clerk")}},
                             {});
  };
  const std::string token = rsaKey().sign(clerkClaims(kNow), "RS256");
  EXPECT_TRUE(make(JwksServer::kClerkSecret).verify(token, kNow * 1000, true).principal);
  EXPECT_TRUE(make("sk_test_wrong").verify(token, kNow * 1000, true).error);
}

TEST(Jwks, OpenIdDiscoveryFindsTheJwks) {
  JwksServer server(jwksOf({ecKey().jwk()}));
  auth::RemoteJwksOptions o;
  o.issuer = server.baseUrl();
  auth::JwtVerifier verifier({{"oidc",
                               {server.baseUrl()},
                               std::string("client-1"),
                               {},
                               std::make_shared<auth::RemoteJwks>(o, "oidc")}},
                             {});
  auto claims = googleClaims(kNow, "client-1", "asha@example.com", server.baseUrl());
  auto v = verifier.verify(ecKey().sign(claims, "ES256"), kNow * 1000, true);
  ASSERT_TRUE(v.principal) << v.error->message;
  EXPECT_EQ(v.principal->email, "asha@example.com");
  EXPECT_EQ(server.hits(), 2);  // discovery, then the JWKS
}

}  // namespace
}  // namespace minicrm::testing
