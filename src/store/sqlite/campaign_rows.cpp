#include "store/sqlite/campaign_rows.h"

namespace minicrm::sqlite {

Campaign readCampaign(const Statement& s, int f) {
  Campaign c;
  c.id = s.id(f + 0);
  c.name = s.text(f + 1);
  c.message = s.text(f + 2);
  c.segmentRules = s.text(f + 3);
  c.status = parseCampaignStatus(s.textView(f + 4)).value_or(CampaignStatus::draft);
  c.createdBy = s.text(f + 5);
  c.scheduledAt = s.optI64(f + 6);
  c.audienceSize = s.i64(f + 7);
  c.launchedAt = s.optI64(f + 8);
  c.completedAt = s.optI64(f + 9);
  c.pausedReason = s.optText(f + 10);
  c.lastError = s.optText(f + 11);
  c.stats = {s.i64(f + 12), s.i64(f + 13), s.i64(f + 14), s.i64(f + 15)};
  c.createdAt = s.i64(f + 16);
  c.updatedAt = s.i64(f + 17);
  return c;
}

void bindCampaign(Statement& s, const Campaign& c) {
  s.bind(1, c.id);
  s.bind(2, c.name);
  s.bind(3, c.message);
  s.bind(4, c.segmentRules);
  s.bind(5, toString(c.status));
  s.bind(6, c.createdBy);
  s.bind(7, c.scheduledAt);
  s.bind(8, c.audienceSize);
  s.bind(9, c.launchedAt);
  s.bind(10, c.completedAt);
  s.bind(11, c.pausedReason);
  s.bind(12, c.lastError);
  s.bind(13, c.createdAt);
  s.bind(14, c.updatedAt);
}

Communication readCommunication(const Statement& s, int f) {
  Communication c;
  c.id = s.id(f + 0);
  c.campaign = s.id(f + 1);
  c.customer = s.id(f + 2);
  c.message = s.optText(f + 3).value_or("");
  c.status = parseDeliveryStatus(s.textView(f + 4)).value_or(DeliveryStatus::pending);
  c.vendorResponse = s.optText(f + 5);
  c.attempts = s.i64(f + 6);
  c.submittedAt = s.optI64(f + 7);
  c.receiptAt = s.optI64(f + 8);
  c.nextAttemptAt = s.i64(f + 9);
  c.createdAt = s.i64(f + 10);
  c.updatedAt = s.i64(f + 11);
  return c;
}

void bindCommunication(Statement& s, const Communication& c) {
  s.bind(1, c.id);
  s.bind(2, c.campaign);
  s.bind(3, c.customer);
  if (c.message.empty()) {
    s.bindNull(4);
  } else {
    s.bind(4, c.message);
  }
  s.bind(5, toString(c.status));
  s.bind(6, c.vendorResponse);
  s.bind(7, c.attempts);
  s.bind(8, c.submittedAt);
  s.bind(9, c.receiptAt);
  s.bind(10, c.nextAttemptAt);
  s.bind(11, c.createdAt);
  s.bind(12, c.updatedAt);
}

const char* const kCommunicationViewColumns =
    "m.id, m.campaign_id, m.customer_id, m.message, m.status, m.vendor_response, m.attempts, "
    "m.submitted_at, m.receipt_at, m.next_attempt_at, m.created_at, m.updated_at, "
    "k.name, k.status, k.message, u.id, u.name, u.email, u.phone";

const char* const kCommunicationViewFrom =
    " FROM communications m JOIN campaigns k ON k.id = m.campaign_id"
    " LEFT JOIN customers u ON u.id = m.customer_id";

CommunicationView readCommunicationView(const Statement& s) {
  CommunicationView v;
  v.communication = readCommunication(s, 0);
  v.campaign = v.communication.campaign;
  v.campaignName = s.text(12);
  v.campaignStatus = parseCampaignStatus(s.textView(13)).value_or(CampaignStatus::draft);
  // Until it is sent, a message is its campaign's template.
  if (v.communication.message.empty()) v.communication.message = s.text(14);
  if (!s.isNull(15)) v.customer = CustomerRef{s.id(15), s.text(16), s.text(17), s.optText(18)};
  return v;
}

}  // namespace minicrm::sqlite
