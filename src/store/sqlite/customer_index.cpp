#include "store/sqlite/customer_index.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/json_writer.h"
#include "store/sqlite/mapped_arena.h"

namespace minicrm::sqlite {
namespace {

// Above this many changed customers, a full reload is cheaper than point reads.
constexpr std::size_t kReloadThreshold = 50'000;
constexpr auto kPollInterval = std::chrono::milliseconds(250);

}  // namespace

segment::CustomerFacts readCustomerFacts(const Statement& s) {
  segment::CustomerFacts f;
  f.id = s.id(0);
  f.name = s.text(1);
  f.email = s.text(2);
  f.phone = s.optText(3);
  f.city = s.optText(4);
  f.totalSpend = s.i64(5);
  f.visits = s.i64(6);
  f.lastActive = s.i64(7);
  f.createdAt = s.i64(8);
  return f;
}

CustomerIndex::CustomerIndex(std::string path, std::function<void(std::int64_t)> prune)
    : path_(std::move(path)),
      prune_(std::move(prune)),
      arenas_(textArenasFor(path_)),
      columns_(std::make_unique<segment::CustomerColumns>(segment::heapArena)) {
  thread_ = std::thread([this] { loop(); });
}

CustomerIndex::~CustomerIndex() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  appliedCv_.notify_all();
  thread_.join();
}

void CustomerIndex::changed(std::vector<Change> changes, std::uint64_t seq) {
  {
    std::lock_guard lock(mu_);
    pending_.insert(pending_.end(), std::make_move_iterator(changes.begin()),
                    std::make_move_iterator(changes.end()));
    pendingSeq_ = std::max(pendingSeq_, seq);
  }
  cv_.notify_one();
}

bool CustomerIndex::waitFor(std::uint64_t seq, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!loaded_) return false;  // still loading (or failed to): callers use SQL meanwhile
  return appliedCv_.wait_for(lock, timeout, [&] { return stopping_ || appliedSeq_ >= seq; }) &&
         !stopping_;
}

std::size_t CustomerIndex::customers() const {
  std::shared_lock lock(columnsMu_);
  return columns_->size();
}

std::size_t CustomerIndex::memoryBytes() const {
  std::shared_lock lock(columnsMu_);
  return columns_->memoryBytes();
}

std::size_t CustomerIndex::textBytes() const {
  std::shared_lock lock(columnsMu_);
  return columns_->textBytes();
}

void CustomerIndex::fullLoad() {
  const auto start = std::chrono::steady_clock::now();
  auto fresh = std::make_unique<segment::CustomerColumns>(arenas_);
  conn_->exec("BEGIN");
  try {
    {
      auto q = conn_->named("customer-changes-max");
      if (q->step()) externalSeq_ = q->i64(0);
    }
    {
      auto q = conn_->named("customer-count");
      if (q->step()) fresh->reserve(static_cast<std::size_t>(q->i64(0)) + 1024);
    }
    auto q = conn_->named("customer-facts-all");
    while (q->step())
      fresh->upsert(readCustomerFacts(*q));
    conn_->exec("COMMIT");
  } catch (...) {
    sqlite3_exec(conn_->raw(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  {
    std::unique_lock lock(columnsMu_);
    columns_ = std::move(fresh);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  loadMillis_ = ms;
  spdlog::info(R"("msg":"customer index loaded","customers":{},"ms":{},"bytes":{},"textBytes":{})",
               customers(), ms, memoryBytes(), textBytes());
  if (externalSeq_ > 0 && prune_) prune_(externalSeq_);
}

void CustomerIndex::reread(const std::vector<Id>& ids) {
  std::vector<std::pair<Id, std::optional<segment::CustomerFacts>>> rows;
  rows.reserve(ids.size());
  for (const Id& id : ids) {
    auto q = conn_->named("customer-facts-one");
    q->bind(1, id);
    if (q->step()) {
      rows.emplace_back(id, readCustomerFacts(*q));
    } else {
      rows.emplace_back(id, std::nullopt);
    }
  }
  std::unique_lock lock(columnsMu_);
  for (auto& [id, facts] : rows) {
    if (facts) {
      columns_->upsert(*facts);
    } else {
      columns_->erase(id);
    }
  }
}

void CustomerIndex::pollOtherProcesses() {
  std::int64_t version = 0;
  {
    auto q = conn_->cached("PRAGMA data_version");
    if (q->step()) version = q->i64(0);
  }
  if (version == dataVersion_) return;
  dataVersion_ = version;
  std::vector<Id> ids;
  std::int64_t last = externalSeq_;
  {
    auto q = conn_->named("customer-changes-since");
    q->bind(1, externalSeq_);
    q->bind(2, static_cast<std::int64_t>(kReloadThreshold + 1));
    while (q->step()) {
      last = q->i64(0);
      ids.push_back(q->id(1));
    }
  }
  if (ids.empty()) return;
  if (ids.size() > kReloadThreshold) {
    fullLoad();
  } else {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    reread(ids);
    externalSeq_ = last;
    if (prune_) prune_(externalSeq_);
  }
}

void CustomerIndex::loop() {
  try {
    ConnectionOptions o;
    o.path = path_;
    o.cacheKiB = 4096;
    conn_ = std::make_unique<Connection>(o);
    conn_->exec("PRAGMA query_only=1");
    fullLoad();
  } catch (const std::exception& e) {
    spdlog::error(R"("msg":"customer index failed to load; previews use SQL","error":{})",
                  jsonQuote(e.what()));
    return;
  }
  {
    std::lock_guard lock(mu_);
    loaded_ = true;
  }
  for (;;) {
    std::vector<Change> changes;
    std::uint64_t seq = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, kPollInterval, [&] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      changes.swap(pending_);
      seq = pendingSeq_;
    }
    try {
      if (!changes.empty()) {
        // Changes were captured in commit order: applying them in order leaves each
        // customer as its last change says.
        std::unique_lock lock(columnsMu_);
        for (auto& [id, facts] : changes) {
          if (facts) {
            columns_->upsert(*facts);
          } else {
            columns_->erase(id);
          }
        }
      }
      pollOtherProcesses();
    } catch (const std::exception& e) {
      spdlog::error(R"("msg":"customer index update failed; reloading","error":{})",
                    jsonQuote(e.what()));
      try {
        fullLoad();
      } catch (const std::exception& again) {
        spdlog::error(R"("msg":"customer index reload failed","error":{})",
                      jsonQuote(again.what()));
      }
    }
    {
      std::lock_guard lock(mu_);
      appliedSeq_ = std::max(appliedSeq_, seq);
    }
    appliedCv_.notify_all();
  }
}

}  // namespace minicrm::sqlite
