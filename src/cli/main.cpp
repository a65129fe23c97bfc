// minicrm: the command line. `serve` runs the server; `migrate` applies schema migrations.
#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <malloc.h>

#include <cstdio>
#include <map>

#include "cli/app.h"
#include "cli/import_command.h"
#include "cli/settings.h"
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
      cmd->add_option_function<std::string>(
             spec.flag, [&flags, env = spec.env](const std::string& v) { flags[env] = v; },
             fmt::format("{} (env {}, default {})", spec.help, spec.env, spec.defaultValue))
          ->type_name("VALUE");
    }
  };

  auto* serve = app.add_subcommand("serve", "Run the HTTP server");
  addSettings(serve, {});
  serve->footer("\n" + cli::settingsHelp());

  auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations and exit");
  addSettings(migrate, {"DATABASE_URL"});

  auto* version = app.add_subcommand("version", "Print the version");

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

  auto settings = cli::resolveSettings(flags);
  if (!settings.ok()) return fail(settings.error());

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
      server.wait();
    }
  }  // the store commits what is queued and closes here
  if (exitCode == 0) spdlog::info(R"("msg":"stopped")");
  spdlog::shutdown();
  return exitCode;
}
