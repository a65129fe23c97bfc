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
#include "store/sqlite/segment_sql.h"

namespace minicrm::sqlite {
namespace {

// Converts whatever a store operation threw into an Error value. Database details are
// logged, never passed on to clients.
Error toError(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const SqliteError& err) {
    if (err.isUniqueViolation()) {
      const std::string what = err.what();
      if (what.find("customers.email") != std::string::npos) {
        return Error::conflict("A customer with this email already exists",
                               {{"email", "already exists"}});
      }
      if (what.find("orders.external_id") != std::string::npos) {
        return Error::conflict("An order with this externalId already exists",
                               {{"externalId", "already exists"}});
      }
      return Error::conflict("The record conflicts with an existing one");
    }
    if (err.isInterrupt()) {
      return Error{ErrorKind::unprocessable,
                   "The segment is too expensive to evaluate in time; simplify it",
                   {}};
    }
    if (err.isBusy()) {
      spdlog::warn(R"("msg":"database busy","error":{})", jsonQuote(err.what()));
      return Error::unavailable("The database is busy; try again");
    }
    spdlog::error(R"("msg":"database error","code":{},"error":{})", err.code(),
                  jsonQuote(err.what()));
    return Error::internal(err.what());
  } catch (const std::exception& err) {
    spdlog::error(R"("msg":"store failure","error":{})", jsonQuote(err.what()));
    return Error::internal(err.what());
  }
}

template <class Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (...) {
    return toError(std::current_exception());
  }
}

constexpr const char* kCustomerColumns =
    "id, name, email, phone, city, base_spend, base_visits, base_last_active, order_spend, "
    "order_visits, last_order_at, created_at, updated_at";

Customer readCustomer(const Statement& s) {
  Customer c;
  c.id = s.id(0);
  c.name = s.text(1);
  c.email = s.text(2);
  c.phone = s.optText(3);
  c.city = s.optText(4);
  c.baseSpend = s.i64(5);
  c.baseVisits = s.i64(6);
  c.baseLastActive = s.i64(7);
  c.orderSpend = s.i64(8);
  c.orderVisits = s.i64(9);
  c.lastOrderAt = s.optI64(10);
  c.createdAt = s.i64(11);
  c.updatedAt = s.i64(12);
  return c;
}

void bindCustomer(Statement& s, const Customer& c) {
  s.bind(1, c.id);
  s.bind(2, c.name);
  s.bind(3, c.email);
  s.bind(4, c.phone);
  s.bind(5, c.city);
  s.bind(6, c.baseSpend);
  s.bind(7, c.baseVisits);
  s.bind(8, c.baseLastActive);
  s.bind(9, c.orderSpend);
  s.bind(10, c.orderVisits);
  s.bind(11, c.lastOrderAt);
  s.bind(12, c.createdAt);
  s.bind(13, c.updatedAt);
}

constexpr const char* kOrderColumns =
    "o.id, o.customer_id, o.items, o.amount, o.order_date, o.status, o.channel, o.external_id, "
    "o.created_at, o.updated_at, c.name, c.email, c.phone";

Order readOrder(const Statement& s) {
  Order o;
  o.id = s.id(0);
  o.customer = s.id(1);
  auto items = decodeItems(s.textView(2));
  if (!items) throw SqliteError(SQLITE_CORRUPT, "order items are not readable");
  o.items = std::move(*items);
  o.amount = s.i64(3);
  o.orderDate = s.i64(4);
  o.status = parseOrderStatus(s.textView(5)).value_or(OrderStatus::completed);
  o.channel = s.optText(6);
  o.externalId = s.optText(7);
  o.createdAt = s.i64(8);
  o.updatedAt = s.i64(9);
  return o;
}

OrderView readOrderView(const Statement& s) {
  OrderView v;
  v.order = readOrder(s);
  v.customer = {v.order.customer, s.text(10), s.text(11), s.optText(12)};
  return v;
}

