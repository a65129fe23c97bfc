#include "store/sqlite/writer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/json_writer.h"

namespace minicrm::sqlite {

Writer::Writer(Connection& conn, WriteTx& tx, WriterOptions options,
               std::function<Status(std::exception_ptr)> onError)
    : conn_(conn), tx_(tx), options_(std::move(options)), onError_(std::move(onError)) {
  ConnectionOptions ckpt;
  ckpt.path = conn.path();
  ckpt.cacheKiB = 2048;
  checkpointConn_ = std::make_unique<Connection>(ckpt);
  // The syncer makes commits durable, so COMMIT itself need not wait for the disk.
  if (options_.syncBeforeAnswer) conn_.exec("PRAGMA synchronous=NORMAL");
  // Replaces SQLite's automatic checkpoint (which would run inside a commit).
  sqlite3_wal_hook(conn_.raw(), &Writer::walHook, this);
  thread_ = std::thread([this] { loop(); });
  if (options_.syncBeforeAnswer) syncThread_ = std::thread([this] { syncLoop(); });
  checkpointThread_ = std::thread([this] { checkpointLoop(); });
}

Writer::~Writer() {
  stop();
}

int Writer::walHook(void* self, sqlite3*, const char*, int pages) {
  auto* w = static_cast<Writer*>(self);
  if (pages < w->walPages_.exchange(pages, std::memory_order_relaxed)) {
    // The log started over (after a checkpoint copied all of it): count afresh.
    w->passAskedAt_ = 0;
    w->copiedPages_.store(0, std::memory_order_relaxed);
  }
  // Past the threshold, a background pass per eighth of it more: each pass ends with an
  // fsync of the database file, and passes back to back would hold the disk from commits.
  // Past twice the threshold, a pass after every commit, so the writer finds the log
  // copied up to a short tail and can start it over (finishCheckpoint).
  const int threshold = w->options_.checkpointPages;
  if (pages >= threshold && (pages - w->passAskedAt_ >= threshold / 8 || pages >= 2 * threshold)) {
    w->passAskedAt_ = pages;
    std::lock_guard lock(w->ckptMu_);
    w->ckptWanted_ = true;
    w->ckptCv_.notify_one();
  }
  return SQLITE_OK;
}

void Writer::submit(Store::WriteJob job, Store::WriteDone done) {
  enqueue({std::move(job), std::move(done), false, nullptr});
}

void Writer::submitAlone(Store::WriteJob job, Store::WriteDone done, Store::WriteDone ran) {
  enqueue({std::move(job), std::move(done), true, std::move(ran)});
}

void Writer::enqueue(Item item) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(item));
      cv_.notify_one();
      return;
    }
  }
  const Status refused = Error::unavailable("the database is shutting down");
  if (item.ran) item.ran(refused);
  if (item.done) item.done(refused);
}

bool Writer::smallWritesQueued() const {
  std::lock_guard lock(mu_);
  return std::any_of(queue_.begin(), queue_.end(), [](const Item& i) { return !i.alone; });
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
    std::lock_guard lock(syncMu_);
    syncStopping_ = true;
    syncCv_.notify_all();
  }
  if (syncThread_.joinable()) syncThread_.join();
  {
    std::lock_guard lock(ckptMu_);
    ckptStopping_ = true;
    ckptCv_.notify_all();
  }
  if (checkpointThread_.joinable()) checkpointThread_.join();
  sqlite3_wal_hook(conn_.raw(), nullptr, nullptr);
  if (walFd_ >= 0) close(walFd_);
  walFd_ = -1;
}

void Writer::loop() {
  std::deque<Item> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (chained_) {
        // A chain holds its transaction open: continue it with the next alone job if one
        // comes soon, else commit. Any other write queued ends the chain at once.
        const auto now = std::chrono::steady_clock::now();
        const auto endsAt = chainSince_ + options_.chainHold;
        cv_.wait_until(lock, std::min(endsAt, now + options_.chainWait),
                       [&] { return stopping_ || !queue_.empty(); });
        const bool continues = !queue_.empty() && queue_.front().alone && !stopping_ &&
                               std::chrono::steady_clock::now() < endsAt;
        if (continues) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      } else {
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        const std::size_t n = std::min(queue_.size(), options_.maxBatch);
        for (std::size_t i = 0; i < n; ++i) {
          // A job that runs alone gets a batch of its own.
          if (queue_.front().alone && !batch.empty()) break;
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
          if (batch.back().alone) break;
        }
      }
    }
    if (batch.empty()) {
      commitChain();
    } else if (batch.front().alone) {
      runAlone(batch.front());
    } else {
      runBatch(batch);
    }
    batch.clear();
    if (!chained_) finishCheckpoint();
  }
}

