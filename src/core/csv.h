// Streaming CSV records (RFC 4180 as spreadsheets write it, parsed by libcsv): bytes go in
// as they arrive, whole records come out with the physical line they start on.
//
// - Quoted cells may hold delimiters, escaped quotes ("") and line breaks; CRLF and LF both
//   end a record; a UTF-8 byte order mark at the very start is skipped.
// - Unquoted cells are trimmed of spaces and tabs by libcsv; callers trim the rest.
// - Lines that hold nothing (or only blanks) produce no record, but every physical line
//   counts, so a record's `line` is where an editor shows it (header = 1).
// - The input must be UTF-8 text: a NUL byte or malformed UTF-8 stops the reader with an
//   `invalid` error naming the line. A record longer than kMaxRecordBytes (typically a
//   quote that is never closed) stops it too. Memory is bounded by that limit.
// - Readers can resume: given the byte offset and line number of a record's first line
//   (CsvRecord::offset/line of a record read earlier), a new reader fed the input from
//   that offset yields the same records from there on.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

struct csv_parser;

namespace minicrm {

struct CsvRecord {
  std::int64_t line = 0;                // physical line (1-based) where the record starts
  std::uint64_t offset = 0;             // byte offset of that line in the input
  std::vector<std::string_view> cells;  // valid during the callback only
};

// The error of a file that cannot be imported as a whole: invalid, path "file", message
// "The file cannot be imported: <detail>".
Error csvFileError(std::string detail);

class CsvReader {
 public:
  static constexpr std::size_t kMaxRecordBytes = 1 << 20;

  // Called for each record in order; an error stops the reader and is returned by
  // feed()/finish().
  using Sink = std::function<Status(const CsvRecord&)>;

  // `offset` and `line` locate the first byte fed (0 and 1 for a whole file).
  explicit CsvReader(std::uint64_t offset = 0, std::int64_t line = 1);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Consumes the next bytes of the input; records completed by them go to `sink`.
  Status feed(std::string_view bytes, const Sink& sink);
  // End of input: the last record may lack a line break.
  Status finish(const Sink& sink);

  // Offset and line of the next byte to be fed.
  std::uint64_t offset() const { return offset_ + pending_.size(); }
  std::int64_t line() const { return line_; }

 private:
  friend struct CsvCallbacks;
  Status parseLine(std::string_view text, const Sink& sink);
  void endRecord();

  csv_parser* parser_;
  std::uint64_t offset_;  // of the first byte of pending_ (or of the next line)
  std::int64_t line_;     // of the next line to parse
  bool atStart_;          // nothing parsed yet: a BOM may follow
  std::string pending_;   // an incomplete line carried over between feeds
  // The record being parsed.
  std::int64_t recordLine_ = 0;
  std::uint64_t recordOffset_ = 0;
  std::size_t recordBytes_ = 0;
  std::string cellData_;
  std::vector<std::size_t> cellEnds_;
  CsvRecord record_;
  const Sink* sink_ = nullptr;  // during a line
  Status sinkStatus_;
};

}  // namespace minicrm