CustomerRef readRef(const Statement& s) {
  return {s.id(0), s.text(1), s.text(2), s.optText(3)};
}

void bindOrder(Statement& s, const Order& o) {
  s.bind(1, o.id);
  s.bind(2, o.customer);
  s.bind(3, encodeItems(o.items));
  s.bind(4, o.amount);
  s.bind(5, o.orderDate);
  s.bind(6, toString(o.status));
  s.bind(7, o.channel);
  s.bind(8, o.externalId);
  s.bind(9, o.createdAt);
  s.bind(10, o.updatedAt);
}

// Wire sort names -> SQL expressions.
const std::map<std::string, std::string>& customerSortColumns() {
  static const std::map<std::string, std::string> m = {
      {"createdAt", "id"},
      {"updatedAt", "updated_at"},
      {"name", "name COLLATE NOCASE"},
      {"email", "email"},
      {"city", "city"},
      {"totalSpend", "total_spend"},
      {"visits", "visits"},
      {"lastActive", "last_active"},
  };
  return m;
}

const std::map<std::string, std::string>& orderSortColumns() {
  static const std::map<std::string, std::string> m = {
      {"orderDate", "o.order_date"},
      {"createdAt", "o.id"},
      {"updatedAt", "o.updated_at"},
      {"amount", "o.amount"},
  };
  return m;
}

std::string orderBy(const std::map<std::string, std::string>& columns, const SortKey& key,
                    const char* idColumn) {
  auto it = columns.find(key.field);
  const std::string& col = it == columns.end() ? columns.begin()->second : it->second;
  const char* dir = key.descending ? "DESC" : "ASC";
  if (col == idColumn) return fmt::format(" ORDER BY {} {}", col, dir);
  return fmt::format(" ORDER BY {} {}, {} {}", col, dir, idColumn, dir);
}