void Writer::answer(Answers& a) {
  for (std::size_t i = 0; i < a.done.size(); ++i) {
    if (a.done[i]) a.done[i](std::move(a.results[i]));
  }
}

void Writer::rollBackAfterError() {
  if (sqlite3_get_autocommit(conn_.raw())) return;
  try {
    conn_.cached("ROLLBACK")->run();
  } catch (const std::exception& e) {
    spdlog::error(R"("msg":"rollback failed","error":{})", jsonQuote(e.what()));
  }
}

void Writer::runBatch(std::deque<Item>& batch) {
  // Transaction control goes through prepared statements: this loop runs per job.
  auto run = [this](const char* sql) { conn_.cached(sql)->run(); };
  Answers answers;
  answers.results.reserve(batch.size());
  answers.done.reserve(batch.size());
  bool committed = false;
  Status batchError;
  try {
    run("BEGIN IMMEDIATE");
    try {
      for (auto& item : batch) {
        run("SAVEPOINT job");
        if (options_.beforeJob) options_.beforeJob();
        Status s;
        try {
          s = item.job(tx_);
        } catch (...) {
          s = onError_(std::current_exception());
        }
        if (!s.ok()) {
          run("ROLLBACK TO job");
          if (options_.afterFailedJob) options_.afterFailedJob();
        }
        run("RELEASE job");
        answers.results.push_back(std::move(s));
      }
      if (options_.beforeCommit) options_.beforeCommit();
      run("COMMIT");
      committed = true;
      commits_.fetch_add(1, std::memory_order_release);
    } catch (...) {
      batchError = onError_(std::current_exception());
      rollBackAfterError();
    }
  } catch (...) {
    batchError = onError_(std::current_exception());
  }
  for (auto& item : batch)
    answers.done.push_back(std::move(item.done));
  if (!committed) failAll(answers, batchError);
  finishBatch(answers, committed);
}

void Writer::runAlone(Item& item) {
  Status s;
  try {
    if (!chained_) {
      conn_.cached("BEGIN IMMEDIATE")->run();
      chained_ = true;
      chainSince_ = std::chrono::steady_clock::now();
    }
    if (options_.beforeJob) options_.beforeJob();
    try {
      s = item.job(tx_);
    } catch (...) {
      s = onError_(std::current_exception());
    }
  } catch (...) {
    s = onError_(std::current_exception());
  }
  chain_.done.push_back(std::move(item.done));
  if (!s.ok()) {
    if (item.ran) item.ran(s);
    rollBackChain(std::move(s));
    return;
  }
  chain_.results.emplace_back();
  if (item.ran) {
    item.ran(Status{});
  } else {
    commitChain();
  }
}

void Writer::commitChain() {
  if (!chained_) return;
  bool committed = false;
  Status failure;
  try {
    if (options_.beforeCommit) options_.beforeCommit();
    conn_.cached("COMMIT")->run();
    committed = true;
    commits_.fetch_add(1, std::memory_order_release);
  } catch (...) {
    failure = onError_(std::current_exception());
  }
  if (!committed) {
    rollBackChain(std::move(failure));
    return;
  }
  Answers answers = takeChain();
  finishBatch(answers, true);
}

void Writer::rollBackChain(Status why) {
  if (options_.afterFailedJob) options_.afterFailedJob();
  rollBackAfterError();
  Answers answers = takeChain();
  failAll(answers, why);
  finishBatch(answers, false);
}

Writer::Answers Writer::takeChain() {
  chained_ = false;
  Answers answers = std::move(chain_);
  chain_ = {};
  return answers;
}

void Writer::failAll(Answers& answers, const Status& why) {
  const Error err = why.ok() ? Error::unavailable("the write could not be committed") : why.error();
  spdlog::error(R"("msg":"write batch failed","jobs":{},"error":{})", answers.done.size(),
                jsonQuote(err.message));
  answers.results.assign(answers.done.size(), Status(err));
}

void Writer::finishBatch(Answers& answers, bool committed) {
  batches_.fetch_add(1, std::memory_order_relaxed);
  jobs_.fetch_add(answers.done.size(), std::memory_order_relaxed);
  if (options_.afterBatch) options_.afterBatch(committed);
  if (!committed || !options_.syncBeforeAnswer) {
    answer(answers);
    return;
  }
  {
    std::lock_guard lock(syncMu_);
    unsynced_.push_back(std::move(answers));
  }
  syncCv_.notify_one();
}

