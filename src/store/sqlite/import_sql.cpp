#include "store/sqlite/import_sql.h"

#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>

#include "core/json_writer.h"
#include "store/sqlite/rows.h"

namespace minicrm::sqlite {
namespace {

using Kind = ImportOutcome::Kind;

ImportOutcome outcome(Kind kind, std::string path = "", std::string message = "") {
  ImportOutcome o;
  o.kind = kind;
  if (!message.empty()) o.issues.push_back({std::move(path), std::move(message)});
  return o;
}

constexpr const char* kEarlierInFile = "appears earlier in this file";
constexpr const char* kAlreadyStored = "already exists";

bool taggedWith(const Id& id, const ImportTag& tag) {
  return std::memcmp(id.bytes.data() + 4, tag.data(), tag.size()) == 0;
}

// Old values of a replaced row, for undo.
std::string customerUndo(const Customer& c) {
  JsonWriter w;
  w.beginObject();
  w.key("k").string("c");
  w.key("name").string(c.name);
  w.key("phone").optString(c.phone);
  w.key("city").optString(c.city);
  w.key("baseSpend").integer(c.baseSpend);
  w.key("baseVisits").integer(c.baseVisits);
  w.key("baseLastActive").integer(c.baseLastActive);
  w.key("updatedAt").integer(c.updatedAt);
  w.endObject();
  return std::move(w).str();
}

std::string orderUndo(const Order& o) {
  JsonWriter w;
  w.beginObject();
  w.key("k").string("o");
  w.key("customer").id(o.customer);
  w.key("items").string(encodeItems(o.items));
  w.key("amount").integer(o.amount);
  w.key("orderDate").integer(o.orderDate);
  w.key("status").string(toString(o.status));
  w.key("channel").optString(o.channel);
  w.key("updatedAt").integer(o.updatedAt);
  w.endObject();
  return std::move(w).str();
}

// Records a row this import replaces; false when it already did (the key appears twice).
bool touch(Connection& c, const ImportTag& tag, const Id& id, const std::string& old) {
  auto q = c.named("import-touched-insert");
  q->bindBlob(1, tag.data(), static_cast<int>(tag.size()));
  q->bind(2, id);
  q->bind(3, old);
  q->run();
  return sqlite3_changes(c.raw()) == 1;
}

// `aggregatesOnly`: the statement changed nothing but the aggregates.
void recordFacts(Statement& q, CustomerChanges& changes, bool aggregatesOnly) {
  if (!q.step()) return;
  segment::CustomerFacts facts = readCustomerFacts(q);
  facts.aggregatesOnly = aggregatesOnly;
  q.run();
  const Id id = facts.id;
  changes.emplace_back(id, std::move(facts));
}

// Runs an UPDATE of customer `id`, then records its facts.
void updateThenRecord(Connection& c, Statement& update, const Id& id, CustomerChanges& changes,
                      bool aggregatesOnly) {
  update.run();
  if (sqlite3_changes(c.raw()) == 0) return;
  auto q = c.named("customer-facts-one");
  q->bind(1, id);
  recordFacts(*q, changes, aggregatesOnly);
}

// Sum, count and newest date of completed orders added per customer in one chunk.
struct AggregateDelta {
  Money spend = 0;
  std::int64_t count = 0;
  Millis newest = 0;
};

void applyDeltas(Connection& c, std::map<Id, AggregateDelta>& deltas, Millis now,
                 CustomerChanges& changes) {
  for (const auto& [id, d] : deltas) {
    auto q = c.named("customer-add-orders");
    q->bind(1, id);
    q->bind(2, d.spend);
    q->bind(3, d.count);
    q->bind(4, d.newest);
    q->bind(5, now);
    updateThenRecord(c, *q, id, changes, true);
  }
  deltas.clear();
}

void recompute(Connection& c, const Id& customer, Millis now, CustomerChanges& changes) {
  auto q = c.named("customer-recompute-aggregates");
  q->bind(1, customer);
  q->bind(2, now);
  recordFacts(*q, changes, true);
}

// The customer an order row names, or nullopt.
std::optional<Id> resolveCustomer(Connection& c, const OrderImportRow& row) {
  if (row.customerId) {
    auto q = c.named("customer-exists");
    q->bind(1, *row.customerId);
    if (q->step()) return row.customerId;
    return std::nullopt;
  }
  if (!row.customerEmail) return std::nullopt;
  auto q = c.named("customer-id-by-email");
  q->bind(1, *row.customerEmail);
  if (q->step()) return q->id(0);
  return std::nullopt;
}

ImportOutcome unknownCustomer(const OrderImportRow& row) {
  return row.customerId ? outcome(Kind::rejected, "customerId", "customer not found")
                        : outcome(Kind::rejected, "customerEmail", "no customer has this email");
}

// Positions of `rows` ordered by key, equal keys in file order.
template <class Row, class Key>
std::vector<std::size_t> orderBy(const std::vector<Row>& rows, Key key) {
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key(rows[a]) < key(rows[b]); });
  return order;
}

}  // namespace

