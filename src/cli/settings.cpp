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
      {"VENDOR_URL", "--vendor-url", "",
       "Messaging vendor endpoint (empty: the simulator mounted in this server)"},
      {"VENDOR_CONCURRENCY", "--vendor-concurrency", "64", "Vendor requests in flight"},
      {"VENDOR_BATCH", "--vendor-batch", "100", "Messages per vendor request (1 sends one each)"},
      {"VENDOR_RATE", "--vendor-rate", "0", "Messages per second to the vendor (0: unlimited)"},
      {"VENDOR_MAX_ATTEMPTS", "--vendor-max-attempts", "5",
       "Send attempts per message before it is FAILED"},
      {"VENDOR_TIMEOUT", "--vendor-timeout", "30s", "Time allowed for one vendor request"},
      {"RECEIPT_TIMEOUT", "--receipt-timeout", "10m",
       "Wait for a delivery receipt before sending again with the same idempotency key"},
      {"VENDOR_RETRY_BASE", "--vendor-retry-base", "1s",
       "First retry delay after a failed send (doubling, full jitter)"},
      {"VENDOR_RETRY_MAX", "--vendor-retry-max", "5m", "Longest retry delay"},
      {"VENDOR_PAUSE_AFTER_ERRORS", "--vendor-pause-after-errors", "100",
       "Failed sends in a row after which a campaign pauses itself (0: never)"},
      {"RECEIPT_WEBHOOK_SECRET", "--receipt-webhook-secret", "",
       "Shared secret: receipts must carry X-Signature; vendor requests are signed with it"},
      {"DISPATCH", "--dispatch", "on", "Send campaign messages (off: launches queue them only)"},
      {"VENDOR_SIM", "--vendor-sim", "auto",
       "Mount the vendor simulator: auto (when VENDOR_URL is empty), on, off"},
      {"VENDOR_SIM_SUCCESS_RATE", "--vendor-sim-success-rate", "0.9",
       "Share of simulated messages delivered"},
      {"VENDOR_SIM_LATENCY_MS", "--vendor-sim-latency-ms", "20:200",
       "Simulated receipt delay range MIN:MAX in milliseconds"},
      {"VENDOR_SIM_SEED", "--vendor-sim-seed", "0", "Seed of the simulated outcomes"},
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

std::optional<std::int64_t> parseDurationMs(std::string_view text) {
  text = trim(text);
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  std::int64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  const std::string_view unit = text.substr(digits);
  if (unit.empty() || unit == "ms") return n;
  if (unit == "s") return n * 1000;
  if (unit == "m") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  return std::nullopt;
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
  auto count = [&](const char* name, unsigned& out, long min, long max) {
    if (auto v = lookup(flags, name)) {
      auto n = parseLong(*v);
      if (!n || *n < min || *n > max) {
        errors.push_back({name, fmt::format("must be an integer from {} to {}", min, max)});
      } else {
        out = static_cast<unsigned>(*n);
      }
    }
  };
  auto duration = [&](const char* name, std::int64_t& out) {
    if (auto v = lookup(flags, name)) {
      auto ms = parseDurationMs(*v);
      if (!ms || *ms <= 0) {
        errors.push_back({name, "must be a duration such as 500ms, 30s, 10m or 2h"});
      } else {
        out = *ms;
      }
    }
  };
  auto fraction = [&](const char* name, double& out, double max) {
    if (auto v = lookup(flags, name)) {
      char* end = nullptr;
      const double d = std::strtod(v->c_str(), &end);
      if (end == v->c_str() || *end != '\0' || d < 0 || d > max) {
        errors.push_back({name, fmt::format("must be a number from 0 to {}", max)});
      } else {
        out = d;
      }
    }
  };
  auto toggle = [&](const char* name, bool& out) {
    if (auto v = lookup(flags, name)) {
      auto b = parseBool(*v);
      if (!b) {
        errors.push_back({name, "must be on or off"});
      } else {
        out = *b;
      }
    }
  };
  if (auto v = lookup(flags, "VENDOR_URL")) s.vendorUrl = *v;
  count("VENDOR_CONCURRENCY", s.vendorConcurrency, 1, 1024);
  count("VENDOR_BATCH", s.vendorBatch, 1, 1000);
  fraction("VENDOR_RATE", s.vendorRate, 1e9);
  count("VENDOR_MAX_ATTEMPTS", s.vendorMaxAttempts, 1, 100);
  duration("VENDOR_TIMEOUT", s.vendorTimeoutMs);
  duration("RECEIPT_TIMEOUT", s.receiptTimeoutMs);
  duration("VENDOR_RETRY_BASE", s.retryBaseMs);
  duration("VENDOR_RETRY_MAX", s.retryMaxMs);
  count("VENDOR_PAUSE_AFTER_ERRORS", s.pauseAfterErrors, 0, 1'000'000);
  if (auto v = lookup(flags, "RECEIPT_WEBHOOK_SECRET")) s.receiptWebhookSecret = *v;
  toggle("DISPATCH", s.dispatch);
  if (auto v = lookup(flags, "VENDOR_SIM")) {
    const std::string lower = asciiLower(*v);
    if (lower != "auto" && lower != "on" && lower != "off") {
      errors.push_back({"VENDOR_SIM", "must be auto, on or off"});
    } else {
      s.vendorSim = lower;
    }
  }
  fraction("VENDOR_SIM_SUCCESS_RATE", s.simSuccessRate, 1.0);
  if (auto v = lookup(flags, "VENDOR_SIM_LATENCY_MS")) {
    const std::size_t colon = v->find(':');
    auto lo = parseLong(std::string_view(*v).substr(0, colon));
    auto hi = colon == std::string::npos ? lo : parseLong(std::string_view(*v).substr(colon + 1));
    if (!lo || !hi || *lo < 0 || *hi < *lo || *hi > 600'000) {
      errors.push_back({"VENDOR_SIM_LATENCY_MS", "must be MIN:MAX milliseconds, MIN <= MAX"});
    } else {
      s.simLatencyMinMs = static_cast<int>(*lo);
      s.simLatencyMaxMs = static_cast<int>(*hi);
    }
  }
  if (auto v = lookup(flags, "VENDOR_SIM_SEED")) {
    std::uint64_t seed = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), seed);
    if (ec != std::errc() || p != v->data() + v->size()) {
      errors.push_back({"VENDOR_SIM_SEED", "must be a non-negative integer"});
    } else {
      s.simSeed = seed;
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
