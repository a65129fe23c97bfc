// Communication use cases: the delivery log a campaign writes, receipts from the vendor,
// and entries written by hand.
#pragma once

#include <vector>

#include "core/campaign.h"
#include "core/clock.h"
#include "core/id.h"
#include "service/callback.h"
#include "store/store.h"

namespace minicrm {

struct CommunicationDraft {
  Id campaign;
  Id customer;
  std::string message;
  DeliveryStatus status = DeliveryStatus::pending;
  std::optional<std::string> vendorResponse;
};

struct CommunicationPatch {
  std::optional<std::string> message;
  std::optional<DeliveryStatus> status;
  std::optional<std::optional<std::string>> vendorResponse;
};

class CommunicationService {
 public:
  CommunicationService(Store& store, const Clock& clock, IdGenerator& ids)
      : store_(store), clock_(clock), ids_(ids) {}

  // Applies receipts in one transaction, answering once it is durable: one result per
  // receipt, in order (not found for a receipt that matches no communication).
  void applyReceipts(std::vector<Receipt> receipts,
                     Callback<std::vector<Result<ReceiptResult>>> done);

  // Not found when the campaign or the customer does not exist; conflict when the pair
  // already has a row.
  void create(const CommunicationDraft& d, Callback<CommunicationView> done);
  Result<CommunicationView> get(const Id& id) { return store_.getCommunication(id); }
  Result<Page<CommunicationView>> list(const CommunicationQuery& q) {
    return store_.listCommunications(q);
  }
  void update(const Id& id, const CommunicationPatch& p, Callback<CommunicationView> done);
  void remove(const Id& id, Callback<CommunicationView> done);

 private:
  Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace minicrm
