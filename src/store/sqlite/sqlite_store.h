// The SQLite backend of Store: WAL, one writer thread with group commit, a pool of reader
// connections (one per concurrently reading thread).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/sqlite/customer_index.h"
#include "store/sqlite/db.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/writer.h"
#include "store/store.h"

namespace minicrm::sqlite {

class SqliteTx;

struct SqliteOptions {
  std::string path;                  // database file
  std::string synchronous = "FULL";  // FULL: durable against power loss
  std::int64_t writerCacheKiB = 32 * 1024;
  std::int64_t readerCacheKiB = 8 * 1024;
  // The writer's page cache once an import has run: imports touch index pages all over,
  // and every page evicted mid-chunk is written to the WAL twice. 128 MiB holds most of
  // the indexes of 2M customers: an import of 1M into 1M others ran 15% faster than with
  // 64 MiB, for 50 MB more memory (bench/import.sh).
  std::int64_t importCacheKiB = 128 * 1024;
  // Memory-mapped reads (every connection shares the OS page cache instead of copying
  // pages into its own; the writer stops once an import has enlarged its cache, see
  // SqliteTx::enlargeCache). SQLite caps it at 2 GiB on this platform.
  std::int64_t mmapBytes = 2LL << 30;
  WriterOptions writer;
  // Keep customers in memory for segment previews (the server). Off for one-shot tools.
  bool customerIndex = true;
  // Record touched customers in customer_changes, for a server running on the same file
  // (set by processes other than the server, such as the CLI importer).
  bool logCustomerChanges = false;
};

// Applies pending migrations to the database at `path`; returns how many ran. Refuses a
// database whose schema is newer than this binary.
Result<int> migrate(const std::string& path);
// The same with a given list of migrations, ascending by version (tests).
Result<int> migrate(const std::string& path, const std::vector<Migration>& migrations);

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) and migrates the database.
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options,
                                                   const Clock& clock);
  ~SqliteStore() override;

  void write(WriteJob job, WriteDone done) override;
  void writeAlone(WriteJob job, WriteDone done, WriteDone ran = nullptr) override;
  Status ping() override;

  Result<Customer> getCustomer(const Id& id) override;
  Result<Page<Customer>> listCustomers(const CustomerQuery& q) override;
  Result<std::vector<CustomerRef>> searchCustomers(const std::string& q, int limit) override;
  Result<OrderView> getOrder(const Id& id) override;
  Result<Page<OrderView>> listOrders(const OrderQuery& q) override;
  Result<std::vector<RevenueBucket>> revenue(Granularity g, const DateRange& r) override;
  Result<std::vector<TopCustomer>> topCustomers(int limit, const DateRange& r) override;
  Result<SegmentPreview> previewSegment(const segment::Node& rules, Millis now, int limit,
                                        std::chrono::milliseconds budget,
                                        SegmentEngine engine) override;
  Result<std::vector<Id>> segmentMembers(const segment::Node& rules, Millis now,
                                         SegmentEngine engine) override;
  Result<std::vector<ApiKey>> listApiKeys() override;

  Result<Campaign> getCampaign(const Id& id) override;
  Result<Page<Campaign>> listCampaigns(const CampaignQuery& q) override;
  Result<std::vector<Id>> dueScheduledCampaigns(Millis now) override;
  Result<std::vector<Id>> interruptedLaunches() override;
  Result<DeliveryStats> recountStats(const Id& campaign) override;
  Result<CommunicationView> getCommunication(const Id& id) override;
  Result<Page<CommunicationView>> listCommunications(const CommunicationQuery& q) override;
  Result<ImportJob> getImportJob(const Id& id) override;
  Result<std::vector<ImportJob>> unfinishedImportJobs() override;
  Result<std::unique_ptr<ImportDryRun>> openImportDryRun() override;

  // Waits until the in-memory customer index is loaded and current (tests, benchmarks).
  bool waitForCustomerIndex(std::chrono::milliseconds timeout);
  std::size_t customerIndexBytes() const;
  std::size_t customerIndexTextBytes() const;
  // Whether previews are served from memory yet (the index loads after start).
  bool customerIndexLoaded() const { return index_ && index_->loaded(); }

  // Stops the writer after the queued jobs and checkpoints the WAL into the database.
  void close();

  std::uint64_t writeBatches() const { return writer_ ? writer_->batches() : 0; }
  std::uint64_t writeJobs() const { return writer_ ? writer_->jobs() : 0; }
  std::size_t writeQueueDepth() const { return writer_ ? writer_->queueDepth() : 0; }
  std::uint64_t walSyncs() const { return writer_ ? writer_->syncs() : 0; }
  std::uint64_t checkpoints() const { return writer_ ? writer_->checkpoints() : 0; }
  std::uint64_t walRestarts() const { return writer_ ? writer_->walRestarts() : 0; }

 private:
  SqliteStore(const SqliteOptions& options, const Clock& clock);
  // Borrows a reader connection for the duration of `fn(Connection&)`.
  // A reader connection. Between uses it keeps its read transaction (its snapshot) open
  // while no write has committed since, so a read costs no locking of the WAL: each read
  // transaction otherwise takes and drops file locks (two fcntl calls).
  struct Reader {
    std::unique_ptr<Connection> conn;
    bool inSnapshot = false;
    std::uint64_t snapshotCommits = 0;  // writer_->commits() read before it began
    std::chrono::steady_clock::time_point snapshotAt;
  };

  template <class Fn>
  auto withReader(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
    return guarded([&]() -> decltype(fn(std::declval<Connection&>())) {
      struct Lease {
        SqliteStore* self;
        Reader reader;
        bool returned = false;  // fn returned (rather than threw)
        ~Lease() { self->releaseReader(std::move(reader), returned); }
      } lease{this, acquireReader()};
      auto result = fn(*lease.reader.conn);
      lease.returned = true;
      return result;
    });
  }
  // A reader whose snapshot holds every write committed (and so every write answered)
  // before this call, and, from other processes, every write of the last 100 ms.
  Reader acquireReader();
  void releaseReader(Reader reader, bool clean);
  // Ends the snapshots of idle readers: all of them, or those older than 100 ms. Old
  // snapshots would keep checkpoints (ours and other processes') from copying the WAL.
  void releaseSnapshots(bool all);
  static void endSnapshot(Reader& r);

  SqliteOptions options_;
  const Clock& clock_;
  std::unique_ptr<Connection> writerConn_;
  std::unique_ptr<SqliteTx> tx_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<CustomerIndex> index_;
  std::atomic<std::uint64_t> customerCommits_{0};  // commits that touched customers

  std::mutex readersMu_;
  std::vector<Reader> idleReaders_;
};

}  // namespace minicrm::sqlite
