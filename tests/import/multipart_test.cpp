// The streaming multipart/form-data parser: the same parts whatever the pieces the body
// arrives in, and the malformed bodies it refuses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/multipart.h"

namespace minicrm::http {
namespace {

struct Collected final : MultipartParser::Handler {
  std::vector<MultipartParser::Part> parts;
  std::vector<std::string> data;
  int ended = 0;
  Status partBegin(const MultipartParser::Part& p) override {
    parts.push_back(p);
    data.emplace_back();
    return {};
  }
  Status partData(std::string_view bytes) override {
    data.back().append(bytes);
    return {};
  }
  Status partEnd() override {
    ++ended;
    return {};
  }
};

const std::string kBody =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"note\"\r\n"
    "\r\n"
    "hello\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\n"
    "Content-Type: application/vnd.ms-excel\r\n"
    "\r\n"
    "name,email\r\nA,a@x.io\r\nx--XyZ\r\n\r\n--X\r\n"
    "--XyZ--\r\n"
    "epilogue";

TEST(Multipart, BoundaryComesFromTheContentType) {
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=XyZ"), "XyZ");
  EXPECT_EQ(multipartBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b'c\""), "a b'c");
  EXPECT_EQ(multipartBoundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(multipartBoundary("text/csv; boundary=XyZ"), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=" + std::string(71, 'a')),
            std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=a{b"), std::nullopt);
}

TEST(Multipart, SamePartsWhateverThePiecesTheBodyArrivesIn) {
  for (std::size_t piece : {kBody.size(), std::size_t{1}, std::size_t{2}, std::size_t{3},
                            std::size_t{5}, std::size_t{7}, std::size_t{64}}) {
    SCOPED_TRACE("pieces of " + std::to_string(piece));
    MultipartParser parser("XyZ");
    Collected c;
    for (std::size_t i = 0; i < kBody.size(); i += piece) {
      ASSERT_TRUE(parser.feed(std::string_view(kBody).substr(i, piece), c).ok());
    }
    ASSERT_TRUE(parser.finish().ok());
    ASSERT_EQ(c.parts.size(), 2u);
    EXPECT_EQ(c.ended, 2);
    EXPECT_EQ(c.parts[0].name, "note");
    EXPECT_EQ(c.data[0], "hello");
    EXPECT_EQ(c.parts[1].name, "file");
    EXPECT_EQ(c.parts[1].filename, "c.csv");
    EXPECT_EQ(c.parts[1].contentType, "application/vnd.ms-excel");
    EXPECT_EQ(c.data[1], "name,email\r\nA,a@x.io\r\nx--XyZ\r\n\r\n--X");
  }
}

TEST(Multipart, SplitAtEveryPositionYieldsTheSameFile) {
  for (std::size_t cut = 0; cut <= kBody.size(); ++cut) {
    MultipartParser parser("XyZ");
    Collected c;
    ASSERT_TRUE(parser.feed(std::string_view(kBody).substr(0, cut), c).ok()) << cut;
    ASSERT_TRUE(parser.feed(std::string_view(kBody).substr(cut), c).ok()) << cut;
    ASSERT_TRUE(parser.finish().ok()) << cut;
    ASSERT_EQ(c.data.size(), 2u) << cut;
    EXPECT_EQ(c.data[1], "name,email\r\nA,a@x.io\r\nx--XyZ\r\n\r\n--X") << cut;
  }
}

TEST(Multipart, RefusesMalformedBodies) {
  struct Bad {
    std::string body;
    const char* why;
  };
  const std::vector<Bad> cases = {
      {"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", "no closing boundary"},
      {"--XyZ\r\nContent-Type: text/csv\r\n\r\nabc\r\n--XyZ--", "no Content-Disposition"},
      {"--XyZ junk\r\n", "garbage after the delimiter"},
      {"--XyZ\r\nNoColonHere\r\n\r\nabc\r\n--XyZ--", "a header line without a colon"},
      {"--XyZ\r\nX: " + std::string(20000, 'a'), "headers too long"},
      {"", "an empty body"},
  };
  for (const auto& bad : cases) {
    SCOPED_TRACE(bad.why);
    MultipartParser parser("XyZ");
    Collected c;
    Status fed = parser.feed(bad.body, c);
    Status done = parser.finish();
    EXPECT_FALSE(fed.ok() && done.ok());
    const Error& e = fed.ok() ? done.error() : fed.error();
    EXPECT_EQ(e.kind, ErrorKind::invalid);
    ASSERT_FALSE(e.fields.empty());
    EXPECT_EQ(e.fields[0].path, "file");
  }
}

TEST(Multipart, AHandlerErrorStopsTheParser) {
  struct Failing final : MultipartParser::Handler {
    Status partBegin(const MultipartParser::Part&) override { return {}; }
    Status partData(std::string_view) override { return Error::internal("disk full"); }
    Status partEnd() override { return {}; }
  } failing;
  MultipartParser parser("XyZ");
  Status s = parser.feed(kBody, failing);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "disk full");
}

}  // namespace
}  // namespace minicrm::http
