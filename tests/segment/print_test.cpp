// segment::print: the canonical JSON of a rule reads back into the same tree
// (parse(print(parse(x))) == parse(x)), on a table of hand-written documents of every
// shape and on thousands of generated ones; and a few canonical forms exactly.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/segment/segment.h"
#include "segment/random_segments.h"
#include "segment/segment_support.h"

namespace minicrm::segment {
namespace {

using segtest::json;
using segtest::text;

// parse(print(n)) == n, and printing is idempotent.
void expectRoundTrip(const boost::json::value& doc) {
  const std::string rules = text(doc);
  auto n = parse(doc);
  ASSERT_TRUE(n.ok()) << rules << ": " << n.error().message;
  const boost::json::value printed = print(*n);
  ASSERT_TRUE(printed.is_object()) << rules << " printed as " << text(printed);
  auto again = parse(printed);
  ASSERT_TRUE(again.ok()) << rules << " printed as " << text(printed)
                          << ", which does not parse: " << again.error().message;
  EXPECT_EQ(*again, *n) << rules << " printed as " << text(printed);
  EXPECT_EQ(text(print(*again)), text(printed)) << rules;
}

TEST(SegmentPrint, RoundTripOfEveryShape) {
  const char* documents[] = {
      R"({})",
      R"({"visits": 3})",
      R"({"name": "Asha Rao"})",
      R"({"phone": null})",
      R"({"phone": {"$ne": null}})",
      // Flat conjunctions of distinct fields.
      R"({"totalSpend": {"$gt": 10000}, "visits": {"$lt": 3}})",
      R"({"name": "a", "email": "b@c.in", "phone": "1", "city": "Pune", "totalSpend": 1,
          "visits": 2, "lastActive": "2025-01-31", "createdAt": "now", "avgOrderValue": 5})",
      // Several operators on one field.
      R"({"visits": {"$gt": 1, "$lt": 5}})",
      R"({"visits": {"$gte": 1, "$lte": 5, "$ne": 3, "$nin": [2, 4]}})",
      R"({"city": {"$exists": true, "$ne": "Pune", "$regex": "^M", "$options": "i"}})",
      R"({"name": {"$eq": "x", "$options": "i", "$regex": "a"}})",
      // $not with one and with several operators, nested, and beside others.
      R"({"visits": {"$not": {"$gt": 5}}})",
      R"({"visits": {"$not": {"$gte": 2, "$lte": 4}}})",
      R"({"visits": {"$not": {"$not": {"$gt": 5}}}})",
      R"({"visits": {"$not": {"$not": {"$gt": 1}, "$lt": 5}}})",
      R"({"name": {"$not": {"$regex": "a", "$options": "i"}, "$regex": "b"}})",
      R"({"phone": {"$not": {"$in": ["1", null]}}, "city": {"$not": {"$exists": true}}})",
      // Nested logic.
      R"({"$or": [{"totalSpend": {"$gt": 10000}, "visits": {"$lt": 3}},
                  {"lastActive": {"$lt": "now-90d"}}]})",
      R"({"$and": [{"$or": [{"visits": 1}, {"visits": 2}]}, {"$nor": [{"city": "Goa"}]}]})",
      R"({"$nor": [{"$or": [{"$and": [{"visits": 1}, {"city": "Pune"}]}, {"name": "x"}]}]})",
      R"({"visits": 1, "$or": [{"city": "Pune"}, {"city": "Goa"}]})",
      R"({"visits": 1, "$and": [{"name": "x"}]})",
      R"({"$or": [{"visits": 1}], "$nor": [{"visits": 2}], "$and": [{"visits": 3}]})",
      // Explicit single-element $and, and {} inside logic.
      R"({"$and": [{"visits": 1}]})",
      R"({"$and": [{"visits": {"$gt": 1, "$lt": 9}}]})",
      R"({"$or": [{}]})",
      R"({"$or": [{}, {"visits": 1}]})",
      R"({"$and": [{}, {"visits": 1}]})",
      R"({"$nor": [{}]})",
      // The same field twice through $and: same operator, different operators, two regexes.
      R"({"$and": [{"visits": {"$gt": 1}}, {"visits": {"$gt": 2}}]})",
      R"({"$and": [{"visits": {"$gt": 1}}, {"visits": {"$lt": 5}}]})",
      R"({"$and": [{"visits": {"$gt": 1, "$lt": 9}}, {"visits": {"$ne": 5}}]})",
      R"({"$and": [{"name": {"$regex": "a"}}, {"name": {"$regex": "b", "$options": "i"}}]})",
      R"({"$and": [{"name": {"$regex": "a", "$options": "i"}}, {"name": {"$regex": "b"}}]})",
      R"({"$or": [{"name": {"$regex": "a"}, "email": {"$regex": "b"}}]})",
      // Regexes with options.
      R"({"name": {"$regex": "^a", "$options": "i"}})",
      R"({"name": {"$regex": "^a$", "$options": "ms"}})",
      R"({"email": {"$regex": "@gmail\\.com$"}})",
      R"({"city": {"$regex": "शर्मा|मुंबई"}})",
      R"({"name": {"$regex": ""}})",
      // $in / $nin with and without null, empty.
      R"({"city": {"$in": ["Mumbai", "Pune", null]}})",
      R"({"city": {"$nin": [null]}})",
      R"({"city": {"$in": []}})",
      R"({"visits": {"$in": [0, 1, 10000]}})",
      R"({"totalSpend": {"$nin": [0.5, 1, 19.99, null]}})",
      R"({"lastActive": {"$in": ["2025-01-31", "2025-01-31T10:30:00Z", "now-7d", null]}})",
      R"({"email": {"$in": ["A@B.CO", "c@d.in"]}})",
      // Dates of every form.
      R"({"lastActive": {"$lt": "now-90d"}})",
      R"({"lastActive": {"$lt": {"$daysAgo": 90}}})",
      R"({"lastActive": {"$gte": "now"}})",
      R"({"lastActive": {"$lt": "now+2w"}})",
      R"({"createdAt": {"$gt": "now-3mo", "$lte": "now-1y"}})",
      R"({"createdAt": {"$eq": "now-0w"}})",
      R"({"createdAt": {"$gte": "2025-01-31"}})",
      R"({"createdAt": {"$gte": "2025-01-31T00:00:00Z"}})",
      R"({"createdAt": {"$ne": "2025-01-31T16:00:00+05:30"}})",
      R"({"createdAt": {"$lt": "2025-01-31T10:30"}})",
      R"({"createdAt": {"$lt": "2025-01-31T10:30:00.123Z"}})",
      R"({"lastActive": "1970-01-01"})",
      R"({"lastActive": {"$gt": "9999-12-31T23:59:59.999Z"}})",
      // Money with decimals, big and small; numeric strings; numbers on text fields.
      R"({"totalSpend": {"$gte": 19.99}})",
      R"({"totalSpend": {"$gte": 0.01, "$lt": 0.1}})",
      R"({"avgOrderValue": {"$gt": 1234567.5}})",
      R"({"totalSpend": 999999999999.99})",
      R"({"totalSpend": -0.5})",
      R"({"totalSpend": "5000"})",
      R"({"visits": "12"})",
      R"({"phone": 9876543210})",
      R"({"name": {"$gt": 42}})",
      // Booleans of $exists.
      R"({"phone": {"$exists": 0}, "city": {"$exists": 1}})",
      // Text that looks like something else.
      R"({"name": "now-90d"})",
      R"({"city": "{\"$gt\": 1}"})",
      R"({"name": "a\"b\\c\nd"})",
      R"({"name": "🙂 Zoë अनीता"})",
  };
  for (const char* d : documents) {
    SCOPED_TRACE(d);
    expectRoundTrip(json(d));
  }
}

