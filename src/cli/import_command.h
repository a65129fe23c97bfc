// `minicrm import customers|orders FILE.csv`: imports a CSV file straight into the
// configured database (the server may be running on it: its in-memory customer index
// picks the rows up from the change log), with a progress bar on a terminal and the
// import report at the end.
#pragma once

#include <string>

#include "cli/settings.h"
#include "core/import.h"

namespace minicrm::cli {

struct ImportCommand {
  ImportKind kind = ImportKind::customers;
  std::string file;
  bool dryRun = false;
  bool upsert = false;
};

// Exit code: 0 when every row was imported (or was a duplicate), 1 when rows were
// rejected, 2 when the import failed as a whole.
int runImport(const Settings& settings, const ImportCommand& command);

}  // namespace minicrm::cli
