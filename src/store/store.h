// The Store: MiniCRM's persistence, in domain terms. No backend type appears here, so the
// same conformance tests (tests/store/conformance_*.cpp) run against every backend.
//
// Reads may be called from any thread and see everything committed before they start.
// Writes are jobs run on the store's single writer inside a transaction shared with other
// jobs (group commit); a job's `done` callback runs only after that transaction is durable,
// on the writer thread, so it must be quick (hand the result to another thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <chrono>

#include "core/api_key.h"
#include "core/campaign.h"
#include "core/customer.h"
#include "core/error.h"
#include "core/import.h"
#include "core/order.h"
#include "core/page.h"
#include "core/segment/segment.h"

namespace minicrm {

struct CustomerQuery {
  std::string q;  // case-insensitive substring of name, email or phone; empty = all
  PageRequest page;
  SortKey sort{"createdAt", true};
};

struct OrderQuery {
  std::optional<Id> customer;
  std::optional<Millis> from;  // orderDate >= from
  std::optional<Millis> to;    // orderDate <= to
  std::optional<Money> minAmount;
  std::optional<Money> maxAmount;
  std::string q;  // case-insensitive substring of the customer's name or email
  PageRequest page;
  SortKey sort{"orderDate", true};
};

struct DateRange {
  std::optional<Millis> from;  // inclusive
  std::optional<Millis> to;    // inclusive
};

enum class Granularity { day, month };

struct RevenueBucket {
  Millis start = 0;  // first millisecond of the day/month (UTC)
  Money revenue = 0;
  std::int64_t count = 0;
};

struct TopCustomer {
  CustomerRef customer;
  Money revenue = 0;
  std::int64_t count = 0;
};

// How a segment is evaluated: `automatic` uses the in-memory customer columns when they
// are loaded and current, else SQL. The others force one path (tests compare them).
enum class SegmentEngine { automatic, sql, columns };

struct SegmentPreview {
  std::int64_t total = 0;
  std::vector<Customer> customers;  // lastActive descending, then id descending
};

struct CampaignQuery {
  std::optional<CampaignStatus> status;
  std::optional<std::string> createdBy;  // only this owner's campaigns
  PageRequest page;
  SortKey sort{"createdAt", true};
};

// A communication as read: with its campaign and customer embedded (the customer is
// absent once deleted).
struct CommunicationView {
  Communication communication;
  Id campaign;
  std::string campaignName;
  CampaignStatus campaignStatus = CampaignStatus::draft;
  std::optional<CustomerRef> customer;
};

struct CommunicationQuery {
  std::optional<Id> campaign;
  std::optional<Id> customer;
  std::optional<DeliveryStatus> status;
  std::optional<std::string> campaignOwner;  // only messages of this owner's campaigns
  PageRequest page;                          // newest first
};

// A message the dispatcher is about to send: the row, its campaign's template and what the
// template may say about the recipient.
struct Outgoing {
  Id communication;
  Id campaign;
  Id customer;
  std::string campaignMessage;
  std::string name;
  std::string email;
  std::optional<std::string> city;
  std::int64_t attempts = 0;  // including this one
};

// What happened to a communication after a send attempt.
struct SendOutcome {
  enum class Kind { accepted, retry, failed } kind = Kind::accepted;
  Id communication;
  Millis nextAttemptAt = 0;  // accepted: when to give up waiting for the receipt; retry: when
  std::string error;         // retry/failed: why
};

// A delivery receipt from the vendor.
struct Receipt {
  Id campaign;
  Id customer;
  DeliveryStatus status = DeliveryStatus::sent;  // SENT or FAILED
  std::optional<std::string> vendorResponse;
  // When the vendor says it happened. A receipt without one is recorded at its arrival
  // but can never replace an earlier final status (it cannot be shown to be newer).
  std::optional<Millis> timestamp;
};

struct ReceiptResult {
  Id communication;
  DeliveryStatus status = DeliveryStatus::pending;  // after the receipt
  bool changed = false;
};

// A CSV import as the store keeps it: what to read, how far it got (the offset and line of
// the next record, saved in the same transaction as the rows before it, so a resumed
// import continues exactly), its counts and first problem rows.
struct ImportJob {
  Id id;
  ImportKind kind = ImportKind::customers;
  ImportMode mode = ImportMode::insert;
  bool dryRun = false;
  ImportStatus status = ImportStatus::queued;
  std::string inputPath;
  std::uint64_t inputBytes = 0;
  ImportTag tag{};
  std::uint64_t idState = 0;       // IdGenerator::state() after the last committed chunk
  std::uint64_t resumeOffset = 0;  // 0: the header has not been read yet
  std::int64_t resumeLine = 1;
  ImportReport report;            // rows: the first kMaxReportedRows problem rows
  std::string error;              // why it failed
  std::int64_t activeMillis = 0;  // time spent running (rows/s)
  Millis createdAt = 0;
  Millis updatedAt = 0;
  std::optional<Millis> startedAt;
  std::optional<Millis> finishedAt;
};

// How an import chunk is written.
struct ImportContext {
  ImportTag tag{};
  ImportMode mode = ImportMode::insert;
  Millis now = 0;
};

// Classifies import rows like a real import would (inserted, updated, duplicate,
// rejected: duplicates inside the file included) without writing anything: dry runs.
// Used by one thread; keeps what it has seen in a scratch file, not in memory.
class ImportDryRun {
 public:
  virtual ~ImportDryRun() = default;
  // `out` gets one outcome per row, in order.
  virtual Status customers(const ImportContext& ctx, std::vector<CustomerImportRow>& rows,
                           std::vector<ImportOutcome>& out) = 0;
  virtual Status orders(const ImportContext& ctx, std::vector<OrderImportRow>& rows,
                        std::vector<ImportOutcome>& out) = 0;
};

// Operations available inside a write transaction. Everything here sees the
// transaction's own earlier changes. Failures come back as values, never as exceptions,
// so a job can decorate them (e.g. prefix a bulk item's index) before returning.
class WriteTx {
 public:
  virtual ~WriteTx() = default;

