#include "core/csv.h"

#include <csv.h>
#include <fmt/format.h>

#include <cstring>

#include "core/text.h"

namespace minicrm {

struct CsvCallbacks {
  static void cell(void* data, std::size_t size, void* self) {
    auto* r = static_cast<CsvReader*>(self);
    if (size) r->cellData_.append(static_cast<const char*>(data), size);
    r->cellEnds_.push_back(r->cellData_.size());
  }
  static void row(int, void* self) { static_cast<CsvReader*>(self)->endRecord(); }
};

namespace {

Error notText(std::int64_t line, std::string_view what) {
  return csvFileError(
      fmt::format("line {} holds {}; the file must be CSV text in UTF-8", line, what));
}

}  // namespace

Error csvFileError(std::string detail) {
  std::string message = "The file cannot be imported: " + detail;
  return Error::invalid({{"file", std::move(detail)}}, std::move(message));
}

CsvReader::CsvReader(std::uint64_t offset, std::int64_t line)
    : parser_(new csv_parser), offset_(offset), line_(line), atStart_(offset == 0) {
  csv_init(parser_, 0);
}

CsvReader::~CsvReader() {
  csv_free(parser_);
  delete parser_;
}

void CsvReader::endRecord() {
  record_.line = recordLine_;
  record_.offset = recordOffset_;
  record_.cells.clear();
  std::size_t begin = 0;
  for (std::size_t end : cellEnds_) {
    record_.cells.emplace_back(cellData_.data() + begin, end - begin);
    begin = end;
  }
  if (sinkStatus_.ok() && sink_) sinkStatus_ = (*sink_)(record_);
  cellData_.clear();
  cellEnds_.clear();
  recordBytes_ = 0;
}

Status CsvReader::parseLine(std::string_view text, const Sink& sink) {
  if (atStart_) {
    atStart_ = false;
    if (text.starts_with("\xEF\xBB\xBF")) {
      text.remove_prefix(3);
      offset_ += 3;
    }
  }
  if (std::memchr(text.data(), 0, text.size())) return notText(line_, "a NUL byte");
  if (!validUtf8(text)) return notText(line_, "bytes that are not valid UTF-8");
  if (parser_->pstate == 0) {  // between records: this line may start the next one
    recordLine_ = line_;
    recordOffset_ = offset_;
  }
  recordBytes_ += text.size();
  if (recordBytes_ > kMaxRecordBytes) {
    return csvFileError(
        fmt::format("the record at line {} is longer than {} bytes (is a quote never closed?)",
                    recordLine_, kMaxRecordBytes));
  }
  sink_ = &sink;
  const std::size_t used =
      csv_parse(parser_, text.data(), text.size(), &CsvCallbacks::cell, &CsvCallbacks::row, this);
  sink_ = nullptr;
  if (used != text.size()) {
    return csvFileError(fmt::format("line {}: {}", line_, csv_strerror(csv_error(parser_))));
  }
  offset_ += text.size();
  if (!text.empty() && text.back() == '\n') ++line_;
  if (!sinkStatus_.ok()) return sinkStatus_;
  return {};
}

Status CsvReader::feed(std::string_view bytes, const Sink& sink) {
  if (!sinkStatus_.ok()) return sinkStatus_;
  while (!bytes.empty()) {
    const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
    if (!nl) {
      if (pending_.size() + bytes.size() > kMaxRecordBytes) {
        return csvFileError(fmt::format("line {} is longer than {} bytes", line_, kMaxRecordBytes));
      }
      pending_.append(bytes);
      return {};
    }
    const std::size_t n = static_cast<const char*>(nl) - bytes.data() + 1;
    Status s;
    if (pending_.empty()) {
      s = parseLine(bytes.substr(0, n), sink);
    } else {
      pending_.append(bytes.substr(0, n));
      std::string whole;
      whole.swap(pending_);
      s = parseLine(whole, sink);
    }
    if (!s.ok()) return s;
    bytes.remove_prefix(n);
  }
  return {};
}

Status CsvReader::finish(const Sink& sink) {
  if (!sinkStatus_.ok()) return sinkStatus_;
  if (!pending_.empty()) {
    std::string last;
    last.swap(pending_);
    if (Status s = parseLine(last, sink); !s.ok()) return s;
  }
  sink_ = &sink;
  csv_fini(parser_, &CsvCallbacks::cell, &CsvCallbacks::row, this);
  sink_ = nullptr;
  return sinkStatus_;
}

}  // namespace minicrm
