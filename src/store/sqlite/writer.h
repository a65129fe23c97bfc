// The single writer of a SQLite database, with pipelined group commit.
//
// Jobs queued by many threads run back to back inside one transaction, each under its own
// savepoint so a failing job rolls back alone. One COMMIT ends the batch. With
// `syncBeforeAnswer` (the default), the COMMIT does not wait for the disk: a syncer thread
// fsyncs the WAL once for every batch committed since its last pass and only then calls
// each job's `done`. So nobody is answered before their write is durable, the writer
// prepares the next batch while the disk flushes the previous one, and under load one
// fsync covers many batches.
//
// Checkpoints never run inside a commit: a background thread copies WAL frames into the
// database file concurrently, and the writer finishes a checkpoint between batches once
// the WAL is large, so the log starts over instead of growing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace minicrm::sqlite {

struct WriterOptions {
  std::size_t maxBatch = 4096;  // jobs per transaction
  // WAL size (pages) after which the background checkpointer is woken; at twice this the
  // writer finishes a checkpoint between batches so the WAL starts over. 128 MiB of 4 KiB
  // pages: each pass copies a page once however often it changed, and pays one fsync of
  // the database file, so rarer passes leave more of the disk to commits. Sustained
  // POST /orders went from about 14,000 to 17,500 per second against 2,048 pages
  // (bench/http.sh); the cost is a WAL file of about 300 MB on disk, at most about
  // kMaxWalFactor times this when bulk imports outrun the background passes.
  int checkpointPages = 32768;
  // Answer jobs only once their batch is on disk (fsync of the WAL). Off: answered after
  // COMMIT, which survives a process crash but not a power loss.
  bool syncBeforeAnswer = true;
  // Run around each job: before it, and after it failed and was rolled back.
  std::function<void()> beforeJob;
  std::function<void()> afterFailedJob;
  // A chain of jobs that run alone (import chunks, see submitAlone) shares one transaction
  // for at most this long, and waits at most chainWait for its next job before committing.
  // Each commit writes every page the transaction dirtied to the WAL, so committing an
  // import every 50,000 rows rewrote its indexes twenty times per million rows.
  std::chrono::milliseconds chainHold{2000};
  std::chrono::milliseconds chainWait{50};
  // Runs inside each batch's transaction, just before COMMIT.
  std::function<void()> beforeCommit;
  // Runs after each batch, committed or not, before any job's `done`.
  std::function<void(bool committed)> afterBatch;
  // Asks readers to give up the snapshots that would hold checkpoints back: all idle ones
  // (`all`) just before a checkpoint, and old ones every 100 ms. Runs on the checkpoint
  // thread, or on the writer's before the checkpoints it finishes.
  std::function<void(bool all)> releaseSnapshots;
};

class Writer {
 public:
  // `tx` runs jobs on `conn`; both outlive the Writer. `onError` converts exceptions thrown
  // by a job into a Status.
  Writer(Connection& conn, WriteTx& tx, WriterOptions options,
         std::function<Status(std::exception_ptr)> onError);
  ~Writer();

  void submit(Store::WriteJob job, Store::WriteDone done);
  // A job that runs without a savepoint: for big jobs (import chunks), whose savepoint
  // would copy every page they touch into the sub-journal. With `ran`, the caller is told
  // as soon as the job has run, and the transaction stays open for the next alone job if
  // one is queued within chainWait: a chain commits when other writes are queued, after
  // chainHold, when no job follows, or after a job without `ran` (which ends its chain).
  // `done` comes once the transaction is committed and durable. A failing job rolls back
  // the whole transaction: it and every job before it in the chain get its error.
  void submitAlone(Store::WriteJob job, Store::WriteDone done, Store::WriteDone ran = nullptr);
  // Runs and answers what is queued, then stops the threads. Later submits fail with
  // `unavailable`.
  void stop();

  // Counters for /metrics and tests.
  std::uint64_t batches() const { return batches_.load(std::memory_order_relaxed); }
  std::uint64_t jobs() const { return jobs_.load(std::memory_order_relaxed); }
  std::uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }
  std::size_t queueDepth() const;
  std::uint64_t checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }
  // Times the writer finished a checkpoint so the WAL started over.
  std::uint64_t walRestarts() const { return restarts_.load(std::memory_order_relaxed); }
  // Committed transactions so far. It moves before any job of a transaction is answered,
  // so a reader that sees it unchanged since its snapshot began misses no answered write.
  std::uint64_t commits() const { return commits_.load(std::memory_order_acquire); }

 private:
  struct Item {
    Store::WriteJob job;
    Store::WriteDone done;
    bool alone = false;
    Store::WriteDone ran;  // set for a job that may chain (submitAlone)
  };
  // A committed batch waiting for the syncer.
  struct Answers {
    std::vector<Store::WriteDone> done;
    std::vector<Status> results;
  };

  // Queues `item`, or refuses it (its `ran` and `done` get `unavailable`) once stopping.
  void enqueue(Item item);
  void loop();
  void runBatch(std::deque<Item>& batch);
  void runAlone(Item& item);
  void rollBackAfterError();
  void commitChain();
  void rollBackChain(Status why);
  Answers takeChain();  // the open chain's answers; the chain is over
  // Logs a transaction that did not commit and gives every job in it the error `why`.
  static void failAll(Answers& answers, const Status& why);
  // Counts a finished transaction and hands its answers to the syncer (or answers them).
  void finishBatch(Answers& answers, bool committed);
  void syncLoop();
  void checkpointLoop();
  void finishCheckpoint();
  bool smallWritesQueued() const;
  static int walHook(void* self, sqlite3* db, const char* name, int pages);
  static void answer(Answers& a);

  Connection& conn_;
  WriteTx& tx_;
  WriterOptions options_;
  std::function<Status(std::exception_ptr)> onError_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;

  // Batches committed but not yet known to be on disk.
  std::mutex syncMu_;
  std::condition_variable syncCv_;
  std::deque<Answers> unsynced_;
  bool syncStopping_ = false;
  int walFd_ = -1;  // the WAL file, for fdatasync; opened by the syncer

  // Checkpoints run on their own connection and thread, so no request waits for one.
  std::unique_ptr<Connection> checkpointConn_;
  std::mutex passMu_;  // held by whichever thread is copying WAL frames
  std::mutex ckptMu_;
  std::condition_variable ckptCv_;
  bool ckptWanted_ = false;
  bool ckptStopping_ = false;

  // The transaction a chain of alone jobs holds open (writer thread only).
  bool chained_ = false;
  std::chrono::steady_clock::time_point chainSince_;
  Answers chain_;

  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> jobs_{0};
  std::atomic<std::uint64_t> syncs_{0};
  std::atomic<std::uint64_t> checkpoints_{0};
  std::atomic<std::uint64_t> restarts_{0};
  std::atomic<std::uint64_t> commits_{0};
  // The most the writer copies itself to start the WAL over (pages; 4 MiB).
  static constexpr int kTailPages = 1024;
  // The WAL is copied and started over, tail or not, once this many times checkpointPages.
  static constexpr int kMaxWalFactor = 4;
  int passAskedAt_ = 0;              // WAL size at the last background pass asked (writer thread)
  std::atomic<int> copiedPages_{0};  // frames the last background pass had copied
  std::atomic<int> walPages_{0};     // WAL size after the last commit
  std::thread thread_;
  std::thread syncThread_;
  std::thread checkpointThread_;
};

}  // namespace minicrm::sqlite
