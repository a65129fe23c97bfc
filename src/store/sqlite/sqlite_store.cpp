#include "store/sqlite/sqlite_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <thread>

#include "core/json_writer.h"
#include "core/text.h"
#include "core/time.h"
#include "store/sqlite/import_sql.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/segment_sql.h"
#include "store/sqlite/tx.h"

namespace minicrm::sqlite {

namespace {

// SQLite's memory statistics take a global mutex on every allocation: off, before the
// library initialises (a no-op if something initialised it already).
void configureSqlite() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Result<int> migrate(const std::string& path) {
  return migrate(path, migrations());
}

Result<int> migrate(const std::string& path, const std::vector<Migration>& all) {
  configureSqlite();
  return guarded([&]() -> Result<int> {
    ConnectionOptions o;
    o.path = path;
    Connection c(o);
    c.exec("PRAGMA journal_mode=WAL");
    c.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    // Versions are applied by set, not by maximum: numbers are handed out to features as
    // they are written, so a database may hold 5 before 3 and 4 exist in a binary.
    int current = 0;
    std::vector<int> done;
    {
      auto q = c.cached("SELECT version FROM schema_migrations ORDER BY version");
      while (q->step())
        done.push_back(static_cast<int>(q->i64(0)));
      if (!done.empty()) current = done.back();
    }
    const int latest = all.empty() ? 0 : all.back().version;
    if (current > latest) {
      return Error::unavailable(
          fmt::format("the database schema is at version {}, newer than this MiniCRM knows ({}); "
                      "upgrade MiniCRM",
                      current, latest));
    }
    int applied = 0;
    for (const auto& m : all) {
      if (std::binary_search(done.begin(), done.end(), m.version)) continue;
      c.exec("BEGIN IMMEDIATE");
      try {
        c.exec(m.sql);
        auto q = c.cached(
            "INSERT INTO schema_migrations (version, name, applied_at) "
            "VALUES (?1, ?2, ?3)");
        q->bind(1, m.version);
        q->bind(2, m.name);
        q->bind(3, SystemClock::instance().now());
        q->run();
        c.exec("COMMIT");
      } catch (...) {
        sqlite3_exec(c.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
      ++applied;
    }
    return applied;
  });
}

SqliteStore::SqliteStore(const SqliteOptions& options, const Clock& clock)
    : options_(options), clock_(clock) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options,
                                                       const Clock& clock) {
  auto migrated = migrate(options.path);
  if (!migrated.ok()) return std::move(migrated).error();
  return guarded([&]() -> Result<std::unique_ptr<SqliteStore>> {
    std::unique_ptr<SqliteStore> s(new SqliteStore(options, clock));
    ConnectionOptions w;
    w.path = options.path;
    w.cacheKiB = options.writerCacheKiB;
    w.mmapBytes = options.mmapBytes;
    w.synchronous = options.synchronous;
    s->writerConn_ = std::make_unique<Connection>(w);
    s->writerConn_->exec("PRAGMA journal_mode=WAL");
    registerRegexp(s->writerConn_->raw());
    s->tx_ = std::make_unique<SqliteTx>(*s->writerConn_);
    if (options.importCacheKiB > options.writerCacheKiB)
      s->tx_->setImportCache(options.importCacheKiB);
    SqliteStore* self = s.get();
    WriterOptions wo = options.writer;
    wo.syncBeforeAnswer = options.synchronous != "NORMAL";
    if (options.logCustomerChanges) {
      wo.beforeCommit = [self] { self->tx_->logChanges(); };
    }
    wo.releaseSnapshots = [self](bool all) { self->releaseSnapshots(all); };
    wo.beforeJob = [self] { self->tx_->jobStarted(); };
    wo.afterFailedJob = [self] { self->tx_->jobRolledBack(); };
    wo.afterBatch = [self](bool committed) {
      auto changes = self->tx_->takeChanges();
      if (!committed || changes.empty() || !self->index_) return;
      self->index_->changed(std::move(changes), ++self->customerCommits_);
    };
    s->writer_ = std::make_unique<Writer>(*s->writerConn_, *s->tx_, std::move(wo),
                                          [](std::exception_ptr e) { return Status(toError(e)); });
    s->tx_->setWriter(s->writer_.get());
    if (options.customerIndex) {
      s->index_ = std::make_unique<CustomerIndex>(options.path, [self](std::int64_t seq) {
        self->write(
            [seq, self](WriteTx&) -> Status {
              auto q = self->writerConn_->named("customer-changes-prune");
              q->bind(1, seq);
              q->run();
              return {};
            },
            nullptr);
      });
    }
    return s;
  });
}

SqliteStore::~SqliteStore() {
  close();
}

void SqliteStore::close() {
  if (!writer_) {
    index_.reset();
    return;
  }
  // The writer first: once it has stopped, no commit hands the index more changes. The
  // index's thread may still ask for a prune, which the stopped writer refuses.
  writer_->stop();
  index_.reset();
  tx_->setWriter(nullptr);
  writer_.reset();
  releaseSnapshots(true);  // a reader's snapshot would keep the WAL from being emptied
  try {
    writerConn_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const std::exception& e) {
    spdlog::warn(R"("msg":"final checkpoint failed","error":{})", jsonQuote(e.what()));
  }
  std::lock_guard lock(readersMu_);
  idleReaders_.clear();
}

void SqliteStore::write(WriteJob job, WriteDone done) {
  if (!writer_) {
    if (done) done(Error::unavailable("the database is closed"));
    return;
  }
  writer_->submit(std::move(job), std::move(done));
}

void SqliteStore::writeAlone(WriteJob job, WriteDone done, WriteDone ran) {
  if (!writer_) {
    const Status closed = Error::unavailable("the database is closed");
    if (ran) ran(closed);
    if (done) done(closed);
    return;
  }
  writer_->submitAlone(std::move(job), std::move(done), std::move(ran));
}

namespace {
constexpr auto kSnapshotMaxAge = std::chrono::milliseconds(100);
}  // namespace

SqliteStore::Reader SqliteStore::acquireReader() {
  Reader r;
  {
    std::lock_guard lock(readersMu_);
    if (!idleReaders_.empty()) {
      r = std::move(idleReaders_.back());
      idleReaders_.pop_back();
    }
  }
  if (!r.conn) {
    ConnectionOptions o;
    o.path = options_.path;
    o.cacheKiB = options_.readerCacheKiB;
    o.mmapBytes = options_.mmapBytes;
    r.conn = std::make_unique<Connection>(o);
    r.conn->exec("PRAGMA query_only=1");
    registerRegexp(r.conn->raw());
  }
  // Read before the snapshot begins: if no commit happens after this, the snapshot (taken
  // by the first read) holds them all.
  const std::uint64_t commits = writer_ ? writer_->commits() : 0;
  const auto now = std::chrono::steady_clock::now();
  if (r.inSnapshot && (r.snapshotCommits != commits || now - r.snapshotAt > kSnapshotMaxAge)) {
    endSnapshot(r);
  }
  if (!r.inSnapshot) {
    r.conn->cached("BEGIN")->run();
    r.inSnapshot = true;
    r.snapshotCommits = commits;
    r.snapshotAt = now;
  }
  return r;
}

void SqliteStore::endSnapshot(Reader& r) {
  if (!r.inSnapshot) return;
  r.inSnapshot = false;
  if (sqlite3_get_autocommit(r.conn->raw())) return;  // SQLite already ended it
  try {
    r.conn->cached("COMMIT")->run();
  } catch (const std::exception&) {
    sqlite3_exec(r.conn->raw(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void SqliteStore::releaseReader(Reader r, bool clean) {
  // After a failure the transaction's state is unknown: start afresh next time.
  if (!clean) endSnapshot(r);
  if (sqlite3_get_autocommit(r.conn->raw())) r.inSnapshot = false;
  std::lock_guard lock(readersMu_);
  idleReaders_.push_back(std::move(r));
}

void SqliteStore::releaseSnapshots(bool all) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(readersMu_);
  for (Reader& r : idleReaders_) {
    if (all || now - r.snapshotAt > kSnapshotMaxAge) endSnapshot(r);
  }
}

Result<std::vector<ApiKey>> SqliteStore::listApiKeys() {
  return withReader([](Connection& c) -> Result<std::vector<ApiKey>> {
    auto q = c.named("api-key-list");
    std::vector<ApiKey> out;
    while (q->step()) {
      ApiKey k;
      k.id = q->id(0);
      k.name = q->text(1);
      k.role = q->text(2);
      k.hash = q->text(3);
      k.hint = q->text(4);
      k.createdAt = q->i64(5);
      k.expiresAt = q->optI64(6);
      k.revokedAt = q->optI64(7);
      k.lastUsedAt = q->optI64(8);
      out.push_back(std::move(k));
    }
    return out;
  });
}

Status SqliteStore::ping() {
  return withReader([](Connection& c) -> Status {
    auto q = c.named("ping");
    q->step();
    return {};
  });
}

Result<Customer> SqliteStore::getCustomer(const Id& id) {
  return withReader([&](Connection& c) -> Result<Customer> {
    auto q = c.named("customer-get");
    q->bind(1, id);
    if (!q->step()) return Error::notFound("customer not found");
    return readCustomer(*q);
  });
}

Result<Page<Customer>> SqliteStore::listCustomers(const CustomerQuery& query) {
  return withReader([&](Connection& c) -> Result<Page<Customer>> {
    const std::string q = asciiLower(query.q);
    const std::string where = q.empty()
                                  ? ""
                                  : " WHERE (instr(lower(name), ?1) > 0 OR instr(email, ?1) > 0 OR "
                                    "instr(lower(coalesce(phone, '')), ?1) > 0)";
    const int limitParam = q.empty() ? 1 : 2;
    ReadTxn txn(c);
    Page<Customer> page;
    {
      auto count = c.cached("SELECT count(*) FROM customers" + where);
      if (!q.empty()) count->bind(1, q);
      count->step();
      page.total = count->i64(0);
    }
    auto rows = c.cached(
        fmt::format("SELECT {} FROM customers{}{} LIMIT ?{} OFFSET ?{}", kCustomerColumns, where,
                    orderBy(customerSortColumns(), query.sort, "id"), limitParam, limitParam + 1));
    if (!q.empty()) rows->bind(1, q);
    rows->bind(limitParam, query.page.limit);
    rows->bind(limitParam + 1, query.page.offset());
    while (rows->step())
      page.items.push_back(readCustomer(*rows));
    return page;
  });
}

Result<std::vector<CustomerRef>> SqliteStore::searchCustomers(const std::string& text, int limit) {
  return withReader([&](Connection& c) -> Result<std::vector<CustomerRef>> {
    const std::string q = asciiLower(text);
    std::vector<CustomerRef> out;
    if (q.empty() || limit <= 0) return out;
    const std::string upper = q + "\xff";
    auto seen = [&](const Id& id) {
      for (const auto& r : out) {
        if (r.id == id) return true;
      }
      return false;
    };
    ReadTxn txn(c);
    // Prefix matches first (email, then name), then substring matches.
    for (const char* name : {"customer-search-email-prefix", "customer-search-name-prefix"}) {
      auto s = c.named(name);
      s->bind(1, q);
      s->bind(2, upper);
      s->bind(3, limit);
      while (s->step() && static_cast<int>(out.size()) < limit) {
        CustomerRef r = readRef(*s);
        if (!seen(r.id)) out.push_back(std::move(r));
      }
    }
    if (static_cast<int>(out.size()) < limit) {
      auto s = c.named("customer-search-substring");
      s->bind(1, q);
      s->bind(2, limit * 2);
      while (s->step() && static_cast<int>(out.size()) < limit) {
        CustomerRef r = readRef(*s);
        if (!seen(r.id)) out.push_back(std::move(r));
      }
    }
    return out;
  });
}

Result<OrderView> SqliteStore::getOrder(const Id& id) {
  return withReader([&](Connection& c) -> Result<OrderView> {
    auto q = c.named("order-get-with-customer");
    q->bind(1, id);
    if (!q->step()) return Error::notFound("order not found");
    return readOrderView(*q);
  });
}

Result<Page<OrderView>> SqliteStore::listOrders(const OrderQuery& query) {
  return withReader([&](Connection& c) -> Result<Page<OrderView>> {
    // Filters become numbered parameters in a fixed order, so each combination is one
    // cached statement.
    std::string where;
    int n = 0;
    auto add = [&](std::string_view cond) {
      where += where.empty() ? " WHERE " : " AND ";
      where += fmt::format(fmt::runtime(cond), ++n);
    };
    const std::string q = asciiLower(query.q);
    if (query.customer) add("o.customer_id = ?{}");
    if (query.from) add("o.order_date >= ?{}");
    if (query.to) add("o.order_date <= ?{}");
    if (query.minAmount) add("o.amount >= ?{}");
    if (query.maxAmount) add("o.amount <= ?{}");
    if (!q.empty()) add("(instr(lower(c.name), ?{0}) > 0 OR instr(c.email, ?{0}) > 0)");
    auto bindFilters = [&](Statement& s) {
      int i = 0;
      if (query.customer) s.bind(++i, *query.customer);
      if (query.from) s.bind(++i, *query.from);
      if (query.to) s.bind(++i, *query.to);
      if (query.minAmount) s.bind(++i, *query.minAmount);
      if (query.maxAmount) s.bind(++i, *query.maxAmount);
      if (!q.empty()) s.bind(++i, q);
    };
    const char* from = " FROM orders o JOIN customers c ON c.id = o.customer_id";
    ReadTxn txn(c);
    Page<OrderView> page;
    {
      auto count = c.cached(fmt::format("SELECT count(*){}{}", from, where));
      bindFilters(*count);
      count->step();
      page.total = count->i64(0);
    }
    auto rows =
        c.cached(fmt::format("SELECT {}{}{}{} LIMIT ?{} OFFSET ?{}", kOrderColumns, from, where,
                             orderBy(orderSortColumns(), query.sort, "o.id"), n + 1, n + 2));
    bindFilters(*rows);
    rows->bind(n + 1, query.page.limit);
    rows->bind(n + 2, query.page.offset());
    while (rows->step())
      page.items.push_back(readOrderView(*rows));
    return page;
  });
}

Result<std::vector<RevenueBucket>> SqliteStore::revenue(Granularity g, const DateRange& r) {
  return withReader([&](Connection& c) -> Result<std::vector<RevenueBucket>> {
    auto q = c.named("revenue-by-day");
    q->bind(1, r.from.value_or(std::numeric_limits<std::int64_t>::min()));
    q->bind(2, r.to.value_or(std::numeric_limits<std::int64_t>::max()));
    std::vector<RevenueBucket> out;
    while (q->step()) {
      RevenueBucket day{q->i64(0), q->i64(1), q->i64(2)};
      if (g == Granularity::month) day.start = startOfMonth(day.start);
      if (!out.empty() && out.back().start == day.start) {
        out.back().revenue += day.revenue;
        out.back().count += day.count;
      } else {
        out.push_back(day);
      }
    }
    return out;
  });
}

Result<std::vector<TopCustomer>> SqliteStore::topCustomers(int limit, const DateRange& r) {
  return withReader([&](Connection& c) -> Result<std::vector<TopCustomer>> {
    auto q = c.named("top-customers");
    q->bind(1, r.from.value_or(std::numeric_limits<std::int64_t>::min()));
    q->bind(2, r.to.value_or(std::numeric_limits<std::int64_t>::max()));
    q->bind(3, limit);
    std::vector<TopCustomer> out;
    while (q->step()) {
      out.push_back({{q->id(0), q->text(1), q->text(2), q->optText(3)}, q->i64(4), q->i64(5)});
    }
    return out;
  });
}

namespace {

// Interrupts statements on `db` once `deadline` passes (SQLITE_INTERRUPT), for as long as
// the guard lives.
class DeadlineGuard {
 public:
  DeadlineGuard(sqlite3* db, std::chrono::steady_clock::time_point deadline)
      : db_(db), deadline_(deadline) {
    sqlite3_progress_handler(db_, 2000, &DeadlineGuard::check, this);
  }
  ~DeadlineGuard() { sqlite3_progress_handler(db_, 0, nullptr, nullptr); }
  DeadlineGuard(const DeadlineGuard&) = delete;
  DeadlineGuard& operator=(const DeadlineGuard&) = delete;

 private:
  static int check(void* self) {
    return std::chrono::steady_clock::now() > static_cast<DeadlineGuard*>(self)->deadline_ ? 1 : 0;
  }
  sqlite3* db_;
  std::chrono::steady_clock::time_point deadline_;
};

// How long a preview waits for the index to apply commits made just before it.
constexpr auto kIndexCatchUp = std::chrono::milliseconds(250);

}  // namespace

bool SqliteStore::waitForCustomerIndex(std::chrono::milliseconds timeout) {
  if (!index_) return false;
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!index_->loaded()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  return index_->waitFor(customerCommits_.load(), std::max(left, std::chrono::milliseconds(1)));
}

std::size_t SqliteStore::customerIndexBytes() const {
  return index_ ? index_->memoryBytes() : 0;
}

std::size_t SqliteStore::customerIndexTextBytes() const {
  return index_ ? index_->textBytes() : 0;
}

Result<ImportJob> SqliteStore::getImportJob(const Id& id) {
  return withReader([&](Connection& c) -> Result<ImportJob> {
    ReadTxn txn(c);
    auto job = loadImportJob(c, id);
    if (!job) return Error::notFound("import job not found");
    return std::move(*job);
  });
}

Result<std::vector<ImportJob>> SqliteStore::unfinishedImportJobs() {
  return withReader([&](Connection& c) -> Result<std::vector<ImportJob>> {
    ReadTxn txn(c);
    std::vector<ImportJob> out;
    for (const Id& id : unfinishedImportJobIds(c)) {
      if (auto job = loadImportJob(c, id)) out.push_back(std::move(*job));
    }
    return out;
  });
}

Result<std::unique_ptr<ImportDryRun>> SqliteStore::openImportDryRun() {
  return guarded(
      [&]() -> Result<std::unique_ptr<ImportDryRun>> { return openDryRun(options_.path); });
}

Result<SegmentPreview> SqliteStore::previewSegment(const segment::Node& rules, Millis now,
                                                   int limit, std::chrono::milliseconds budget,
                                                   SegmentEngine engine) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  const bool useColumns = engine == SegmentEngine::columns
                              ? waitForCustomerIndex(budget)
                              : engine == SegmentEngine::automatic && index_ &&
                                    index_->waitFor(customerCommits_.load(), kIndexCatchUp);
  if (engine == SegmentEngine::columns && !useColumns) {
    return Error::unavailable("The in-memory customer index is not loaded");
  }
  if (useColumns) {
    auto audience = index_->read([&](const segment::CustomerColumns& c) {
      return c.evaluate(rules, now, static_cast<std::size_t>(limit), deadline);
    });
    if (!audience.ok()) return std::move(audience).error();
    return withReader([&](Connection& c) -> Result<SegmentPreview> {
      SegmentPreview p;
      p.total = audience->total;
      for (const Id& id : audience->top) {
        auto q = c.named("customer-get");
        q->bind(1, id);
        if (q->step()) p.customers.push_back(readCustomer(*q));  // gone meanwhile: skipped
      }
      return p;
    });
  }
  return withReader([&](Connection& c) -> Result<SegmentPreview> {
    const SqlSegment sql = compileSegment(rules, now);
    DeadlineGuard guard(c.raw(), deadline);
    ReadTxn txn(c);
    SegmentPreview p;
    {
      Statement count(c.raw(), "SELECT count(*) FROM customers WHERE " + sql.where, false);
      sql.bindTo(count);
      count.step();
      p.total = count.i64(0);
    }
    const int limitParam = static_cast<int>(sql.binds.size()) + 1;
    Statement rows(c.raw(),
                   fmt::format("SELECT {} FROM customers WHERE {} ORDER BY last_active DESC, id "
                               "DESC LIMIT ?{}",
                               kCustomerColumns, sql.where, limitParam),
                   false);
    sql.bindTo(rows);
    rows.bind(limitParam, limit);
    while (rows.step())
      p.customers.push_back(readCustomer(rows));
    return p;
  });
}

Result<std::vector<Id>> SqliteStore::segmentMembers(const segment::Node& rules, Millis now,
                                                    SegmentEngine engine) {
  if (engine == SegmentEngine::columns) {
    if (!waitForCustomerIndex(std::chrono::seconds(30))) {
      return Error::unavailable("The in-memory customer index is not loaded");
    }
    return index_->read([&](const segment::CustomerColumns& c) { return c.members(rules, now); });
  }
  return withReader([&](Connection& c) -> Result<std::vector<Id>> {
    const SqlSegment sql = compileSegment(rules, now);
    Statement q(c.raw(), "SELECT id FROM customers WHERE " + sql.where, false);
    sql.bindTo(q);
    std::vector<Id> out;
    while (q.step())
      out.push_back(q.id(0));
    return out;
  });
}

}  // namespace minicrm::sqlite
