// /api/v1/communications, the delivery log of a campaign, and the vendor's receipt webhook.
#include <fmt/format.h>

#include <ctime>

#include "auth/signature.h"
#include "core/customer.h"
#include "core/json_writer.h"
#include "core/rules.h"
#include "core/time.h"
#include "http/envelope.h"
#include "http/json_input.h"
#include "http/query_params.h"
#include "http/respond.h"
#include "http/routes.h"

namespace minicrm::http {
namespace {

constexpr std::int64_t kMaxLogPage = 200;

void writeCommunication(JsonWriter& w, const CommunicationView& v) {
  const Communication& c = v.communication;
  w.beginObject();
  w.key("_id").id(c.id);
  w.key("campaign").beginObject();
  w.key("_id").id(v.campaign);
  w.key("name").string(v.campaignName);
  w.key("status").string(toString(v.campaignStatus));
  w.endObject();
  w.key("customer");
  if (v.customer) {
    w.beginObject();
    w.key("_id").id(v.customer->id);
    w.key("name").string(v.customer->name);
    w.key("email").string(v.customer->email);
    w.key("phone").optString(v.customer->phone);
    w.endObject();
  } else {
    w.null();
  }
  w.key("message").string(c.message);
  w.key("status").string(toString(c.status));
  w.key("vendorResponse").optString(c.vendorResponse);
  w.key("attempts").integer(c.attempts);
  w.key("submittedAt").optTime(c.submittedAt);
  w.key("createdAt").time(c.createdAt);
  w.key("updatedAt").time(c.updatedAt);
  w.endObject();
}

std::optional<DeliveryStatus> statusOf(const boost::json::value& v, const std::string& path,
                                       std::vector<FieldError>& errors) {
  auto t = textOf(v, path, errors);
  if (!t) return std::nullopt;
  auto s = parseDeliveryStatus(*t);
  if (!s) errors.push_back({path, "must be one of PENDING, SENT, FAILED, CANCELLED"});
  return s;
}

// One receipt object at `prefix` ("" or "3.").
std::optional<Receipt> decodeReceipt(const boost::json::value& v, const std::string& prefix,
                                     std::vector<FieldError>& errors) {
  if (!v.is_object()) {
    errors.push_back(
        {prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1), "expected a receipt object"});
    return std::nullopt;
  }
  const std::size_t before = errors.size();
  const auto& o = v.get_object();
  Receipt r;
  auto idAt = [&](const char* key, Id& out) {
    const auto* f = o.if_contains(key);
    if (!f || f->is_null()) {
      errors.push_back({prefix + key, "is required"});
    } else if (auto id = idOf(*f, prefix + key, errors)) {
      out = *id;
    }
  };
  idAt("campaignId", r.campaign);
  idAt("customerId", r.customer);
  const auto* s = o.if_contains("status");
  if (!s || s->is_null()) {
    errors.push_back({prefix + "status", "is required"});
  } else if (auto st = statusOf(*s, prefix + "status", errors)) {
    if (*st != DeliveryStatus::sent && *st != DeliveryStatus::failed) {
      errors.push_back({prefix + "status", "must be SENT or FAILED"});
    }
    r.status = *st;
  }
  if (const auto* vr = o.if_contains("vendorResponse"); vr && !vr->is_null()) {
    if (auto t = textOf(*vr, prefix + "vendorResponse", errors, true)) {
      r.vendorResponse = t->substr(0, 500);
    }
  }
  if (const auto* ts = o.if_contains("timestamp"); ts && !ts->is_null()) {
    if (auto t = timeOf(*ts, prefix + "timestamp", errors)) r.timestamp = *t;
  }
  if (errors.size() != before) return std::nullopt;
  return r;
}

void receiptHandler(CommunicationService& comms, const std::string& secret, Request& req,
                    Reply reply) {
  if (!secret.empty()) {
    Status s = auth::verifySignature(secret, req.header("x-signature"), req.body,
                                     static_cast<std::int64_t>(std::time(nullptr)));
    if (!s.ok()) return reply(errorResponse(s.error()));
  }
  auto body = parseJsonBody(req);
  if (!body.ok()) return reply(errorResponse(body.error()));
  if (body->is_object()) {
    std::vector<FieldError> errors;
    auto r = decodeReceipt(*body, "", errors);
    if (!r) return reply(errorResponse(Error::invalid(std::move(errors))));
    comms.applyReceipts({*r}, [reply](Result<std::vector<Result<ReceiptResult>>> results) {
      if (!results.ok()) return reply(errorResponse(results.error()));
      const auto& one = results->at(0);
      if (!one.ok()) return reply(errorResponse(one.error()));
      JsonWriter w;
      w.beginObject().key("id").id(one->communication);
      w.key("status").string(toString(one->status)).endObject();
      reply(dataResponse(w.str()));
    });
    return;
  }
  if (!body->is_array() || body->get_array().empty()) {
    return reply(errorResponse(
        Error::invalidField("", "expected a receipt object or a non-empty array of them")));
  }
  // Items are judged one by one: the valid ones are applied, the others reported.
  const auto& items = body->get_array();
  struct Slot {
    std::optional<std::string> problem;
  };
  auto slots = std::make_shared<std::vector<Slot>>(items.size());
  std::vector<Receipt> valid;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_object()) {
      return reply(errorResponse(Error::invalidField(
          std::to_string(i), "expected a receipt object; the body must be an array of objects")));
    }
    std::vector<FieldError> errors;
    if (auto r = decodeReceipt(items[i], std::to_string(i) + ".", errors)) {
      valid.push_back(*r);
      positions.push_back(i);
    } else {
      (*slots)[i].problem = Error::summarise(errors);
    }
  }
  comms.applyReceipts(std::move(valid), [reply, slots, positions](auto results) {
    if (!results.ok()) return reply(errorResponse(results.error()));
    std::vector<const Result<ReceiptResult>*> byIndex(slots->size(), nullptr);
    for (std::size_t k = 0; k < positions.size(); ++k)
      byIndex[positions[k]] = &(*results)[k];
    JsonWriter w;
    w.beginArray();
    for (std::size_t i = 0; i < slots->size(); ++i) {
      w.beginObject().key("index").integer(static_cast<std::int64_t>(i));
      if ((*slots)[i].problem) {
        w.key("ok").boolean(false).key("message").string(*(*slots)[i].problem);
      } else if (!byIndex[i]->ok()) {
        w.key("ok").boolean(false).key("message").string(byIndex[i]->error().message);
      } else {
        w.key("ok").boolean(true).key("status").string(toString((*byIndex[i])->status));
      }
      w.endObject();
    }
    w.endArray();
    reply(dataResponse(w.str()));
  });
}

}  // namespace

