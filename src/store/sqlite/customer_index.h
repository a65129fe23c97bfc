// CustomerIndex: segment::CustomerColumns kept current with the customers table, so
// previews evaluate a segment in memory instead of scanning SQLite.
//
// - Loaded in the background at start (the server is ready before it finishes; until then
//   previews use SQL).
// - Fed by this process's writer: after each commit, the ids of the customers it touched
//   (changed()), applied by the index's own thread, so writes never wait for previews.
// - Other processes (the CLI importer) record what they touch in customer_changes; the
//   index notices (PRAGMA data_version, then the log) within about 250 ms.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/segment/columns.h"
#include "store/sqlite/db.h"

namespace minicrm::sqlite {

// The facts columns of a row selected as: id, name, email, phone, city, total_spend,
// visits, last_active, created_at.
segment::CustomerFacts readCustomerFacts(const Statement& s);

class CustomerIndex {
 public:
  // A customer's new facts, or nullopt when it was deleted.
  using Change = std::pair<Id, std::optional<segment::CustomerFacts>>;

  // `prune(seq)` is asked to delete customer_changes rows up to seq once applied.
  CustomerIndex(std::string path, std::function<void(std::int64_t)> prune);
  ~CustomerIndex();
  CustomerIndex(const CustomerIndex&) = delete;
  CustomerIndex& operator=(const CustomerIndex&) = delete;

  // Customers changed by this process's commit number `seq` (increasing), in order.
  void changed(std::vector<Change> changes, std::uint64_t seq);
  // Waits until the index is loaded and has applied every commit up to `seq`.
  bool waitFor(std::uint64_t seq, std::chrono::milliseconds timeout);

  // Runs fn(columns) under a shared lock. REQUIRES: waitFor() returned true.
  template <class Fn>
  auto read(Fn&& fn) const {
    std::shared_lock lock(columnsMu_);
    return fn(*columns_);
  }

  bool loaded() const { return loaded_.load(); }
  std::size_t customers() const;
  // Heap bytes of the index; its text lives in a mapped file (textBytes) when the database
  // is a file.
  std::size_t memoryBytes() const;
  std::size_t textBytes() const;
  std::int64_t loadMillis() const { return loadMillis_.load(); }

 private:
  void loop();
  void fullLoad();
  // Re-reads these customers from the database (changes made by other processes).
  void reread(const std::vector<Id>& ids);
  void pollOtherProcesses();

  std::string path_;
  std::function<void(std::int64_t)> prune_;
  segment::TextArenaFactory arenas_;
  std::unique_ptr<Connection> conn_;  // used by the index thread only

  mutable std::shared_mutex columnsMu_;
  std::unique_ptr<segment::CustomerColumns> columns_;

  std::mutex mu_;
  std::condition_variable cv_;         // work for the thread
  std::condition_variable appliedCv_;  // waiters of waitFor()
  std::vector<Change> pending_;
  std::uint64_t pendingSeq_ = 0;
  std::uint64_t appliedSeq_ = 0;
  bool stopping_ = false;

  std::atomic<bool> loaded_{false};
  std::atomic<std::int64_t> loadMillis_{-1};
  std::int64_t externalSeq_ = 0;   // last customer_changes row applied
  std::int64_t dataVersion_ = -1;  // PRAGMA data_version at the last poll
  std::thread thread_;
};

}  // namespace minicrm::sqlite
