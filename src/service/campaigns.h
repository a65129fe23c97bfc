// Campaign use cases: saving, the status machine, launching, deleting, and ownership.
//
// Ownership (API.md): a campaign belongs to the principal who created it (createdBy);
// members see and change only their own (others' answer 404), admins see all. A body's
// createdBy is kept only when the caller is an admin.
//
// Launching writes one PENDING communication per audience member, from one snapshot of
// the audience taken at the launch instant, in chunks interleaved with other writes. The
// dispatcher ignores a campaign until its launch is complete; a launch interrupted by a
// crash is discarded and done again at start (resumeInterruptedLaunches).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/campaign.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/principal.h"
#include "core/segment/segment.h"
#include "store/store.h"

namespace minicrm {

struct CampaignDraft {
  std::string name;
  std::string message;  // a checked template
  segment::Node rules;
  std::optional<std::string> createdBy;  // honoured for admins only
  bool draft = false;                    // "status": "draft"
  std::optional<Millis> scheduledAt;
};

struct CampaignPatch {
  std::optional<std::string> name;
  std::optional<std::string> message;
  std::optional<segment::Node> rules;
  std::optional<std::optional<Millis>> scheduledAt;  // inner nullopt: clear
};

class CampaignService {
 public:
  static constexpr std::size_t kLaunchChunk = 20'000;  // rows per write transaction

  CampaignService(Store& store, const Clock& clock, IdGenerator& ids)
      : store_(store), clock_(clock), ids_(ids) {}

  // Saves, and launches at once unless it is a draft or scheduled for later. Blocks
  // for the launch.
  Result<Campaign> create(const CampaignDraft& d, const Principal& caller);
  Result<Campaign> get(const Id& id, const Principal& caller);
  Result<Page<Campaign>> list(CampaignQuery q, const Principal& caller);
  // Content and schedule; conflict once delivery started.
  Result<Campaign> update(const Id& id, const CampaignPatch& p, const Principal& caller);
  // A move of the status machine; conflict naming both states when illegal. Launching,
  // stopping and cancelling block for their work.
  Result<Campaign> changeStatus(const Id& id, CampaignStatus to, const Principal& caller);
  // Draft, scheduled, completed or cancelled campaigns, with their log.
  Result<Campaign> remove(const Id& id, const Principal& caller);

  // Launches a scheduled campaign whose time has come (the scheduler's entry point).
  Status launchScheduled(const Id& id);
  // Pauses a running campaign because the vendor keeps failing.
  Status pauseForVendorErrors(const Id& id, const std::string& lastError);
  // Redoes launches a crash interrupted. Call once at start, before dispatching.
  Status resumeInterruptedLaunches();

  // Called whenever a campaign gets messages to send (launched or resumed), so an idle
  // dispatcher starts at once. Set before serving.
  void setDeliveryWorkHook(std::function<void()> hook) { onDeliveryWork_ = std::move(hook); }

 private:
  Result<Campaign> owned(const Id& id, const Principal& caller);
  // Moves draft/scheduled -> running and writes the audience. REQUIRES: legal move.
  Result<Campaign> launch(const Id& id, std::optional<CampaignStatus> expectedFrom);
  // Cancels what was never sent, in chunks; then applies `finish` to the campaign.
  Status cancelUnsent(const Id& id, const std::string& reason);
  Result<std::int64_t> audienceCount(const std::string& rulesJson);

  Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  std::mutex launchMu_;
  std::function<void()> onDeliveryWork_;  // one launch at a time keeps the writer's queue short
};

}  // namespace minicrm
