#include "store/sqlite/writer.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "core/json_writer.h"

namespace minicrm::sqlite {

Writer::Writer(Connection& conn, WriteTx& tx, WriterOptions options,
               std::function<Status(std::exception_ptr)> onError)
    : conn_(conn), tx_(tx), options_(options), onError_(std::move(onError)) {
  ConnectionOptions ckpt;
  ckpt.path = conn.path();
  ckpt.cacheKiB = 2048;
  checkpointConn_ = std::make_unique<Connection>(ckpt);
  // Replaces SQLite's automatic checkpoint (which would run inside a commit) with a nudge
  // to the checkpoint thread.
  sqlite3_wal_hook(conn_.raw(), &Writer::walHook, this);
  thread_ = std::thread([this] { loop(); });
  checkpointThread_ = std::thread([this] { checkpointLoop(); });
}

Writer::~Writer() {
  stop();
}

int Writer::walHook(void* self, sqlite3*, const char*, int pages) {
  auto* w = static_cast<Writer*>(self);
  if (pages >= w->options_.checkpointPages) {
    std::lock_guard lock(w->ckptMu_);
    w->ckptWanted_ = true;
    w->ckptCv_.notify_one();
  }
  return SQLITE_OK;
}

void Writer::submit(Store::WriteJob job, Store::WriteDone done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(job), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(Error::unavailable("the database is shutting down"));
}

std::size_t Writer::queueDepth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Writer::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(ckptMu_);
    ckptStopping_ = true;
    ckptCv_.notify_all();
  }
  if (checkpointThread_.joinable()) checkpointThread_.join();
  sqlite3_wal_hook(conn_.raw(), nullptr, nullptr);
}

void Writer::loop() {
  std::deque<Item> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      const std::size_t n = std::min(queue_.size(), options_.maxBatch);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    runBatch(batch);
    batch.clear();
  }
}

void Writer::runBatch(std::deque<Item>& batch) {
  // Transaction control goes through prepared statements: this loop runs per job.
  auto run = [this](const char* sql) { conn_.cached(sql)->run(); };
  std::vector<Status> results;
  results.reserve(batch.size());
  bool committed = false;
  Status batchError;
  try {
    run("BEGIN IMMEDIATE");
    try {
      for (auto& item : batch) {
        run("SAVEPOINT job");
        Status s;
        try {
          s = item.job(tx_);
        } catch (...) {
          s = onError_(std::current_exception());
        }
        if (!s.ok()) run("ROLLBACK TO job");
        run("RELEASE job");
        results.push_back(std::move(s));
      }
      run("COMMIT");
      committed = true;
    } catch (...) {
      batchError = onError_(std::current_exception());
      if (!sqlite3_get_autocommit(conn_.raw())) {
        try {
          run("ROLLBACK");
        } catch (const std::exception& e) {
          spdlog::error(R"("msg":"rollback failed","error":{})", jsonQuote(e.what()));
        }
      }
    }
  } catch (...) {
    batchError = onError_(std::current_exception());
  }
  if (!committed) {
    spdlog::error(R"("msg":"write batch failed","jobs":{},"error":{})", batch.size(),
                  jsonQuote(batchError.ok() ? "" : batchError.error().message));
    const Error err = batchError.ok() ? Error::unavailable("the write could not be committed")
                                      : batchError.error();
    results.assign(batch.size(), Status(err));
  }
  batches_.fetch_add(1, std::memory_order_relaxed);
  jobs_.fetch_add(batch.size(), std::memory_order_relaxed);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].done) batch[i].done(std::move(results[i]));
  }
}

void Writer::checkpointLoop() {
  for (;;) {
    {
      std::unique_lock lock(ckptMu_);
      ckptCv_.wait(lock, [&] { return ckptStopping_ || ckptWanted_; });
      if (ckptStopping_) return;
      ckptWanted_ = false;
    }
    int logFrames = 0, done = 0;
    const int rc = sqlite3_wal_checkpoint_v2(checkpointConn_->raw(), nullptr,
                                             SQLITE_CHECKPOINT_PASSIVE, &logFrames, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn(R"("msg":"checkpoint failed","error":{})",
                   jsonQuote(sqlite3_errmsg(checkpointConn_->raw())));
    }
  }
}

}  // namespace minicrm::sqlite
