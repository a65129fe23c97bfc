// Route tables by area. Each function adds its area's routes to the router; handlers decode
// and validate, call one use case, and encode.
#pragma once

#include <functional>
#include <string_view>

#include "http/router.h"
#include "service/campaigns.h"
#include "service/communications.h"
#include "service/customers.h"
#include "service/import.h"
#include "service/orders.h"
#include "service/segments.h"
#include "store/store.h"
#include "vendor/simulator.h"

namespace minicrm::http {

class Metrics;

void addCampaignRoutes(Router& router, CampaignService& campaigns);
// Communications, GET /api/v1/delivery/campaign/:id/logs and the receipt webhook (checked
// against `receiptSecret` when it is set).
void addDeliveryRoutes(Router& router, CommunicationService& comms, CampaignService& campaigns,
                       std::string receiptSecret);
// The vendor simulator: POST /api/v1/vendor/send (and /api/v1/delivery/vendor/send),
// GET /api/v1/vendor/stats.
void addVendorRoutes(Router& router, vendor::VendorSimulator& sim);

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
  // Shown by /readyz while the server runs in open local mode (no auth); empty otherwise.
  std::string openModeWarning;
};
void addOpsRoutes(Router& router, OpsContext context);

}  // namespace minicrm::http