  virtual Result<Customer> getCustomer(const Id& id) = 0;
  // Conflict (naming `email`) when the email is taken.
  virtual Status insertCustomer(const Customer& c) = 0;
  // Replaces every column of an existing customer; conflict when the new email is taken.
  virtual Status updateCustomer(const Customer& c) = 0;
  // Removes the customer and all of their orders, and cancels the messages not yet sent to
  // them (their communications stay, for the log). Not found when absent.
  virtual Status deleteCustomer(const Id& id, Millis now) = 0;

  virtual Result<Order> getOrder(const Id& id) = 0;
  // Conflict (naming `externalId`) when the external id is taken.
  virtual Status insertOrder(const Order& o) = 0;
  virtual Status updateOrder(const Order& o) = 0;
  virtual Status deleteOrder(const Id& id) = 0;

  // The customer's name, email and phone; not found when absent.
  virtual Result<CustomerRef> getCustomerRef(const Id& id) = 0;
  // Adds one completed order to a customer's order aggregates (sum, count, newest date)
  // and returns the customer's reference; not found when absent.
  virtual Result<CustomerRef> addOrderToAggregates(const Id& customer, Money amount,
                                                   Millis orderDate, Millis now) = 0;
  // Recomputes a customer's order aggregates from its completed orders.
  virtual Status recomputeAggregates(const Id& customer, Millis now) = 0;

  // Campaigns. Stats are owned by the store: insert/update never change them.
  virtual Result<Campaign> getCampaign(const Id& id) = 0;
  virtual Status insertCampaign(const Campaign& c) = 0;
  virtual Status updateCampaign(const Campaign& c) = 0;
  // Removes the campaign and up to `limit` of its communications; call again while it
  // answers true (more to remove). Not found when the campaign is absent.
  virtual Result<bool> deleteCampaignChunk(const Id& id, std::size_t limit) = 0;
  // Marks a campaign's launch as under way, or complete with `audience` rows written (they
  // join the pending counter).
  virtual Status setLaunchState(const Id& campaign, bool complete, Millis now,
                                std::int64_t audience = 0) = 0;
  // Writes one PENDING communication per customer (launch); ids are the new rows' ids.
  virtual Status insertAudienceChunk(const Id& campaign, const std::vector<Id>& customers,
                                     const std::vector<Id>& ids, Millis now) = 0;
  // Removes what a launch interrupted by a crash wrote (up to `limit` rows; true: more).
  virtual Result<bool> discardAudienceChunk(const Id& campaign, std::size_t limit) = 0;
  // Completes a running, fully launched campaign with nothing pending.
  virtual Status completeIfDone(const Id& campaign, Millis now) = 0;

