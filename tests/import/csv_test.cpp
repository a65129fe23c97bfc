// CsvReader: records and their lines whatever the pieces the input arrives in, resuming
// from a record's offset, and the inputs it refuses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/csv.h"

namespace minicrm {
namespace {

struct Row {
  std::int64_t line;
  std::uint64_t offset;
  std::vector<std::string> cells;
  bool operator==(const Row&) const = default;
};

std::vector<Row> readAll(std::string_view input, std::size_t piece, std::uint64_t offset = 0,
                         std::int64_t line = 1) {
  std::vector<Row> rows;
  CsvReader reader(offset, line);
  auto sink = [&](const CsvRecord& r) -> Status {
    rows.push_back({r.line, r.offset, std::vector<std::string>(r.cells.begin(), r.cells.end())});
    return {};
  };
  for (std::size_t i = 0; i < input.size(); i += piece) {
    EXPECT_TRUE(reader.feed(input.substr(i, piece), sink).ok());
  }
  EXPECT_TRUE(reader.finish(sink).ok());
  return rows;
}

const std::string kInput =
    "\xEF\xBB\xBF"
    "a,b\r\n"
    "\r\n"
    "\"x\ny\",\"q\"\"uote\"\r\n"
    " spaced , \"kept \" \n"
    "last,row";

TEST(CsvReader, RecordsAndLinesDoNotDependOnThePieces) {
  const std::vector<Row> expected = {
      {1, 3, {"a", "b"}},
      {3, 10, {"x\ny", "q\"uote"}},
      {5, 27, {"spaced", "kept "}},
      {6, 46, {"last", "row"}},
  };
  for (std::size_t piece :
       {kInput.size(), std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{9}}) {
    EXPECT_EQ(readAll(kInput, piece), expected) << "pieces of " << piece;
  }
}

TEST(CsvReader, ResumesFromARecordsOffset) {
  const auto all = readAll(kInput, 7);
  ASSERT_EQ(all.size(), 4u);
  for (std::size_t k = 1; k < all.size(); ++k) {
    const auto rest =
        readAll(std::string_view(kInput).substr(all[k].offset), 5, all[k].offset, all[k].line);
    EXPECT_EQ(rest, std::vector<Row>(all.begin() + static_cast<std::ptrdiff_t>(k), all.end()));
  }
}

TEST(CsvReader, RefusesBinaryAndOverlongRecords) {
  auto fails = [](const std::string& input) {
    CsvReader reader;
    auto sink = [](const CsvRecord&) -> Status { return {}; };
    Status s = reader.feed(input, sink);
    if (s.ok()) s = reader.finish(sink);
    return s.ok() ? std::string() : s.error().message;
  };
  EXPECT_NE(fails(std::string("a,b\nc\0d,e\n", 10)).find("line 2"), std::string::npos);
  EXPECT_NE(fails("a,b\n\xff\xfe,x\n").find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(
      fails("a\n\"" + std::string(CsvReader::kMaxRecordBytes, 'x') + "\n\"\n").find("longer than"),
      std::string::npos);
  EXPECT_NE(fails("a\n" + std::string(CsvReader::kMaxRecordBytes + 1, 'x')).find("longer than"),
            std::string::npos);
  EXPECT_EQ(fails("a,b\n\"ok\",\"fine\"\n"), "");
}

TEST(CsvReader, ASinkErrorStopsTheReader) {
  CsvReader reader;
  int seen = 0;
  Status s = reader.feed("a\nb\nc\n", [&](const CsvRecord&) -> Status {
    return ++seen == 2 ? Status(Error::internal("enough")) : Status();
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "enough");
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace minicrm