void importCustomers(Connection& c, const ImportContext& ctx, std::vector<CustomerImportRow>& rows,
                     std::vector<ImportOutcome>& out, CustomerChanges& changes) {
  out.assign(rows.size(), ImportOutcome{});
  // In email order, the unique index is updated page by page instead of at random.
  for (std::size_t i :
       orderBy(rows, [](const CustomerImportRow& r) -> const std::string& { return r.email; })) {
    CustomerImportRow& row = rows[i];
    if (row.name) {
      // Bound from the row itself; its text moves on only once the row is inserted (a
      // conflicting row goes on to the lookups below).
      const Money spend = row.totalSpend.value_or(0);
      const std::int64_t visits = row.visits.value_or(0);
      const Millis lastActive = row.lastActive.value_or(ctx.now);
      auto q = c.named("import-customer-insert");
      q->bind(1, row.id);
      q->bind(2, *row.name);
      q->bind(3, row.email);
      q->bind(4, row.phone);
      q->bind(5, row.city);
      q->bind(6, spend);
      q->bind(7, visits);
      q->bind(8, lastActive);
      q->bind(9, std::int64_t{0});
      q->bind(10, std::int64_t{0});
      q->bindNull(11);
      q->bind(12, ctx.now);
      q->bind(13, ctx.now);
      q->run();
      if (sqlite3_changes(c.raw()) == 1) {
        out[i] = outcome(Kind::inserted);
        Customer n;
        n.id = row.id;
        n.name = std::move(*row.name);
        n.email = std::move(row.email);
        n.phone = std::move(row.phone);
        n.city = std::move(row.city);
        n.baseSpend = spend;
        n.baseVisits = visits;
        n.baseLastActive = lastActive;
        n.createdAt = ctx.now;
        n.updatedAt = ctx.now;
        changes.emplace_back(n.id, segment::CustomerFacts::of(std::move(n)));
        continue;
      }
    }
    std::optional<Customer> existing;
    {
      auto q = c.named("customer-get-by-email");
      q->bind(1, row.email);
      if (q->step()) existing = readCustomer(*q);
    }
    if (!existing) {  // upsert of a new email without a name
      out[i] = outcome(Kind::rejected, "name", "is required for a new customer");
      continue;
    }
    if (taggedWith(existing->id, ctx.tag)) {
      out[i] = outcome(Kind::duplicate, "email", kEarlierInFile);
      continue;
    }
    if (ctx.mode == ImportMode::insert) {
      out[i] = outcome(Kind::duplicate, "email", kAlreadyStored);
      continue;
    }
    if (!touch(c, ctx.tag, existing->id, customerUndo(*existing))) {
      out[i] = outcome(Kind::duplicate, "email", kEarlierInFile);
      continue;
    }
    auto q = c.named("import-customer-upsert");
    q->bind(1, existing->id);
    q->bind(2, row.name);
    q->bind(3, row.phone);
    q->bind(4, row.city);
    q->bind(5, row.totalSpend);
    q->bind(6, row.visits);
    q->bind(7, row.lastActive);
    q->bind(8, ctx.now);
    updateThenRecord(c, *q, existing->id, changes, false);
    out[i] = outcome(Kind::updated);
  }
}