  // Communications written by hand (API routes); the campaign's stats follow.
  virtual Result<Communication> getCommunication(const Id& id) = 0;
  virtual Status insertCommunication(const Communication& c) = 0;  // conflict on a 2nd row
  virtual Status updateCommunication(const Communication& c) = 0;
  virtual Status deleteCommunication(const Id& id) = 0;

  // Delivery. Up to `limit` PENDING rows of fully launched running campaigns that are due
  // at `now`, oldest due first; each is held until `holdUntil`, its attempts counted and
  // its message set to `render(row)` (Outgoing::campaignMessage holds the template when
  // render is called, the rendered text when returned). Rows whose attempts already
  // reached `maxAttempts` are failed with `exhaustedReason` instead of being returned.
  virtual Result<std::vector<Outgoing>> claimDue(
      Millis now, std::size_t limit, Millis holdUntil, std::int64_t maxAttempts,
      const std::string& exhaustedReason,
      const std::function<std::string(const Outgoing&)>& render) = 0;
  virtual Status recordSendOutcomes(const std::vector<SendOutcome>& outcomes, Millis now) = 0;
  // Applies a receipt: the first final status wins, a later one replaces it only when its
  // timestamp is newer, CANCELLED rows ignore receipts. Not found when no row matches.
  virtual Result<ReceiptResult> applyReceipt(const Receipt& r, Millis now) = 0;
  // Cancels up to `limit` PENDING rows never accepted by the vendor (true: more remain).
  virtual Result<bool> cancelUnsent(const Id& campaign, std::size_t limit,
                                    const std::string& reason, Millis now) = 0;
  // API keys. Conflict when the hash is taken (a 256-bit key never repeats).
  virtual Status insertApiKey(const ApiKey& key) = 0;
  // Marks a key revoked at `now`; not found when absent or already revoked.
  virtual Status revokeApiKey(const Id& id, Millis now) = 0;
  // Records a key's latest use; a key that is gone is ignored.
  virtual Status recordApiKeyUse(const Id& id, Millis usedAt) = 0;

  // True when other write jobs are waiting for the writer: a long job (an import chunk)
  // should finish soon so they commit within ~100 ms.
  virtual bool writesWaiting() const = 0;

  // Imports: one chunk of rows, set-based (INSERT ... ON CONFLICT): a row whose key is
  // already stored is a duplicate ("appears earlier in this file" when this import wrote
  // it), or with ImportMode::upsert replaces the stored values (blank cells keep them).
  // New rows get their `id`. Orders add to their customers' aggregates exactly as one-by-one
  // creates would. `out` gets one outcome per row, in order.
  virtual Status importCustomers(const ImportContext& ctx, std::vector<CustomerImportRow>& rows,
                                 std::vector<ImportOutcome>& out) = 0;
  virtual Status importOrders(const ImportContext& ctx, std::vector<OrderImportRow>& rows,
                              std::vector<ImportOutcome>& out) = 0;
  // Saves the job (created or updated) and appends `newRows` to its problem rows.
  virtual Status saveImportJob(const ImportJob& job, const std::vector<ImportProblem>& newRows) = 0;
  // Undoes up to `limit` rows of a failed import (rows it created are removed, rows it
  // replaced get their old values back; orders' customers are reconciled), or forgets
  // the undo records of a finished one (`keep`). Returns how many it handled: 0 when done.
  virtual Result<std::int64_t> cleanUpImport(const ImportJob& job, bool keep, int limit,
                                             Millis now) = 0;
};

class Store {
 public:
  using WriteJob = std::function<Status(WriteTx&)>;
  using WriteDone = std::function<void(Status)>;

