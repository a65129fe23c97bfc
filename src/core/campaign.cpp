#include "core/campaign.h"

#include <fmt/format.h>

#include "core/customer.h"
#include "core/text.h"

namespace minicrm {

std::string_view toString(CampaignStatus s) {
  switch (s) {
    case CampaignStatus::draft:
      return "draft";
    case CampaignStatus::scheduled:
      return "scheduled";
    case CampaignStatus::running:
      return "running";
    case CampaignStatus::paused:
      return "paused";
    case CampaignStatus::completed:
      return "completed";
    case CampaignStatus::cancelled:
      return "cancelled";
  }
  return "draft";
}

std::optional<CampaignStatus> parseCampaignStatus(std::string_view s) {
  s = trim(s);
  if (iequals(s, "active")) return CampaignStatus::running;
  for (auto st : {CampaignStatus::draft, CampaignStatus::scheduled, CampaignStatus::running,
                  CampaignStatus::paused, CampaignStatus::completed, CampaignStatus::cancelled}) {
    if (iequals(s, toString(st))) return st;
  }
  return std::nullopt;
}

bool canMove(CampaignStatus from, CampaignStatus to) {
  using S = CampaignStatus;
  switch (to) {
    case S::scheduled:
      return from == S::draft;
    case S::running:
      return from == S::draft || from == S::scheduled || from == S::paused;
    case S::paused:
      return from == S::running;
    case S::completed:
      return from == S::running || from == S::paused;
    case S::cancelled:
      return from == S::draft || from == S::scheduled || from == S::running || from == S::paused;
    case S::draft:
      return false;
  }
  return false;
}

std::string illegalMove(CampaignStatus from, CampaignStatus to) {
  return fmt::format("A campaign cannot move from {} to {}", toString(from), toString(to));
}

std::string_view toString(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::pending:
      return "PENDING";
    case DeliveryStatus::sent:
      return "SENT";
    case DeliveryStatus::failed:
      return "FAILED";
    case DeliveryStatus::cancelled:
      return "CANCELLED";
  }
  return "PENDING";
}

std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view s) {
  s = trim(s);
  for (auto st : {DeliveryStatus::pending, DeliveryStatus::sent, DeliveryStatus::failed,
                  DeliveryStatus::cancelled}) {
    if (iequals(s, toString(st))) return st;
  }
  return std::nullopt;
}

}  // namespace minicrm