void importOrders(Connection& c, const ImportContext& ctx, std::vector<OrderImportRow>& rows,
                  std::vector<ImportOutcome>& out, CustomerChanges& changes) {
  out.assign(rows.size(), ImportOutcome{});
  std::map<Id, AggregateDelta> deltas;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    OrderImportRow& row = rows[i];
    auto customer = resolveCustomer(c, row);
    if (!customer) {
      out[i] = unknownCustomer(row);
      continue;
    }
    Order o;
    o.id = row.id;
    o.customer = *customer;
    o.items = row.items;
    o.amount = row.amount;
    o.orderDate = row.orderDate.value_or(ctx.now);
    o.status = row.status;
    o.channel = row.channel;
    o.externalId = row.externalId;
    o.createdAt = ctx.now;
    o.updatedAt = ctx.now;
    {
      auto q = c.named("import-order-insert");
      bindOrder(*q, o);
      q->run();
    }
    if (sqlite3_changes(c.raw()) == 1) {
      out[i] = outcome(Kind::inserted);
      if (o.counts()) {
        AggregateDelta& d = deltas[o.customer];
        d.spend += o.amount;
        d.count += 1;
        d.newest = d.count == 1 ? o.orderDate : std::max(d.newest, o.orderDate);
      }
      continue;
    }
    // The orderId is stored already.
    std::optional<Order> existing;
    {
      auto q = c.named("order-get-by-external-id");
      q->bind(1, *row.externalId);
      if (q->step()) existing = readOrder(*q);
    }
    if (!existing) throw SqliteError(SQLITE_CONSTRAINT, "order insert conflicted without a match");
    if (taggedWith(existing->id, ctx.tag)) {
      out[i] = outcome(Kind::duplicate, "orderId", kEarlierInFile);
      continue;
    }
    if (ctx.mode == ImportMode::insert) {
      out[i] = outcome(Kind::duplicate, "orderId", kAlreadyStored);
      continue;
    }
    if (!touch(c, ctx.tag, existing->id, orderUndo(*existing))) {
      out[i] = outcome(Kind::duplicate, "orderId", kEarlierInFile);
      continue;
    }
    // Replace it, then recompute both customers from their orders (pending deltas first,
    // so nothing is counted twice).
    applyDeltas(c, deltas, ctx.now, changes);
    o.id = existing->id;
    o.createdAt = existing->createdAt;
    {
      auto q = c.named("order-update");
      bindOrder(*q, o);
      q->run();
    }
    recompute(c, existing->customer, ctx.now, changes);
    if (existing->customer != o.customer) recompute(c, o.customer, ctx.now, changes);
    out[i] = outcome(Kind::updated);
  }
  applyDeltas(c, deltas, ctx.now, changes);
}

void saveImportJob(Connection& c, const ImportJob& j, const std::vector<ImportProblem>& rows) {
  {
    auto q = c.named("import-job-upsert");
    q->bind(1, j.id);
    q->bind(2, toString(j.kind));
    q->bind(3, toString(j.mode));
    q->bind(4, j.dryRun ? 1 : 0);
    q->bind(5, toString(j.status));
    q->bind(6, j.inputPath);
    q->bind(7, static_cast<std::int64_t>(j.inputBytes));
    q->bindBlob(8, j.tag.data(), static_cast<int>(j.tag.size()));
    q->bind(9, static_cast<std::int64_t>(j.idState));
    q->bind(10, static_cast<std::int64_t>(j.resumeOffset));
    q->bind(11, j.resumeLine);
    const ImportSummary& s = j.report.summary;
    q->bind(12, s.received);
    q->bind(13, s.accepted);
    q->bind(14, s.inserted);
    q->bind(15, s.updated);
    q->bind(16, s.duplicates);
    q->bind(17, s.rejected);
    q->bind(18, j.report.rowsTruncated ? 1 : 0);
    if (j.error.empty()) {
      q->bindNull(19);
    } else {
      q->bind(19, j.error);
    }
    q->bind(20, j.activeMillis);
    q->bind(21, j.createdAt);
    q->bind(22, j.updatedAt);
    q->bind(23, j.startedAt);
    q->bind(24, j.finishedAt);
    q->run();
  }
  for (const auto& p : rows) {
    JsonWriter w;
    w.beginArray();
    for (const auto& f : p.issues)
      w.beginObject().key("path").string(f.path).key("message").string(f.message).endObject();
    w.endArray();
    auto q = c.named("import-job-row-insert");
    q->bind(1, j.id);
    q->bind(2, p.row);
    q->bind(3, p.key);
    q->bind(4, p.duplicate ? "duplicate" : "error");
    q->bind(5, w.str());
    q->run();
  }
}

