// Campaigns and their communications: the status machine of API.md and the records the
// store keeps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"

namespace minicrm {

enum class CampaignStatus { draft, scheduled, running, paused, completed, cancelled };

std::string_view toString(CampaignStatus s);
// Accepts "active" as a synonym of running (API.md).
std::optional<CampaignStatus> parseCampaignStatus(std::string_view s);

// Legal moves (API.md): draft -> scheduled, draft/scheduled -> running (launch),
// running <-> paused, running/paused -> completed (stop early),
// draft/scheduled/running/paused -> cancelled.
bool canMove(CampaignStatus from, CampaignStatus to);
// "cannot move a campaign from completed to running" (409 message).
std::string illegalMove(CampaignStatus from, CampaignStatus to);

// Delivery counters of a campaign, kept in step with its communications.
struct DeliveryStats {
  std::int64_t pending = 0;
  std::int64_t sent = 0;
  std::int64_t failed = 0;
  std::int64_t cancelled = 0;
  bool operator==(const DeliveryStats&) const = default;
};

struct Campaign {
  Id id;
  std::string name;
  std::string message;       // the template
  std::string segmentRules;  // canonical JSON of the rules
  CampaignStatus status = CampaignStatus::draft;
  std::string createdBy;
  std::optional<Millis> scheduledAt;
  // Draft/scheduled: the audience when last saved; from launch on: fixed.
  std::int64_t audienceSize = 0;
  std::optional<Millis> launchedAt;
  std::optional<Millis> completedAt;
  std::optional<std::string> pausedReason;  // "user" or "vendor errors"
  std::optional<std::string> lastError;
  DeliveryStats stats;
  Millis createdAt = 0;
  Millis updatedAt = 0;

  // Delivery has started (patching content is refused from here on).
  bool launched() const { return launchedAt.has_value(); }
};

enum class DeliveryStatus { pending, sent, failed, cancelled };

std::string_view toString(DeliveryStatus s);                            // "PENDING", ...
std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view s);  // case-insensitive
inline bool isFinal(DeliveryStatus s) {
  return s != DeliveryStatus::pending;
}

// One message to one customer in one campaign.
struct Communication {
  Id id;  // also the idempotency key sent to the vendor
  Id campaign;
  Id customer;  // reads embed null once this customer is deleted
  // The template until the message is sent, then the rendered text.
  std::string message;
  DeliveryStatus status = DeliveryStatus::pending;
  std::optional<std::string> vendorResponse;
  std::int64_t attempts = 0;          // send attempts made to the vendor
  std::optional<Millis> submittedAt;  // first accepted by the vendor
  std::optional<Millis> receiptAt;    // timestamp of the receipt that set the status
  Millis nextAttemptAt = 0;           // dispatcher: due from then on (PENDING only)
  Millis createdAt = 0;
  Millis updatedAt = 0;
};

}  // namespace minicrm
