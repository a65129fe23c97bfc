// Route tables by area. Each function adds its area's routes to the router; handlers decode
// and validate, call one use case, and encode.
#pragma once

#include <functional>
#include <string_view>

#include "http/router.h"
#include "service/customers.h"
#include "service/import.h"
#include "service/orders.h"
#include "service/segments.h"
#include "store/store.h"

namespace minicrm::http {

class Metrics;

void addCustomerRoutes(Router& router, CustomerService& customers);
void addOrderRoutes(Router& router, OrderService& orders);
// POST /api/v1/segments/validate and POST /api/v1/campaigns/preview.
void addSegmentRoutes(Router& router, SegmentService& segments);

// /healthz, /readyz, /metrics, /api/v1/openapi.json. `metrics` is resolved lazily because
// the pipeline (which owns the metrics) is built after the routes.
// CSV imports: POST /api/v1/customers/bulk, the CSV form of POST /api/v1/orders/bulk
// (call after addOrderRoutes), the CSV templates, GET /api/v1/import-jobs/:id. Uploads are
// streamed to disk, up to `uploadLimit` bytes.
void addImportRoutes(Router& router, ImportService& imports, std::uint64_t uploadLimit);

struct OpsContext {
  Store& store;
  std::function<Metrics&()> metrics;
  std::string_view openapiJson;
  std::string version;
};
void addOpsRoutes(Router& router, OpsContext context);

}  // namespace minicrm::http
