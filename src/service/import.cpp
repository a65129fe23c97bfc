#include "service/import.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <random>

#include "core/customer.h"
#include "core/json_writer.h"
#include "core/text.h"

namespace minicrm {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::size_t kBlockBytes = 256 * 1024;
constexpr auto kProgressEvery = std::chrono::milliseconds(200);

// A file read in blocks; closes itself.
class InputFile {
 public:
  explicit InputFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~InputFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  std::uint64_t size() const {
    struct stat st {};
    return fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
  // Bytes at `offset`; empty at the end.
  Result<std::string_view> read(std::uint64_t offset, std::string& buffer) {
    buffer.resize(kBlockBytes);
    for (;;) {
      const ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset));
      if (n >= 0) return std::string_view(buffer.data(), static_cast<std::size_t>(n));
      if (errno != EINTR)
        return Error::internal(std::string("reading the import input: ") + std::strerror(errno));
    }
  }

 private:
  int fd_;
};

bool blankRecord(const CsvRecord& r) {
  for (auto c : r.cells) {
    if (!trim(c).empty()) return false;
  }
  return true;
}

// One unit of an import in file order: a customer row, or an order with its lines, or
// rows rejected before they reach the store.
template <class Row>
struct Entry {
  std::uint64_t offset = 0;  // where its first record starts
  std::int64_t line = 0;
  std::string key;
  std::vector<std::int64_t> lineRows;   // each CSV row it came from
  std::vector<ImportProblem> rejected;  // non-empty: rejected, one problem per row
  std::optional<Row> row;
};

template <class Row>
struct Chunk {
  std::vector<Entry<Row>> entries;
  std::size_t csvRows = 0;
  // Where the record after the last entry starts (the resume point once all is written).
  std::uint64_t endOffset = 0;
  std::int64_t endLine = 0;
};

// What writing (a prefix of) a chunk did.
struct ChunkResult {
  std::size_t consumed = 0;  // entries written
  ImportSummary summary;     // counts added
  std::vector<ImportProblem> problems;
  bool truncated = false;
};

void add(ImportSummary& a, const ImportSummary& b) {
  a.received += b.received;
  a.accepted += b.accepted;
  a.inserted += b.inserted;
  a.updated += b.updated;
  a.duplicates += b.duplicates;
  a.rejected += b.rejected;
}

// Folds one entry's outcome into `r`; `room` is how many problem rows may still be listed.
template <class Row>
void account(const Entry<Row>& e, const ImportOutcome* outcome, std::size_t room, ChunkResult& r) {
  const auto lines = static_cast<std::int64_t>(e.lineRows.size());
  r.summary.received += lines;
  auto problem = [&](ImportProblem p) {
    if (r.problems.size() < room) {
      r.problems.push_back(std::move(p));
    } else {
      r.truncated = true;
    }
  };
  if (!outcome) {
    r.summary.rejected += lines;
    for (const auto& p : e.rejected)
      problem(p);
    return;
  }
  using Kind = ImportOutcome::Kind;
  if (outcome->kind == Kind::rejected) {
    r.summary.rejected += lines;
  } else {
    r.summary.accepted += lines;
    if (outcome->kind == Kind::inserted) r.summary.inserted += lines;
    if (outcome->kind == Kind::updated) r.summary.updated += lines;
    if (outcome->kind == Kind::duplicate) r.summary.duplicates += lines;
  }
  if (outcome->kind == Kind::duplicate || outcome->kind == Kind::rejected) {
    for (std::int64_t row : e.lineRows)
      problem({row, e.key, outcome->kind == Kind::duplicate, outcome->issues});
  }
}

