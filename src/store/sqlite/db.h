// Thin RAII wrapper over the SQLite C API, private to the SQLite store. Failures throw
// SqliteError; the store converts them to Error values at its interface.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/id.h"

namespace minicrm::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // extended result code
  bool isUniqueViolation() const {
    return code_ == SQLITE_CONSTRAINT_UNIQUE || code_ == SQLITE_CONSTRAINT_PRIMARYKEY;
  }
  bool isBusy() const { return (code_ & 0xFF) == SQLITE_BUSY || (code_ & 0xFF) == SQLITE_LOCKED; }
  bool isInterrupt() const { return (code_ & 0xFF) == SQLITE_INTERRUPT; }

 private:
  int code_;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql, bool persistent);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding; indices start at 1.
  void bind(int i, std::int64_t v);
  void bind(int i, int v) { bind(i, static_cast<std::int64_t>(v)); }
  void bind(int i, double v);
  void bind(int i, std::string_view v);
  void bind(int i, const std::string& v) { bind(i, std::string_view(v)); }
  void bind(int i, const char* v) { bind(i, std::string_view(v)); }
  void bind(int i, const Id& id);
  void bindBlob(int i, const void* data, int size);
  void bindNull(int i);
  template <class T>
  void bind(int i, const std::optional<T>& v) {
    if (v) {
      bind(i, *v);
    } else {
      bindNull(i);
    }
  }

  // True when a row is available; false when done.
  bool step();
  // Runs to completion, ignoring rows.
  void run();
  void reset();

  bool isNull(int col) const;
  std::int64_t i64(int col) const;
  double f64(int col) const;
  std::string text(int col) const;
  std::string_view textView(int col) const;  // valid until the next step/reset
  std::optional<std::string> optText(int col) const;
  std::optional<std::int64_t> optI64(int col) const;
  Id id(int col) const;

  sqlite3_stmt* raw() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_;
};

// Borrowed use of a cached statement: resets it and clears bindings when it goes away,
// so the next user starts clean even if this one threw.
class Query {
 public:
  explicit Query(Statement& s) : s_(&s) {}
  ~Query() {
    sqlite3_reset(s_->raw());
    sqlite3_clear_bindings(s_->raw());
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Statement* operator->() const { return s_; }
  Statement& operator*() const { return *s_; }

 private:
  Statement* s_;
};

struct ConnectionOptions {
  std::string path;
  bool readOnly = false;
  int busyTimeoutMs = 5000;
  std::int64_t cacheKiB = 16 * 1024;
  std::int64_t mmapBytes = 0;
  std::string synchronous = "FULL";
};

// One SQLite connection; used by one thread at a time.
class Connection {
 public:
  explicit Connection(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(std::string_view sql);
  // The statement of a named query from queries.sql, prepared once per connection.
  Query named(std::string_view name);
  // A statement for generated SQL text, cached by its text. Only for SQL drawn from a small
  // fixed family (list filters x sort keys): entries are never evicted, since a Query may
  // still be borrowing one.
  Query cached(const std::string& sql);

  sqlite3* raw() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> generated_;
};

// Runs `sql` on `db` (BEGIN/COMMIT helpers and pragmas). Throws SqliteError.
void execOn(sqlite3* db, std::string_view sql);

// The SQL of a named query; throws std::logic_error for an unknown name.
std::string_view namedQuery(std::string_view name);

struct Migration {
  int version;
  std::string name;
  std::string sql;
};
// Migrations embedded from migrations.sql, ascending by version.
const std::vector<Migration>& migrations();

// Splits a file of sections that start with "-- <marker>: <title>" lines.
std::vector<std::pair<std::string, std::string>> splitSections(std::string_view text,
                                                               std::string_view marker);

}  // namespace minicrm::sqlite
