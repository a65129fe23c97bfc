#include "cli/vendor_sim.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/json_writer.h"
#include "http/envelope.h"
#include "http/pipeline.h"
#include "http/routes.h"
#include "http/server.h"

namespace minicrm::cli {

int runVendorSim(const VendorSimSettings& settings) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  vendor::VendorSimulator sim(settings.simulator, SystemClock::instance());
  http::Router router;
  http::addVendorRoutes(router, sim);
  router
      .add(http::Method::GET, "/healthz",
           [](http::Request&, http::Reply reply) {
             reply(http::dataResponse(R"({"status":"up"})"));
           })
      .access = http::Access::open;
  // Short alias of the counters for shell use.
  router
      .add(http::Method::GET, "/stats",
           [&sim](http::Request&, http::Reply reply) {
             const auto s = sim.stats();
             JsonWriter w;
             w.beginObject();
             w.key("accepted").integer(static_cast<std::int64_t>(s.accepted));
             w.key("duplicateKeys").integer(static_cast<std::int64_t>(s.duplicateKeys));
             w.key("receiptsSent").integer(static_cast<std::int64_t>(s.receiptsSent));
             w.key("receiptsFailed").integer(static_cast<std::int64_t>(s.receiptsFailed));
             w.key("receiptsPending").integer(static_cast<std::int64_t>(s.receiptsPending));
             w.endObject();
             reply(http::dataResponse(w.str()));
           })
      .access = http::Access::open;
  http::PipelineOptions po;
  po.corsOrigins = {};
  po.workerThreads = 1;
  http::Pipeline pipeline(router, po);
  http::ServerOptions so;
  so.host = settings.host;
  so.port = static_cast<std::uint16_t>(settings.port);
  so.handleSignals = true;
  http::Server server(so, pipeline);
  if (Status s = server.listen(); !s.ok()) {
    std::fprintf(stderr, "minicrm vendor-sim: %s\n", s.error().message.c_str());
    return 2;
  }
  spdlog::info(
      R"("msg":"vendor simulator listening","port":{},"callback":{},"successRate":{},"seed":{})",
      server.port(), jsonQuote(settings.simulator.callbackUrl), settings.simulator.successRate,
      settings.simulator.seed);
  std::fprintf(stderr, "minicrm vendor-sim: serving on http://%s:%u\n", settings.host.c_str(),
               server.port());
  server.run();
  return 0;
}

}  // namespace minicrm::cli
