#include "auth/signature.h"

#include <gtest/gtest.h>

namespace minicrm::auth {
namespace {

constexpr std::int64_t kNow = 1'750'000'000;

TEST(Signature, KnownHmacVector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Signature, RoundTripsAndFormats) {
  const std::string h = signatureHeader("s3cret", R"({"a":1})", kNow);
  EXPECT_EQ(h.rfind("t=1750000000,v1=", 0), 0u);
  EXPECT_TRUE(verifySignature("s3cret", h, R"({"a":1})", kNow + 10).ok());
  EXPECT_TRUE(verifySignature("s3cret", " " + h + " ", R"({"a":1})", kNow).ok());
}

TEST(Signature, RefusesTamperingWrongSecretAndStaleTimes) {
  const std::string h = signatureHeader("s3cret", "body", kNow);
  for (const auto& [secret, header, body, now] :
       std::vector<std::tuple<std::string, std::string, std::string, std::int64_t>>{
           {"s3cret", h, "Body", kNow},                     // body changed
           {"other", h, "body", kNow},                      // wrong secret
           {"s3cret", h, "body", kNow + 301},               // too old
           {"s3cret", h, "body", kNow - 301},               // from the future
           {"s3cret", "", "body", kNow},                    // missing
           {"s3cret", "t=abc,v1=00", "body", kNow},         // malformed
           {"s3cret", "v1=" + h.substr(16), "body", kNow},  // no timestamp
       }) {
    Status s = verifySignature(secret, header, body, now);
    ASSERT_FALSE(s.ok()) << header;
    EXPECT_EQ(s.error().kind, ErrorKind::unauthorized);
  }
}

}  // namespace
}  // namespace minicrm::auth
