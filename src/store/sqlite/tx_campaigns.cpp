// Campaign and communication writes of the SQLite store. Every change of a
// communication's status moves the campaign's counters in the same transaction.
#include <algorithm>

#include "store/sqlite/campaign_rows.h"
#include "store/sqlite/tx.h"

namespace minicrm::sqlite {

void SqliteTx::countMove(const Id& campaign, std::optional<DeliveryStatus> from,
                         std::optional<DeliveryStatus> to, Millis now) {
  if (from == to) return;
  std::int64_t delta[4] = {0, 0, 0, 0};  // pending, sent, failed, cancelled
  if (from) --delta[static_cast<int>(*from)];
  if (to) ++delta[static_cast<int>(*to)];
  auto q = c_.named("campaign-stats-add");
  q->bind(1, campaign);
  for (int i = 0; i < 4; ++i)
    q->bind(i + 2, delta[i]);
  q->bind(6, now);
  q->run();
}

void SqliteTx::cancelForDeletedCustomer(const Id& customer, Millis now) {
  std::vector<Id> campaigns;
  {
    auto q = c_.named("communications-cancel-customer");
    q->bind(1, customer);
    q->bind(2, now);
    while (q->step())
      campaigns.push_back(q->id(0));
  }
  for (const Id& campaign : campaigns) {
    countMove(campaign, DeliveryStatus::pending, DeliveryStatus::cancelled, now);
    auto q = c_.named("campaign-complete-if-done");
    q->bind(1, campaign);
    q->bind(2, now);
    q->run();
  }
}

Result<Campaign> SqliteTx::getCampaign(const Id& id) {
  return guarded([&]() -> Result<Campaign> {
    auto q = c_.named("campaign-get");
    q->bind(1, id);
    if (!q->step()) return Error::notFound("campaign not found");
    return readCampaign(*q);
  });
}

Status SqliteTx::insertCampaign(const Campaign& c) {
  return guarded([&]() -> Status {
    auto q = c_.named("campaign-insert");
    bindCampaign(*q, c);
    q->run();
    return {};
  });
}

Status SqliteTx::updateCampaign(const Campaign& c) {
  return guarded([&]() -> Status {
    auto q = c_.named("campaign-update");
    bindCampaign(*q, c);
    q->run();
    if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("campaign not found");
    return {};
  });
}

Result<bool> SqliteTx::deleteCampaignChunk(const Id& id, std::size_t limit) {
  return guarded([&]() -> Result<bool> {
    {
      auto q = c_.named("campaign-communications-delete-chunk");
      q->bind(1, id);
      q->bind(2, static_cast<std::int64_t>(limit));
      q->run();
      if (static_cast<std::size_t>(sqlite3_changes(c_.raw())) == limit) return true;
    }
    auto q = c_.named("campaign-delete");
    q->bind(1, id);
    q->run();
    if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("campaign not found");
    return false;
  });
}

Status SqliteTx::setLaunchState(const Id& campaign, bool complete, Millis now,
                                std::int64_t audience) {
  return guarded([&]() -> Status {
    auto q = c_.named(complete ? "campaign-launch-ready" : "campaign-launch-materializing");
    q->bind(1, campaign);
    q->bind(2, now);
    if (complete) q->bind(3, audience);
    q->run();
    if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("campaign not found");
    return {};
  });
}

Status SqliteTx::insertAudienceChunk(const Id& campaign, const std::vector<Id>& customers,
                                     const std::vector<Id>& ids, Millis now) {
  return guarded([&]() -> Status {
    auto q = c_.named("audience-insert");
    for (std::size_t i = 0; i < customers.size(); ++i) {
      q->bind(1, ids.at(i));
      q->bind(2, campaign);
      q->bind(3, customers[i]);
      q->bind(4, now);
      q->run();
      q->reset();
    }
    return {};
  });
}

Result<bool> SqliteTx::discardAudienceChunk(const Id& campaign, std::size_t limit) {
  return guarded([&]() -> Result<bool> {
    auto q = c_.named("campaign-communications-delete-chunk");
    q->bind(1, campaign);
    q->bind(2, static_cast<std::int64_t>(limit));
    q->run();
    return static_cast<std::size_t>(sqlite3_changes(c_.raw())) == limit;
  });
}

Status SqliteTx::completeIfDone(const Id& campaign, Millis now) {
  return guarded([&]() -> Status {
    auto q = c_.named("campaign-complete-if-done");
    q->bind(1, campaign);
    q->bind(2, now);
    q->run();
    return {};
  });
}

Result<Communication> SqliteTx::getCommunication(const Id& id) {
  return guarded([&]() -> Result<Communication> {
    auto q = c_.named("communication-get");
    q->bind(1, id);
    if (!q->step()) return Error::notFound("communication not found");
    return readCommunication(*q, 0);
  });
}

Status SqliteTx::insertCommunication(const Communication& c) {
  return guarded([&]() -> Status {
    {
      auto q = c_.named("communication-insert");
      bindCommunication(*q, c);
      q->run();
    }
    countMove(c.campaign, std::nullopt, c.status, c.updatedAt);
    return {};
  });
}

Status SqliteTx::updateCommunication(const Communication& c) {
  return guarded([&]() -> Status {
    auto before = getCommunication(c.id);
    if (!before.ok()) return std::move(before).error();
    {
      auto q = c_.named("communication-update");
      bindCommunication(*q, c);
      q->run();
    }
    countMove(before->campaign, before->status, std::nullopt, c.updatedAt);
    countMove(c.campaign, std::nullopt, c.status, c.updatedAt);
    return {};
  });
}

Status SqliteTx::deleteCommunication(const Id& id) {
  return guarded([&]() -> Status {
    auto before = getCommunication(id);
    if (!before.ok()) return std::move(before).error();
    {
      auto q = c_.named("communication-delete");
      q->bind(1, id);
      q->run();
    }
    countMove(before->campaign, before->status, std::nullopt, before->updatedAt);
    return {};
  });
}

Result<std::vector<Outgoing>> SqliteTx::claimDue(
    Millis now, std::size_t limit, Millis holdUntil, std::int64_t maxAttempts,
    const std::string& exhaustedReason, const std::function<std::string(const Outgoing&)>& render) {
  return guarded([&]() -> Result<std::vector<Outgoing>> {
    std::vector<std::pair<Id, std::string>> campaigns;
    {
      auto q = c_.named("campaigns-dispatchable");
      while (q->step())
        campaigns.emplace_back(q->id(0), q->text(1));
    }
    std::vector<Outgoing> out;
    std::vector<std::pair<Id, Id>> exhausted;  // (communication, campaign)
    std::vector<std::pair<Id, Id>> gone;
    // Share the claim between campaigns, so one big campaign does not starve the others.
    const std::size_t share =
        campaigns.empty() ? 0 : std::max<std::size_t>(1, limit / campaigns.size());
    for (const auto& [campaign, message] : campaigns) {
      auto q = c_.named("communications-due");
      q->bind(1, campaign);
      q->bind(2, now);
      q->bind(3, static_cast<std::int64_t>(share));
      while (q->step()) {
        Outgoing o;
        o.communication = q->id(0);
        o.campaign = campaign;
        o.customer = q->id(1);
        o.attempts = q->i64(2) + 1;
        if (q->isNull(3)) {  // deleted after the launch snapshot: never sent to
          gone.emplace_back(o.communication, campaign);
          continue;
        }
        if (q->i64(2) >= maxAttempts) {
          exhausted.emplace_back(o.communication, campaign);
          continue;
        }
        o.campaignMessage = message;
        o.name = q->text(3);
        o.email = q->text(4);
        o.city = q->optText(5);
        out.push_back(std::move(o));
      }
    }
    for (auto& o : out) {
      o.campaignMessage = render(o);
      auto q = c_.named("communication-claim");
      q->bind(1, o.communication);
      q->bind(2, holdUntil);
      q->bind(3, now);
      q->bind(4, o.campaignMessage);
      q->run();
    }
    for (const auto& [id, campaign] : gone) {
      auto q = c_.named("communication-final");
      q->bind(1, id);
      q->bind(2, now);
      q->bind(3, toString(DeliveryStatus::cancelled));
      q->bind(4, "customer deleted");
      q->bind(5, now);
      const bool changed = q->step();
      q->run();
      if (changed) countMove(campaign, DeliveryStatus::pending, DeliveryStatus::cancelled, now);
    }
    for (const auto& [id, campaign] : gone) {
      if (Status c = completeIfDone(campaign, now); !c.ok()) return std::move(c).error();
    }
    std::vector<SendOutcome> failures;
    for (const auto& [id, campaign] : exhausted) {
      failures.push_back({SendOutcome::Kind::failed, id, 0, exhaustedReason});
    }
    if (!failures.empty()) {
      if (Status s = recordSendOutcomes(failures, now); !s.ok()) return std::move(s).error();
    }
    return out;
  });
}

Status SqliteTx::recordSendOutcomes(const std::vector<SendOutcome>& outcomes, Millis now) {
  return guarded([&]() -> Status {
    std::vector<Id> finished;  // campaigns that may now be complete
    for (const auto& o : outcomes) {
      switch (o.kind) {
        case SendOutcome::Kind::accepted: {
          auto q = c_.named("communication-accepted");
          q->bind(1, o.communication);
          q->bind(2, now);
          q->bind(3, o.nextAttemptAt);
          q->run();
          break;
        }
        case SendOutcome::Kind::retry: {
          auto q = c_.named("communication-retry");
          q->bind(1, o.communication);
          q->bind(2, now);
          q->bind(3, o.nextAttemptAt);
          q->bind(4, o.error);
          q->run();
          break;
        }
        case SendOutcome::Kind::failed: {
          std::optional<Id> campaign;
          {
            auto q = c_.named("communication-final");
            q->bind(1, o.communication);
            q->bind(2, now);
            q->bind(3, toString(DeliveryStatus::failed));
            q->bind(4, o.error);
            q->bind(5, now);
            if (q->step()) campaign = q->id(0);
            q->run();
          }
          if (campaign) {
            countMove(*campaign, DeliveryStatus::pending, DeliveryStatus::failed, now);
            finished.push_back(*campaign);
          }
          break;
        }
      }
    }
    std::sort(finished.begin(), finished.end());
    finished.erase(std::unique(finished.begin(), finished.end()), finished.end());
    for (const Id& campaign : finished) {
      if (Status s = completeIfDone(campaign, now); !s.ok()) return s;
    }
    return {};
  });
}

Result<ReceiptResult> SqliteTx::applyReceipt(const Receipt& r, Millis now) {
  return guarded([&]() -> Result<ReceiptResult> {
    ReceiptResult result;
    DeliveryStatus current;
    std::optional<Millis> receiptAt;
    {
      auto q = c_.named("communication-by-recipient");
      q->bind(1, r.customer);
      q->bind(2, r.campaign);
      if (!q->step()) {
        return Error::notFound("no communication for this campaign and customer");
      }
      result.communication = q->id(0);
      current = parseDeliveryStatus(q->textView(1)).value_or(DeliveryStatus::pending);
      receiptAt = q->optI64(2);
    }
    result.status = current;
    // The first final status wins; a later receipt replaces it only when it is newer.
    // Cancelled messages were never sent: receipts for them are ignored.
    const bool apply = current == DeliveryStatus::pending ||
                       ((current == DeliveryStatus::sent || current == DeliveryStatus::failed) &&
                        r.timestamp && receiptAt && *r.timestamp > *receiptAt);
    if (!apply) return result;
    {
      auto q = c_.named("communication-receipt");
      q->bind(1, result.communication);
      q->bind(2, toString(r.status));
      q->bind(3, r.vendorResponse);
      q->bind(4, r.timestamp.value_or(now));
      q->bind(5, now);
      q->run();
    }
    countMove(r.campaign, current, r.status, now);
    if (current == DeliveryStatus::pending) {
      if (Status s = completeIfDone(r.campaign, now); !s.ok()) return std::move(s).error();
    }
    result.status = r.status;
    result.changed = true;
    return result;
  });
}

Result<bool> SqliteTx::cancelUnsent(const Id& campaign, std::size_t limit,
                                    const std::string& reason, Millis now) {
  return guarded([&]() -> Result<bool> {
    std::int64_t n = 0;
    {
      auto q = c_.named("communications-cancel-unsent");
      q->bind(1, campaign);
      q->bind(2, static_cast<std::int64_t>(limit));
      q->bind(3, reason);
      q->bind(4, now);
      q->run();
      n = sqlite3_changes(c_.raw());
    }
    if (n > 0) {
      auto q = c_.named("campaign-stats-add");
      q->bind(1, campaign);
      q->bind(2, -n);
      q->bind(3, 0);
      q->bind(4, 0);
      q->bind(5, n);
      q->bind(6, now);
      q->run();
    }
    return static_cast<std::size_t>(n) == limit;
  });
}

}  // namespace minicrm::sqlite
