// Opens the store a DATABASE_URL names.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace minicrm {

struct StoreSettings {
  std::string databaseUrl = "sqlite:./minicrm.db";
  std::string sqliteSynchronous = "FULL";
  bool customerIndex = true;  // the server's in-memory customer index; off for short CLI commands
};

// "sqlite:PATH" (also "sqlite://PATH" and "file:PATH"). Other schemes are refused with a
// message naming what this build supports. Applies pending migrations.
Result<std::unique_ptr<Store>> openStore(const StoreSettings& settings, const Clock& clock);

// Just the migrations, for `minicrm migrate`: how many ran.
Result<int> migrateStore(const StoreSettings& settings);

// The file path of a sqlite: URL, or an invalid-setting error.
Result<std::string> sqlitePath(const std::string& databaseUrl);

}  // namespace minicrm
