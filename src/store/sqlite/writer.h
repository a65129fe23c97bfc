// The single writer of a SQLite database, with group commit: jobs queued by many threads
// run back to back inside one transaction (each under its own savepoint, so a failing job
// rolls back alone), one commit makes the whole batch durable, and only then is each job's
// `done` called. Under load, batches grow and the cost of an fsync is shared.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace minicrm::sqlite {

struct WriterOptions {
  std::size_t maxBatch = 4096;  // jobs per transaction
  // WAL size (pages) after which the checkpointer is woken.
  int checkpointPages = 4096;
};

class Writer {
 public:
  // `tx` runs jobs on `conn`; both outlive the Writer. `onError` converts exceptions thrown
  // by a job into a Status.
  Writer(Connection& conn, WriteTx& tx, WriterOptions options,
         std::function<Status(std::exception_ptr)> onError);
  ~Writer();

  void submit(Store::WriteJob job, Store::WriteDone done);
  // Runs what is queued, then stops the thread. Later submits fail with `unavailable`.
  void stop();

  // Counters for /metrics and tests.
  std::uint64_t batches() const { return batches_.load(std::memory_order_relaxed); }
  std::uint64_t jobs() const { return jobs_.load(std::memory_order_relaxed); }
  std::size_t queueDepth() const;

 private:
  struct Item {
    Store::WriteJob job;
    Store::WriteDone done;
  };

  void loop();
  void runBatch(std::deque<Item>& batch);
  void checkpointLoop();
  static int walHook(void* self, sqlite3* db, const char* name, int pages);

  Connection& conn_;
  WriteTx& tx_;
  WriterOptions options_;
  std::function<Status(std::exception_ptr)> onError_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;

  // Checkpoints run on their own connection and thread, so no request waits for one.
  std::unique_ptr<Connection> checkpointConn_;
  std::mutex ckptMu_;
  std::condition_variable ckptCv_;
  bool ckptWanted_ = false;
  bool ckptStopping_ = false;

  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> jobs_{0};
  std::thread thread_;
  std::thread checkpointThread_;
};

}  // namespace minicrm::sqlite
