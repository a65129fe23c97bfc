#include "cli/import_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "service/import.h"
#include "store/open.h"
#include "store/sqlite/sqlite_store.h"

namespace minicrm::cli {
namespace {

std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

// Draws progress: a bar redrawn in place on a terminal, else a line every few seconds.
class ProgressView {
 public:
  explicit ProgressView(bool terminal) : terminal_(terminal) {}

  void show(const ImportProgress& p, bool last) {
    if (finished_) return;  // the final line is drawn once
    finished_ = last;
    const double fraction =
        p.totalBytes > 0 ? static_cast<double>(p.bytes) / static_cast<double>(p.totalBytes) : 1.0;
    const double rate = p.seconds > 0 ? static_cast<double>(p.rows) / p.seconds : 0;
    std::string eta = "-";
    if (fraction > 0.001 && !last) {
      eta = fmt::format("{:.0f}s", p.seconds * (1 - fraction) / fraction);
    }
    const std::string text = fmt::format("{} rows  {} rows/s  ETA {}", thousands(p.rows),
                                         thousands(static_cast<std::int64_t>(rate)), eta);
    if (terminal_) {
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(fraction * kWidth + 0.5);
      std::fprintf(stdout, "\r[%s%s] %3.0f%%  %s\x1b[K", std::string(filled, '#').c_str(),
                   std::string(kWidth - filled, '-').c_str(), fraction * 100, text.c_str());
      if (last) std::fputc('\n', stdout);
      std::fflush(stdout);
      return;
    }
    if (!last && p.seconds - lastLine_ < 2.0) return;
    lastLine_ = p.seconds;
    std::fprintf(stdout, "import: %3.0f%%  %s\n", fraction * 100, text.c_str());
    std::fflush(stdout);
  }

 private:
  bool terminal_;
  bool finished_ = false;
  double lastLine_ = -10;
};

}  // namespace

int runImport(const Settings& settings, const ImportCommand& command) {
  auto path = sqlitePath(settings.databaseUrl);
  if (!path.ok()) {
    std::fprintf(stderr, "minicrm: %s\n", path.error().message.c_str());
    return 2;
  }
  sqlite::SqliteOptions options;
  options.path = *path;
  options.synchronous = settings.sqliteSynchronous;
  options.customerIndex = false;
  // A server running on this database learns about the customers written here.
  options.logCustomerChanges = true;
  // That server cannot ask this process to commit early (its writes wait on the file
  // lock), so chunks share a transaction for at most half a second, about one chunk's
  // time: its writes wait no longer than before, and it sees new customers within a second.
  options.writer.chainHold = std::chrono::milliseconds(500);
  auto store = sqlite::SqliteStore::open(options, SystemClock::instance());
  if (!store.ok()) {
    std::fprintf(stderr, "minicrm: %s\n", store.error().message.c_str());
    return 2;
  }
  ImportSettings importSettings;
  importSettings.spoolDir = *path + ".imports";
  ImportService imports(**store, SystemClock::instance(), importSettings);

  ImportRequest request;
  request.kind = command.kind;
  request.dryRun = command.dryRun;
  request.mode = command.upsert ? ImportMode::upsert : ImportMode::insert;
  ProgressView view(isatty(fileno(stdout)) == 1);
  auto report = imports.importFile(request, command.file, [&](const ImportProgress& p) {
    view.show(p, p.bytes >= p.totalBytes);
  });
  if (!report.ok()) {
    std::fprintf(stderr, "minicrm: import failed: %s\n", report.error().message.c_str());
    for (const auto& f : report.error().fields)
      std::fprintf(stderr, "  %s: %s\n", f.path.c_str(), f.message.c_str());
    return 2;
  }
  const ImportSummary& s = report->summary;
  std::printf(
      "%s%s: %s received, %s accepted (%s inserted, %s updated, %s duplicates), %s "
      "rejected\n",
      command.dryRun ? "dry run " : "", std::string(toString(command.kind)).c_str(),
      thousands(s.received).c_str(), thousands(s.accepted).c_str(), thousands(s.inserted).c_str(),
      thousands(s.updated).c_str(), thousands(s.duplicates).c_str(), thousands(s.rejected).c_str());
  for (const auto& row : report->rows) {
    std::string issues;
    for (const auto& f : row.issues)
      issues += (issues.empty() ? "" : "; ") + f.path + " " + f.message;
    std::printf("  row %lld (%s): %s: %s\n", static_cast<long long>(row.row), row.key.c_str(),
                row.duplicate ? "duplicate" : "error", issues.c_str());
  }
  if (report->rowsTruncated) std::printf("  (only the first 1,000 rows are listed)\n");
  return s.rejected > 0 ? 1 : 0;
}

}  // namespace minicrm::cli