// Writes entries [0, n) of a chunk in batches with `importRows(rows, outcomes)`, stopping
// early when `yield()` says so. Fills `r`.
template <class Row, class ImportRows, class Yield>
Status writeEntries(std::vector<Entry<Row>>& entries, std::size_t batchRows, std::size_t room,
                    ImportRows&& importRows, Yield&& yield, ChunkResult& r) {
  std::vector<Row> rows;
  std::vector<std::size_t> owners;
  std::vector<ImportOutcome> outcomes;
  std::size_t i = 0;
  while (i < entries.size()) {
    rows.clear();
    owners.clear();
    std::size_t j = i, csvRows = 0;
    for (; j < entries.size() && csvRows < batchRows; ++j) {
      csvRows += entries[j].lineRows.size();
      if (entries[j].row) {
        rows.push_back(std::move(*entries[j].row));
        owners.push_back(j);
      }
    }
    if (!rows.empty()) {
      if (Status s = importRows(rows, outcomes); !s.ok()) return s;
    }
    std::size_t k = 0;
    for (std::size_t e = i; e < j; ++e) {
      const bool written = k < owners.size() && owners[k] == e;
      account(entries[e], written ? &outcomes[k] : nullptr, room, r);
      if (written) ++k;
    }
    i = j;
    r.consumed = i;
    if (i < entries.size() && yield()) break;
  }
  return {};
}

}  // namespace

// The commits of a job's written chunks. Consecutive chunks may share a transaction (see
// Store::writeAlone), so a chunk that has run is durable only once its commit is reported.
// The job's live state is shown (published) as of its last committed chunk, so what a
// client sees never goes back after a crash.
namespace {
class Commits {
 public:
  using Publish = std::function<void(const ImportJob&)>;
  explicit Commits(Publish publish) : publish_(std::move(publish)) {}

  // A chunk handed to the store; chunks commit in the order they are handed over.
  void expect() {
    std::lock_guard lock(mu_);
    ++expected_;
  }
  // The job as it stands once the next chunk that ran is applied.
  void applied(const ImportJob& job) {
    std::lock_guard lock(mu_);
    applied_.push_back(job);
    publishCommitted();
  }
  void reported(Status s) {
    std::lock_guard lock(mu_);
    ++reported_;
    if (!s.ok()) {
      if (!failure_) failure_ = std::move(s).error();
    } else {
      ++committed_;
      publishCommitted();
    }
    cv_.notify_all();
  }
  // Waits until every chunk handed over is reported; the first failure, if any.
  std::optional<Error> wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return reported_ == expected_; });
    return failure_;
  }

 private:
  // Publishes the newest applied state whose chunk is committed. A chunk runs (and is
  // applied) before it commits, but the commit may be reported first.
  void publishCommitted() {
    std::optional<ImportJob> newest;
    while (published_ < committed_ && !applied_.empty()) {
      newest = std::move(applied_.front());
      applied_.pop_front();
      ++published_;
    }
    if (newest && publish_) publish_(*newest);
  }

  Publish publish_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::int64_t expected_ = 0, reported_ = 0, committed_ = 0, published_ = 0;
  std::deque<ImportJob> applied_;
  std::optional<Error> failure_;
};
}  // namespace

// The state of the job being run: the parser side (building chunks) and the writer side.
namespace {
struct Running {
  ImportJob& job;
  bool persist;
  IdGenerator ids;
  std::unique_ptr<ImportDryRun> dryRun;
  std::optional<Error> failure;
  SteadyClock::time_point started = SteadyClock::now();
  std::int64_t activeBefore = 0;
  std::int64_t rowsRead = 0;
  std::uint64_t bytesRead = 0;
  std::uint64_t totalBytes = 0;
  SteadyClock::time_point lastProgress = SteadyClock::now();
  std::shared_ptr<Commits> commits;

  Running(ImportJob& j, bool p, const Clock& clock)
      : job(j), persist(p), ids(clock, j.tag, j.idState), activeBefore(j.activeMillis) {}

  std::int64_t activeMillis() const {
    return activeBefore +
           std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started)
               .count();
  }
};
}  // namespace

ImportService::ImportService(Store& store, const Clock& clock, ImportSettings settings)
    : store_(store), clock_(clock), settings_(std::move(settings)) {
  thread_ = std::thread([this] { loop(); });
}

ImportService::~ImportService() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_ = true;
  cv_.notify_all();
  thread_.join();
  for (auto& q : queue_) {
    if (q.done) {
      q.done(Error::unavailable(
          "MiniCRM stopped before the import ran; it runs when MiniCRM starts again"));
    }
  }
}

