// /api/v1/campaigns: saving, listing with live stats, the status machine.
#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include "core/customer.h"
#include "core/json_writer.h"
#include "core/message_template.h"
#include "core/rules.h"
#include "core/text.h"
#include "core/time.h"
#include "http/envelope.h"
#include "http/json_input.h"
#include "http/query_params.h"
#include "http/respond.h"
#include "http/routes.h"

namespace minicrm::http {
namespace {

const std::vector<std::pair<std::string_view, std::string_view>> kServerFields = {
    {"_id", "is set by the server"},          {"id", "is set by the server"},
    {"createdAt", "is set by the server"},    {"updatedAt", "is set by the server"},
    {"audienceSize", "is set by the server"}, {"stats", "is set by the server"},
    {"__v", "is set by the server"}};

void writeCampaign(JsonWriter& w, const Campaign& c) {
  w.beginObject();
  w.key("_id").id(c.id);
  w.key("name").string(c.name);
  w.key("message").string(c.message);
  w.key("segmentRules").raw(c.segmentRules);
  auto rules = segment::parse(boost::json::parse(c.segmentRules));
  w.key("description").string(rules.ok() ? segment::describe(*rules) : "");
  w.key("status").string(toString(c.status));
  w.key("createdBy").string(c.createdBy);
  w.key("scheduledAt").optTime(c.scheduledAt);
  w.key("audienceSize").integer(c.audienceSize);
  w.key("stats").beginObject();
  w.key("pending").integer(c.stats.pending);
  w.key("sent").integer(c.stats.sent);
  w.key("failed").integer(c.stats.failed);
  w.key("cancelled").integer(c.stats.cancelled);
  w.endObject();
  w.key("pausedReason").optString(c.pausedReason);
  w.key("lastError").optString(c.lastError);
  w.key("launchedAt").optTime(c.launchedAt);
  w.key("completedAt").optTime(c.completedAt);
  w.key("createdAt").time(c.createdAt);
  w.key("updatedAt").time(c.updatedAt);
  w.endObject();
}

std::optional<std::string> templateOf(const boost::json::value& v, const std::string& path,
                                      std::vector<FieldError>& errors) {
  auto text = textOf(v, path, errors);
  if (!text) return std::nullopt;
  auto t = MessageTemplate::parse(*text, path);
  if (!t.ok()) {
    for (const auto& f : t.error().fields)
      errors.push_back(f);
    return std::nullopt;
  }
  return t->text();
}

std::optional<segment::Node> rulesOf(const boost::json::value& v, std::vector<FieldError>& errors) {
  auto rules = segment::parse(v, "segmentRules");
  if (!rules.ok()) {
    for (const auto& f : rules.error().fields)
      errors.push_back(f);
    return std::nullopt;
  }
  return std::move(*rules);
}

std::optional<CampaignDraft> decodeDraft(const boost::json::value& body,
                                         std::vector<FieldError>& errors) {
  ObjectFields f(body.get_object(), "", errors);
  CampaignDraft d;
  const std::size_t before = errors.size();
  if (const auto* v = f.require("name")) {
    if (auto t = textOf(*v, "name", errors)) {
      if (auto n = rules::requiredText(*t, 200, "name", errors)) d.name = *n;
    }
  }
  if (const auto* v = f.require("message")) {
    if (auto m = templateOf(*v, "message", errors)) d.message = *m;
  }
  if (const auto* v = f.require("segmentRules")) {
    if (auto r = rulesOf(*v, errors)) d.rules = std::move(*r);
  }
  if (const auto* v = f.get("createdBy")) {
    if (auto t = textOf(*v, "createdBy", errors)) d.createdBy = std::string(trim(*t));
  }
  if (const auto* v = f.get("status")) {
    auto t = textOf(*v, "status", errors);
    if (t && iequals(trim(*t), "draft")) {
      d.draft = true;
    } else if (t) {
      errors.push_back({"status",
                        "may only be \"draft\" when saving; launch, schedule or "
                        "pause with PATCH /campaigns/:id/status"});
    }
  }
  if (const auto* v = f.get("scheduledAt")) d.scheduledAt = timeOf(*v, "scheduledAt", errors);
  f.rejectUnknown(kServerFields);
  if (errors.size() != before) return std::nullopt;
  return d;
}

std::optional<CampaignPatch> decodePatch(const boost::json::value& body,
                                         std::vector<FieldError>& errors) {
  ObjectFields f(body.get_object(), "", errors);
  CampaignPatch p;
  const std::size_t before = errors.size();
  bool present = false;
  if (const auto* v = f.get("name", &present)) {
    if (auto t = textOf(*v, "name", errors)) p.name = rules::requiredText(*t, 200, "name", errors);
  } else if (present) {
    errors.push_back({"name", "cannot be null"});
  }
  if (const auto* v = f.get("message", &present)) {
    p.message = templateOf(*v, "message", errors);
  } else if (present) {
    errors.push_back({"message", "cannot be null"});
  }
  if (const auto* v = f.get("segmentRules", &present)) {
    p.rules = rulesOf(*v, errors);
  } else if (present) {
    errors.push_back({"segmentRules", "cannot be null"});
  }
  if (const auto* v = f.get("scheduledAt", &present)) {
    if (auto t = timeOf(*v, "scheduledAt", errors)) p.scheduledAt = std::optional<Millis>(*t);
  } else if (present) {
    p.scheduledAt = std::optional<Millis>();
  }
  std::vector<std::pair<std::string_view, std::string_view>> known = kServerFields;
  known.emplace_back("status", "is changed with PATCH /campaigns/:id/status");
  known.emplace_back("createdBy", "cannot be changed");
  f.rejectUnknown(known);
  if (errors.size() != before) return std::nullopt;
  if (!p.name && !p.message && !p.rules && !p.scheduledAt) {
    errors.push_back({"", "no fields to update"});
    return std::nullopt;
  }
  return p;
}

}  // namespace

void addCampaignRoutes(Router& router, CampaignService& campaigns) {
  // Saving may launch: the handler waits for the audience to be written.
  router
      .add(Method::POST, "/api/v1/campaigns",
           [&campaigns](Request& req, Reply reply) {
             auto body = parseJsonObject(req);
             if (!body.ok()) return reply(errorResponse(body.error()));
             std::vector<FieldError> errors;
             auto draft = decodeDraft(*body, errors);
             if (!draft) return reply(errorResponse(Error::invalid(std::move(errors))));
             auto c = campaigns.create(*draft, req.principal);
             reply(respond(
                 c,
                 [](JsonWriter& w, const Campaign& k) {
                   w.beginObject();
                   w.key("id").id(k.id);
                   w.key("_id").id(k.id);
                   w.key("audienceSize").integer(k.audienceSize);
                   w.key("status").string(toString(k.status));
                   w.endObject();
                 },
                 201));
           })
      .blocking = true;

  router
      .add(Method::GET, "/api/v1/campaigns",
           [&campaigns](Request& req, Reply reply) {
             QueryParams params(req);
             CampaignQuery q;
             q.page = params.page();
             q.sort = params.sort(Store::campaignSortFields(), {"createdAt", true});
             const std::string status = params.choice(
                 "status",
                 {"draft", "scheduled", "running", "active", "paused", "completed", "cancelled"},
                 "");
             if (!status.empty()) q.status = parseCampaignStatus(status);
             if (Status s = params.finish(); !s.ok()) return reply(errorResponse(s.error()));
             auto page = campaigns.list(q, req.principal);
             if (!page.ok()) return reply(errorResponse(page.error()));
             reply(listResponse(encodeArray(page->items, writeCampaign), q.page, page->total));
           })
      .blocking = true;

  router
      .add(Method::GET, "/api/v1/campaigns/:id",
           [&campaigns](Request& req, Reply reply) {
             auto id = pathId(req, "id", "campaign", reply);
             if (!id) return;
             reply(respond(campaigns.get(*id, req.principal), writeCampaign));
           })
      .blocking = true;

  router
      .add(Method::PATCH, "/api/v1/campaigns/:id",
           [&campaigns](Request& req, Reply reply) {
             auto id = pathId(req, "id", "campaign", reply);
             if (!id) return;
             auto body = parseJsonObject(req);
             if (!body.ok()) return reply(errorResponse(body.error()));
             std::vector<FieldError> errors;
             auto patch = decodePatch(*body, errors);
             if (!patch) return reply(errorResponse(Error::invalid(std::move(errors))));
             reply(respond(campaigns.update(*id, *patch, req.principal), writeCampaign));
           })
      .blocking = true;

  router
      .add(Method::PATCH, "/api/v1/campaigns/:id/status",
           [&campaigns](Request& req, Reply reply) {
             auto id = pathId(req, "id", "campaign", reply);
             if (!id) return;
             auto body = parseJsonObject(req);
             if (!body.ok()) return reply(errorResponse(body.error()));
             std::vector<FieldError> errors;
             ObjectFields f(body->get_object(), "", errors);
             std::optional<CampaignStatus> to;
             if (const auto* v = f.require("status")) {
               if (auto t = textOf(*v, "status", errors)) {
                 to = parseCampaignStatus(*t);
                 if (!to) {
                   errors.push_back({"status",
                                     "must be one of draft, scheduled, running (or "
                                     "active), paused, completed, cancelled"});
                 }
               }
             }
             f.rejectUnknown();
             if (!errors.empty()) return reply(errorResponse(Error::invalid(std::move(errors))));
             reply(respond(campaigns.changeStatus(*id, *to, req.principal), writeCampaign));
           })
      .blocking = true;

  router
      .add(Method::DELETE, "/api/v1/campaigns/:id",
           [&campaigns](Request& req, Reply reply) {
             auto id = pathId(req, "id", "campaign", reply);
             if (!id) return;
             reply(respond(campaigns.remove(*id, req.principal), writeCampaign));
           })
      .blocking = true;
}

}  // namespace minicrm::http