std::int64_t cleanUpImport(Connection& c, const ImportJob& job, bool keep, int limit, Millis now,
                           CustomerChanges& changes) {
  std::int64_t handled = 0;
  // Rows it replaced: put the old values back (or just forget them).
  std::vector<std::pair<Id, std::string>> touched;
  {
    auto q = c.named("import-touched-page");
    q->bindBlob(1, job.tag.data(), static_cast<int>(job.tag.size()));
    q->bind(2, limit);
    while (q->step())
      touched.emplace_back(q->id(0), q->text(1));
  }
  for (const auto& [id, oldText] : touched) {
    if (!keep) {
      boost::system::error_code ec;
      const auto old = boost::json::parse(oldText, ec);
      if (ec || !old.is_object()) throw SqliteError(SQLITE_CORRUPT, "unreadable import undo row");
      const auto& o = old.get_object();
      auto optText = [&](const char* k) -> std::optional<std::string> {
        const auto* v = o.if_contains(k);
        if (!v || !v->is_string()) return std::nullopt;
        return std::string(v->get_string());
      };
      if (o.at("k").as_string() == "c") {
        auto q = c.named("import-customer-restore");
        q->bind(1, id);
        q->bind(2, std::string(o.at("name").as_string()));
        q->bind(3, optText("phone"));
        q->bind(4, optText("city"));
        q->bind(5, o.at("baseSpend").as_int64());
        q->bind(6, o.at("baseVisits").as_int64());
        q->bind(7, o.at("baseLastActive").as_int64());
        q->bind(8, o.at("updatedAt").as_int64());
        recordFacts(*q, changes, false);
      } else {
        std::optional<Order> current;
        {
          auto q = c.named("order-get");
          q->bind(1, id);
          if (q->step()) current = readOrder(*q);
        }
        if (current) {
          Order restored = *current;
          restored.customer = *Id::parse(o.at("customer").as_string());
          restored.items =
              decodeItems(o.at("items").as_string()).value_or(std::vector<OrderItem>{});
          restored.amount = o.at("amount").as_int64();
          restored.orderDate = o.at("orderDate").as_int64();
          restored.status =
              parseOrderStatus(o.at("status").as_string()).value_or(OrderStatus::completed);
          restored.channel = optText("channel");
          restored.updatedAt = o.at("updatedAt").as_int64();
          auto q = c.named("order-update");
          bindOrder(*q, restored);
          q->run();
          recompute(c, current->customer, now, changes);
          if (restored.customer != current->customer) recompute(c, restored.customer, now, changes);
        }
      }
    }
    auto q = c.named("import-touched-delete");
    q->bindBlob(1, job.tag.data(), static_cast<int>(job.tag.size()));
    q->bind(2, id);
    q->run();
    ++handled;
  }
  if (keep || handled >= limit) return handled;

  // Rows it created: found by the tag in their ids, from the job's creation on.
  Id low;
  const auto seconds = static_cast<std::uint32_t>(job.createdAt / 1000);
  low.bytes[0] = static_cast<std::uint8_t>(seconds >> 24);
  low.bytes[1] = static_cast<std::uint8_t>(seconds >> 16);
  low.bytes[2] = static_cast<std::uint8_t>(seconds >> 8);
  low.bytes[3] = static_cast<std::uint8_t>(seconds);
  Id high;
  high.bytes.fill(0xFF);
  const int left = limit - static_cast<int>(handled);
  if (job.kind == ImportKind::orders) {
    std::vector<std::pair<Id, Id>> orders;
    {
      auto q = c.named("import-tagged-orders");
      q->bind(1, low);
      q->bind(2, high);
      q->bindBlob(3, job.tag.data(), static_cast<int>(job.tag.size()));
      q->bind(4, left);
      while (q->step())
        orders.emplace_back(q->id(0), q->id(1));
    }
    std::vector<Id> customers;
    for (const auto& [id, customer] : orders) {
      auto q = c.named("order-delete");
      q->bind(1, id);
      q->run();
      customers.push_back(customer);
    }
    std::sort(customers.begin(), customers.end());
    customers.erase(std::unique(customers.begin(), customers.end()), customers.end());
    for (const Id& customer : customers)
      recompute(c, customer, now, changes);
    return handled + static_cast<std::int64_t>(orders.size());
  }
  std::vector<Id> ids;
  {
    auto q = c.named("import-tagged-customers");
    q->bind(1, low);
    q->bind(2, high);
    q->bindBlob(3, job.tag.data(), static_cast<int>(job.tag.size()));
    q->bind(4, left);
    while (q->step())
      ids.push_back(q->id(0));
  }
  for (const Id& id : ids) {
    {
      auto q = c.named("customer-delete");
      q->bind(1, id);
      q->run();
    }
    auto q = c.named("orders-delete-by-customer");
    q->bind(1, id);
    q->run();
    changes.emplace_back(id, std::nullopt);
  }
  return handled + static_cast<std::int64_t>(ids.size());
}

