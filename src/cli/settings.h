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
  std::string receiptWebhookSecret;
  bool dispatch = true;
  // The vendor simulator mounted in the server: "auto" (when no VENDOR_URL is set), "on",
  // "off".
  std::string vendorSim = "auto";
  double simSuccessRate = 0.9;
  int simLatencyMinMs = 20;
  int simLatencyMaxMs = 200;
  std::uint64_t simSeed = 0;
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
