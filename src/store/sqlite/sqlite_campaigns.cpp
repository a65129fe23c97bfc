// Campaign and communication reads of the SQLite store.
#include <fmt/format.h>

#include "store/sqlite/campaign_rows.h"
#include "store/sqlite/sqlite_store.h"

namespace minicrm::sqlite {
namespace {

const std::map<std::string, std::string>& campaignSortColumns() {
  static const std::map<std::string, std::string> m = {
      {"createdAt", "id"},
      {"updatedAt", "updated_at"},
      {"name", "name COLLATE NOCASE"},
      {"scheduledAt", "scheduled_at"},
      {"audienceSize", "audience_size"},
  };
  return m;
}

constexpr const char* kCampaignColumns =
    "id, name, message, segment_rules, status, created_by, scheduled_at, audience_size, "
    "launched_at, completed_at, paused_reason, last_error, pending, sent, failed, cancelled, "
    "created_at, updated_at";

std::vector<Id> ids(Connection& c, const char* query, const std::optional<Millis>& arg) {
  auto q = c.named(query);
  if (arg) q->bind(1, *arg);
  std::vector<Id> out;
  while (q->step())
    out.push_back(q->id(0));
  return out;
}

}  // namespace

Result<Campaign> SqliteStore::getCampaign(const Id& id) {
  return withReader([&](Connection& c) -> Result<Campaign> {
    auto q = c.named("campaign-get");
    q->bind(1, id);
    if (!q->step()) return Error::notFound("campaign not found");
    return readCampaign(*q);
  });
}

Result<Page<Campaign>> SqliteStore::listCampaigns(const CampaignQuery& query) {
  return withReader([&](Connection& c) -> Result<Page<Campaign>> {
    std::string where;
    int n = 0;
    auto add = [&](const char* cond) {
      where += where.empty() ? " WHERE " : " AND ";
      where += fmt::format(fmt::runtime(cond), ++n);
    };
    if (query.status) add("status = ?{}");
    if (query.createdBy) add("created_by = ?{}");
    auto bindFilters = [&](Statement& s) {
      int i = 0;
      if (query.status) s.bind(++i, toString(*query.status));
      if (query.createdBy) s.bind(++i, *query.createdBy);
    };
    ReadTxn txn(c);
    Page<Campaign> page;
    {
      auto count = c.cached("SELECT count(*) FROM campaigns" + where);
      bindFilters(*count);
      count->step();
      page.total = count->i64(0);
    }
    auto rows = c.cached(
        fmt::format("SELECT {} FROM campaigns{}{} LIMIT ?{} OFFSET ?{}", kCampaignColumns, where,
                    orderBy(campaignSortColumns(), query.sort, "id"), n + 1, n + 2));
    bindFilters(*rows);
    rows->bind(n + 1, query.page.limit);
    rows->bind(n + 2, query.page.offset());
    while (rows->step())
      page.items.push_back(readCampaign(*rows));
    return page;
  });
}

Result<std::vector<Id>> SqliteStore::dueScheduledCampaigns(Millis now) {
  return withReader([&](Connection& c) -> Result<std::vector<Id>> {
    return ids(c, "campaigns-due-scheduled", now);
  });
}

Result<std::vector<Id>> SqliteStore::interruptedLaunches() {
  return withReader([&](Connection& c) -> Result<std::vector<Id>> {
    return ids(c, "campaigns-interrupted-launches", std::nullopt);
  });
}

Result<DeliveryStats> SqliteStore::recountStats(const Id& campaign) {
  return withReader([&](Connection& c) -> Result<DeliveryStats> {
    auto q = c.named("campaign-recount");
    q->bind(1, campaign);
    q->step();
    return DeliveryStats{q->i64(0), q->i64(1), q->i64(2), q->i64(3)};
  });
}

Result<CommunicationView> SqliteStore::getCommunication(const Id& id) {
  return withReader([&](Connection& c) -> Result<CommunicationView> {
    auto q = c.cached(fmt::format("SELECT {}{} WHERE m.id = ?1", kCommunicationViewColumns,
                                  kCommunicationViewFrom));
    q->bind(1, id);
    if (!q->step()) return Error::notFound("communication not found");
    return readCommunicationView(*q);
  });
}

Result<Page<CommunicationView>> SqliteStore::listCommunications(const CommunicationQuery& query) {
  return withReader([&](Connection& c) -> Result<Page<CommunicationView>> {
    std::string where;
    int n = 0;
    auto add = [&](const char* cond) {
      where += where.empty() ? " WHERE " : " AND ";
      where += fmt::format(fmt::runtime(cond), ++n);
    };
    if (query.campaign) add("m.campaign_id = ?{}");
    if (query.customer) add("m.customer_id = ?{}");
    if (query.status) add("m.status = ?{}");
    if (query.campaignOwner) add("k.created_by = ?{}");
    auto bindFilters = [&](Statement& s) {
      int i = 0;
      if (query.campaign) s.bind(++i, *query.campaign);
      if (query.customer) s.bind(++i, *query.customer);
      if (query.status) s.bind(++i, toString(*query.status));
      if (query.campaignOwner) s.bind(++i, *query.campaignOwner);
    };
    ReadTxn txn(c);
    Page<CommunicationView> page;
    {
      auto count = c.cached(
          "SELECT count(*) FROM communications m JOIN campaigns k ON "
          "k.id = m.campaign_id" +
          where);
      bindFilters(*count);
      count->step();
      page.total = count->i64(0);
    }
    auto rows = c.cached(fmt::format("SELECT {}{}{} ORDER BY m.id DESC LIMIT ?{} OFFSET ?{}",
                                     kCommunicationViewColumns, kCommunicationViewFrom, where,
                                     n + 1, n + 2));
    bindFilters(*rows);
    rows->bind(n + 1, query.page.limit);
    rows->bind(n + 2, query.page.offset());
    while (rows->step())
      page.items.push_back(readCommunicationView(*rows));
    return page;
  });
}

}  // namespace minicrm::sqlite