std::optional<ImportJob> loadImportJob(Connection& c, const Id& id) {
  ImportJob j;
  {
    auto q = c.named("import-job-get");
    q->bind(1, id);
    if (!q->step()) return std::nullopt;
    j.id = q->id(0);
    j.kind = parseImportKind(q->textView(1)).value_or(ImportKind::customers);
    j.mode = q->textView(2) == "upsert" ? ImportMode::upsert : ImportMode::insert;
    j.dryRun = q->i64(3) != 0;
    j.status = parseImportStatus(q->textView(4)).value_or(ImportStatus::failed);
    j.inputPath = q->text(5);
    j.inputBytes = static_cast<std::uint64_t>(q->i64(6));
    const void* tag = sqlite3_column_blob(q->raw(), 7);
    if (tag && sqlite3_column_bytes(q->raw(), 7) == static_cast<int>(j.tag.size())) {
      std::memcpy(j.tag.data(), tag, j.tag.size());
    }
    j.idState = static_cast<std::uint64_t>(q->i64(8));
    j.resumeOffset = static_cast<std::uint64_t>(q->i64(9));
    j.resumeLine = q->i64(10);
    ImportSummary& s = j.report.summary;
    s.received = q->i64(11);
    s.accepted = q->i64(12);
    s.inserted = q->i64(13);
    s.updated = q->i64(14);
    s.duplicates = q->i64(15);
    s.rejected = q->i64(16);
    j.report.rowsTruncated = q->i64(17) != 0;
    j.error = q->optText(18).value_or("");
    j.activeMillis = q->i64(19);
    j.createdAt = q->i64(20);
    j.updatedAt = q->i64(21);
    j.startedAt = q->optI64(22);
    j.finishedAt = q->optI64(23);
    j.report.dryRun = j.dryRun;
  }
  auto q = c.named("import-job-rows");
  q->bind(1, id);
  q->bind(2, static_cast<std::int64_t>(kMaxReportedRows));
  while (q->step()) {
    ImportProblem p;
    p.row = q->i64(0);
    p.key = q->text(1);
    p.duplicate = q->textView(2) == "duplicate";
    boost::system::error_code ec;
    const auto issues = boost::json::parse(q->textView(3), ec);
    if (!ec && issues.is_array()) {
      for (const auto& f : issues.get_array()) {
        if (!f.is_object()) continue;
        const auto* path = f.get_object().if_contains("path");
        const auto* message = f.get_object().if_contains("message");
        if (path && path->is_string() && message && message->is_string()) {
          p.issues.push_back({std::string(path->get_string()), std::string(message->get_string())});
        }
      }
    }
    j.report.rows.push_back(std::move(p));
  }
  return j;
}

