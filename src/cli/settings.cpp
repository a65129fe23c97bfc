#include "cli/settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>

#include "core/customer.h"
#include "core/text.h"

namespace minicrm::cli {
namespace {

std::optional<std::string> lookup(const std::map<std::string, std::string>& flags,
                                  const std::string& env) {
  if (auto it = flags.find(env); it != flags.end()) return it->second;
  if (const char* v = std::getenv(env.c_str()); v && *v) return std::string(v);
  return std::nullopt;
}

std::optional<long> parseLong(std::string_view s) {
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "1048576", "512MiB", "1G": bytes (K/M/G and KiB/MiB/GiB are powers of 1024).
std::optional<std::uint64_t> parseBytes(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  const std::string unit = asciiLower(trim(std::string_view(p, s.data() + s.size() - p)));
  std::uint64_t scale = 1;
  if (unit == "k" || unit == "kib" || unit == "kb") {
    scale = 1ull << 10;
  } else if (unit == "m" || unit == "mib" || unit == "mb") {
    scale = 1ull << 20;
  } else if (unit == "g" || unit == "gib" || unit == "gb") {
    scale = 1ull << 30;
  } else if (!unit.empty() && unit != "b") {
    return std::nullopt;
  }
  if (v > (std::uint64_t{1} << 50) / scale) return std::nullopt;
  return v * scale;
}

std::optional<bool> parseBool(std::string_view s) {
  if (iequals(s, "1") || iequals(s, "true") || iequals(s, "on") || iequals(s, "yes")) return true;
  if (iequals(s, "0") || iequals(s, "false") || iequals(s, "off") || iequals(s, "no")) return false;
  return std::nullopt;
}

}  // namespace

const std::vector<SettingSpec>& settingSpecs() {
  static const std::vector<SettingSpec> specs = {
      {"HOST", "--host", "127.0.0.1", "Address to listen on"},
      {"PORT", "--port", "8000", "TCP port to listen on"},
      {"DATABASE_URL", "--database-url", "sqlite:./minicrm.db",
       "Database: sqlite:PATH (an embedded SQLite file)"},
      {"CORS_ORIGINS", "--cors-origins", "http://localhost:5173",
       "Comma-separated browser origins allowed to call the API (* for any)"},
      {"LOG_LEVEL", "--log-level", "info", "trace, debug, info, warn, error or off"},
      {"ACCESS_LOG", "--access-log", "on", "One JSON log line per request (on/off)"},
      {"IO_THREADS", "--io-threads", "0", "HTTP io threads (0: one per core)"},
      {"WORKER_THREADS", "--worker-threads", "4",
       "Threads for long-running reads (lists, analytics)"},
      {"SQLITE_SYNCHRONOUS", "--sqlite-synchronous", "FULL",
       "SQLite durability: FULL (survives power loss) or NORMAL (survives process crashes)"},
      {"UPLOAD_LIMIT", "--upload-limit", "1GiB",
       "Largest CSV upload accepted, in bytes (suffixes K, M, G, KiB, MiB, GiB); beyond it: 413"},
  };
  return specs;
}

Status loadDotEnv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (t.starts_with("export ")) t = trim(t.substr(7));
    const std::size_t eq = t.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Error::invalidField(path, fmt::format("line {}: expected KEY=VALUE", number));
    }
    const std::string key(trim(t.substr(0, eq)));
    std::string_view value = trim(t.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const std::size_t hash = value.find(" #"); hash != std::string_view::npos) {
      value = trim(value.substr(0, hash));
    }
    setenv(key.c_str(), std::string(value).c_str(), /*overwrite=*/0);
  }
  return {};
}

Result<Settings> resolveSettings(const std::map<std::string, std::string>& flags) {
  if (!lookup(flags, "DATABASE_URL") && std::getenv("MONGO_URI")) {
    return Error::invalidField(
        "MONGO_URI",
        "MiniCRM does not use MongoDB. Remove MONGO_URI and set DATABASE_URL instead: the "
        "default sqlite:./minicrm.db keeps everything in one embedded SQLite file. Bring "
        "existing customers and orders over with the CSV import.");
  }
  Settings s;
  std::vector<FieldError> errors;
  if (auto v = lookup(flags, "HOST")) s.host = *v;
  if (auto v = lookup(flags, "PORT")) {
    auto n = parseLong(*v);
    if (!n || *n < 0 || *n > 65535) {
      errors.push_back({"PORT", "must be a port number from 0 to 65535"});
    } else {
      s.port = static_cast<int>(*n);
    }
  }
  if (auto v = lookup(flags, "DATABASE_URL")) s.databaseUrl = *v;
  if (auto v = lookup(flags, "CORS_ORIGINS")) {
    s.corsOrigins.clear();
    std::string_view rest = *v;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view one = trim(rest.substr(0, comma));
      while (!one.empty() && one.back() == '/')
        one.remove_suffix(1);
      if (!one.empty()) s.corsOrigins.emplace_back(one);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  if (auto v = lookup(flags, "LOG_LEVEL")) {
    static const std::vector<std::string> levels = {"trace", "debug",    "info", "warn",
                                                    "error", "critical", "off"};
    const std::string lower = asciiLower(*v);
    if (std::find(levels.begin(), levels.end(), lower) == levels.end()) {
      errors.push_back({"LOG_LEVEL", "must be trace, debug, info, warn, error or off"});
    } else {
      s.logLevel = lower;
    }
  }
  if (auto v = lookup(flags, "ACCESS_LOG")) {
    auto b = parseBool(*v);
    if (!b) {
      errors.push_back({"ACCESS_LOG", "must be on or off"});
    } else {
      s.accessLog = *b;
    }
  }
  auto threads = [&](const char* name, unsigned& out, long min) {
    if (auto v = lookup(flags, name)) {
      auto n = parseLong(*v);
      if (!n || *n < min || *n > 256) {
        errors.push_back({name, fmt::format("must be an integer from {} to 256", min)});
      } else {
        out = static_cast<unsigned>(*n);
      }
    }
  };
  threads("IO_THREADS", s.ioThreads, 0);
  threads("WORKER_THREADS", s.workerThreads, 1);
  if (auto v = lookup(flags, "SQLITE_SYNCHRONOUS")) {
    const std::string upper = [&] {
      std::string u = *v;
      for (char& c : u)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return u;
    }();
    if (upper != "FULL" && upper != "NORMAL" && upper != "EXTRA") {
      errors.push_back({"SQLITE_SYNCHRONOUS", "must be FULL, NORMAL or EXTRA"});
    } else {
      s.sqliteSynchronous = upper;
    }
  }
  if (auto v = lookup(flags, "UPLOAD_LIMIT")) {
    auto n = parseBytes(*v);
    if (!n || *n == 0) {
      errors.push_back({"UPLOAD_LIMIT", "must be a size in bytes such as 1073741824 or 1GiB"});
    } else {
      s.uploadLimit = *n;
    }
  }
  if (!errors.empty()) {
    std::string message = "Invalid settings:";
    for (const auto& e : errors)
      message += " " + e.path + " " + e.message + ";";
    message.pop_back();
    return Error::invalid(std::move(errors), std::move(message));
  }
  return s;
}

std::string settingsHelp() {
  std::string out =
      "Settings (flag, environment variable, default). A .env file in the working "
      "directory is read too; it never overrides the environment.\n";
  for (const auto& s : settingSpecs()) {
    out += fmt::format("  {:<22} {:<19} {:<24} {}\n", s.flag, s.env,
                       s.defaultValue.empty() ? "-" : s.defaultValue, s.help);
  }
  return out;
}

}  // namespace minicrm::cli