  virtual ~Store() = default;

  // Queues `job`. It runs inside a transaction on the writer thread; if it fails, its own
  // changes are rolled back and the others in the batch are unaffected. `done` gets the
  // job's status once the transaction has committed (or the commit's error).
  virtual void write(WriteJob job, WriteDone done) = 0;
  // Like write(), for a big job (an import chunk): it runs without a savepoint, in a
  // transaction rolled back whole if it fails. With `ran`, the caller hears as soon as
  // the job has run, and its next such job may continue the same transaction (a store
  // commits a chain when other writes wait or after a bound); `done` still comes only
  // once committed, and a failure fails every job of the chain not yet committed.
  virtual void writeAlone(WriteJob job, WriteDone done, WriteDone ran = nullptr) {
    write(std::move(job), [done = std::move(done), ran = std::move(ran)](Status s) {
      if (ran) ran(s);
      if (done) done(std::move(s));
    });
  }
  // write() and wait: for command-line tools and tests.
  Status writeSync(WriteJob job);

  virtual Status ping() = 0;

  virtual Result<Customer> getCustomer(const Id& id) = 0;
  virtual Result<Page<Customer>> listCustomers(const CustomerQuery& q) = 0;
  // Up to `limit` customers whose email or name starts with q (case-insensitive), then
  // those containing it.
  virtual Result<std::vector<CustomerRef>> searchCustomers(const std::string& q, int limit) = 0;

  virtual Result<OrderView> getOrder(const Id& id) = 0;
  virtual Result<Page<OrderView>> listOrders(const OrderQuery& q) = 0;
  // Completed orders only, oldest bucket first.
  virtual Result<std::vector<RevenueBucket>> revenue(Granularity g, const DateRange& r) = 0;
  // Completed orders only, highest revenue first.
  virtual Result<std::vector<TopCustomer>> topCustomers(int limit, const DateRange& r) = 0;

  // Counts the customers matching `rules` at `now` and returns up to `limit` of them, most
  // recently active first. Unprocessable when evaluation takes longer than `budget`.
  virtual Result<SegmentPreview> previewSegment(
      const segment::Node& rules, Millis now, int limit, std::chrono::milliseconds budget,
      SegmentEngine engine = SegmentEngine::automatic) = 0;
  // Every matching customer's id (no time budget).
  virtual Result<std::vector<Id>> segmentMembers(
      const segment::Node& rules, Millis now, SegmentEngine engine = SegmentEngine::automatic) = 0;

  virtual Result<Campaign> getCampaign(const Id& id) = 0;
  virtual Result<Page<Campaign>> listCampaigns(const CampaignQuery& q) = 0;
  // Scheduled campaigns whose time has come.
  virtual Result<std::vector<Id>> dueScheduledCampaigns(Millis now) = 0;
  // Campaigns whose launch was interrupted (a crash while writing the audience).
  virtual Result<std::vector<Id>> interruptedLaunches() = 0;
  // The delivery counters recounted from the communications (audits, tests).
  virtual Result<DeliveryStats> recountStats(const Id& campaign) = 0;

  virtual Result<CommunicationView> getCommunication(const Id& id) = 0;
  virtual Result<Page<CommunicationView>> listCommunications(const CommunicationQuery& q) = 0;
  // Every API key, revoked and expired ones included, oldest first.
  virtual Result<std::vector<ApiKey>> listApiKeys() = 0;
  virtual Result<ImportJob> getImportJob(const Id& id) = 0;
  // Jobs queued or running (to resume after a restart), oldest first.
  virtual Result<std::vector<ImportJob>> unfinishedImportJobs() = 0;
  virtual Result<std::unique_ptr<ImportDryRun>> openImportDryRun() = 0;

  // Sort fields each list accepts (wire names).
  static const std::vector<std::string>& customerSortFields();
  static const std::vector<std::string>& orderSortFields();
  static const std::vector<std::string>& campaignSortFields();
};

}  // namespace minicrm
