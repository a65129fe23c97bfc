#include "service/communications.h"

#include <memory>

namespace minicrm {

void CommunicationService::applyReceipts(std::vector<Receipt> receipts,
                                         Callback<std::vector<Result<ReceiptResult>>> done) {
  const Millis now = clock_.now();
  auto results = std::make_shared<std::vector<Result<ReceiptResult>>>();
  store_.write(
      [receipts = std::move(receipts), now, results](WriteTx& tx) -> Status {
        results->clear();
        for (const auto& r : receipts) {
          auto applied = tx.applyReceipt(r, now);
          // A receipt that matches nothing is that receipt's problem, not the batch's.
          if (!applied.ok() && applied.error().kind != ErrorKind::not_found) {
            return applied.error();
          }
          results->push_back(std::move(applied));
        }
        return {};
      },
      [results, done = std::move(done)](Status s) {
        if (!s.ok()) return done(std::move(s).error());
        done(std::move(*results));
      });
}

void CommunicationService::create(const CommunicationDraft& d, Callback<CommunicationView> done) {
  const Millis now = clock_.now();
  Communication c;
  c.id = ids_.next();
  c.campaign = d.campaign;
  c.customer = d.customer;
  c.message = d.message;
  c.status = d.status;
  c.vendorResponse = d.vendorResponse;
  c.createdAt = c.updatedAt = now;
  if (isFinal(c.status)) c.receiptAt = now;
  auto view = std::make_shared<CommunicationView>();
  store_.write(
      [c, view](WriteTx& tx) -> Status {
        auto campaign = tx.getCampaign(c.campaign);
        if (!campaign.ok()) {
          return Error{ErrorKind::not_found, "campaign not found", {{"campaign", "not found"}}};
        }
        auto customer = tx.getCustomerRef(c.customer);
        if (!customer.ok()) {
          return Error{ErrorKind::not_found, "customer not found", {{"customer", "not found"}}};
        }
        if (Status s = tx.insertCommunication(c); !s.ok()) return s;
        *view = {c, c.campaign, campaign->name, campaign->status, *customer};
        return {};
      },
      [view, done = std::move(done)](Status s) {
        if (!s.ok()) return done(std::move(s).error());
        done(std::move(*view));
      });
}

void CommunicationService::update(const Id& id, const CommunicationPatch& p,
                                  Callback<CommunicationView> done) {
  const Millis now = clock_.now();
  store_.write(
      [id, p, now](WriteTx& tx) -> Status {
        auto c = tx.getCommunication(id);
        if (!c.ok()) return std::move(c).error();
        if (p.message) c->message = *p.message;
        if (p.status && *p.status != c->status) {
          c->status = *p.status;
          c->receiptAt = isFinal(c->status) ? std::optional<Millis>(now) : std::nullopt;
        }
        if (p.vendorResponse) c->vendorResponse = *p.vendorResponse;
        c->updatedAt = now;
        if (Status s = tx.updateCommunication(*c); !s.ok()) return s;
        return tx.completeIfDone(c->campaign, now);
      },
      [this, id, done = std::move(done)](Status s) {
        if (!s.ok()) return done(std::move(s).error());
        done(store_.getCommunication(id));
      });
}

void CommunicationService::remove(const Id& id, Callback<CommunicationView> done) {
  auto before = store_.getCommunication(id);
  if (!before.ok()) return done(std::move(before).error());
  const Millis now = clock_.now();
  store_.write(
      [id, now](WriteTx& tx) -> Status {
        auto c = tx.getCommunication(id);
        if (!c.ok()) return std::move(c).error();
        if (Status s = tx.deleteCommunication(id); !s.ok()) return s;
        return tx.completeIfDone(c->campaign, now);
      },
      [view = std::move(*before), done = std::move(done)](Status s) {
        if (!s.ok()) return done(std::move(s).error());
        done(view);
      });
}

}  // namespace minicrm