void addDeliveryRoutes(Router& router, CommunicationService& comms, CampaignService& campaigns,
                       std::string receiptSecret) {
  router.add(Method::POST, "/api/v1/communications", [&comms](Request& req, Reply reply) {
    auto body = parseJsonObject(req);
    if (!body.ok()) return reply(errorResponse(body.error()));
    std::vector<FieldError> errors;
    ObjectFields f(body->get_object(), "", errors);
    CommunicationDraft d;
    if (const auto* v = f.require("campaign")) {
      if (auto id = idOf(*v, "campaign", errors)) d.campaign = *id;
    }
    if (const auto* v = f.require("customer")) {
      if (auto id = idOf(*v, "customer", errors)) d.customer = *id;
    }
    if (const auto* v = f.require("message")) {
      if (auto t = textOf(*v, "message", errors)) {
        if (auto m = rules::requiredText(*t, 2000, "message", errors)) d.message = *m;
      }
    }
    if (const auto* v = f.get("status")) {
      if (auto s = statusOf(*v, "status", errors)) d.status = *s;
    }
    if (const auto* v = f.get("vendorResponse")) {
      if (auto t = textOf(*v, "vendorResponse", errors, true)) d.vendorResponse = *t;
    }
    f.rejectUnknown({{"_id", "is set by the server"},
                     {"attempts", "is set by the server"},
                     {"createdAt", "is set by the server"},
                     {"updatedAt", "is set by the server"}});
    if (!errors.empty()) return reply(errorResponse(Error::invalid(std::move(errors))));
    comms.create(d, replyWith<CommunicationView>(reply, writeCommunication, 201));
  });

  router
      .add(Method::GET, "/api/v1/communications",
           [&comms](Request& req, Reply reply) {
             QueryParams params(req);
             CommunicationQuery q;
             q.page = params.page(kMaxLogPage);
             q.campaign = params.id("campaign");
             q.customer = params.id("customer");
             const std::string status =
                 params.choice("status", {"PENDING", "SENT", "FAILED", "CANCELLED"}, "");
             if (!status.empty()) q.status = parseDeliveryStatus(status);
             if (Status s = params.finish(); !s.ok()) return reply(errorResponse(s.error()));
             if (!req.principal.admin) q.campaignOwner = req.principal.subject;
             auto page = comms.list(q);
             if (!page.ok()) return reply(errorResponse(page.error()));
             reply(listResponse(encodeArray(page->items, writeCommunication), q.page, page->total));
           })
      .blocking = true;

  auto visible = [&campaigns](const Request& req, const Result<CommunicationView>& v) {
    // Another owner's campaign's messages answer 404 like the campaign itself.
    return !v.ok() || req.principal.admin || campaigns.get(v->campaign, req.principal).ok();
  };

  router.add(Method::GET, "/api/v1/communications/:id",
             [&comms, visible](Request& req, Reply reply) {
               auto id = pathId(req, "id", "communication", reply);
               if (!id) return;
               auto v = comms.get(*id);
               if (!visible(req, v))
                 return reply(errorResponse(Error::notFound("communication not found")));
               reply(respond(v, writeCommunication));
             });

  router.add(
      Method::PATCH, "/api/v1/communications/:id", [&comms, visible](Request& req, Reply reply) {
        auto id = pathId(req, "id", "communication", reply);
        if (!id) return;
        if (!visible(req, comms.get(*id))) {
          return reply(errorResponse(Error::notFound("communication not found")));
        }
        auto body = parseJsonObject(req);
        if (!body.ok()) return reply(errorResponse(body.error()));
        std::vector<FieldError> errors;
        ObjectFields f(body->get_object(), "", errors);
        CommunicationPatch p;
        bool present = false;
        if (const auto* v = f.get("message", &present)) {
          if (auto t = textOf(*v, "message", errors))
            p.message = rules::requiredText(*t, 2000, "message", errors);
        } else if (present) {
          errors.push_back({"message", "cannot be null"});
        }
        if (const auto* v = f.get("status", &present)) {
          p.status = statusOf(*v, "status", errors);
        } else if (present) {
          errors.push_back({"status", "cannot be null"});
        }
        if (const auto* v = f.get("vendorResponse", &present)) {
          if (auto t = textOf(*v, "vendorResponse", errors, true))
            p.vendorResponse = std::optional<std::string>(*t);
        } else if (present) {
          p.vendorResponse = std::optional<std::string>();
        }
        f.rejectUnknown({{"campaign", "cannot be changed"}, {"customer", "cannot be changed"}});
        if (errors.empty() && !p.message && !p.status && !p.vendorResponse) {
          errors.push_back({"", "no fields to update"});
        }
        if (!errors.empty()) return reply(errorResponse(Error::invalid(std::move(errors))));
        comms.update(*id, p, replyWith<CommunicationView>(reply, writeCommunication));
      });

  router.add(Method::DELETE, "/api/v1/communications/:id",
             [&comms, visible](Request& req, Reply reply) {
               auto id = pathId(req, "id", "communication", reply);
               if (!id) return;
               if (!visible(req, comms.get(*id))) {
                 return reply(errorResponse(Error::notFound("communication not found")));
               }
               comms.remove(*id, replyWith<CommunicationView>(reply, writeCommunication));
             });

  router
      .add(Method::GET, "/api/v1/delivery/campaign/:id/logs",
           [&comms, &campaigns](Request& req, Reply reply) {
             auto id = pathId(req, "id", "campaign", reply);
             if (!id) return;
             QueryParams params(req);
             CommunicationQuery q;
             q.page = params.page(kMaxLogPage);
             q.campaign = *id;
             if (Status s = params.finish(); !s.ok()) return reply(errorResponse(s.error()));
             if (auto c = campaigns.get(*id, req.principal); !c.ok()) {
               return reply(errorResponse(c.error()));
             }
             auto page = comms.list(q);
             if (!page.ok()) return reply(errorResponse(page.error()));
             reply(listResponse(encodeArray(page->items, writeCommunication), q.page, page->total));
           })
      .blocking = true;

  for (const char* path : {"/api/v1/delivery/receipt", "/api/v1/delivery-receipt"}) {
    router
        .add(Method::POST, path,
             [&comms, receiptSecret](Request& req, Reply reply) {
               receiptHandler(comms, receiptSecret, req, std::move(reply));
             })
        .access = Access::signature;
  }
}

}  // namespace minicrm::http
