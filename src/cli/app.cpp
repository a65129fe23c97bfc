#include "cli/app.h"

#include <spdlog/spdlog.h>

#include <curl/curl.h>
#include "cli/security.h"
#include "core/id.h"
#include "core/json_writer.h"
#include "http/pipeline.h"
#include "http/routes.h"
#include "http/server.h"

#include <mutex>

#include "service/campaigns.h"
#include "service/communications.h"
#include "service/customers.h"
#include "service/dispatcher.h"
#include "service/import.h"
#include "service/orders.h"
#include "service/scheduler.h"
#include "service/segments.h"
#include "store/open.h"
#include "store/sqlite/sqlite_store.h"
#include "vendor/simulator.h"

namespace minicrm::cli {

constexpr const char* kVersion = "0.1.0";

struct App::Parts {
  std::unique_ptr<Store> store;
  std::unique_ptr<IdGenerator> ids;
  std::unique_ptr<CustomerService> customers;
  std::unique_ptr<OrderService> orders;
  std::unique_ptr<SegmentService> segments;
  std::unique_ptr<CampaignService> campaigns;
  std::unique_ptr<CommunicationService> communications;
  std::unique_ptr<vendor::VendorSimulator> simulator;  // when mounted
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<Scheduler> scheduler;
  Security security;  // holds the API key cache, which writes to the store as it goes
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
  // In reverse of what depends on what: no new requests, no more sends (what is in
  // flight is recorded), no more launches, the simulator, the pipeline's workers; then
  // services, and last the store, whose writer commits what is queued before it closes.
  if (parts_) {
    if (parts_->dispatcher) parts_->dispatcher->stop();
    if (parts_->scheduler) parts_->scheduler->stop();
    parts_->server.reset();
    if (parts_->campaigns) parts_->campaigns->setDeliveryWorkHook(nullptr);
    parts_->dispatcher.reset();
    parts_->scheduler.reset();
    parts_->simulator.reset();
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
  p->campaigns = std::make_unique<CampaignService>(*p->store, clock_, *p->ids);
  p->communications = std::make_unique<CommunicationService>(*p->store, clock_, *p->ids);
  static std::once_flag curlInit;
  std::call_once(curlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  auto security = setUpSecurity(settings_, *p->store, clock_);
  if (!security.ok()) return std::move(security).error();
  p->security = std::move(security).value();
  if (settings_.vendorSimEnabled(p->security.configured)) {
    vendor::SimulatorOptions so;
    so.successRate = settings_.simSuccessRate;
    so.latencyMinMs = settings_.simLatencyMinMs;
    so.latencyMaxMs = settings_.simLatencyMaxMs;
    so.seed = settings_.simSeed;
    so.secret = settings_.receiptWebhookSecret;
    // With auth configured only MiniCRM's own signed requests may use it.
    so.requireSignature = p->security.configured;
    p->simulator = std::make_unique<vendor::VendorSimulator>(so, clock_);
  } else if (settings_.vendorUrl.empty() && settings_.vendorSim == "off") {
    return Error::invalidField("VENDOR_URL",
                               "is required when the vendor simulator is off (VENDOR_SIM=off)");
  }
  ImportSettings importSettings;
  importSettings.spoolDir = importSpoolDir(settings_.databaseUrl);
  p->imports = std::make_unique<ImportService>(*p->store, clock_, importSettings);

  http::addCustomerRoutes(p->router, *p->customers);
  http::addOrderRoutes(p->router, *p->orders);
  http::addSegmentRoutes(p->router, *p->segments);
  http::addCampaignRoutes(p->router, *p->campaigns);
  http::addDeliveryRoutes(p->router, *p->communications, *p->campaigns,
                          settings_.receiptWebhookSecret);
  if (p->simulator) http::addVendorRoutes(p->router, *p->simulator);
  http::addImportRoutes(p->router, *p->imports, settings_.uploadLimit);
  Parts* raw = p.get();
  http::addOpsRoutes(p->router,
                     {*p->store, [raw]() -> http::Metrics& { return raw->pipeline->metrics(); },
                      kOpenApiJson, kVersion, p->security.openModeWarning});

  http::PipelineOptions po;
  po.corsOrigins = settings_.corsOrigins;
  po.accessLog = settings_.accessLog;
  po.workerThreads = settings_.workerThreads;
  po.authenticator = p->security.authenticator;
  po.metricsToken = settings_.metricsToken;
  po.perAddress = {settings_.rateLimitPerIp.perSecond, settings_.rateLimitPerIp.burst};
  po.perPrincipal = {settings_.rateLimitPerPrincipal.perSecond,
                     settings_.rateLimitPerPrincipal.burst};
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
    m.addGauge("minicrm_customer_index_bytes", "Heap memory held by the in-memory customer index.",
               [sqlite] { return static_cast<double>(sqlite->customerIndexBytes()); });
    m.addGauge("minicrm_customer_index_text_bytes",
               "Customer index text (names, emails, phones) kept in a mapped file beside the "
               "database.",
               [sqlite] { return static_cast<double>(sqlite->customerIndexTextBytes()); });
    m.addGauge("minicrm_customer_index_loaded",
               "1 once the customer index has loaded (previews are served from memory).",
               [sqlite] { return sqlite->customerIndexLoaded() ? 1.0 : 0.0; });
  }

  http::ServerOptions so;
  so.host = settings_.host;
  so.port = static_cast<std::uint16_t>(settings_.port);
  so.ioThreads = settings_.ioThreads;
  so.handleSignals = handleSignals_;
  so.maxConnections = settings_.maxConnections;
  so.headerLimit = settings_.maxHeaderBytes;
  so.headerCountLimit = settings_.maxHeaders;
  so.requestTimeout = std::chrono::seconds(settings_.requestTimeoutSeconds);
  so.idleTimeout = std::chrono::seconds(settings_.idleTimeoutSeconds);
  p->server = std::make_unique<http::Server>(so, *p->pipeline);
  if (Status s = p->server->listen(); !s.ok()) return s;
  // Loopback to this server: the mounted simulator's callback and default vendor.
  const std::string self = "http://127.0.0.1:" + std::to_string(p->server->port());
  if (p->simulator) p->simulator->setCallbackUrl(self + "/api/v1/delivery/receipt");
  // Launches a crash interrupted are redone before anything is sent.
  if (Status s = p->campaigns->resumeInterruptedLaunches(); !s.ok()) return s;
  const bool haveVendor = p->simulator || !settings_.vendorUrl.empty();
  if (settings_.dispatch && !haveVendor) {
    spdlog::warn(R"("msg":"campaign messages are not sent: no vendor","hint":{})",
                 jsonQuote("auth is configured, so the built-in vendor simulator is off: set "
                           "VENDOR_URL to the messaging vendor, or VENDOR_SIM=on"));
  }
  if (settings_.dispatch && haveVendor) {
    DispatchOptions d;
    d.vendorUrl = settings_.vendorUrl.empty() ? self + "/api/v1/vendor/send" : settings_.vendorUrl;
    d.concurrency = settings_.vendorConcurrency;
    d.batchSize = settings_.vendorBatch;
    d.ratePerSecond = settings_.vendorRate;
    d.maxAttempts = settings_.vendorMaxAttempts;
    d.sendTimeout = std::chrono::milliseconds(settings_.vendorTimeoutMs);
    d.receiptTimeout = std::chrono::milliseconds(settings_.receiptTimeoutMs);
    d.retryBase = std::chrono::milliseconds(settings_.retryBaseMs);
    d.retryMax = std::chrono::milliseconds(settings_.retryMaxMs);
    d.pauseAfterErrors = static_cast<int>(settings_.pauseAfterErrors);
    d.signingSecret = settings_.receiptWebhookSecret;
    p->dispatcher = std::make_unique<Dispatcher>(*p->store, clock_, *p->campaigns, d);
    p->dispatcher->start();
    Dispatcher* dispatcher = p->dispatcher.get();
    p->campaigns->setDeliveryWorkHook([dispatcher] { dispatcher->wake(); });
  }
  p->scheduler = std::make_unique<Scheduler>(*p->store, clock_, *p->campaigns);
  p->scheduler->start();
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
  if (!parts_->security.configured) {
    spdlog::warn(R"("msg":"OPEN LOCAL MODE: no auth is configured","warning":{})",
                 jsonQuote(parts_->security.openModeWarning));
  }
  return {};
}

bool App::authConfigured() const {
  return parts_ && parts_->security.configured;
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
