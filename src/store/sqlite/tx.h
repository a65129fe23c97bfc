// The write transaction of the SQLite store: what write jobs do, on the writer's
// connection. It also records which customers each job changed, for the in-memory
// customer index (and, in another process, for the customer_changes log).
#pragma once

#include <fmt/format.h>

#include <optional>
#include <vector>

#include "store/sqlite/customer_index.h"
#include "store/sqlite/db.h"
#include "store/sqlite/import_sql.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/writer.h"
#include "store/store.h"

namespace minicrm::sqlite {

class SqliteTx final : public WriteTx {
 public:
  explicit SqliteTx(Connection& c) : c_(c) {}

  // Customers written by the jobs of the current batch, in order, for the customer index.
  // A job's changes are dropped when it rolls back (jobStarted/jobRolledBack).
  std::vector<CustomerIndex::Change> takeChanges() {
    std::vector<CustomerIndex::Change> out;
    out.swap(changes_);
    jobMark_ = 0;
    return out;
  }
  void jobStarted() { jobMark_ = changes_.size(); }
  void jobRolledBack() { changes_.resize(jobMark_); }
  // Records the changed customers in customer_changes (for a server on the same file).
  void logChanges() {
    std::vector<Id> ids;
    for (const auto& c : changes_)
      ids.push_back(c.first);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const Id& id : ids) {
      auto q = c_.named("customer-changes-insert");
      q->bind(1, id);
      q->run();
    }
  }

  Result<Customer> getCustomer(const Id& id) override {
    return guarded([&]() -> Result<Customer> {
      auto q = c_.named("customer-get");
      q->bind(1, id);
      if (!q->step()) return Error::notFound("customer not found");
      return readCustomer(*q);
    });
  }

  Status insertCustomer(const Customer& c) override {
    return guarded([&]() -> Status {
      auto q = c_.named("customer-insert");
      bindCustomer(*q, c);
      q->run();
      changes_.emplace_back(c.id, segment::CustomerFacts::of(c));
      return {};
    });
  }

  Status updateCustomer(const Customer& c) override {
    return guarded([&]() -> Status {
      auto q = c_.named("customer-update");
      bindCustomer(*q, c);
      q->run();
      if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("customer not found");
      changes_.emplace_back(c.id, segment::CustomerFacts::of(c));
      return {};
    });
  }

  Status deleteCustomer(const Id& id, Millis now) override {
    changes_.emplace_back(id, std::nullopt);
    return guarded([&]() -> Status {
      {
        auto q = c_.named("customer-delete");
        q->bind(1, id);
        q->run();
        if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("customer not found");
      }
      auto q = c_.named("orders-delete-by-customer");
      q->bind(1, id);
      q->run();
      cancelForDeletedCustomer(id, now);
      return {};
    });
  }

  Result<Order> getOrder(const Id& id) override {
    return guarded([&]() -> Result<Order> {
      auto q = c_.named("order-get");
      q->bind(1, id);
      if (!q->step()) return Error::notFound("order not found");
      return readOrder(*q);
    });
  }

  Status insertOrder(const Order& o) override {
    return guarded([&]() -> Status {
      auto q = c_.named("order-insert");
      bindOrder(*q, o);
      q->run();
      return {};
    });
  }

  Status updateOrder(const Order& o) override {
    return guarded([&]() -> Status {
      auto q = c_.named("order-update");
      bindOrder(*q, o);
      q->run();
      if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("order not found");
      return {};
    });
  }

  Status deleteOrder(const Id& id) override {
    return guarded([&]() -> Status {
      auto q = c_.named("order-delete");
      q->bind(1, id);
      q->run();
      if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("order not found");
      return {};
    });
  }

  Result<CustomerRef> getCustomerRef(const Id& id) override {
    return guarded([&]() -> Result<CustomerRef> {
      auto q = c_.named("customer-ref");
      q->bind(1, id);
      if (!q->step()) return Error::notFound("customer not found");
      return readRef(*q);
    });
  }

  Result<CustomerRef> addOrderToAggregates(const Id& customer, Money amount, Millis orderDate,
                                           Millis now) override {
    return guarded([&]() -> Result<CustomerRef> {
      auto q = c_.named("customer-add-order");
      q->bind(1, customer);
      q->bind(2, amount);
      q->bind(3, orderDate);
      q->bind(4, now);
      if (Status s = updatedFacts(*q); !s.ok()) return std::move(s).error();
      const auto& facts = *changes_.back().second;
      return CustomerRef{facts.id, facts.name, facts.email, facts.phone};
    });
  }

  Status recomputeAggregates(const Id& customer, Millis now) override {
    return guarded([&]() -> Status {
      auto q = c_.named("customer-recompute-aggregates");
      q->bind(1, customer);
      q->bind(2, now);
      return updatedFacts(*q);
    });
  }

  Status insertApiKey(const ApiKey& k) override {
    return guarded([&]() -> Status {
      auto q = c_.named("api-key-insert");
      q->bind(1, k.id);
      q->bind(2, k.name);
      q->bind(3, k.role);
      q->bindBlob(4, k.hash.data(), static_cast<int>(k.hash.size()));
      q->bind(5, k.hint);
      q->bind(6, k.createdAt);
      q->bind(7, k.expiresAt);
      q->run();
      return {};
    });
  }