std::vector<Id> unfinishedImportJobIds(Connection& c) {
  std::vector<Id> out;
  auto q = c.named("import-jobs-unfinished");
  while (q->step())
    out.push_back(q->id(0));
  return out;
}

namespace {

class SqliteDryRun final : public ImportDryRun {
 public:
  explicit SqliteDryRun(const std::string& path) {
    ConnectionOptions o;
    o.path = path;
    o.cacheKiB = 16 * 1024;
    conn_ = std::make_unique<Connection>(o);
    // What the dry run has seen goes to a temporary file, so memory stays bounded.
    conn_->exec("PRAGMA temp_store=FILE");
    conn_->exec(namedQuery("import-dry-run-seen-create"));
  }

  Status customers(const ImportContext& ctx, std::vector<CustomerImportRow>& rows,
                   std::vector<ImportOutcome>& out) override {
    return guard([&] {
      out.assign(rows.size(), ImportOutcome{});
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        if (!firstSeen(row.email)) {
          out[i] = outcome(Kind::duplicate, "email", kEarlierInFile);
          continue;
        }
        auto q = conn_->named("customer-id-by-email");
        q->bind(1, row.email);
        const bool stored = q->step();
        if (!stored) {
          out[i] = row.name ? outcome(Kind::inserted)
                            : outcome(Kind::rejected, "name", "is required for a new customer");
        } else {
          out[i] = ctx.mode == ImportMode::upsert
                       ? outcome(Kind::updated)
                       : outcome(Kind::duplicate, "email", kAlreadyStored);
        }
      }
    });
  }

  Status orders(const ImportContext& ctx, std::vector<OrderImportRow>& rows,
                std::vector<ImportOutcome>& out) override {
    return guard([&] {
      out.assign(rows.size(), ImportOutcome{});
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        if (!resolveCustomer(*conn_, row)) {
          out[i] = unknownCustomer(row);
          continue;
        }
        if (!row.externalId) {
          out[i] = outcome(Kind::inserted);
          continue;
        }
        if (!firstSeen("o:" + *row.externalId)) {
          out[i] = outcome(Kind::duplicate, "orderId", kEarlierInFile);
          continue;
        }
        auto q = conn_->named("order-get-by-external-id");
        q->bind(1, *row.externalId);
        if (!q->step()) {
          out[i] = outcome(Kind::inserted);
        } else {
          out[i] = ctx.mode == ImportMode::upsert
                       ? outcome(Kind::updated)
                       : outcome(Kind::duplicate, "orderId", kAlreadyStored);
        }
      }
    });
  }

 private:
  bool firstSeen(const std::string& key) {
    auto q = conn_->named("import-dry-run-seen-insert");
    q->bind(1, key);
    q->run();
    return sqlite3_changes(conn_->raw()) == 1;
  }

  template <class Fn>
  Status guard(Fn&& fn) {
    try {
      conn_->exec("BEGIN");
      fn();
      conn_->exec("COMMIT");
      return {};
    } catch (const std::exception& e) {
      sqlite3_exec(conn_->raw(), "ROLLBACK", nullptr, nullptr, nullptr);
      return Error::internal(fmt::format("dry run: {}", e.what()));
    }
  }

  std::unique_ptr<Connection> conn_;
};

}  // namespace

std::unique_ptr<ImportDryRun> openDryRun(const std::string& path) {
  return std::make_unique<SqliteDryRun>(path);
}

}  // namespace minicrm::sqlite