Result<std::string> ImportService::spoolPath() {
  std::error_code ec;
  std::filesystem::create_directories(settings_.spoolDir, ec);
  if (ec) {
    return Error::internal(
        fmt::format("cannot create the upload directory {}: {}", settings_.spoolDir, ec.message()));
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}/upload-{}-{}-{:08x}.csv", settings_.spoolDir, getpid(), ++spoolCounter_,
                     static_cast<std::uint32_t>(rng()));
}

Status ImportService::save(const ImportJob& job) {
  return store_.writeSync([job](WriteTx& tx) { return tx.saveImportJob(job, {}); });
}

Result<ImportJob> ImportService::submit(const ImportRequest& request, const std::string& inputPath,
                                        Done done) {
  ImportJob job;
  IdGenerator jobIds(clock_);
  job.id = jobIds.next();
  job.kind = request.kind;
  job.mode = request.mode;
  job.dryRun = request.dryRun;
  job.report.dryRun = request.dryRun;
  job.status = ImportStatus::queued;
  job.inputPath = inputPath;
  {
    InputFile f(inputPath);
    if (!f.ok()) return Error::internal("the uploaded file is gone");
    job.inputBytes = f.size();
  }
  std::random_device rd;
  for (auto& b : job.tag)
    b = static_cast<std::uint8_t>(rd());
  job.createdAt = clock_.now();
  job.updatedAt = job.createdAt;
  if (Status s = save(job); !s.ok()) return std::move(s).error();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Error::unavailable("MiniCRM is stopping");
    queue_.push_back({job, std::move(done)});
  }
  cv_.notify_one();
  return job;
}

Result<int> ImportService::resumeUnfinished() {
  auto jobs = store_.unfinishedImportJobs();
  if (!jobs.ok()) return std::move(jobs).error();
  // Uploads that never became jobs (the process stopped while they arrived) are garbage.
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(settings_.spoolDir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string path = it->path().string();
    bool owned = false;
    for (const auto& job : *jobs)
      owned = owned || job.inputPath == path;
    if (!owned) std::filesystem::remove(path, ec);
  }
  // Each resumes on the import thread; one whose input is gone or changed fails there.
  int queued = 0;
  for (auto& job : *jobs) {
    spdlog::info(R"("msg":"import job resumes","job":"{}","row":{})", job.id.hex(),
                 job.report.summary.received);
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(job), nullptr});
    ++queued;
  }
  cv_.notify_one();
  return queued;
}

Result<ImportJob> ImportService::get(const Id& id) {
  {
    std::lock_guard lock(mu_);
    if (current_ && current_->id == id) return *current_;
  }
  return store_.getImportJob(id);
}

void ImportService::loop() {
  for (;;) {
    Queued next;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      next = std::move(queue_.front());
      queue_.pop_front();
      current_ = next.job;
    }
    auto result = run(next.job, true, nullptr);
    {
      std::lock_guard lock(mu_);
      current_.reset();
    }
    if (stop_ && next.job.status == ImportStatus::running) {
      if (next.done) {
        next.done(Error::unavailable(
            fmt::format("MiniCRM is stopping; import job {} continues when it starts again",
                        next.job.id.hex())));
      }
      return;
    }
    if (next.done) next.done(std::move(result));
  }
}

Result<ImportReport> ImportService::importFile(
    const ImportRequest& request, const std::string& path,
    const std::function<void(const ImportProgress&)>& progress) {
  ImportJob job;
  job.kind = request.kind;
  job.mode = request.mode;
  job.dryRun = request.dryRun;
  job.report.dryRun = request.dryRun;
  job.inputPath = path;
  std::random_device rd;
  for (auto& b : job.tag)
    b = static_cast<std::uint8_t>(rd());
  job.createdAt = clock_.now();
  auto result = run(job, false, progress);
  if (!result.ok()) return std::move(result).error();
  return std::move(result->report);
}

