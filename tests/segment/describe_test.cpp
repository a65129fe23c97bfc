// segment::describe: the sentence people read in campaign history, the rule builder and
// AI answers.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/segment/segment.h"
#include "core/text.h"
#include "segment/random_segments.h"
#include "segment/segment_support.h"

namespace minicrm::segment {
namespace {

using segtest::json;
using segtest::text;

std::string described(const char* rules) {
  auto n = parse(json(rules));
  if (!n.ok()) {
    ADD_FAILURE() << rules << ": " << n.error().message;
    return "";
  }
  return describe(*n);
}

struct Sentence {
  const char* rules;
  const char* sentence;
};

TEST(SegmentDescribe, Sentences) {
  const Sentence table[] = {
      {R"({})", "everyone"},
      // The assignment's example.
      {R"({"$or": [{"totalSpend": {"$gt": 10000}, "visits": {"$lt": 3}},
                   {"lastActive": {"$lt": "now-90d"}}]})",
       "total spend over ₹10,000 and fewer than 3 visits, or inactive for 90 days"},
      {R"({"$or": [{"totalSpend": {"$gt": "10000"}, "visits": {"$lt": "3"}},
                   {"lastActive": {"$lt": {"$daysAgo": 90}}}]})",
       "total spend over ₹10,000 and fewer than 3 visits, or inactive for 90 days"},
      // Money: Indian digit grouping, paise.
      {R"({"totalSpend": {"$gte": 100000}})", "total spend of at least ₹1,00,000"},
      {R"({"totalSpend": {"$gt": 1234567}})", "total spend over ₹12,34,567"},
      {R"({"totalSpend": {"$gte": 10000000}})", "total spend of at least ₹1,00,00,000"},
      {R"({"totalSpend": {"$lt": 999}})", "total spend under ₹999"},
      {R"({"totalSpend": {"$lte": 1000}})", "total spend of at most ₹1,000"},
      {R"({"totalSpend": 19.99})", "total spend of exactly ₹19.99"},
      {R"({"totalSpend": {"$gt": 1234567.5}})", "total spend over ₹12,34,567.50"},
      {R"({"totalSpend": {"$ne": 0.05}})", "total spend other than ₹0.05"},
      {R"({"avgOrderValue": {"$gt": 500}})", "average order value over ₹500"},
      {R"({"avgOrderValue": {"$lte": "2500.5"}})", "average order value of at most ₹2,500.50"},
      // Visits: singular and plural.
      {R"({"visits": 1})", "exactly 1 visit"},
      {R"({"visits": {"$gte": 1}})", "at least 1 visit"},
      {R"({"visits": {"$lte": 1}})", "at most 1 visit"},
      {R"({"visits": {"$gt": 0}})", "more than 0 visits"},
      {R"({"visits": {"$lt": 3}})", "fewer than 3 visits"},
      {R"({"visits": {"$ne": 2}})", "not exactly 2 visits"},
      {R"({"visits": {"$gt": 1, "$lt": 5}})", "more than 1 visit and fewer than 5 visits"},
      // Cities.
      {R"({"city": "Mumbai"})", "in Mumbai"},
      {R"({"city": {"$ne": "Mumbai"}})", "not in Mumbai"},
      {R"({"city": {"$in": ["Pune"]}})", "in Pune"},
      {R"({"city": {"$in": ["Mumbai", "Pune"]}})", "in Mumbai or Pune"},
      {R"({"city": {"$in": ["Mumbai", "Pune", "Delhi"]}})", "in Mumbai, Pune or Delhi"},
      {R"({"city": {"$nin": ["Mumbai", "Pune"]}})", "not in Mumbai or Pune"},
      {R"({"city": "नई दिल्ली"})", "in नई दिल्ली"},
      {R"({"city": {"$exists": false}})", "without a city"},
      // Phone and other text.
      {R"({"phone": {"$exists": true}})", "with a phone number"},
      {R"({"phone": {"$exists": false}})", "without a phone number"},
      {R"({"phone": 9876543210})", "phone number is 9876543210"},
      {R"({"name": "Asha Rao"})", "name is Asha Rao"},
      {R"({"email": "Asha@Example.com"})", "email is asha@example.com"},
      {R"({"name": {"$ne": "Asha"}})", "name is not Asha"},
      // Regexes.
      {R"({"name": {"$regex": "^a", "$options": "i"}})", "name matching /^a/i"},
      {R"({"email": {"$regex": "@gmail\\.com$"}})", "email matching /@gmail\\.com$/"},
      // Dates.
      {R"({"lastActive": {"$gte": "now-30d"}})", "active in the last 30 days"},
      {R"({"lastActive": {"$gt": "now-1w"}})", "active in the last 1 week"},
      {R"({"lastActive": {"$lt": {"$daysAgo": 1}}})", "inactive for 1 day"},
      {R"({"lastActive": {"$lt": "now-2w"}})", "inactive for 2 weeks"},
      {R"({"lastActive": {"$lte": "now-6mo"}})", "inactive for 6 months"},
      {R"({"createdAt": {"$lt": "now-1y"}})", "joined more than 1 year ago"},
      {R"({"createdAt": {"$gte": "now-3mo"}})", "joined in the last 3 months"},
      {R"({"createdAt": {"$gt": "2025-01-31"}})", "joined after 2025-01-31"},
      {R"({"createdAt": {"$gte": "2025-01-31"}})", "joined on or after 2025-01-31"},
      {R"({"lastActive": "2025-01-31"})", "last active on 2025-01-31"},
      {R"({"lastActive": {"$ne": "2025-01-31"}})", "last active not on 2025-01-31"},
      {R"({"lastActive": {"$lt": "2025-01-31"}})", "last active before 2025-01-31"},
      {R"({"lastActive": {"$lte": "2025-01-31"}})", "last active on or before 2025-01-31"},
      {R"({"lastActive": {"$lt": "2025-01-31T16:00:00+05:30"}})",
       "last active before 2025-01-31T10:30:00.000Z"},
      // Conjunctions, groups, negation.
      {R"({"totalSpend": {"$gt": 1000}, "visits": {"$gte": 2}, "city": "Pune"})",
       "total spend over ₹1,000, at least 2 visits and in Pune"},
      {R"({"$or": [{"visits": 1}, {"city": "Goa"}]})", "exactly 1 visit or in Goa"},
      {R"({"$or": [{"visits": 1}, {"$and": [{"city": "Pune"}, {"visits": 2}]}]})",
       "exactly 1 visit, or (in Pune and exactly 2 visits)"},
      {R"({"$and": [{"$or": [{"visits": 1}, {"visits": 2}]}, {"$or": [{"city": "Pune"},
                    {"city": "Goa"}]}]})",
       "(exactly 1 visit or exactly 2 visits), and (in Pune or in Goa)"},
      {R"({"$nor": [{"visits": 1}, {"city": "Goa"}]})", "none of (exactly 1 visit or in Goa)"},
      {R"({"visits": {"$not": {"$gt": 5}}})", "not (more than 5 visits)"},
      {R"({"$and": [{"visits": 1}]})", "exactly 1 visit"},
  };
  for (const Sentence& s : table) {
    EXPECT_EQ(described(s.rules), s.sentence) << s.rules;
  }
}

