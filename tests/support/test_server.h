// A MiniCRM server running in-process on an ephemeral port with a fresh database file:
// tests talk to it over real HTTP.
#pragma once

#include <memory>
#include <string>

#include "cli/app.h"
#include "core/clock.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace minicrm::testing {

class TestServer {
 public:
  // 2025-06-15T12:00:00Z: defaults such as lastActive = now are predictable.
  static constexpr Millis kNow = 1'749'988'800'000;

  explicit TestServer(cli::Settings settings = {});
  ~TestServer();

  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(app_->port()); }
  std::uint16_t port() const { return app_->port(); }
  HttpClient client() const { return HttpClient(baseUrl()); }
  ManualClock& clock() { return clock_; }
  cli::App& app() { return *app_; }
  const std::string& databasePath() const { return dbPath_; }

 private:
  TempDir dir_{"minicrm-http"};
  std::string dbPath_;
  ManualClock clock_{kNow};
  std::unique_ptr<cli::App> app_;
};

}  // namespace minicrm::testing
