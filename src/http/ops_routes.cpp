// Operations endpoints outside /api/v1 (and the OpenAPI document).
#include <chrono>

#include "core/json_writer.h"
#include "http/envelope.h"
#include "http/metrics.h"
#include "http/routes.h"

namespace minicrm::http {

void addOpsRoutes(Router& router, OpsContext ctx) {
  const auto started = std::chrono::steady_clock::now();

  auto& health =
      router.add(Method::GET, "/healthz", [version = ctx.version, started](Request&, Reply reply) {
        const auto up = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
        JsonWriter w;
        w.beginObject().key("status").string("up").key("version").string(version);
        w.key("uptimeSeconds").integer(up).endObject();
        reply(dataResponse(w.str()));
      });
  health.access = Access::open;

  auto& ready = router.add(
      Method::GET, "/readyz",
      [&store = ctx.store, warning = ctx.openModeWarning](Request&, Reply reply) {
        Status s = store.ping();
        JsonWriter w;
        w.beginObject().key("database").string(s.ok() ? "ok" : "unreachable");
        w.key("auth").string(warning.empty() ? "required" : "open");
        if (!warning.empty()) w.key("warning").string(warning);
        w.endObject();
        if (!s.ok()) {
          return reply(errorResponse(Error::unavailable("The database is not reachable")));
        }
        reply(dataResponse(w.str()));
      });
  ready.access = Access::open;
  ready.blocking = true;

  auto& metrics = router.add(Method::GET, "/metrics", [m = ctx.metrics](Request&, Reply reply) {
    reply(rawResponse(200, m().render(), "text/plain; version=0.0.4; charset=utf-8"));
  });
  metrics.access = Access::metrics;

  auto& spec = router.add(
      Method::GET, "/api/v1/openapi.json", [doc = ctx.openapiJson](Request&, Reply reply) {
        reply(rawResponse(200, std::string(doc), "application/json; charset=utf-8"));
      });
  spec.access = Access::open;
}

}  // namespace minicrm::http
