// The SQLite side of CSV imports (store.h: WriteTx::importCustomers and friends, and the
// dry run). Private to the SQLite store; functions throw SqliteError like db.h.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "store/sqlite/customer_index.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace minicrm::sqlite {

using CustomerChanges = std::vector<CustomerIndex::Change>;

// Inside the writer's transaction. Customers whose served facts change are appended to
// `changes` (for the in-memory index and the change log).
void importCustomers(Connection& c, const ImportContext& ctx, std::vector<CustomerImportRow>& rows,
                     std::vector<ImportOutcome>& out, CustomerChanges& changes);
void importOrders(Connection& c, const ImportContext& ctx, std::vector<OrderImportRow>& rows,
                  std::vector<ImportOutcome>& out, CustomerChanges& changes);
void saveImportJob(Connection& c, const ImportJob& job, const std::vector<ImportProblem>& rows);
std::int64_t cleanUpImport(Connection& c, const ImportJob& job, bool keep, int limit, Millis now,
                           CustomerChanges& changes);

// Reads (any connection).
std::optional<ImportJob> loadImportJob(Connection& c, const Id& id);
std::vector<Id> unfinishedImportJobIds(Connection& c);

// A dry run on its own connection to the database at `path`.
std::unique_ptr<ImportDryRun> openDryRun(const std::string& path);

}  // namespace minicrm::sqlite