void ImportService::finish(ImportJob& job, const std::optional<Error>& failure, bool persist) {
  const bool undo = failure.has_value() && !job.dryRun;
  if (undo || (!job.dryRun && job.mode == ImportMode::upsert)) {
    // Undo a failed job's rows, or forget a finished one's undo records, in short steps.
    for (;;) {
      auto handled = std::make_shared<std::int64_t>(0);
      const Millis now = clock_.now();
      const int limit = settings_.cleanupRows;
      Status s = store_.writeSync([&job, handled, undo, limit, now](WriteTx& tx) -> Status {
        auto n = tx.cleanUpImport(job, !undo, limit, now);
        if (!n.ok()) return std::move(n).error();
        *handled = *n;
        return {};
      });
      if (!s.ok()) {
        spdlog::error(R"("msg":"import clean-up failed","job":"{}","error":{})", job.id.hex(),
                      jsonQuote(s.error().message));
        break;
      }
      if (*handled == 0) break;
    }
  }
  job.status = failure ? ImportStatus::failed : ImportStatus::completed;
  if (failure) {
    job.error = failure->message;
    if (undo) {
      job.error += fmt::format(" (stopped after {} rows; the rows it had written were removed)",
                               job.report.summary.received);
    }
  }
  job.finishedAt = clock_.now();
  job.updatedAt = *job.finishedAt;
  if (!persist) return;
  if (Status s = save(job); !s.ok()) {
    spdlog::error(R"("msg":"cannot save import job","job":"{}","error":{})", job.id.hex(),
                  jsonQuote(s.error().message));
  }
  std::error_code ec;
  std::filesystem::remove(job.inputPath, ec);
}

namespace {

// Turns CSV records into chunks of entries for one kind of row.
template <class Row>
class ChunkBuilder;

template <>
class ChunkBuilder<CustomerImportRow> {
 public:
  ChunkBuilder(CustomerCsvColumns columns, ImportMode mode, IdGenerator& ids)
      : columns_(columns), mode_(mode), ids_(ids) {}
  // True when the record may start a new chunk (it does not continue the previous unit).
  bool boundary(const CsvRecord&) const { return true; }
  void add(const CsvRecord& r, Chunk<CustomerImportRow>& chunk) {
    Entry<CustomerImportRow> e;
    e.offset = r.offset;
    e.line = r.line;
    e.lineRows.push_back(r.line);
    issues_.clear();
    auto row = decodeCustomerRow(r, columns_, mode_, issues_);
    if (row) {
      e.key = row->key;
      row->id = ids_.next();
      e.row = std::move(row);
    } else {
      const std::string_view email =
          columns_.email >= 0 && static_cast<std::size_t>(columns_.email) < r.cells.size()
              ? trim(r.cells[static_cast<std::size_t>(columns_.email)])
              : std::string_view();
      e.key = email.empty() ? rowKey(r.line) : std::string(email);
      e.rejected.push_back({r.line, e.key, false, issues_});
    }
    chunk.entries.push_back(std::move(e));
    ++chunk.csvRows;
  }
  void close(Chunk<CustomerImportRow>&) {}

 private:
  CustomerCsvColumns columns_;
  ImportMode mode_;
  IdGenerator& ids_;
  std::vector<FieldError> issues_;
};

template <>
class ChunkBuilder<OrderImportRow> {
 public:
  ChunkBuilder(OrderCsvColumns columns, ImportMode, IdGenerator& ids)
      : columns_(columns), ids_(ids) {}

  bool boundary(const CsvRecord& r) const { return group_.empty() || !continues(r); }

  void add(const CsvRecord& r, Chunk<OrderImportRow>& chunk) {
    if (!group_.empty() && !continues(r)) close(chunk);
    Line line;
    line.row = r.line;
    line.offset = r.offset;
    line.orderId = std::string(orderIdCell(r));
    line.key = line.orderId.empty() ? rowKey(r.line) : line.orderId;
    line.decoded = decodeOrderLine(r, columns_, line.issues);
    group_.push_back(std::move(line));
    ++chunk.csvRows;
  }

