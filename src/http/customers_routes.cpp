// /api/v1/customers and the customer typeahead.
#include "core/json_writer.h"
#include "http/codec.h"
#include "http/envelope.h"
#include "http/json_input.h"
#include "http/query_params.h"
#include "http/respond.h"
#include "http/routes.h"

namespace minicrm::http {
namespace {

void encodeCustomer(JsonWriter& w, const Customer& c) {
  writeCustomer(w, c);
}

void searchHandler(CustomerService& customers, Request& req, Reply reply) {
  QueryParams params(req);
  const std::string q = params.text("q");
  if (Status s = params.finish(); !s.ok()) return reply(errorResponse(s.error()));
  auto found = customers.search(q);
  reply(respond(found, [](JsonWriter& w, const std::vector<CustomerRef>& refs) {
    w.beginArray();
    for (const auto& r : refs) {
      w.beginObject().key("_id").id(r.id).key("name").string(r.name).key("email").string(r.email);
      w.endObject();
    }
    w.endArray();
  }));
}

}  // namespace

void addCustomerRoutes(Router& router, CustomerService& customers) {
  router.add(Method::POST, "/api/v1/customers", [&customers](Request& req, Reply reply) {
    auto body = parseJsonObject(req);
    if (!body.ok()) return reply(errorResponse(body.error()));
    std::vector<FieldError> errors;
    auto draft = decodeCustomerDraft(*body, errors);
    if (!draft) return reply(errorResponse(Error::invalid(std::move(errors))));
    customers.create(*draft, replyWith<Customer>(reply, encodeCustomer, 201));
  });

  router
      .add(Method::GET, "/api/v1/customers",
           [&customers](Request& req, Reply reply) {
             QueryParams params(req);
             CustomerQuery q;
             q.page = params.page();
             q.sort = params.sort(Store::customerSortFields(), {"createdAt", true});
             q.q = params.text("q");
             if (Status s = params.finish(); !s.ok()) return reply(errorResponse(s.error()));
             auto page = customers.list(q);
             if (!page.ok()) return reply(errorResponse(page.error()));
             reply(listResponse(encodeArray(page->items, encodeCustomer), q.page, page->total));
           })
      .blocking = true;

  router.add(Method::GET, "/api/v1/customers/:id", [&customers](Request& req, Reply reply) {
    auto id = pathId(req, "id", "customer", reply);
    if (!id) return;
    reply(respond(customers.get(*id), encodeCustomer));
  });

  router.add(Method::PATCH, "/api/v1/customers/:id", [&customers](Request& req, Reply reply) {
    auto id = pathId(req, "id", "customer", reply);
    if (!id) return;
    auto body = parseJsonObject(req);
    if (!body.ok()) return reply(errorResponse(body.error()));
    std::vector<FieldError> errors;
    auto patch = decodeCustomerPatch(*body, errors);
    if (!patch) return reply(errorResponse(Error::invalid(std::move(errors))));
    customers.update(*id, *patch, replyWith<Customer>(reply, encodeCustomer));
  });

  router.add(Method::DELETE, "/api/v1/customers/:id", [&customers](Request& req, Reply reply) {
    auto id = pathId(req, "id", "customer", reply);
    if (!id) return;
    customers.remove(*id, replyWith<Customer>(reply, encodeCustomer));
  });

  for (const char* path : {"/api/v1/customer-search/search", "/api/v1/customersearch/search"}) {
    router
        .add(Method::GET, path,
             [&customers](Request& req, Reply reply) { searchHandler(customers, req, reply); })
        .blocking = true;
  }
}

}  // namespace minicrm::http
