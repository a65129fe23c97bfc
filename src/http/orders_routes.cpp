// /api/v1/orders, its bulk form and analytics.
#include <fmt/format.h>

#include "core/json_writer.h"
#include "core/time.h"
#include "http/codec.h"
#include "http/envelope.h"
#include "http/json_input.h"
#include "http/query_params.h"
#include "http/respond.h"
#include "http/routes.h"

namespace minicrm::http {
namespace {

void encodeOrder(JsonWriter& w, const OrderView& o) {
  writeOrder(w, o);
}

DateRange rangeOf(QueryParams& params) {
  DateRange r;
  r.from = params.time("from", false);
  r.to = params.time("to", true);
  return r;
}

void createMany(OrderService& orders, Request& req, Reply reply) {
  auto body = parseJsonBody(req);
  if (!body.ok()) return reply(errorResponse(body.error()));
  if (!body->is_array()) {
    return reply(errorResponse(Error::invalidField(
        "", fmt::format("expected a JSON array of orders, got {}", describeType(*body)))));
  }
  const auto& arr = body->get_array();
  if (arr.empty()) return reply(errorResponse(Error::invalidField("", "the array is empty")));
  if (arr.size() > OrderService::kMaxBatch) {
    return reply(errorResponse(Error::invalidField(
        "", fmt::format("at most {} orders per request", OrderService::kMaxBatch))));
  }
  std::vector<FieldError> errors;
  std::vector<OrderDraft> drafts;
  drafts.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (auto d = decodeOrderDraft(arr[i], std::to_string(i), errors)) drafts.push_back(*d);
  }
  if (!errors.empty()) return reply(errorResponse(Error::invalid(std::move(errors))));
  orders.createMany(drafts, [reply](Result<std::vector<OrderView>> r) {
    if (!r.ok()) return reply(errorResponse(r.error()));
    JsonWriter w;
    w.beginObject();
    w.key("ok").boolean(true);
    w.key("count").integer(static_cast<std::int64_t>(r->size()));
    w.key("data").beginArray();
    for (const auto& o : *r)
      writeOrder(w, o);
    w.endArray();
    w.endObject();
    reply(rawResponse(201, std::move(w).str(), "application/json; charset=utf-8"));
  });
}

}  // namespace

void addOrderRoutes(Router& router, OrderService& orders) {
  router.add(Method::POST, "/api/v1/orders", [&orders](Request& req, Reply reply) {
    auto body = parseJsonObject(req);
    if (!body.ok()) return reply(errorResponse(body.error()));
    std::vector<FieldError> errors;
    auto draft = decodeOrderDraft(*body, "", errors);
    if (!draft) return reply(errorResponse(Error::invalid(std::move(errors))));
    orders.create(*draft, replyWith<OrderView>(reply, encodeOrder, 201));
  });

  router.add(Method::POST, "/api/v1/orders/bulk",
             [&orders](Request& req, Reply reply) { createMany(orders, req, std::move(reply)); });

  router
      .add(Method::GET, "/api/v1/orders",
           [&orders](Request& req, Reply reply) {
             QueryParams params(req);
             OrderQuery q;
             q.page = params.page();
             q.sort = params.sort(Store::orderSortFields(), {"orderDate", true});
             q.customer = params.id("customer");
             const DateRange r = rangeOf(params);
             q.from = r.from;
             q.to = r.to;
             q.minAmount = params.money("minAmount");
             q.maxAmount = params.money("maxAmount");
             q.q = params.text("q");
             if (Status s = params.finish(); !s.ok()) return reply(errorResponse(s.error()));
             auto page = orders.list(q);
             if (!page.ok()) return reply(errorResponse(page.error()));
             reply(listResponse(encodeArray(page->items, encodeOrder), q.page, page->total));
           })
      .blocking = true;

  router.add(Method::GET, "/api/v1/orders/:id", [&orders](Request& req, Reply reply) {
    auto id = pathId(req, "id", "order", reply);
    if (!id) return;
    reply(respond(orders.get(*id), encodeOrder));
  });

  router.add(Method::PATCH, "/api/v1/orders/:id", [&orders](Request& req, Reply reply) {
    auto id = pathId(req, "id", "order", reply);
    if (!id) return;
    auto body = parseJsonObject(req);
    if (!body.ok()) return reply(errorResponse(body.error()));
    std::vector<FieldError> errors;
    auto patch = decodeOrderPatch(*body, errors);
    if (!patch) return reply(errorResponse(Error::invalid(std::move(errors))));
    orders.update(*id, *patch, replyWith<OrderView>(reply, encodeOrder));
  });

  router.add(Method::DELETE, "/api/v1/orders/:id", [&orders](Request& req, Reply reply) {
    auto id = pathId(req, "id", "order", reply);
    if (!id) return;
    orders.remove(*id, replyWith<OrderView>(reply, encodeOrder));
  });

  router
      .add(Method::GET, "/api/v1/orders/by-customer/:customerId",
           [&orders](Request& req, Reply reply) {
             auto id = pathId(req, "customerId", "customer", reply);
             if (!id) return;
             QueryParams params(req);
             const PageRequest page = params.page();
             const SortKey sort = params.sort(Store::orderSortFields(), {"orderDate", true});
             if (Status s = params.finish(); !s.ok()) return reply(errorResponse(s.error()));
             auto result = orders.listForCustomer(*id, page, sort);
             if (!result.ok()) return reply(errorResponse(result.error()));
             reply(listResponse(encodeArray(result->items, encodeOrder), page, result->total));
           })
      .blocking = true;

  router
      .add(Method::GET, "/api/v1/orders/analytics/revenue",
           [&orders](Request& req, Reply reply) {
             QueryParams params(req);
             const bool monthly = params.choice("granularity", {"day", "month"}, "day") == "month";
             const DateRange r = rangeOf(params);
             if (Status s = params.finish(); !s.ok()) return reply(errorResponse(s.error()));
             auto buckets = orders.revenue(monthly ? Granularity::month : Granularity::day, r);
             reply(respond(buckets, [monthly](JsonWriter& w, const std::vector<RevenueBucket>& v) {
               w.beginArray();
               for (const auto& b : v) {
                 w.beginObject();
                 w.key("_id").string(monthly ? formatMonth(b.start) : formatDay(b.start));
                 w.key("revenue").money(b.revenue);
                 w.key("count").integer(b.count);
                 w.endObject();
               }
               w.endArray();
             }));
           })
      .blocking = true;

  router
      .add(Method::GET, "/api/v1/orders/analytics/top-customers",
           [&orders](Request& req, Reply reply) {
             QueryParams params(req);
             const auto limit = static_cast<int>(params.integer("limit", 1, 100, 10));
             const DateRange r = rangeOf(params);
             if (Status s = params.finish(); !s.ok()) return reply(errorResponse(s.error()));
             auto top = orders.topCustomers(limit, r);
             reply(respond(top, [](JsonWriter& w, const std::vector<TopCustomer>& v) {
               w.beginArray();
               for (const auto& t : v) {
                 w.beginObject();
                 w.key("customerId").id(t.customer.id);
                 w.key("name").string(t.customer.name);
                 w.key("email").string(t.customer.email);
                 w.key("phone").optString(t.customer.phone);
                 w.key("revenue").money(t.revenue);
                 w.key("count").integer(t.count);
                 w.endObject();
               }
               w.endArray();
             }));
           })
      .blocking = true;
}

}  // namespace minicrm::http
