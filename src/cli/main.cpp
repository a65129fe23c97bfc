// minicrm: the command line. `serve` runs the server; `migrate` applies schema migrations.
#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <malloc.h>

#include <cstdio>
#include <map>
#include <optional>

#include "cli/app.h"
#include "cli/import_command.h"
#include "cli/keys_command.h"
#include "cli/settings.h"
#include "cli/vendor_sim.h"
#include "store/open.h"

namespace {

using namespace minicrm;

void setupLogging(const std::string& level) {
  spdlog::init_thread_pool(8192, 1);
  auto logger = spdlog::create_async<spdlog::sinks::stdout_sink_mt>("minicrm");
  spdlog::set_default_logger(logger);
  // Every line is one JSON object; messages are JSON members ("msg":..., ...).
  spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                      spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_every(std::chrono::seconds(1));
}

int fail(const Error& e) {
  std::fprintf(stderr, "minicrm: %s\n", e.message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc returns freed memory of its per-thread arenas to the OS eagerly, and grows them
  // back with mprotect on the next burst: under steady load that is a system call every
  // few requests. Keep up to 64 MiB of slack instead.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  CLI::App app{"MiniCRM: a self-hosted customer-engagement backend"};
  app.footer("\n" + cli::settingsHelp());
  app.require_subcommand(1);

  std::map<std::string, std::string> flags;
  auto addSettings = [&](CLI::App* cmd, const std::vector<std::string>& only) {
    for (const auto& spec : cli::settingSpecs()) {
      if (!only.empty() && std::find(only.begin(), only.end(), spec.env) == only.end()) continue;
      auto* option = cmd->add_option_function<std::string>(
                            spec.flag,
                            [&flags, env = spec.env](const std::string& v) {
                              flags[env] = v.empty() ? "on" : v;  // a bare on/off flag means on
                            },
                            fmt::format("{} (env {}, default {})", spec.help, spec.env,
                                        spec.defaultValue.empty() ? "unset" : spec.defaultValue))
                         ->type_name("VALUE");
      if (spec.isFlag) option->expected(0, 1);
    }
  };

  auto* serve = app.add_subcommand("serve", "Run the HTTP server");
  addSettings(serve, {});
  serve->footer("\n" + cli::settingsHelp());

  auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations and exit");
  addSettings(migrate, {"DATABASE_URL"});

  auto* version = app.add_subcommand("version", "Print the version");

  cli::VendorSimSettings simSettings;
  std::string simLatency = "0:0";
  auto* vendorSim = app.add_subcommand(
      "vendor-sim", "Run the vendor simulator alone (accepts messages, posts receipts back)");
  vendorSim->footer("");
  vendorSim->add_option("--host", simSettings.host, "Address to listen on")->capture_default_str();
  vendorSim->add_option("--port", simSettings.port, "TCP port")->capture_default_str();
  vendorSim
      ->add_option("--callback", simSettings.simulator.callbackUrl,
                   "Receipt webhook URL, e.g. http://127.0.0.1:8000/api/v1/delivery/receipt")
      ->required();
  vendorSim
      ->add_option("--success-rate", simSettings.simulator.successRate,
                   "Share of messages delivered")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  vendorSim->add_option("--latency-ms", simLatency, "Receipt delay range MIN:MAX")
      ->capture_default_str();
  vendorSim->add_option("--seed", simSettings.simulator.seed, "Seed of the outcomes")
      ->capture_default_str();
  vendorSim->add_option("--secret", simSettings.simulator.secret,
                        "Shared secret: receipts are signed (X-Signature)");
  vendorSim->add_flag("--require-signature", simSettings.simulator.requireSignature,
                      "Accept only send requests signed with --secret");
  auto* keys = app.add_subcommand("keys", "Manage API keys (Authorization: Bearer mck_...)");
  keys->require_subcommand(1);
  std::string keyName, keyRole = "member", keyId;
  std::optional<std::string> keyExpires;
  auto* keysCreate = keys->add_subcommand("create", "Create a key and print it once");
  keysCreate->add_option("--name", keyName, "Name: the caller is key:<name>")->required();
  keysCreate->add_option("--role", keyRole, "admin or member (default member)");
  keysCreate->add_option("--expires", keyExpires, "Lifetime such as 90d, 12h, 2w or 1y");
  auto* keysList = keys->add_subcommand("list", "List keys (never the keys themselves)");
  auto* keysRevoke = keys->add_subcommand("revoke", "Revoke a key by id");
  keysRevoke->add_option("ID", keyId, "The key id `keys list` shows")->required();
  for (auto* cmd : {keysCreate, keysList, keysRevoke})
    addSettings(cmd, {"DATABASE_URL"});
  cli::ImportCommand importCommand;
  std::string importKind;
  auto* import = app.add_subcommand(
      "import",
      "Import a CSV file of customers or orders into the database (exit 1: rows rejected)");
  import->add_option("kind", importKind, "customers or orders")
      ->required()
      ->check(CLI::IsMember({"customers", "orders"}));
  import->add_option("file", importCommand.file, "The CSV file")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_flag("--dry-run", importCommand.dryRun, "Check every row, write nothing");
  import->add_flag("--upsert", importCommand.upsert,
                   "Update stored emails / orderIds instead of reporting duplicates");
  addSettings(import, {"DATABASE_URL", "SQLITE_SYNCHRONOUS"});

  if (Status s = cli::loadDotEnv(".env"); !s.ok()) return fail(s.error());
  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) {
    std::puts("minicrm 0.1.0");
    return 0;
  }

  if (vendorSim->parsed()) {
    const std::size_t colon = simLatency.find(':');
    try {
      simSettings.simulator.latencyMinMs = std::stoi(simLatency.substr(0, colon));
      simSettings.simulator.latencyMaxMs = colon == std::string::npos
                                               ? simSettings.simulator.latencyMinMs
                                               : std::stoi(simLatency.substr(colon + 1));
    } catch (const std::exception&) {
      std::fprintf(stderr, "minicrm vendor-sim: --latency-ms must be MIN:MAX\n");
      return 2;
    }
    setupLogging("info");
    const int code = cli::runVendorSim(simSettings);
    spdlog::shutdown();
    return code;
  }

  auto settings = cli::resolveSettings(flags);
  if (!settings.ok()) return fail(settings.error());

  if (keysCreate->parsed()) return cli::createKeyCommand(*settings, keyName, keyRole, keyExpires);
  if (keysList->parsed()) return cli::listKeysCommand(*settings);
  if (keysRevoke->parsed()) return cli::revokeKeyCommand(*settings, keyId);

  if (migrate->parsed()) {
    StoreSettings ss;
    ss.databaseUrl = settings->databaseUrl;
    auto applied = migrateStore(ss);
    if (!applied.ok()) return fail(applied.error());
    std::printf("minicrm: %d migration(s) applied to %s\n", *applied, ss.databaseUrl.c_str());
    return 0;
  }

  if (import->parsed()) {
    importCommand.kind = importKind == "orders" ? ImportKind::orders : ImportKind::customers;
    spdlog::set_level(spdlog::level::warn);
    return cli::runImport(*settings, importCommand);
  }

  setupLogging(settings->logLevel);
  int exitCode = 0;
  {
    cli::App server(*settings, SystemClock::instance(), /*handleSignals=*/true);
    if (Status s = server.start(); !s.ok()) {
      exitCode = fail(s.error());
    } else {
      std::fprintf(stderr, "minicrm: serving on http://%s:%u (database %s)\n",
                   settings->host.c_str(), server.port(), settings->databaseUrl.c_str());
      if (!server.authConfigured()) {
        std::fprintf(stderr,
                     "minicrm: WARNING: OPEN LOCAL MODE. No auth is configured, so every caller "
                     "is the admin 'local'. See README, \"Securing MiniCRM\".\n");
      }
      server.wait();
    }
  }  // the store commits what is queued and closes here
  if (exitCode == 0) spdlog::info(R"("msg":"stopped")");
  spdlog::shutdown();
  return exitCode;
}
