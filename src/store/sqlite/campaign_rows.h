// Row mapping for campaigns and communications.
#pragma once

#include "core/campaign.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace minicrm::sqlite {

// Columns of "campaign-get", in order.
Campaign readCampaign(const Statement& s, int first = 0);
void bindCampaign(Statement& s, const Campaign& c);

// Columns of "communication-get", in order, from `first`. A NULL message reads as "".
Communication readCommunication(const Statement& s, int first);
void bindCommunication(Statement& s, const Communication& c);

// The communication columns, then campaign name, status, message, then the customer's
// id, name, email, phone (NULL when the customer is gone).
extern const char* const kCommunicationViewColumns;
extern const char* const kCommunicationViewFrom;
CommunicationView readCommunicationView(const Statement& s);

}  // namespace minicrm::sqlite