// A read transaction over several statements, so a list's count and page agree.
class ReadTxn {
 public:
  explicit ReadTxn(Connection& c) : c_(c) { c_.exec("BEGIN"); }
  ~ReadTxn() {
    try {
      c_.exec("COMMIT");
    } catch (...) {
      sqlite3_exec(c_.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;

 private:
  Connection& c_;
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Write transaction operations, run on the writer's connection.

class SqliteStore::Tx final : public WriteTx {
 public:
  explicit Tx(Connection& c) : c_(c) {}

  // Customers written by the jobs of the current batch, in order, for the customer index.
  // A job's changes are dropped when it rolls back (jobStarted/jobRolledBack).
  std::vector<CustomerIndex::Change> takeChanges() {
    std::vector<CustomerIndex::Change> out;
    out.swap(changes_);
    jobMark_ = 0;
    return out;
  }
  void jobStarted() { jobMark_ = changes_.size(); }
  void jobRolledBack() { changes_.resize(jobMark_); }
  // Records the changed customers in customer_changes (for a server on the same file).
  void logChanges() {
    std::vector<Id> ids;
    for (const auto& c : changes_)
      ids.push_back(c.first);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const Id& id : ids) {
      auto q = c_.named("customer-changes-insert");
      q->bind(1, id);
      q->run();
    }
  }

  Result<Customer> getCustomer(const Id& id) override {
    return guarded([&]() -> Result<Customer> {
      auto q = c_.named("customer-get");
      q->bind(1, id);
      if (!q->step()) return Error::notFound("customer not found");
      return readCustomer(*q);
    });
  }

  Status insertCustomer(const Customer& c) override {
    return guarded([&]() -> Status {
      auto q = c_.named("customer-insert");
      bindCustomer(*q, c);
      q->run();
      changes_.emplace_back(c.id, segment::CustomerFacts::of(c));
      return {};
    });
  }

  Status updateCustomer(const Customer& c) override {
    return guarded([&]() -> Status {
      auto q = c_.named("customer-update");
      bindCustomer(*q, c);
      q->run();
      if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("customer not found");
      changes_.emplace_back(c.id, segment::CustomerFacts::of(c));
      return {};
    });
  }

  Status deleteCustomer(const Id& id) override {
    changes_.emplace_back(id, std::nullopt);
    return guarded([&]() -> Status {
      {
        auto q = c_.named("customer-delete");
        q->bind(1, id);
        q->run();
        if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("customer not found");
      }
      auto q = c_.named("orders-delete-by-customer");
      q->bind(1, id);
      q->run();
      return {};
    });
  }

  Result<Order> getOrder(const Id& id) override {
    return guarded([&]() -> Result<Order> {
      auto q = c_.named("order-get");
      q->bind(1, id);
      if (!q->step()) return Error::notFound("order not found");
      return readOrder(*q);
    });
  }

  Status insertOrder(const Order& o) override {
    return guarded([&]() -> Status {
      auto q = c_.named("order-insert");
      bindOrder(*q, o);
      q->run();
      return {};
    });
  }

  Status updateOrder(const Order& o) override {
    return guarded([&]() -> Status {
      auto q = c_.named("order-update");
      bindOrder(*q, o);
      q->run();
      if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("order not found");
      return {};
    });
  }

  Status deleteOrder(const Id& id) override {
    return guarded([&]() -> Status {
      auto q = c_.named("order-delete");
      q->bind(1, id);
      q->run();
      if (sqlite3_changes(c_.raw()) == 0) return Error::notFound("order not found");
      return {};
    });
  }

  Result<CustomerRef> getCustomerRef(const Id& id) override {
    return guarded([&]() -> Result<CustomerRef> {
      auto q = c_.named("customer-ref");
      q->bind(1, id);
      if (!q->step()) return Error::notFound("customer not found");
      return readRef(*q);
    });
  }

  Result<CustomerRef> addOrderToAggregates(const Id& customer, Money amount, Millis orderDate,
                                           Millis now) override {
    return guarded([&]() -> Result<CustomerRef> {
      auto q = c_.named("customer-add-order");
      q->bind(1, customer);
      q->bind(2, amount);
      q->bind(3, orderDate);
      q->bind(4, now);
      if (Status s = updatedFacts(*q); !s.ok()) return std::move(s).error();
      const auto& facts = *changes_.back().second;
      return CustomerRef{facts.id, facts.name, facts.email, facts.phone};
    });
  }

  Status recomputeAggregates(const Id& customer, Millis now) override {
    return guarded([&]() -> Status {
      auto q = c_.named("customer-recompute-aggregates");
      q->bind(1, customer);
      q->bind(2, now);
      return updatedFacts(*q);
    });
  }

  void setWriter(const Writer* w) { writer_ = w; }
  bool writesWaiting() const override { return writer_ && writer_->queueDepth() > 0; }

  // Imports run with a larger page cache (SqliteOptions::importCacheKiB).
  void setImportCache(std::int64_t kib) { importCacheKiB_ = kib; }
  void enlargeCache() {
    if (importCacheKiB_ <= 0) return;
    c_.exec(fmt::format("PRAGMA cache_size=-{}", importCacheKiB_));
    importCacheKiB_ = 0;
  }

  Status importCustomers(const ImportContext& ctx, std::vector<CustomerImportRow>& rows,
                         std::vector<ImportOutcome>& out) override {
    return guarded([&]() -> Status {
      enlargeCache();
      sqlite::importCustomers(c_, ctx, rows, out, changes_);
      return {};
    });
  }

  Status importOrders(const ImportContext& ctx, std::vector<OrderImportRow>& rows,
                      std::vector<ImportOutcome>& out) override {
    return guarded([&]() -> Status {
      enlargeCache();
      sqlite::importOrders(c_, ctx, rows, out, changes_);
      return {};
    });
  }

  Status saveImportJob(const ImportJob& job, const std::vector<ImportProblem>& rows) override {
    return guarded([&]() -> Status {
      sqlite::saveImportJob(c_, job, rows);
      return {};
    });
  }

  Result<std::int64_t> cleanUpImport(const ImportJob& job, bool keep, int limit,
                                     Millis now) override {
    return guarded([&]() -> Result<std::int64_t> {
      return sqlite::cleanUpImport(c_, job, keep, limit, now, changes_);
    });
  }

 private:
  // Runs an UPDATE ... RETURNING <facts> and records the customer's new facts.
  Status updatedFacts(Statement& q) {
    if (!q.step()) return Error::notFound("customer not found");
    segment::CustomerFacts facts = readCustomerFacts(q);
    q.run();
    const Id id = facts.id;
    changes_.emplace_back(id, std::move(facts));
    return {};
  }

  Connection& c_;
  const Writer* writer_ = nullptr;
  std::int64_t importCacheKiB_ = 0;
  std::vector<CustomerIndex::Change> changes_;
  std::size_t jobMark_ = 0;
};

// ---------------------------------------------------------------------------------------

namespace {

// SQLite's memory statistics take a global mutex on every allocation: off, before the
// library initialises (a no-op if something initialised it already).
void configureSqlite() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Result<int> migrate(const std::string& path) {
  configureSqlite();
  return guarded([&]() -> Result<int> {
    ConnectionOptions o;
    o.path = path;
    Connection c(o);
    c.exec("PRAGMA journal_mode=WAL");
    c.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    int current = 0;
    {
      auto q = c.cached("SELECT coalesce(max(version), 0) FROM schema_migrations");
      if (q->step()) current = static_cast<int>(q->i64(0));
    }
    const auto& all = migrations();
    const int latest = all.empty() ? 0 : all.back().version;
    if (current > latest) {
      return Error::unavailable(
          fmt::format("the database schema is at version {}, newer than this MiniCRM knows ({}); "
                      "upgrade MiniCRM",
                      current, latest));
    }
    int applied = 0;
    for (const auto& m : all) {
      if (m.version <= current) continue;
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
    s->tx_ = std::make_unique<Tx>(*s->writerConn_);
    if (options.importCacheKiB > options.writerCacheKiB)
      s->tx_->setImportCache(options.importCacheKiB);
    SqliteStore* self = s.get();
    WriterOptions wo = options.writer;
    wo.syncBeforeAnswer = options.synchronous != "NORMAL";
    if (options.logCustomerChanges) {
      wo.beforeCommit = [self] { self->tx_->logChanges(); };
    }
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
  index_.reset();  // its thread may still ask the writer to prune
  if (!writer_) return;
  writer_->stop();
  tx_->setWriter(nullptr);
  writer_.reset();
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
    done(Error::unavailable("the database is closed"));
    return;
  }
  writer_->submit(std::move(job), std::move(done));
}

void SqliteStore::writeAlone(WriteJob job, WriteDone done) {
  if (!writer_) {
    done(Error::unavailable("the database is closed"));
    return;
  }
  writer_->submitAlone(std::move(job), std::move(done));
}

template <class Fn>
auto SqliteStore::withReader(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
  return guarded([&]() -> decltype(fn(std::declval<Connection&>())) {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(readersMu_);
      if (!idleReaders_.empty()) {
        conn = std::move(idleReaders_.back());
        idleReaders_.pop_back();
      }
    }
    if (!conn) {
      ConnectionOptions o;
      o.path = options_.path;
      o.cacheKiB = options_.readerCacheKiB;
      o.mmapBytes = options_.mmapBytes;
      conn = std::make_unique<Connection>(o);
      conn->exec("PRAGMA query_only=1");
      registerRegexp(conn->raw());
    }
    struct Return {
      SqliteStore* self;
      std::unique_ptr<Connection>& conn;
      ~Return() {
        std::lock_guard lock(self->readersMu_);
        self->idleReaders_.push_back(std::move(conn));
      }
    } giveBack{this, conn};
    return fn(*conn);
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
