#include "store/sqlite/db.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

namespace minicrm::sqlite {

extern const std::string_view kQueriesSql;
extern const std::string_view kMigrationsSql;

namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view context) {
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  throw SqliteError(extended ? extended : rc,
                    fmt::format("{}: {}", context, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

std::string_view trimView(std::string_view s) {
  while (!s.empty() && (s.front() == '\n' || s.front() == ' ' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

const std::unordered_map<std::string, std::string>& queryMap() {
  static const auto* map = [] {
    auto* m = new std::unordered_map<std::string, std::string>();
    for (auto& [name, sql] : splitSections(kQueriesSql, "name"))
      m->emplace(name, sql);
    return m;
  }();
  return *map;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> splitSections(std::string_view text,
                                                               std::string_view marker) {
  const std::string prefix = fmt::format("-- {}:", marker);
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  std::string title;
  std::string body;
  bool inSection = false;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (line.starts_with(prefix)) {
      if (inSection) out.emplace_back(title, std::string(trimView(body)));
      title = std::string(trimView(line.substr(prefix.size())));
      body.clear();
      inSection = true;
    } else if (inSection) {
      body.append(line);
      body.push_back('\n');
    }
    pos = eol + 1;
  }
  if (inSection) out.emplace_back(title, std::string(trimView(body)));
  return out;
}

std::string_view namedQuery(std::string_view name) {
  const auto& map = queryMap();
  auto it = map.find(std::string(name));
  if (it == map.end()) throw std::logic_error(fmt::format("unknown named query '{}'", name));
  return it->second;
}

const std::vector<Migration>& migrations() {
  static const auto* list = [] {
    auto* v = new std::vector<Migration>();
    for (auto& [title, sql] : splitSections(kMigrationsSql, "migration")) {
      const std::size_t space = title.find(' ');
      v->push_back({std::stoi(title.substr(0, space)),
                    space == std::string::npos ? "" : title.substr(space + 1), sql});
    }
    std::sort(v->begin(), v->end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    return v;
  }();
  return *list;
}

void execOn(sqlite3* db, std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(sqlite3_extended_errcode(db), msg);
  }
}

Statement::Statement(sqlite3* db, std::string_view sql, bool persistent) : db_(db) {
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db, rc, fmt::format("prepare [{}]", sql.substr(0, 80)));
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::bind(int i, std::int64_t v) {
  if (int rc = sqlite3_bind_int64(stmt_, i, v); rc != SQLITE_OK) fail(db_, rc, "bind");
}
void Statement::bind(int i, double v) {
  if (int rc = sqlite3_bind_double(stmt_, i, v); rc != SQLITE_OK) fail(db_, rc, "bind");
}
void Statement::bind(int i, std::string_view v) {
  if (int rc = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      rc != SQLITE_OK) {
    fail(db_, rc, "bind");
  }
}
void Statement::bind(int i, const Id& id) {
  bindBlob(i, id.bytes.data(), 12);
}
void Statement::bindBlob(int i, const void* data, int size) {
  if (int rc = sqlite3_bind_blob(stmt_, i, data, size, SQLITE_TRANSIENT); rc != SQLITE_OK) {
    fail(db_, rc, "bind");
  }
}
void Statement::bindNull(int i) {
  if (int rc = sqlite3_bind_null(stmt_, i); rc != SQLITE_OK) fail(db_, rc, "bind");
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, "step");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
std::int64_t Statement::i64(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
double Statement::f64(int col) const {
  return sqlite3_column_double(stmt_, col);
}
std::string Statement::text(int col) const {
  return std::string(textView(col));
}
std::string_view Statement::textView(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string_view();
}
std::optional<std::string> Statement::optText(int col) const {
  if (isNull(col)) return std::nullopt;
  return text(col);
}
std::optional<std::int64_t> Statement::optI64(int col) const {
  if (isNull(col)) return std::nullopt;
  return i64(col);
}
Id Statement::id(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  if (!p || sqlite3_column_bytes(stmt_, col) != 12) {
    throw SqliteError(SQLITE_CORRUPT, "id column is not a 12-byte blob");
  }
  return Id::fromBytes(p);
}

Connection::Connection(const ConnectionOptions& o) : path_(o.path) {
  const int flags =
      (o.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(o.path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, fmt::format("cannot open {}: {}", o.path, msg));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, o.busyTimeoutMs);
  exec(fmt::format("PRAGMA cache_size=-{}; PRAGMA temp_store=MEMORY; PRAGMA mmap_size={};",
                   o.cacheKiB, o.mmapBytes));
  if (!o.readOnly) exec(fmt::format("PRAGMA synchronous={};", o.synchronous));
}

Connection::~Connection() {
  cache_.clear();
  generated_.clear();
  sqlite3_close_v2(db_);
}

void Connection::exec(std::string_view sql) {
  execOn(db_, sql);
}

Query Connection::named(std::string_view name) {
  auto it = cache_.find(std::string(name));
  if (it == cache_.end()) {
    it = cache_.emplace(std::string(name), std::make_unique<Statement>(db_, namedQuery(name), true))
             .first;
  }
  return Query(*it->second);
}

Query Connection::cached(const std::string& sql) {
  auto it = generated_.find(sql);
  if (it == generated_.end()) {
    it = generated_.emplace(sql, std::make_unique<Statement>(db_, sql, true)).first;
  }
  return Query(*it->second);
}

}  // namespace minicrm::sqlite