  void close(Chunk<OrderImportRow>& chunk) {
    if (group_.empty()) return;
    Entry<OrderImportRow> e;
    e.offset = group_.front().offset;
    e.line = group_.front().row;
    e.key = group_.front().key;
    for (const auto& l : group_)
      e.lineRows.push_back(l.row);
    std::optional<OrderImportRow> order;
    std::int64_t badRow = 0;
    for (auto& l : group_) {
      if (!l.decoded) {
        if (!badRow) badRow = l.row;
        continue;
      }
      if (!order) {
        order = startOrder(*l.decoded);
      } else if (!badRow && !addOrderLine(*order, *l.decoded, l.issues)) {
        badRow = l.row;
      }
    }
    if (badRow) {
      for (auto& l : group_) {
        if (l.issues.empty()) {
          l.issues.push_back({"orderId", fmt::format("order {} is not imported: row {} has errors",
                                                     l.key, badRow)});
        }
        e.rejected.push_back({l.row, l.key, false, std::move(l.issues)});
      }
    } else {
      order->id = ids_.next();
      e.row = std::move(order);
    }
    chunk.entries.push_back(std::move(e));
    group_.clear();
  }

 private:
  struct Line {
    std::int64_t row = 0;
    std::uint64_t offset = 0;
    std::string orderId;
    std::string key;
    std::vector<FieldError> issues;
    std::optional<OrderCsvLine> decoded;
  };

  std::string_view orderIdCell(const CsvRecord& r) const {
    const int c = columns_.orderId;
    if (c < 0 || static_cast<std::size_t>(c) >= r.cells.size()) return {};
    return trim(r.cells[static_cast<std::size_t>(c)]);
  }
  bool continues(const CsvRecord& r) const {
    const std::string_view id = orderIdCell(r);
    return !id.empty() && id == group_.front().orderId;
  }

  OrderCsvColumns columns_;
  IdGenerator& ids_;
  std::vector<Line> group_;
};

template <class Row>
struct KindOps;

template <>
struct KindOps<CustomerImportRow> {
  static Result<CustomerCsvColumns> columns(const std::vector<std::string_view>& h) {
    return customerColumns(h);
  }
  static Status write(WriteTx& tx, const ImportContext& ctx, std::vector<CustomerImportRow>& rows,
                      std::vector<ImportOutcome>& out) {
    return tx.importCustomers(ctx, rows, out);
  }
  static Status dry(ImportDryRun& d, const ImportContext& ctx, std::vector<CustomerImportRow>& rows,
                    std::vector<ImportOutcome>& out) {
    return d.customers(ctx, rows, out);
  }
};

template <>
struct KindOps<OrderImportRow> {
  static Result<OrderCsvColumns> columns(const std::vector<std::string_view>& h) {
    return orderColumns(h);
  }
  static Status write(WriteTx& tx, const ImportContext& ctx, std::vector<OrderImportRow>& rows,
                      std::vector<ImportOutcome>& out) {
    return tx.importOrders(ctx, rows, out);
  }
  static Status dry(ImportDryRun& d, const ImportContext& ctx, std::vector<OrderImportRow>& rows,
                    std::vector<ImportOutcome>& out) {
    return d.orders(ctx, rows, out);
  }
};

// Reads the header record of a file: its cells (copied).
Result<std::vector<std::string>> readHeader(InputFile& file) {
  CsvReader reader;
  std::optional<std::vector<std::string>> header;
  Error stop{ErrorKind::internal, "header read", {}};
  auto sink = [&](const CsvRecord& r) -> Status {
    if (header) return stop;
    header.emplace(r.cells.begin(), r.cells.end());
    return stop;
  };
  std::string buffer;
  std::uint64_t offset = 0;
  while (!header) {
    auto bytes = file.read(offset, buffer);
    if (!bytes.ok()) return std::move(bytes).error();
    if (bytes->empty()) {
      Status s = reader.finish(sink);
      if (!s.ok() && !header) return std::move(s).error();
      break;
    }
    offset += bytes->size();
    Status s = reader.feed(*bytes, sink);
    if (!s.ok() && !header) return std::move(s).error();
  }
  if (!header) return csvFileError("it is empty: expected a header line and rows");
  return std::move(*header);
}

}  // namespace

