// The vendor simulator's HTTP face, mounted in `minicrm serve` or served alone by
// `minicrm vendor-sim`.
#include <ctime>

#include "auth/signature.h"
#include "core/json_writer.h"
#include "http/envelope.h"
#include "http/routes.h"

namespace minicrm::http {

void addVendorRoutes(Router& router, vendor::VendorSimulator& sim) {
  auto send = [&sim](Request& req, Reply reply) {
    if (sim.options().requireSignature) {
      Status s = auth::verifySignature(sim.options().secret, req.header("x-signature"), req.body,
                                       static_cast<std::int64_t>(std::time(nullptr)));
      if (!s.ok()) return reply(errorResponse(s.error()));
    }
    auto messages = vendor::VendorSimulator::parseSend(req.body, req.header("idempotency-key"));
    if (!messages.ok()) return reply(errorResponse(messages.error()));
    sim.accept(*messages);
    JsonWriter w;
    w.beginObject().key("accepted").integer(static_cast<std::int64_t>(messages->size()));
    w.endObject();
    reply(dataResponse(w.str(), 202));
  };
  for (const char* path : {"/api/v1/vendor/send", "/api/v1/delivery/vendor/send"}) {
    router.add(Method::POST, path, send).access = Access::signature;
  }
  router
      .add(Method::GET, "/api/v1/vendor/stats",
           [&sim](Request&, Reply reply) {
             const auto s = sim.stats();
             JsonWriter w;
             w.beginObject();
             w.key("accepted").integer(static_cast<std::int64_t>(s.accepted));
             w.key("duplicateKeys").integer(static_cast<std::int64_t>(s.duplicateKeys));
             w.key("receiptsSent").integer(static_cast<std::int64_t>(s.receiptsSent));
             w.key("receiptsFailed").integer(static_cast<std::int64_t>(s.receiptsFailed));
             w.key("receiptsPending").integer(static_cast<std::int64_t>(s.receiptsPending));
             w.endObject();
             reply(dataResponse(w.str()));
           })
      .access = Access::open;
}

}  // namespace minicrm::http
