#include "service/campaigns.h"

#include <boost/json/parse.hpp>

#include <algorithm>

#include "core/json_writer.h"

namespace minicrm {
namespace {

std::string canonicalJson(const segment::Node& rules) {
  JsonWriter w;
  w.value(segment::print(rules));
  return std::move(w).str();
}

Error conflict(std::string message) {
  return Error::conflict(std::move(message));
}

}  // namespace

Result<std::int64_t> CampaignService::audienceCount(const std::string& rulesJson) {
  auto rules = segment::parse(boost::json::parse(rulesJson));
  if (!rules.ok()) return std::move(rules).error();
  auto preview = store_.previewSegment(*rules, clock_.now(), 0, std::chrono::seconds(2));
  if (!preview.ok()) return std::move(preview).error();
  return preview->total;
}

Result<Campaign> CampaignService::owned(const Id& id, const Principal& caller) {
  auto c = store_.getCampaign(id);
  if (!c.ok()) return c;
  if (!caller.admin && c->createdBy != caller.subject) {
    return Error::notFound("campaign not found");
  }
  return c;
}

Result<Campaign> CampaignService::create(const CampaignDraft& d, const Principal& caller) {
  const Millis now = clock_.now();
  Campaign c;
  c.id = ids_.next();
  c.name = d.name;
  c.message = d.message;
  c.segmentRules = canonicalJson(d.rules);
  c.createdBy =
      caller.admin && d.createdBy && !d.createdBy->empty() ? *d.createdBy : caller.subject;
  c.scheduledAt = d.scheduledAt;
  c.createdAt = c.updatedAt = now;
  const bool later = d.scheduledAt && *d.scheduledAt > now;
  c.status = !d.draft && later ? CampaignStatus::scheduled : CampaignStatus::draft;
  auto size = audienceCount(c.segmentRules);
  if (!size.ok()) return std::move(size).error();
  c.audienceSize = *size;
  if (Status s = store_.writeSync([&c](WriteTx& tx) { return tx.insertCampaign(c); }); !s.ok()) {
    return std::move(s).error();
  }
  if (d.draft || later) return c;
  return launch(c.id, CampaignStatus::draft);
}

Result<Campaign> CampaignService::get(const Id& id, const Principal& caller) {
  return owned(id, caller);
}

Result<Page<Campaign>> CampaignService::list(CampaignQuery q, const Principal& caller) {
  if (!caller.admin) q.createdBy = caller.subject;
  return store_.listCampaigns(q);
}

Result<Campaign> CampaignService::update(const Id& id, const CampaignPatch& p,
                                         const Principal& caller) {
  auto current = owned(id, caller);
  if (!current.ok()) return current;
  std::optional<std::string> rulesJson;
  std::optional<std::int64_t> size;
  if (p.rules) {
    rulesJson = canonicalJson(*p.rules);
    auto n = audienceCount(*rulesJson);
    if (!n.ok()) return std::move(n).error();
    size = *n;
  }
  const Millis now = clock_.now();
  auto result = std::make_shared<Campaign>();
  Status s = store_.writeSync([&](WriteTx& tx) -> Status {
    auto c = tx.getCampaign(id);
    if (!c.ok()) return std::move(c).error();
    if (c->launched()) {
      return conflict("The campaign's delivery has started (status " +
                      std::string(toString(c->status)) + "): it can no longer be edited");
    }
    if (c->status != CampaignStatus::draft && c->status != CampaignStatus::scheduled) {
      return conflict("A " + std::string(toString(c->status)) +
                      " campaign can no longer be edited");
    }
    if (p.name) c->name = *p.name;
    if (p.message) c->message = *p.message;
    if (rulesJson) {
      c->segmentRules = *rulesJson;
      c->audienceSize = *size;
    }
    if (p.scheduledAt) {
      c->scheduledAt = *p.scheduledAt;
      // A scheduled campaign without a time waits as a draft.
      if (!c->scheduledAt && c->status == CampaignStatus::scheduled) {
        c->status = CampaignStatus::draft;
      }
    }
    c->updatedAt = now;
    *result = *c;
    return tx.updateCampaign(*c);
  });
  if (!s.ok()) return std::move(s).error();
  return *result;
}

Result<Campaign> CampaignService::changeStatus(const Id& id, CampaignStatus to,
                                               const Principal& caller) {
  auto current = owned(id, caller);
  if (!current.ok()) return current;
  const CampaignStatus from = current->status;
  if (!canMove(from, to)) return conflict(illegalMove(from, to));
  const Millis now = clock_.now();
  if (to == CampaignStatus::running && from != CampaignStatus::paused) {
    return launch(id, from);
  }
  if (to == CampaignStatus::scheduled && !(current->scheduledAt && *current->scheduledAt > now)) {
    return conflict("A campaign needs a future scheduledAt to be scheduled");
  }
  // Set the new status first (the dispatcher stops claiming at once), then finish the
  // work a stop or a cancel implies.
  Status s = store_.writeSync([&](WriteTx& tx) -> Status {
    auto c = tx.getCampaign(id);
    if (!c.ok()) return std::move(c).error();
    if (c->status != from) return conflict(illegalMove(c->status, to));
    c->status = to;
    c->updatedAt = now;
    if (to == CampaignStatus::paused) c->pausedReason = "user";
    if (to == CampaignStatus::running) c->pausedReason.reset();
    if (to == CampaignStatus::completed || to == CampaignStatus::cancelled) {
      c->completedAt = now;
    }
    if (Status u = tx.updateCampaign(*c); !u.ok()) return u;
    // Receipts that came while it was paused may have settled everything.
    return to == CampaignStatus::running ? tx.completeIfDone(id, now) : Status();
  });
  if (!s.ok()) return std::move(s).error();
  if (to == CampaignStatus::running && onDeliveryWork_) onDeliveryWork_();
  if ((to == CampaignStatus::completed || to == CampaignStatus::cancelled) && current->launched()) {
    const std::string reason =
        to == CampaignStatus::completed ? "campaign stopped" : "campaign cancelled";
    if (Status c = cancelUnsent(id, reason); !c.ok()) return std::move(c).error();
  }
  return store_.getCampaign(id);
}

Status CampaignService::cancelUnsent(const Id& id, const std::string& reason) {
  for (;;) {
    auto more = std::make_shared<bool>(false);
    const Millis now = clock_.now();
    Status s = store_.writeSync([&](WriteTx& tx) -> Status {
      auto r = tx.cancelUnsent(id, kLaunchChunk, reason, now);
      if (!r.ok()) return std::move(r).error();
      *more = *r;
      return {};
    });
    if (!s.ok()) return s;
    if (!*more) return {};
  }
}

Result<Campaign> CampaignService::remove(const Id& id, const Principal& caller) {
  auto current = owned(id, caller);
  if (!current.ok()) return current;
  if (current->status == CampaignStatus::running || current->status == CampaignStatus::paused) {
    return conflict("A " + std::string(toString(current->status)) +
                    " campaign cannot be deleted: cancel it first");
  }
  for (;;) {
    auto more = std::make_shared<bool>(false);
    Status s = store_.writeSync([&](WriteTx& tx) -> Status {
      auto c = tx.getCampaign(id);
      if (!c.ok()) return std::move(c).error();
      if (c->status == CampaignStatus::running || c->status == CampaignStatus::paused) {
        return conflict("A " + std::string(toString(c->status)) +
                        " campaign cannot be deleted: cancel it first");
      }
      auto r = tx.deleteCampaignChunk(id, kLaunchChunk);
      if (!r.ok()) return std::move(r).error();
      *more = *r;
      return {};
    });
    if (!s.ok()) return std::move(s).error();
    if (!*more) return *current;
  }
}

Result<Campaign> CampaignService::launch(const Id& id, std::optional<CampaignStatus> from) {
  std::lock_guard lock(launchMu_);
  auto current = store_.getCampaign(id);
  if (!current.ok()) return current;
  auto rules = segment::parse(boost::json::parse(current->segmentRules));
  if (!rules.ok()) return std::move(rules).error();
  const Millis now = clock_.now();
  // One snapshot of the audience: the launch instant's members.
  auto members = store_.segmentMembers(*rules, now);
  if (!members.ok()) return std::move(members).error();
  std::sort(members->begin(), members->end());

  Status s = store_.writeSync([&](WriteTx& tx) -> Status {
    auto c = tx.getCampaign(id);
    if (!c.ok()) return std::move(c).error();
    const bool relaunch = !from && c->status == CampaignStatus::running;
    if (!relaunch && (!from || c->status != *from)) {
      return conflict(illegalMove(c->status, CampaignStatus::running));
    }
    c->status = CampaignStatus::running;
    c->launchedAt = now;
    c->audienceSize = static_cast<std::int64_t>(members->size());
    c->pausedReason.reset();
    c->updatedAt = now;
    if (Status u = tx.updateCampaign(*c); !u.ok()) return u;
    return tx.setLaunchState(id, false, now);
  });
  if (!s.ok()) return std::move(s).error();

  for (std::size_t i = 0; i < members->size(); i += kLaunchChunk) {
    const std::size_t n = std::min(kLaunchChunk, members->size() - i);
    std::vector<Id> customers(members->begin() + static_cast<std::ptrdiff_t>(i),
                              members->begin() + static_cast<std::ptrdiff_t>(i + n));
    std::vector<Id> rows(n);
    for (auto& r : rows)
      r = ids_.next();
    Status w = store_.writeSync(
        [&](WriteTx& tx) { return tx.insertAudienceChunk(id, customers, rows, now); });
    if (!w.ok()) return std::move(w).error();
  }
  Status ready = store_.writeSync([&](WriteTx& tx) -> Status {
    if (Status r = tx.setLaunchState(id, true, now, static_cast<std::int64_t>(members->size()));
        !r.ok()) {
      return r;
    }
    return tx.completeIfDone(id, now);  // an empty audience completes at once
  });
  if (!ready.ok()) return std::move(ready).error();
  if (onDeliveryWork_) onDeliveryWork_();
  return store_.getCampaign(id);
}

Status CampaignService::launchScheduled(const Id& id) {
  auto r = launch(id, CampaignStatus::scheduled);
  if (!r.ok()) return std::move(r).error();
  return {};
}

Status CampaignService::pauseForVendorErrors(const Id& id, const std::string& lastError) {
  const Millis now = clock_.now();
  return store_.writeSync([&](WriteTx& tx) -> Status {
    auto c = tx.getCampaign(id);
    if (!c.ok()) return std::move(c).error();
    if (c->status != CampaignStatus::running) return {};
    c->status = CampaignStatus::paused;
    c->pausedReason = "vendor errors";
    c->lastError = lastError;
    c->updatedAt = now;
    return tx.updateCampaign(*c);
  });
}

Status CampaignService::resumeInterruptedLaunches() {
  auto interrupted = store_.interruptedLaunches();
  if (!interrupted.ok()) return std::move(interrupted).error();
  for (const Id& id : *interrupted) {
    for (;;) {
      auto more = std::make_shared<bool>(false);
      Status s = store_.writeSync([&](WriteTx& tx) -> Status {
        auto r = tx.discardAudienceChunk(id, kLaunchChunk);
        if (!r.ok()) return std::move(r).error();
        *more = *r;
        return {};
      });
      if (!s.ok()) return s;
      if (!*more) break;
    }
    auto r = launch(id, std::nullopt);
    if (!r.ok()) return std::move(r).error();
  }
  return {};
}

}  // namespace minicrm
