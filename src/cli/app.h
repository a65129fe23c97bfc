// A running MiniCRM server: the store, the use cases, the routes, the pipeline and the
// HTTP server wired together from Settings. `minicrm serve` runs one; the HTTP tests start
// one in-process on an ephemeral port.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/settings.h"
#include "core/clock.h"
#include "core/error.h"

namespace minicrm {
class Store;
}

namespace minicrm::cli {

class App {
 public:
  // `clock` must outlive the App (tests pass a ManualClock).
  App(Settings settings, const Clock& clock, bool handleSignals);
  ~App();

  // Opens the database and starts listening. On success the server is serving on
  // background threads and port() is known.
  Status start();
  std::uint16_t port() const;
  // Blocks until the server has stopped (stop() or a signal) and drained.
  void wait();
  // Begins a graceful stop: no new connections, in-flight requests finish.
  void stop();

  Store& store();
  // Whether callers must authenticate (decided at start: Clerk/OIDC settings, an active API
  // key, or AUTH=required). False: open local mode.
  bool authConfigured() const;
  // Every route as (method, path template), e.g. ("GET", "/api/v1/customers/:id").
  std::vector<std::pair<std::string, std::string>> routeTable() const;

 private:
  struct Parts;
  Settings settings_;
  const Clock& clock_;
  bool handleSignals_;
  std::unique_ptr<Parts> parts_;
};

// Where uploads wait for their import jobs: a directory beside the database file
// ("./minicrm.db.imports" for the default database).
std::string importSpoolDir(const std::string& databaseUrl);

// The embedded OpenAPI document (docs/openapi.yaml as JSON).
extern const std::string_view kOpenApiJson;

}  // namespace minicrm::cli