void Writer::syncLoop() {
  const std::string walPath = conn_.path() + "-wal";
  std::deque<Answers> ready;
  for (;;) {
    {
      std::unique_lock lock(syncMu_);
      syncCv_.wait(lock, [&] { return syncStopping_ || !unsynced_.empty(); });
      if (unsynced_.empty()) return;  // stopping and drained
      ready.swap(unsynced_);
    }
    // Every batch taken here was committed (its frames written) before this fdatasync
    // starts, so this one flush makes all of them durable.
    if (walFd_ < 0) walFd_ = open(walPath.c_str(), O_RDONLY | O_CLOEXEC);
    const int rc = walFd_ >= 0 ? fdatasync(walFd_) : -1;
    syncs_.fetch_add(1, std::memory_order_relaxed);
    if (rc != 0) {
      const std::string why = std::strerror(errno);
      spdlog::critical(R"("msg":"cannot flush the WAL to disk","path":{},"error":{})",
                       jsonQuote(walPath), jsonQuote(why));
      for (auto& a : ready) {
        a.results.assign(a.done.size(),
                         Status(Error::unavailable("the write could not be made durable")));
      }
    }
    for (auto& a : ready)
      answer(a);
    ready.clear();
  }
}

void Writer::checkpointLoop() {
  // The bulk of checkpointing: copy WAL frames into the database file concurrently with
  // the writer. Under steady writing this never catches up on its own (see finishCheckpoint).
  for (;;) {
    {
      std::unique_lock lock(ckptMu_);
      const bool wanted = ckptCv_.wait_for(lock, std::chrono::milliseconds(100),
                                           [&] { return ckptStopping_ || ckptWanted_; });
      if (ckptStopping_) return;
      if (!wanted) {
        lock.unlock();
        if (options_.releaseSnapshots) options_.releaseSnapshots(false);
        continue;
      }
      ckptWanted_ = false;
    }
    if (options_.releaseSnapshots) options_.releaseSnapshots(true);
    int logFrames = 0, done = 0;
    std::unique_lock pass(passMu_);
    const int rc = sqlite3_wal_checkpoint_v2(checkpointConn_->raw(), nullptr,
                                             SQLITE_CHECKPOINT_PASSIVE, &logFrames, &done);
    pass.unlock();
    if (rc == SQLITE_OK) {
      checkpoints_.fetch_add(1, std::memory_order_relaxed);
      copiedPages_.store(done, std::memory_order_relaxed);
    } else if (rc != SQLITE_BUSY) {
      spdlog::warn(R"("msg":"checkpoint failed","error":{})",
                   jsonQuote(sqlite3_errmsg(checkpointConn_->raw())));
    }
  }
}

void Writer::finishCheckpoint() {
  // SQLite rewinds the WAL only when a checkpoint has copied every frame before a write
  // transaction starts, which a concurrent checkpointer never achieves while writes keep
  // coming. So once the log is large, the writer itself checkpoints between batches: the
  // background pass has already copied nearly everything, so this copies a short tail and
  // completes, and the next batch starts the log again from the beginning, reusing its
  // (cached) file blocks instead of growing it.
  const int pages = walPages_.load(std::memory_order_relaxed);
  if (pages < options_.checkpointPages * 2) return;
  // Copying more than a short tail here would hold up every write behind it: leave that to
  // the background pass the WAL hook has asked for. But a writer that outruns the passes
  // (a bulk import appends faster than a pass copies) would grow the log without bound, and
  // with it every reader's WAL lookups: past kMaxWalFactor times the threshold, the writer
  // copies whatever is left, holding writes for that one copy.
  const bool tailIsShort = pages - copiedPages_.load(std::memory_order_relaxed) <= kTailPages;
  if (!tailIsShort && pages < options_.checkpointPages * kMaxWalFactor) return;
  // Past the bound, small writes queued go first: only the big jobs that grow the log
  // (import chunks) wait for the copy, so a request never waits for a checkpoint pass.
  if (!tailIsShort && smallWritesQueued()) return;
  // A background pass in progress: skip when the tail is short (the next batch tries
  // again), else wait for it, since it copies most of what this checkpoint would.
  std::unique_lock pass(passMu_, std::defer_lock);
  if (tailIsShort) {
    if (!pass.try_lock()) return;
  } else {
    pass.lock();
  }
  if (options_.releaseSnapshots) options_.releaseSnapshots(true);
  int logFrames = 0, done = 0;
  const int rc =
      sqlite3_wal_checkpoint_v2(conn_.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &done);
  if (rc == SQLITE_OK && logFrames == done) {
    walPages_.store(0, std::memory_order_relaxed);
    copiedPages_.store(0, std::memory_order_relaxed);
    passAskedAt_ = 0;
    restarts_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace minicrm::sqlite
