#include "cli/settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>

#include "auth/fetch.h"
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

// Comma-separated values, trimmed, empty ones dropped.
std::vector<std::string> splitList(std::string_view rest) {
  std::vector<std::string> out;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view one = trim(rest.substr(0, comma));
    if (!one.empty()) out.emplace_back(one);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return out;
}

// Browser origins: as splitList, without trailing slashes ("http://a.io/" is "http://a.io").
std::vector<std::string> splitOrigins(std::string_view text) {
  std::vector<std::string> out;
  for (auto& one : splitList(text)) {
    while (!one.empty() && one.back() == '/')
      one.pop_back();
    if (!one.empty()) out.push_back(std::move(one));
  }
  return out;
}

// "N/s", "N/min", "N/h" or "off".
std::optional<Settings::Rate> parseRate(std::string_view s) {
  if (iequals(s, "off") || s == "0") return Settings::Rate{};
  const std::size_t slash = s.find('/');
  auto n = parseLong(s.substr(0, slash));
  if (!n || *n <= 0 || slash == std::string_view::npos) return std::nullopt;
  const std::string_view unit = s.substr(slash + 1);
  double seconds = 0;
  if (unit == "s") seconds = 1;
  if (unit == "min" || unit == "m") seconds = 60;
  if (unit == "h") seconds = 3600;
  if (seconds == 0) return std::nullopt;
  return Settings::Rate{static_cast<double>(*n) / seconds, static_cast<double>(*n)};
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
      {"DISPATCH", "--dispatch", "on", "Send campaign messages (off: launches queue them only)"},
      {"VENDOR_SIM_SUCCESS_RATE", "--vendor-sim-success-rate", "0.9",
       "Share of simulated messages delivered"},
      {"VENDOR_SIM_LATENCY_MS", "--vendor-sim-latency-ms", "20:200",
       "Simulated receipt delay range MIN:MAX in milliseconds"},
      {"VENDOR_SIM_SEED", "--vendor-sim-seed", "0", "Seed of the simulated outcomes"},
      {"AUTH", "--auth", "auto",
       "auto: credentials are required once Clerk, OIDC or an API key is set up; required: "
       "always"},
      {"INSECURE", "--insecure", "off",
       "Allow a non-loopback HOST while no auth is configured (anyone can call the API)", true},
      {"CLERK_SECRET_KEY", "--clerk-secret-key", "",
       "Clerk secret key (sk_...): verify Clerk session tokens with the JWKS of Clerk's API"},
      {"CLERK_API_URL", "--clerk-api-url", "https://api.clerk.com",
       "Base URL of Clerk's backend API (the JWKS is <url>/v1/jwks)"},
      {"CLERK_JWT_KEY", "--clerk-jwt-key", "",
       "Clerk's PEM public key: verify Clerk tokens without any network call"},
      {"CLERK_AUTHORIZED_PARTIES", "--clerk-authorized-parties", "",
       "Comma-separated origins a Clerk token's azp may name (e.g. http://localhost:5173)"},
      {"CLERK_ISSUER", "--clerk-issuer", "",
       "When set, Clerk tokens must have exactly this iss (your Frontend API URL)"},
      {"OIDC_ISSUER", "--oidc-issuer", "",
       "OpenID Connect issuer whose tokens are accepted (e.g. https://accounts.google.com)"},
      {"OIDC_JWKS_URL", "--oidc-jwks-url", "",
       "The issuer's JWKS: an https URL or file:PATH (default: found by OpenID discovery)"},
      {"OIDC_AUDIENCE", "--oidc-audience", "",
       "Required aud of OIDC tokens (Google: your OAuth client id)"},
      {"ADMIN_SUBJECTS", "--admin-subjects", "",
       "Comma-separated token subjects or verified emails that are admins"},
      {"ROLES_CLAIM", "--roles-claim", "role,roles",
       "Token claims holding the caller's roles (dotted for nested, e.g. metadata.role); "
       "role admin or org:admin makes an admin"},
      {"METRICS_TOKEN", "--metrics-token", "",
       "When set, GET /metrics needs Authorization: Bearer <METRICS_TOKEN>"},
      {"RECEIPT_WEBHOOK_SECRET", "--receipt-webhook-secret", "",
       "HMAC secret: receipts must carry X-Signature, vendor requests are signed with it; "
       "required once auth is configured"},
      {"VENDOR_SIM", "--vendor-sim", "auto",
       "Mount the vendor simulator in the server: on, off, auto (on when neither VENDOR_URL "
       "nor auth is configured)"},
      {"RATE_LIMIT_PER_IP", "--rate-limit-per-ip", "off",
       "Requests per client address: N/s, N/min or N/h (bursts up to N), or off"},
      {"RATE_LIMIT_PER_PRINCIPAL", "--rate-limit-per-principal", "off",
       "Authenticated requests per caller: N/s, N/min or N/h (bursts up to N), or off"},
      {"MAX_CONNECTIONS", "--max-connections", "10000",
       "Open HTTP connections; more are answered 503"},
      {"MAX_HEADER_BYTES", "--max-header-bytes", "16384",
       "Request line and headers larger than this answer 431"},
      {"MAX_HEADERS", "--max-headers", "100", "Requests with more header fields answer 431"},
      {"REQUEST_TIMEOUT", "--request-timeout", "30",
       "Seconds to receive a whole request once it has started (and to send the answer)"},
      {"IDLE_TIMEOUT", "--idle-timeout", "75", "Seconds a keep-alive connection may wait idle"},
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

namespace {

// Reads settings of the common kinds into Settings fields, recording what is invalid.
class SettingReader {
 public:
  SettingReader(const std::map<std::string, std::string>& flags, std::vector<FieldError>& errors)
      : flags_(flags), errors_(errors) {}

  void text(const char* name, std::string& out) const {
    if (auto v = lookup(flags_, name)) out = std::string(trim(*v));
  }
  void count(const char* name, unsigned& out, long min, long max) const {
    if (auto v = lookup(flags_, name)) {
      auto n = parseLong(*v);
      if (!n || *n < min || *n > max) {
        errors_.push_back({name, fmt::format("must be an integer from {} to {}", min, max)});
      } else {
        out = static_cast<unsigned>(*n);
      }
    }
  }
  void toggle(const char* name, bool& out) const {
    if (auto v = lookup(flags_, name)) {
      auto b = parseBool(*v);
      if (!b) {
        errors_.push_back({name, "must be on or off"});
      } else {
        out = *b;
      }
    }
  }

 private:
  const std::map<std::string, std::string>& flags_;
  std::vector<FieldError>& errors_;
};

void resolveSecuritySettings(const std::map<std::string, std::string>& flags, Settings& s,
                             std::vector<FieldError>& errors) {
  const SettingReader read(flags, errors);
  auto text = [&](const char* name, std::string& out) { read.text(name, out); };
  if (auto v = lookup(flags, "AUTH")) {
    const std::string mode = asciiLower(*v);
    if (mode != "auto" && mode != "required") {
      errors.push_back({"AUTH", "must be auto or required"});
    } else {
      s.auth = mode;
    }
  }
  read.toggle("INSECURE", s.insecure);
  text("CLERK_SECRET_KEY", s.clerkSecretKey);
  text("CLERK_API_URL", s.clerkApiUrl);
  while (!s.clerkApiUrl.empty() && s.clerkApiUrl.back() == '/')
    s.clerkApiUrl.pop_back();
  if (Status st = auth::checkKeyUrl(s.clerkApiUrl, "CLERK_API_URL"); !st.ok()) {
    errors.push_back(st.error().fields.at(0));
  }
  text("CLERK_JWT_KEY", s.clerkJwtKey);
  text("CLERK_ISSUER", s.clerkIssuer);
  if (auto v = lookup(flags, "CLERK_AUTHORIZED_PARTIES"))
    s.clerkAuthorizedParties = splitOrigins(*v);
  text("OIDC_ISSUER", s.oidcIssuer);
  text("OIDC_JWKS_URL", s.oidcJwksUrl);
  text("OIDC_AUDIENCE", s.oidcAudience);
  if (!s.oidcJwksUrl.empty()) {
    if (s.oidcIssuer.empty()) {
      errors.push_back({"OIDC_ISSUER", "is required with OIDC_JWKS_URL (tokens' iss is checked)"});
    }
    if (!s.oidcJwksUrl.starts_with("file:")) {
      if (Status st = auth::checkKeyUrl(s.oidcJwksUrl, "OIDC_JWKS_URL"); !st.ok()) {
        errors.push_back(st.error().fields.at(0));
      }
    }
  } else if (!s.oidcIssuer.empty()) {
    if (Status st = auth::checkKeyUrl(s.oidcIssuer, "OIDC_ISSUER"); !st.ok()) {
      errors.push_back(st.error().fields.at(0));
    }
  }
  if (auto v = lookup(flags, "ADMIN_SUBJECTS")) s.adminSubjects = splitList(*v);
  if (auto v = lookup(flags, "ROLES_CLAIM")) {
    s.roleClaims = splitList(*v);
    if (s.roleClaims.empty()) errors.push_back({"ROLES_CLAIM", "must name at least one claim"});
  }
  text("METRICS_TOKEN", s.metricsToken);
  text("RECEIPT_WEBHOOK_SECRET", s.receiptWebhookSecret);
  if (auto v = lookup(flags, "VENDOR_SIM")) {
    const std::string mode = asciiLower(*v);
    if (mode != "auto" && parseBool(mode)) {
      s.vendorSim = *parseBool(mode) ? "on" : "off";
    } else if (mode == "auto") {
      s.vendorSim = mode;
    } else {
      errors.push_back({"VENDOR_SIM", "must be on, off or auto"});
    }
  }
  for (auto [name, out] : {std::pair{"RATE_LIMIT_PER_IP", &s.rateLimitPerIp},
                           std::pair{"RATE_LIMIT_PER_PRINCIPAL", &s.rateLimitPerPrincipal}}) {
    if (auto v = lookup(flags, name)) {
      auto rate = parseRate(trim(*v));
      if (!rate) {
        errors.push_back({name, "must be N/s, N/min, N/h or off (e.g. 600/min)"});
      } else {
        *out = *rate;
      }
    }
  }
  read.count("MAX_CONNECTIONS", s.maxConnections, 1, 1'000'000);
  read.count("MAX_HEADER_BYTES", s.maxHeaderBytes, 1024, 1 << 20);
  read.count("MAX_HEADERS", s.maxHeaders, 8, 10'000);
  read.count("REQUEST_TIMEOUT", s.requestTimeoutSeconds, 1, 3600);
  read.count("IDLE_TIMEOUT", s.idleTimeoutSeconds, 1, 3600);
}

}  // namespace

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
  if (auto v = lookup(flags, "CORS_ORIGINS")) s.corsOrigins = splitOrigins(*v);
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
  const SettingReader read(flags, errors);
  read.toggle("ACCESS_LOG", s.accessLog);
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
  if (auto v = lookup(flags, "VENDOR_URL")) s.vendorUrl = *v;
  read.count("VENDOR_CONCURRENCY", s.vendorConcurrency, 1, 1024);
  read.count("VENDOR_BATCH", s.vendorBatch, 1, 1000);
  fraction("VENDOR_RATE", s.vendorRate, 1e9);
  read.count("VENDOR_MAX_ATTEMPTS", s.vendorMaxAttempts, 1, 100);
  duration("VENDOR_TIMEOUT", s.vendorTimeoutMs);
  duration("RECEIPT_TIMEOUT", s.receiptTimeoutMs);
  duration("VENDOR_RETRY_BASE", s.retryBaseMs);
  duration("VENDOR_RETRY_MAX", s.retryMaxMs);
  read.count("VENDOR_PAUSE_AFTER_ERRORS", s.pauseAfterErrors, 0, 1'000'000);
  read.toggle("DISPATCH", s.dispatch);
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
  resolveSecuritySettings(flags, s, errors);
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