// A relative date in the future reads as "in 2 weeks"; after "before"/"after" that must
// still be a sentence ("last active before in 2 weeks" is not).
TEST(SegmentDescribe, FutureRelativeDatesReadAsSentences) {
  for (const char* rules :
       {R"({"lastActive": {"$lt": "now+2w"}})", R"({"lastActive": {"$gt": "now+2w"}})",
        R"({"createdAt": {"$lte": "now+2w"}})"}) {
    const std::string s = described(rules);
    EXPECT_TRUE(s.find("2 weeks") != std::string::npos) << rules << ": " << s;
    EXPECT_TRUE(s.find("before in") == std::string::npos) << rules << ": " << s;
    EXPECT_TRUE(s.find("after in") == std::string::npos) << rules << ": " << s;
  }
}

// Every rule has a sentence: non-empty, valid UTF-8, and a different rule of the same shape
// with a different value reads differently.
TEST(SegmentDescribe, EveryGeneratedRuleHasASentence) {
  segtest::Rng rng(4'242);
  segtest::Ids ids;
  const Millis now = segtest::generatedNow();
  const auto customers = segtest::randomCustomers(rng, ids, now, 100);
  int checked = 0;
  for (int i = 0; i < 2'000; ++i) {
    const boost::json::value doc = segtest::randomRule(rng, customers, now);
    auto n = parse(doc);
    if (!n.ok()) continue;
    const std::string s = describe(*n);
    EXPECT_FALSE(s.empty()) << text(doc);
    EXPECT_TRUE(validUtf8(s)) << text(doc);
    ++checked;
  }
  EXPECT_GE(checked, 1'900);
  EXPECT_NE(described(R"({"visits": {"$gt": 3}})"), described(R"({"visits": {"$gt": 4}})"));
  EXPECT_NE(described(R"({"visits": {"$gt": 3}})"), described(R"({"visits": {"$gte": 3}})"));
}

}  // namespace
}  // namespace minicrm::segment