  Status revokeApiKey(const Id& id, Millis now) override {
    return guarded([&]() -> Status {
      auto q = c_.named("api-key-revoke");
      q->bind(1, id);
      q->bind(2, now);
      q->run();
      if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("no active API key with this id");
      return {};
    });
  }

  Status recordApiKeyUse(const Id& id, Millis usedAt) override {
    return guarded([&]() -> Status {
      auto q = c_.named("api-key-record-use");
      q->bind(1, id);
      q->bind(2, usedAt);
      q->run();
      return {};
    });
  }

  void setWriter(const Writer* w) { writer_ = w; }
  bool writesWaiting() const override { return writer_ && writer_->queueDepth() > 0; }

  // Imports run with a larger page cache (SqliteOptions::importCacheKiB), and from then on
  // the writer reads through that cache alone, without memory-mapped reads: an import into
  // a large database touches most of its index pages, and each one read through the map
  // stayed in the server's resident memory (1M customers into 1M others: peak RSS growth
  // 476 MB with the map, 250 MB without, in the same time).
  void setImportCache(std::int64_t kib) { importCacheKiB_ = kib; }
  void enlargeCache() {
    if (importCacheKiB_ <= 0) return;
    c_.exec(fmt::format("PRAGMA cache_size=-{}; PRAGMA mmap_size=0", importCacheKiB_));
    importCacheKiB_ = 0;
  }

  Status importCustomers(const ImportContext& ctx, std::vector<CustomerImportRow>& rows,
                         std::vector<ImportOutcome>& out) override {
    return guarded([&]() -> Status {
      enlargeCache();
      sqlite::importCustomers(c_, ctx, rows, out, changes_);
      return {};
    });
  }

  Status importOrders(const ImportContext& ctx, std::vector<OrderImportRow>& rows,
                      std::vector<ImportOutcome>& out) override {
    return guarded([&]() -> Status {
      enlargeCache();
      sqlite::importOrders(c_, ctx, rows, out, changes_);
      return {};
    });
  }

  Status saveImportJob(const ImportJob& job, const std::vector<ImportProblem>& rows) override {
    return guarded([&]() -> Status {
      sqlite::saveImportJob(c_, job, rows);
      return {};
    });
  }

  Result<std::int64_t> cleanUpImport(const ImportJob& job, bool keep, int limit,
                                     Millis now) override {
    return guarded([&]() -> Result<std::int64_t> {
      return sqlite::cleanUpImport(c_, job, keep, limit, now, changes_);
    });
  }

  Result<Campaign> getCampaign(const Id& id) override;
  Status insertCampaign(const Campaign& c) override;
  Status updateCampaign(const Campaign& c) override;
  Result<bool> deleteCampaignChunk(const Id& id, std::size_t limit) override;
  Status setLaunchState(const Id& campaign, bool complete, Millis now,
                        std::int64_t audience) override;
  Status insertAudienceChunk(const Id& campaign, const std::vector<Id>& customers,
                             const std::vector<Id>& ids, Millis now) override;
  Result<bool> discardAudienceChunk(const Id& campaign, std::size_t limit) override;
  Status completeIfDone(const Id& campaign, Millis now) override;
  Result<Communication> getCommunication(const Id& id) override;
  Status insertCommunication(const Communication& c) override;
  Status updateCommunication(const Communication& c) override;
  Status deleteCommunication(const Id& id) override;
  Result<std::vector<Outgoing>> claimDue(
      Millis now, std::size_t limit, Millis holdUntil, std::int64_t maxAttempts,
      const std::string& exhaustedReason,
      const std::function<std::string(const Outgoing&)>& render) override;
  Status recordSendOutcomes(const std::vector<SendOutcome>& outcomes, Millis now) override;
  Result<ReceiptResult> applyReceipt(const Receipt& r, Millis now) override;
  Result<bool> cancelUnsent(const Id& campaign, std::size_t limit, const std::string& reason,
                            Millis now) override;

 private:
  // Moves one communication of `campaign` from status `from` to `to` in its counters.
  void countMove(const Id& campaign, std::optional<DeliveryStatus> from,
                 std::optional<DeliveryStatus> to, Millis now);
  // Cancels the unsent messages of a deleted customer.
  void cancelForDeletedCustomer(const Id& customer, Millis now);

  // Runs an UPDATE ... RETURNING <facts> of the aggregates and records the customer's new
  // facts.
  Status updatedFacts(Statement& q) {
    if (!q.step()) return Error::notFound("customer not found");
    segment::CustomerFacts facts = readCustomerFacts(q);
    facts.aggregatesOnly = true;
    q.run();
    const Id id = facts.id;
    changes_.emplace_back(id, std::move(facts));
    return {};
  }

  Connection& c_;
  const Writer* writer_ = nullptr;
  std::int64_t importCacheKiB_ = 0;
  std::vector<CustomerIndex::Change> changes_;
  std::size_t jobMark_ = 0;
};

}  // namespace minicrm::sqlite