namespace {

// What runChunks needs from the service.
struct RunContext {
  Store& store;
  const ImportSettings& settings;
  const std::atomic<bool>& stop;
  std::function<void(const ImportJob&)> publish;  // live state for get()
  const Clock& clock;
};

// Reads the records after the header, builds chunks and writes them (or classifies them,
// in a dry run), one chunk being written while the next is parsed.
template <class Row, class Builder, class State>
void runChunks(RunContext& cx, State& st, InputFile& file, Builder& builder,
               const std::function<void(const ImportProgress&)>& progress) {
  ImportJob& job = st.job;
  st.commits = std::make_shared<Commits>(cx.publish);
  const bool fresh = job.resumeOffset == 0;
  CsvReader reader(job.resumeOffset, fresh ? 1 : job.resumeLine);
  bool skipHeader = fresh;
  const ImportContext ctx{job.tag, job.mode, job.createdAt};

  auto report = [&](bool force) {
    if (!progress) return;
    const auto now = SteadyClock::now();
    if (!force && now - st.lastProgress < kProgressEvery) return;
    st.lastProgress = now;
    ImportProgress p;
    p.rows = job.report.summary.received;
    p.parsed = st.rowsRead;
    p.bytes = job.resumeOffset;
    p.totalBytes = st.totalBytes;
    p.seconds = std::chrono::duration<double>(now - st.started).count();
    p.summary = job.report.summary;
    progress(p);
  };

  // Applies a written (prefix of a) chunk to the job; returns the entries left over.
  auto apply = [&](Chunk<Row>& chunk, ChunkResult& r) {
    add(job.report.summary, r.summary);
    for (auto& p : r.problems)
      job.report.addProblem(std::move(p));
    if (r.truncated) job.report.rowsTruncated = true;
    if (r.consumed == chunk.entries.size()) {
      job.resumeOffset = chunk.endOffset;
      job.resumeLine = chunk.endLine;
    } else {
      job.resumeOffset = chunk.entries[r.consumed].offset;
      job.resumeLine = chunk.entries[r.consumed].line;
    }
    job.idState = st.ids.state();
    job.activeMillis = st.activeMillis();
    job.updatedAt = cx.clock.now();
    // A dry run's chunk is saved before it is applied; a written one may commit later.
    if (st.dryRun) {
      if (cx.publish) cx.publish(job);
    } else {
      st.commits->applied(job);
    }
    report(false);
    chunk.entries.erase(chunk.entries.begin(),
                        chunk.entries.begin() + static_cast<std::ptrdiff_t>(r.consumed));
  };

  // The job as saved with a chunk: its counts and resume point after `r`.
  auto savedCopy = [&st, &cx](const Chunk<Row>& chunk, const ChunkResult& r) {
    ImportJob copy = st.job;
    copy.report.rows.clear();
    add(copy.report.summary, r.summary);
    if (r.truncated) copy.report.rowsTruncated = true;
    if (r.consumed == chunk.entries.size()) {
      copy.resumeOffset = chunk.endOffset;
      copy.resumeLine = chunk.endLine;
    } else {
      copy.resumeOffset = chunk.entries[r.consumed].offset;
      copy.resumeLine = chunk.entries[r.consumed].line;
    }
    copy.idState = st.ids.state();
    copy.activeMillis = st.activeMillis();
    copy.updatedAt = cx.clock.now();
    return copy;
  };

  std::shared_ptr<Chunk<Row>> inflight;
  std::shared_ptr<ChunkResult> inflightResult;
  std::future<Status> inflightDone;
  bool lastChunk = false;  // the input is read to its end

  // Waits for the chunk being written; false on failure. Leftovers stay in `inflight`.
  auto settle = [&]() -> bool {
    if (!inflight || !inflightDone.valid()) return true;
    Status s = inflightDone.get();
    if (!s.ok()) {
      st.failure = std::move(s).error();
      inflight.reset();
      return false;
    }
    apply(*inflight, *inflightResult);
    return true;
  };

  auto submit = [&](std::shared_ptr<Chunk<Row>> chunk) -> bool {
    const std::size_t room =
        job.report.rows.size() >= kMaxReportedRows ? 0 : kMaxReportedRows - job.report.rows.size();
    auto result = std::make_shared<ChunkResult>();
    if (st.dryRun) {
      Status s = writeEntries(
          chunk->entries, cx.settings.batchRows, room,
          [&](std::vector<Row>& rows, std::vector<ImportOutcome>& out) {
            return KindOps<Row>::dry(*st.dryRun, ctx, rows, out);
          },
          [] { return false; }, *result);
      if (s.ok() && st.persist) {
        ImportJob copy = savedCopy(*chunk, *result);
        auto problems = result->problems;
        s = cx.store.writeSync([copy = std::move(copy), problems = std::move(problems)](
                                   WriteTx& tx) { return tx.saveImportJob(copy, problems); });
      }
      if (!s.ok()) {
        st.failure = std::move(s).error();
        return false;
      }
      apply(*chunk, *result);
      return true;
    }
    auto promise = std::make_shared<std::promise<Status>>();
    inflightDone = promise->get_future();
    inflight = chunk;
    inflightResult = result;
    const std::size_t batchRows = cx.settings.batchRows;
    const auto slice = cx.settings.slice;
    const bool persist = st.persist;
    // The last chunk ends its transaction; the others may share theirs with the next.
    auto commits = st.commits;
    commits->expect();
    Store::WriteDone committed = [commits](Status s) { commits->reported(std::move(s)); };
    Store::WriteDone ran = [promise](Status s) { promise->set_value(std::move(s)); };
    if (lastChunk) {
      committed = [commits, ran = std::move(ran)](Status s) {
        ran(s);
        commits->reported(std::move(s));
      };
      ran = nullptr;
    }
    cx.store.writeAlone(
        [&st, &savedCopy, chunk, result, room, ctx, batchRows, slice,
         persist](WriteTx& tx) -> Status {
          *result = ChunkResult{};
          const auto started = SteadyClock::now();
          Status s = writeEntries(
              chunk->entries, batchRows, room,
              [&](std::vector<Row>& rows, std::vector<ImportOutcome>& out) {
                return KindOps<Row>::write(tx, ctx, rows, out);
              },
              [&] { return SteadyClock::now() - started >= slice && tx.writesWaiting(); }, *result);
          if (!s.ok() || !persist) return s;
          return tx.saveImportJob(savedCopy(*chunk, *result), result->problems);
        },
        std::move(committed), std::move(ran));
    return true;
  };

  // Writes what the chunk in flight has left (it yielded to other writes) until none is.
  // The rest waits until the writes it yielded to are on disk: writing meanwhile would
  // lengthen the flush they wait for (it covers the whole WAL file).
  auto drain = [&]() -> bool {
    while (settle() && inflight && !inflight->entries.empty()) {
      if (cx.stop) return false;
      if (auto failed = st.commits->wait()) {
        st.failure = std::move(failed);
        return false;
      }
      auto rest = inflight;
      inflight.reset();
      if (!submit(rest)) return false;
    }
    return !st.failure;
  };

  // Hands a complete chunk over once the previous one is entirely written. Leftovers are
  // written first rather than carried into the next chunk: carried over, they piled up
  // (a chunk that yields writes only a slice of itself) while the parser kept reading, so
  // memory grew with the file.
  auto handoff = [&](Chunk<Row>&& next) -> bool {
    if (!drain()) return false;
    auto chunk = std::make_shared<Chunk<Row>>(std::move(next));
    inflight.reset();
    if (cx.stop) return false;
    if (chunk->entries.empty()) {
      job.resumeOffset = chunk->endOffset;
      job.resumeLine = chunk->endLine;
      return true;
    }
    return submit(std::move(chunk));
  };

  Chunk<Row> chunk;
  Error halt{ErrorKind::internal, "import halted", {}};
  bool halted = false;
  auto sink = [&](const CsvRecord& r) -> Status {
    if (skipHeader) {
      skipHeader = false;
      return {};
    }
    if (blankRecord(r)) return {};
    ++st.rowsRead;
    if (chunk.csvRows >= cx.settings.chunkRows && builder.boundary(r)) {
      builder.close(chunk);
      chunk.endOffset = r.offset;
      chunk.endLine = r.line;
      if (!handoff(std::move(chunk))) {
        halted = true;
        return halt;
      }
      chunk = Chunk<Row>{};
    }
    builder.add(r, chunk);
    return {};
  };

  std::string buffer;
  std::uint64_t offset = job.resumeOffset;
  for (;;) {
    auto bytes = file.read(offset, buffer);
    if (!bytes.ok()) {
      st.failure = std::move(bytes).error();
      break;
    }
    Status s = bytes->empty() ? reader.finish(sink) : reader.feed(*bytes, sink);
    if (!s.ok()) {
      if (!halted) st.failure = std::move(s).error();
      break;
    }
    if (bytes->empty()) {
      builder.close(chunk);
      chunk.endOffset = reader.offset();
      chunk.endLine = reader.line();
      lastChunk = true;
      if (handoff(std::move(chunk))) drain();
      break;
    }
    offset += bytes->size();
    report(false);
  }
  // Never leave a write in flight: it refers to this frame. Nor report the job before
  // what it wrote is committed.
  if (inflight) settle();
  if (auto failed = st.commits->wait(); failed && !st.failure) st.failure = std::move(failed);
  report(true);
}

}  // namespace

