#include "store/open.h"

#include "store/sqlite/sqlite_store.h"

namespace minicrm {

Result<std::string> sqlitePath(const std::string& url) {
  for (const char* prefix : {"sqlite://", "sqlite:", "file:"}) {
    const std::string_view p(prefix);
    if (url.starts_with(p)) {
      std::string path = url.substr(p.size());
      if (path.empty()) break;
      return path;
    }
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return Error::invalidField("DATABASE_URL",
                               "PostgreSQL is not supported by this MiniCRM build yet; use "
                               "sqlite:PATH");
  }
  return Error::invalidField("DATABASE_URL",
                             "expected sqlite:PATH (for example sqlite:./minicrm.db)");
}

Result<std::unique_ptr<Store>> openStore(const StoreSettings& settings, const Clock& clock) {
  auto path = sqlitePath(settings.databaseUrl);
  if (!path.ok()) return std::move(path).error();
  sqlite::SqliteOptions options;
  options.path = *path;
  options.synchronous = settings.sqliteSynchronous;
  options.customerIndex = settings.customerIndex;
  auto store = sqlite::SqliteStore::open(options, clock);
  if (!store.ok()) return std::move(store).error();
  return std::unique_ptr<Store>(std::move(store).value());
}

Result<int> migrateStore(const StoreSettings& settings) {
  auto path = sqlitePath(settings.databaseUrl);
  if (!path.ok()) return std::move(path).error();
  return sqlite::migrate(*path);
}

}  // namespace minicrm
