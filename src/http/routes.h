// Route tables by area. Each function adds its area's routes to the router; handlers decode
// and validate, call one use case, and encode.
#pragma once

#include <functional>
#include <string_view>

#include "http/router.h"
#include "service/customers.h"
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
struct OpsContext {
  Store& store;
  std::function<Metrics&()> metrics;
  std::string_view openapiJson;
  std::string version;
  // Shown by /readyz while the server runs in open local mode (no auth); empty otherwise.
  std::string openModeWarning;
};
void addOpsRoutes(Router& router, OpsContext context);

}  // namespace minicrm::http