Result<ImportJob> ImportService::run(ImportJob& job, bool persist,
                                     const std::function<void(const ImportProgress&)>& progress) {
  auto fail = [&](Error e) -> Result<ImportJob> {
    finish(job, e, persist);
    return e;
  };
  InputFile file(job.inputPath);
  if (!file.ok()) {
    return fail(csvFileError(
        errno == ENOENT ? fmt::format("the input file {} is gone", job.inputPath)
                        : fmt::format("cannot read {}: {}", job.inputPath, std::strerror(errno))));
  }
  if (persist && file.size() != job.inputBytes) {
    return fail(csvFileError(fmt::format("the input file changed size ({} bytes, {} expected)",
                                         file.size(), job.inputBytes)));
  }
  if (job.dryRun && job.resumeOffset != 0) {
    // A dry run's memory of the keys it saw is gone: start it over.
    job.resumeOffset = 0;
    job.resumeLine = 1;
    job.report = ImportReport{};
    job.report.dryRun = true;
  }
  job.status = ImportStatus::running;
  if (!job.startedAt) job.startedAt = clock_.now();
  job.updatedAt = clock_.now();
  if (persist) {
    if (Status s = save(job); !s.ok()) return std::move(s).error();
  }
  Running state(job, persist, clock_);
  state.totalBytes = file.size();
  if (job.dryRun) {
    auto d = store_.openImportDryRun();
    if (!d.ok()) return fail(std::move(d).error());
    state.dryRun = std::move(d).value();
  }
  auto header = readHeader(file);
  if (!header.ok()) return fail(std::move(header).error());
  const std::vector<std::string_view> headerCells(header->begin(), header->end());
  RunContext cx{store_, settings_, stop_, nullptr, clock_};
  if (persist) {
    cx.publish = [this](const ImportJob& j) {
      std::lock_guard lock(mu_);
      current_ = j;
    };
  }
  if (job.kind == ImportKind::customers) {
    auto columns = KindOps<CustomerImportRow>::columns(headerCells);
    if (!columns.ok()) return fail(std::move(columns).error());
    ChunkBuilder<CustomerImportRow> builder(*columns, job.mode, state.ids);
    runChunks<CustomerImportRow>(cx, state, file, builder, progress);
  } else {
    auto columns = KindOps<OrderImportRow>::columns(headerCells);
    if (!columns.ok()) return fail(std::move(columns).error());
    ChunkBuilder<OrderImportRow> builder(*columns, job.mode, state.ids);
    runChunks<OrderImportRow>(cx, state, file, builder, progress);
  }
  job.activeMillis = state.activeMillis();
  if (state.failure) return fail(std::move(*state.failure));
  if (stop_ && persist) return Error::unavailable("MiniCRM is stopping");
  finish(job, std::nullopt, persist);
  return job;
}

}  // namespace minicrm
