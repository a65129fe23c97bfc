// The auth and limit settings: defaults, parsing, and errors that name the setting.
#include <gtest/gtest.h>

#include <cstdlib>

#include "auth/fetch.h"
#include "cli/settings.h"

namespace minicrm::cli {
namespace {

class SecuritySettings : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& s : settingSpecs())
      unsetenv(s.env.c_str());
    unsetenv("MONGO_URI");
  }
};

TEST_F(SecuritySettings, DefaultsAreOpenLocalModeWithoutLimits) {
  auto s = resolveSettings({});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->auth, "auto");
  EXPECT_FALSE(s->insecure);
  EXPECT_FALSE(s->identityProviderConfigured());
  EXPECT_EQ(s->clerkApiUrl, "https://api.clerk.com");
  EXPECT_EQ(s->roleClaims, (std::vector<std::string>{"role", "roles"}));
  EXPECT_EQ(s->vendorSim, "auto");
  EXPECT_EQ(s->rateLimitPerIp.perSecond, 0);
  EXPECT_EQ(s->rateLimitPerPrincipal.perSecond, 0);
  EXPECT_EQ(s->maxHeaderBytes, 16384u);
  EXPECT_EQ(s->maxHeaders, 100u);
  EXPECT_EQ(s->requestTimeoutSeconds, 30u);
  EXPECT_EQ(s->idleTimeoutSeconds, 75u);
}

TEST_F(SecuritySettings, ProvidersListsAndRates) {
  setenv("CLERK_SECRET_KEY", "sk_test_abc", 1);
  setenv("CLERK_AUTHORIZED_PARTIES", "http://localhost:5173/, https://app.example.com", 1);
  setenv("OIDC_ISSUER", "https://accounts.google.com", 1);
  setenv("OIDC_AUDIENCE", "1234.apps.googleusercontent.com", 1);
  setenv("ADMIN_SUBJECTS", "user_1, boss@example.com", 1);
  setenv("RATE_LIMIT_PER_IP", "600/min", 1);
  auto s = resolveSettings({{"RATE_LIMIT_PER_PRINCIPAL", "5/s"}, {"INSECURE", "on"}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->identityProviderConfigured());
  EXPECT_EQ(s->clerkAuthorizedParties,
            (std::vector<std::string>{"http://localhost:5173", "https://app.example.com"}));
  EXPECT_EQ(s->adminSubjects, (std::vector<std::string>{"user_1", "boss@example.com"}));
  EXPECT_DOUBLE_EQ(s->rateLimitPerIp.perSecond, 10.0);
  EXPECT_DOUBLE_EQ(s->rateLimitPerIp.burst, 600.0);
  EXPECT_DOUBLE_EQ(s->rateLimitPerPrincipal.perSecond, 5.0);
  EXPECT_TRUE(s->insecure);
}

TEST_F(SecuritySettings, InvalidValuesNameTheirSetting) {
  auto s = resolveSettings({{"AUTH", "maybe"},
                            {"CLERK_API_URL", "http://api.clerk.com"},
                            {"OIDC_JWKS_URL", "https://idp.example/jwks"},
                            {"RATE_LIMIT_PER_IP", "lots"},
                            {"VENDOR_SIM", "sometimes"},
                            {"MAX_HEADERS", "1"}});
  ASSERT_FALSE(s.ok());
  std::vector<std::string> named;
  for (const auto& f : s.error().fields)
    named.push_back(f.path);
  EXPECT_EQ(named, (std::vector<std::string>{"AUTH", "CLERK_API_URL", "OIDC_ISSUER", "VENDOR_SIM",
                                             "RATE_LIMIT_PER_IP", "MAX_HEADERS"}));
  // Secrets never appear in messages.
  setenv("CLERK_SECRET_KEY", "sk_live_supersecret", 1);
  auto t = resolveSettings({{"AUTH", "maybe"}});
  EXPECT_EQ(t.error().message.find("supersecret"), std::string::npos);
}

TEST_F(SecuritySettings, PlainHttpKeyUrlsOnlyToLoopback) {
  EXPECT_TRUE(resolveSettings({{"CLERK_API_URL", "http://127.0.0.1:9000"}}).ok());
  EXPECT_TRUE(resolveSettings({{"OIDC_ISSUER", "http://localhost:8080/realms/minicrm"}}).ok());
  EXPECT_FALSE(resolveSettings({{"OIDC_ISSUER", "http://keycloak.internal/realms/x"}}).ok());
  EXPECT_TRUE(resolveSettings({{"OIDC_ISSUER", "https://idp.example"},
                               {"OIDC_JWKS_URL", "file:/etc/minicrm/jwks.json"}})
                  .ok());
}

TEST_F(SecuritySettings, LoopbackHosts) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"})
    EXPECT_TRUE(auth::isLoopbackHost(host)) << host;
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.5", "example.com", "128.0.0.1",
                           "127.0.0.1.evil.example", ""})
    EXPECT_FALSE(auth::isLoopbackHost(host)) << host;
  EXPECT_TRUE(auth::checkKeyUrl("http://127.0.0.1:8080/jwks", "X").ok());
  EXPECT_TRUE(auth::checkKeyUrl("http://[::1]:8080/jwks", "X").ok());
  EXPECT_FALSE(auth::checkKeyUrl("http://127.0.0.1.evil.example/jwks", "X").ok());
  EXPECT_FALSE(auth::checkKeyUrl("http://localhost.evil.example/jwks", "X").ok());
  EXPECT_FALSE(auth::checkKeyUrl("ftp://idp.example/jwks", "X").ok());
}

}  // namespace
}  // namespace minicrm::cli
