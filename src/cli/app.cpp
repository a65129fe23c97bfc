#include "cli/app.h"

#include <spdlog/spdlog.h>

#include "core/id.h"
#include "core/json_writer.h"
#include "http/pipeline.h"
#include "http/routes.h"
#include "http/server.h"
#include "service/customers.h"
#include "service/import.h"
#include "service/orders.h"
#include "service/segments.h"
#include "store/open.h"
#include "store/sqlite/sqlite_store.h"

namespace minicrm::cli {

constexpr const char* kVersion = "0.1.0";

struct App::Parts {
  std::unique_ptr<Store> store;
  std::unique_ptr<IdGenerator> ids;
  std::unique_ptr<CustomerService> customers;
  std::unique_ptr<OrderService> orders;
  std::unique_ptr<SegmentService> segments;
  std::unique_ptr<ImportService> imports;
  http::Router router;
  std::unique_ptr<http::Pipeline> pipeline;
  std::unique_ptr<http::Server> server;
};

App::App(Settings settings, const Clock& clock, bool handleSignals)
    : settings_(std::move(settings)), clock_(clock), handleSignals_(handleSignals) {}

App::~App() {
  // A running import stops at a chunk boundary (and resumes at the next start); requests
  // waiting for it are answered before the server drains.
  if (parts_) parts_->imports.reset();
  if (parts_ && parts_->server) {
    parts_->server->stop();
    parts_->server->join();
  }
  // Members go in reverse: server, pipeline (its workers finish), services, then the
  // store, whose writer commits what is queued before it closes.
  if (parts_) {
    parts_->server.reset();
    parts_->pipeline.reset();
  }
}

Status App::start() {
  auto p = std::make_unique<Parts>();
  StoreSettings storeSettings;
  storeSettings.databaseUrl = settings_.databaseUrl;
  storeSettings.sqliteSynchronous = settings_.sqliteSynchronous;
  auto store = openStore(storeSettings, clock_);
  if (!store.ok()) return std::move(store).error();
  p->store = std::move(store).value();
  p->ids = std::make_unique<IdGenerator>(clock_);
  p->customers = std::make_unique<CustomerService>(*p->store, clock_, *p->ids);
  p->orders = std::make_unique<OrderService>(*p->store, clock_, *p->ids);
  p->segments = std::make_unique<SegmentService>(*p->store, clock_);
  ImportSettings importSettings;
  importSettings.spoolDir = importSpoolDir(settings_.databaseUrl);
  p->imports = std::make_unique<ImportService>(*p->store, clock_, importSettings);

  http::addCustomerRoutes(p->router, *p->customers);
  http::addOrderRoutes(p->router, *p->orders);
  http::addSegmentRoutes(p->router, *p->segments);
  http::addImportRoutes(p->router, *p->imports, settings_.uploadLimit);
  Parts* raw = p.get();
  http::addOpsRoutes(p->router,
                     {*p->store, [raw]() -> http::Metrics& { return raw->pipeline->metrics(); },
                      kOpenApiJson, kVersion});

  http::PipelineOptions po;
  po.corsOrigins = settings_.corsOrigins;
  po.accessLog = settings_.accessLog;
  po.workerThreads = settings_.workerThreads;
  p->pipeline = std::make_unique<http::Pipeline>(p->router, po);
  if (auto* sqlite = dynamic_cast<sqlite::SqliteStore*>(p->store.get())) {
    auto& m = p->pipeline->metrics();
    m.addGauge("minicrm_store_write_queue_depth", "Write jobs waiting for the writer.",
               [sqlite] { return static_cast<double>(sqlite->writeQueueDepth()); });
    m.addCounter("minicrm_store_write_batches_total", "Transactions committed by the writer.",
                 [sqlite] { return static_cast<double>(sqlite->writeBatches()); });
    m.addCounter("minicrm_store_write_jobs_total", "Write jobs run by the writer.",
                 [sqlite] { return static_cast<double>(sqlite->writeJobs()); });
    m.addCounter("minicrm_store_wal_syncs_total", "WAL flushes to disk (fdatasync).",
                 [sqlite] { return static_cast<double>(sqlite->walSyncs()); });
    m.addCounter("minicrm_store_checkpoints_total", "Background WAL checkpoints.",
                 [sqlite] { return static_cast<double>(sqlite->checkpoints()); });
    m.addGauge("minicrm_customer_index_bytes", "Memory held by the in-memory customer index.",
               [sqlite] { return static_cast<double>(sqlite->customerIndexBytes()); });
  }

  http::ServerOptions so;
  so.host = settings_.host;
  so.port = static_cast<std::uint16_t>(settings_.port);
  so.ioThreads = settings_.ioThreads;
  so.handleSignals = handleSignals_;
  p->server = std::make_unique<http::Server>(so, *p->pipeline);
  if (Status s = p->server->listen(); !s.ok()) return s;
  p->server->start();
  if (auto resumed = p->imports->resumeUnfinished(); !resumed.ok()) {
    spdlog::error(R"("msg":"cannot resume import jobs","error":{})",
                  jsonQuote(resumed.error().message));
  } else if (*resumed > 0) {
    spdlog::info(R"("msg":"import jobs resumed","jobs":{})", *resumed);
  }
  parts_ = std::move(p);
  spdlog::info(R"("msg":"listening","address":{},"port":{},"database":{},"version":{})",
               jsonQuote(settings_.host), port(), jsonQuote(settings_.databaseUrl),
               jsonQuote(kVersion));
  return {};
}

std::uint16_t App::port() const {
  return parts_ ? parts_->server->port() : 0;
}

void App::wait() {
  if (parts_) parts_->server->join();
}

void App::stop() {
  if (parts_) parts_->server->stop();
}

std::string importSpoolDir(const std::string& databaseUrl) {
  auto path = sqlitePath(databaseUrl);
  return (path.ok() ? *path : std::string("./minicrm.db")) + ".imports";
}

Store& App::store() {
  return *parts_->store;
}

std::vector<std::pair<std::string, std::string>> App::routeTable() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!parts_) return out;
  for (const auto& r : parts_->router.routes()) {
    out.emplace_back(std::string(http::toString(r.method)), r.pattern);
  }
  return out;
}

}  // namespace minicrm::cli