// print(parse(rules)) is exactly `canonical`.
void expectCanonical(const char* rules, const char* canonical) {
  auto n = parse(json(rules));
  ASSERT_TRUE(n.ok()) << rules << ": " << n.error().message;
  EXPECT_EQ(print(*n), json(canonical))
      << rules << "\n  printed: " << text(print(*n)) << "\n  wanted:  " << canonical;
}

TEST(SegmentPrint, CanonicalForms) {
  // The assignment's example.
  expectCanonical(
      R"({"$or": [{"totalSpend": {"$gt": 10000}, "visits": {"$lt": 3}},
                  {"lastActive": {"$lt": {"$daysAgo": 90}}}]})",
      R"({"$or":[{"totalSpend":{"$gt":10000},"visits":{"$lt":3}},{"lastActive":{"$lt":"now-90d"}}]})");
  expectCanonical(R"({})", R"({})");
  expectCanonical(R"({"visits": 3})", R"({"visits":{"$eq":3}})");
  expectCanonical(R"({"visits": "3"})", R"({"visits":{"$eq":3}})");
  expectCanonical(R"({"totalSpend": "5000"})", R"({"totalSpend":{"$eq":5000}})");
  expectCanonical(R"({"totalSpend": {"$gte": 19.99}})", R"({"totalSpend":{"$gte":19.99}})");
  expectCanonical(R"({"totalSpend": {"$gte": "0.5"}})", R"({"totalSpend":{"$gte":0.5}})");
  expectCanonical(R"({"phone": 9876543210})", R"({"phone":{"$eq":"9876543210"}})");
  expectCanonical(R"({"email": " Asha@Example.COM "})", R"({"email":{"$eq":"asha@example.com"}})");
  expectCanonical(R"({"phone": null})", R"({"phone":{"$eq":null}})");
  expectCanonical(R"({"phone": {"$exists": 1}})", R"({"phone":{"$exists":true}})");
  expectCanonical(R"({"lastActive": {"$gte": "2025-01-31"}})",
                  R"({"lastActive":{"$gte":"2025-01-31"}})");
  expectCanonical(R"({"createdAt": {"$eq": "2025-01-31T16:00:00+05:30"}})",
                  R"({"createdAt":{"$eq":"2025-01-31T10:30:00.000Z"}})");
  expectCanonical(R"({"createdAt": {"$lt": "2025-01-31T10:30"}})",
                  R"({"createdAt":{"$lt":"2025-01-31T10:30:00.000Z"}})");
  expectCanonical(R"({"lastActive": {"$gte": {"$daysAgo": 0}}})",
                  R"({"lastActive":{"$gte":"now"}})");
  expectCanonical(R"({"lastActive": {"$gte": "now-0w"}})", R"({"lastActive":{"$gte":"now"}})");
  expectCanonical(R"({"lastActive": {"$lt": "now+2w"}})", R"({"lastActive":{"$lt":"now+2w"}})");
  expectCanonical(R"({"lastActive": {"$lt": "now-3mo"}})", R"({"lastActive":{"$lt":"now-3mo"}})");
  expectCanonical(R"({"lastActive": {"$in": [{"$daysAgo": 7}, null]}})",
                  R"({"lastActive":{"$in":["now-7d",null]}})");
  expectCanonical(R"({"name": {"$regex": "^a", "$options": "si"}})",
                  R"({"name":{"$regex":"^a","$options":"is"}})");
  expectCanonical(R"({"name": {"$regex": "^a", "$options": ""}})", R"({"name":{"$regex":"^a"}})");
  expectCanonical(R"({"$and": [{"visits": 1}]})", R"({"$and":[{"visits":{"$eq":1}}]})");
  expectCanonical(R"({"$or": [{}, {"visits": 1}]})", R"({"$or":[{},{"visits":{"$eq":1}}]})");
  expectCanonical(R"({"$and": [{"name": {"$regex": "a"}}, {"name": {"$regex": "b"}}]})",
                  R"({"$and":[{"name":{"$regex":"a"}},{"name":{"$regex":"b"}}]})");
  expectCanonical(R"({"visits": {"$not": {"$gte": 2, "$lte": 4}}})",
                  R"({"visits":{"$not":{"$gte":2,"$lte":4}}})");
  expectCanonical(R"({"city": {"$in": ["Mumbai", null]}, "visits": {"$gt": 1}})",
                  R"({"city":{"$in":["Mumbai",null]},"visits":{"$gt":1}})");
}

