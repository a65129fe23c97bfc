// Segment routes: the rule builder's validation and the audience preview.
#include <fmt/format.h>

#include "core/json_writer.h"
#include "core/segment/segment.h"
#include "http/codec.h"
#include "http/envelope.h"
#include "http/json_input.h"
#include "http/respond.h"
#include "http/routes.h"

namespace minicrm::http {
namespace {

// The body's segmentRules, parsed. Other keys are ignored: rule builders send whole forms.
Result<segment::Node> rulesOf(const boost::json::value& body) {
  const auto* rules = body.get_object().if_contains("segmentRules");
  if (!rules || rules->is_null()) return Error::invalidField("segmentRules", "is required");
  return segment::parse(*rules, "segmentRules");
}

}  // namespace

void addSegmentRoutes(Router& router, SegmentService& segments) {
  router.add(Method::POST, "/api/v1/segments/validate", [](Request& req, Reply reply) {
    auto body = parseJsonObject(req);
    if (!body.ok()) return reply(errorResponse(body.error()));
    auto rules = rulesOf(*body);
    if (!rules.ok()) return reply(errorResponse(rules.error()));
    JsonWriter w;
    w.beginObject();
    w.key("rules").value(segment::print(*rules));
    w.key("description").string(segment::describe(*rules));
    w.endObject();
    reply(dataResponse(w.str()));
  });

  router
      .add(Method::POST, "/api/v1/campaigns/preview",
           [&segments](Request& req, Reply reply) {
             auto body = parseJsonObject(req);
             if (!body.ok()) return reply(errorResponse(body.error()));
             int limit = SegmentService::kDefaultPreview;
             if (const auto* l = body->get_object().if_contains("limit"); l && !l->is_null()) {
               std::vector<FieldError> errors;
               auto n = integerOf(*l, "limit", errors);
               if (!n || *n < 1) {
                 if (errors.empty()) errors.push_back({"limit", "must be an integer >= 1"});
                 return reply(errorResponse(Error::invalid(std::move(errors))));
               }
               limit = static_cast<int>(std::min<std::int64_t>(*n, SegmentService::kMaxPreview));
             }
             auto rules = rulesOf(*body);
             if (!rules.ok()) return reply(errorResponse(rules.error()));
             auto preview = segments.preview(*rules, limit);
             reply(respond(preview, [](JsonWriter& w, const SegmentPreview& p) {
               w.beginObject();
               w.key("total").integer(p.total);
               w.key("customers").beginArray();
               for (const auto& c : p.customers)
                 writeCustomer(w, c);
               w.endArray();
               w.endObject();
             }));
           })
      .blocking = true;
}

}  // namespace minicrm::http
