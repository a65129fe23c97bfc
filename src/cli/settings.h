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
  std::uint64_t uploadLimit = 1ull << 30;  // CSV uploads (JSON bodies stay at 1 MiB)
};

// Reads KEY=VALUE lines (comments, blank lines, `export ` prefixes and quotes allowed) into
// the process environment for keys not already set. A missing file is fine.
Status loadDotEnv(const std::string& path);

// Builds Settings from the environment plus flag values (env name -> value).
// Invalid values are errors naming the setting. Refuses MONGO_URI without DATABASE_URL.
Result<Settings> resolveSettings(const std::map<std::string, std::string>& flags);

// The settings table as text, for --help.
std::string settingsHelp();

}  // namespace minicrm::cli
