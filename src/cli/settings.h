// Settings: each has an environment name, a flag and a default. Sources, strongest first:
// flags, the real environment, a .env file in the working directory (never overriding the
// environment), defaults. One table (settingSpecs) drives parsing, --help and the README.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace minicrm::cli {

struct SettingSpec {
  std::string env;   // PORT
  std::string flag;  // --port
  std::string defaultValue;
  std::string help;
  bool isFlag = false;  // an on/off setting whose flag may be given without a value
};

// Every setting `minicrm serve` reads.
const std::vector<SettingSpec>& settingSpecs();

struct Settings {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string databaseUrl = "sqlite:./minicrm.db";
  std::vector<std::string> corsOrigins = {"http://localhost:5173"};
  std::string logLevel = "info";
  bool accessLog = true;
  unsigned ioThreads = 0;
  unsigned workerThreads = 4;
  std::string sqliteSynchronous = "FULL";

  // Delivery.
  std::string vendorUrl;  // empty: the simulator mounted in this server
  unsigned vendorConcurrency = 64;
  unsigned vendorBatch = 100;
  double vendorRate = 0;  // messages per second; 0: unlimited
  unsigned vendorMaxAttempts = 5;
  std::int64_t vendorTimeoutMs = 30'000;
  std::int64_t receiptTimeoutMs = 10 * 60 * 1000;
  std::int64_t retryBaseMs = 1000;
  std::int64_t retryMaxMs = 5 * 60 * 1000;
  unsigned pauseAfterErrors = 100;
  bool dispatch = true;
  double simSuccessRate = 0.9;
  int simLatencyMinMs = 20;
  int simLatencyMaxMs = 200;
  std::uint64_t simSeed = 0;

  // Auth and abuse limits (README, "Securing MiniCRM").
  std::string auth = "auto";  // "required": refuse requests without credentials even with no
                              // provider or key configured yet
  bool insecure = false;      // allow a non-loopback HOST without auth
  std::string clerkSecretKey;
  std::string clerkApiUrl = "https://api.clerk.com";
  std::string clerkJwtKey;  // PEM public key: networkless verification
  std::string clerkIssuer;  // when set, Clerk tokens must carry exactly this iss
  std::vector<std::string> clerkAuthorizedParties;
  std::string oidcIssuer;
  std::string oidcJwksUrl;  // https URL or file:PATH; empty: OpenID discovery from the issuer
  std::string oidcAudience;
  std::vector<std::string> adminSubjects;
  std::vector<std::string> roleClaims = {"role", "roles"};
  std::string metricsToken;
  std::string receiptWebhookSecret;
  // The vendor simulator mounted in the server: on, off, auto (on when neither VENDOR_URL
  // nor auth is configured).
  std::string vendorSim = "auto";
  struct Rate {
    double perSecond = 0;  // 0: off
    double burst = 0;
  };
  Rate rateLimitPerIp;
  Rate rateLimitPerPrincipal;
  unsigned maxConnections = 10000;
  unsigned maxHeaderBytes = 16 * 1024;
  unsigned maxHeaders = 100;
  unsigned requestTimeoutSeconds = 30;
  unsigned idleTimeoutSeconds = 75;

  // A JWT provider (Clerk or OIDC) is configured.
  bool identityProviderConfigured() const {
    return !clerkSecretKey.empty() || !clerkJwtKey.empty() || !oidcIssuer.empty();
  }
  // Whether the in-process vendor simulator is mounted, given whether auth is configured
  // (decided at start: cli::App::authConfigured()).
  bool vendorSimEnabled(bool authConfigured) const {
    return vendorSim == "on" || (vendorSim == "auto" && !authConfigured && vendorUrl.empty());
  }
  std::uint64_t uploadLimit = 1ull << 30;  // CSV uploads (JSON bodies stay at 1 MiB)
};

// "250ms", "30s", "10m", "2h" or a number of milliseconds.
std::optional<std::int64_t> parseDurationMs(std::string_view text);

// Reads KEY=VALUE lines (comments, blank lines, `export ` prefixes and quotes allowed) into
// the process environment for keys not already set. A missing file is fine.
Status loadDotEnv(const std::string& path);

// Builds Settings from the environment plus flag values (env name -> value).
// Invalid values are errors naming the setting. Refuses MONGO_URI without DATABASE_URL.
Result<Settings> resolveSettings(const std::map<std::string, std::string>& flags);

// The settings table as text, for --help.
std::string settingsHelp();

}  // namespace minicrm::cli