// Money prints as a JSON number of rupees, whole amounts as integers, never a string.
TEST(SegmentPrint, MoneyPrintsAsRupees) {
  for (const char* amount : {"0", "1", "19.99", "0.01", "0.1", "100000", "1234567.5",
                             "999999999999.99", "-0.5", "-250"}) {
    SCOPED_TRACE(amount);
    auto n = parse(json(std::string(R"({"totalSpend": {"$gte": )") + amount + "}}"));
    ASSERT_TRUE(n.ok());
    const boost::json::value printed = print(*n).at("totalSpend").at("$gte");
    ASSERT_TRUE(printed.is_number()) << text(printed);
    EXPECT_EQ(printed.to_number<double>(), std::strtod(amount, nullptr)) << text(printed);
    if (std::string(amount).find('.') == std::string::npos) {
      EXPECT_TRUE(printed.is_int64()) << text(printed);
    }
  }
}

TEST(SegmentPrint, RoundTripOfGeneratedRules) {
  std::uint64_t seed = 7'777;
  if (const char* env = std::getenv("MINICRM_SEGMENT_SEED"); env && *env) {
    seed = std::strtoull(env, nullptr, 10);
  }
  SCOPED_TRACE("seed " + std::to_string(seed) + " (MINICRM_SEGMENT_SEED)");
  segtest::Rng rng(seed);
  segtest::Ids ids;
  const Millis now = segtest::generatedNow();
  int checked = 0;
  for (int set = 0; set < 10; ++set) {
    const auto customers = segtest::randomCustomers(rng, ids, now, 200);
    for (int i = 0; i < 500; ++i) {
      const boost::json::value doc = segtest::randomRule(rng, customers, now);
      auto n = parse(doc);
      if (!n.ok()) continue;  // the equivalence test counts rejections
      SCOPED_TRACE(text(doc));
      expectRoundTrip(doc);
      if (::testing::Test::HasFailure()) return;
      ++checked;
    }
  }
  EXPECT_GE(checked, 4'750);
}

}  // namespace
}  // namespace minicrm::segment
