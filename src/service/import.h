// CSV imports of customers and orders (API.md: POST /customers/bulk, POST /orders/bulk;
// DESIGN.md: Ingestion).
//
// An import reads a CSV file from disk in blocks (core/csv.h), checks each row with the
// same rules as JSON bodies (core/import.h) and writes the rows through the store's
// single writer in chunks (WriteTx::importCustomers/importOrders: set-based duplicate
// detection). A chunk ends early whenever other writes are waiting, so they still commit
// within ~100 ms; while one chunk is being written the next is parsed. Memory is bounded by
// the chunk size, whatever the file size.
//
// Imports through the server are jobs persisted in the store: each chunk's transaction also
// records the job's progress (where the next record starts), so a job interrupted by a
// crash or a restart resumes exactly where it stopped (resumeUnfinished()). A job that
// fails (unreadable input, a database error) is undone: the rows it created are removed,
// the rows it replaced get their old values back. The spooled input is deleted when the
// job finishes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/import.h"
#include "store/store.h"

namespace minicrm {

struct ImportRequest {
  ImportKind kind = ImportKind::customers;
  ImportMode mode = ImportMode::insert;
  bool dryRun = false;
};

struct ImportProgress {
  std::int64_t rows = 0;         // rows written (or classified, in a dry run) so far
  std::int64_t parsed = 0;       // rows parsed so far: ahead of `rows` by about two chunks
  std::uint64_t bytes = 0;       // input bytes read so far
  std::uint64_t totalBytes = 0;  // input size
  double seconds = 0;            // since the import started (this run)
  ImportSummary summary;         // of the rows written so far
};

struct ImportSettings {
  // Where uploads are spooled while their jobs run (created if missing).
  std::string spoolDir;
  // Rows per write job at most (memory: about two chunks of rows are held). Consecutive
  // chunks share a transaction while no other write waits, so this bounds memory only.
  std::size_t chunkRows = 25'000;
  // A chunk yields to waiting writes after this long (and at least one batch of rows).
  std::chrono::milliseconds slice{2};
  // Rows handed to the store at once inside a chunk (sorted by key there, so index pages
  // are visited in order); a chunk yields only between batches. The commit a waiting
  // write needs must first write out every page the import dirtied since the last one
  // (index pages all over), so the fewer rows in a batch, the sooner it is answered:
  // single order writes during an import of 1M customers waited p50 63 ms, p99 170 ms with
  // 2,000-row batches and a 20 ms slice, 23 ms and 76 ms with these; the import alone ran
  // as fast (bench/import.sh).
  std::size_t batchRows = 250;
  // Undo / forget records handled per write job when a job ends.
  int cleanupRows = 5000;
};

class ImportService {
 public:
  // Called once when a job has finished (completed or failed), on the import thread; an
  // error (the job could not be read: no header line, not text) is the job's failure.
  using Done = std::function<void(Result<ImportJob>)>;

  ImportService(Store& store, const Clock& clock, ImportSettings settings);
  // Stops the import thread at the next chunk boundary; an unfinished job stays `running`
  // in the store and resumes with resumeUnfinished() on the next start.
  ~ImportService();
  ImportService(const ImportService&) = delete;
  ImportService& operator=(const ImportService&) = delete;

  // A fresh path in the spool directory for an upload.
  Result<std::string> spoolPath();

  // Persists a queued job over `inputPath` (which the job then owns) and queues it. `done`
  // (may be empty) is called when it finishes. Jobs run one at a time, in order.
  Result<ImportJob> submit(const ImportRequest& request, const std::string& inputPath, Done done);
  // Queues the jobs a previous run left queued or running; a job whose input is gone or
  // changed is marked failed, and spooled uploads no job owns are removed. Returns how
  // many were queued again.
  Result<int> resumeUnfinished();

  // The job as stored, with its live progress while it runs.
  Result<ImportJob> get(const Id& id);

  // Imports a file on the calling thread without persisting a job (the CLI).
  // `progress` (optional) is called about every 200 ms and once at the end.
  Result<ImportReport> importFile(const ImportRequest& request, const std::string& path,
                                  const std::function<void(const ImportProgress&)>& progress);

 private:
  struct Queued {
    ImportJob job;
    Done done;
  };

  void loop();
  // Runs a job to its end (or until stopping_). Returns the final job, or the failure.
  Result<ImportJob> run(ImportJob& job, bool persist,
                        const std::function<void(const ImportProgress&)>& progress);
  Status save(const ImportJob& job);
  void finish(ImportJob& job, const std::optional<Error>& failure, bool persist);

  Store& store_;
  const Clock& clock_;
  ImportSettings settings_;
  std::atomic<std::uint64_t> spoolCounter_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::atomic<bool> stop_{false};  // read by a running import between chunks
  // Live state of the running job, for get().
  std::optional<ImportJob> current_;
  std::thread thread_;
};

}  // namespace minicrm
