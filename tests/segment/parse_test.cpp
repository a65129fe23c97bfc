// segment::parse: what API.md ("Segment rules") accepts, how values are normalised, and
// the 400s: every mistake is reported at its dot path ("segmentRules.$or.1.totalSpend.$gte"),
// all of them at once.
#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "core/segment/segment.h"
#include "core/time.h"
#include "segment/segment_support.h"

namespace minicrm::segment {
namespace {

using segtest::at;
using segtest::json;
using segtest::text;

// The node of rules that must parse; Node{} (and a failure) when they do not.
Node accepted(const boost::json::value& rules) {
  auto n = parse(rules);
  if (!n.ok()) {
    ADD_FAILURE() << text(rules) << " was rejected: " << n.error().message;
    return Node{};
  }
  return *n;
}
Node accepted(const char* rules) {
  return accepted(json(rules));
}

// The field errors of rules that must be rejected.
std::vector<FieldError> rejected(const boost::json::value& rules, const Limits& limits = {}) {
  auto n = parse(rules, "segmentRules", limits);
  if (n.ok()) {
    ADD_FAILURE() << text(rules).substr(0, 300) << " was accepted as "
                  << text(print(*n)).substr(0, 300);
    return {};
  }
  EXPECT_EQ(n.error().kind, ErrorKind::invalid);
  EXPECT_FALSE(n.error().fields.empty()) << "a 400 must name the offending path";
  return n.error().fields;
}
std::vector<FieldError> rejected(const char* rules) {
  return rejected(json(rules));
}

std::string listed(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors)
    out += "\n  " + e.path + ": " + e.message;
  return out;
}

bool hasError(const std::vector<FieldError>& errors, const std::string& path,
              const std::string& message) {
  return std::any_of(errors.begin(), errors.end(), [&](const FieldError& e) {
    return e.path == path && e.message.find(message) != std::string::npos;
  });
}

const Predicate& onlyPredicate(const Node& n) {
  EXPECT_EQ(n.kind, Node::Kind::predicate) << ::testing::PrintToString(n);
  return n.predicate;
}

TEST(SegmentParse, EmptyDocumentIsEveryone) {
  auto n = parse(json("{}"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->kind, Node::Kind::all);
}

// --- errors: the exact path and what the message says -------------------------------------

struct ErrorCase {
  const char* rules;
  const char* path;
  const char* message;  // a substring of the message
};

void expectErrors(const std::vector<ErrorCase>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rules);
    const auto errors = rejected(c.rules);
    EXPECT_TRUE(hasError(errors, c.path, c.message))
        << "wanted " << c.path << ": ..." << c.message << "...; got" << listed(errors);
    for (const auto& e : errors) {
      EXPECT_TRUE(e.path.starts_with("segmentRules")) << e.path;
      EXPECT_FALSE(e.message.empty()) << e.path;
    }
  }
}

TEST(SegmentParse, UnknownFieldsAndOperators) {
  expectErrors({
      {R"({"foo": 1})", "segmentRules.foo", "unknown field"},
      {R"({"Name": "Asha"})", "segmentRules.Name", "unknown field"},
      {R"({"$or": [{"visits": 1}, {"age": {"$gt": 3}}]})", "segmentRules.$or.1.age",
       "unknown field"},
      {R"({"name": {"$foo": 1}})", "segmentRules.name.$foo", "unknown operator"},
      {R"({"name": {"$elemMatch": {"$eq": "a"}}})", "segmentRules.name.$elemMatch",
       "unknown operator"},
      {R"({"visits": {"$size": 2}})", "segmentRules.visits.$size", "unknown operator"},
      {R"({"$foo": [{}]})", "segmentRules.$foo", "unknown operator"},
      {R"({"$not": {"visits": 1}})", "segmentRules.$not", "unknown operator"},
      {R"({"name": {"eq": "x"}})", "segmentRules.name.eq", "expected an operator"},
      {R"({"name": {"$eq": "x", "city": "Pune"}})", "segmentRules.name.city",
       "expected an operator"},
  });
}

TEST(SegmentParse, JavaScriptAndExpressionOperatorsAreRefusedAtTheirPath) {
  expectErrors({
      {R"({"$where": "this.visits > 1"})", "segmentRules.$where", "not allowed"},
      {R"({"$expr": {"$gt": ["$visits", 1]}})", "segmentRules.$expr", "not allowed"},
      {R"({"$function": {"body": "function() { return true }", "args": [], "lang": "js"}})",
       "segmentRules.$function", "not allowed"},
      {R"({"name": {"$where": "sleep 100"}})", "segmentRules.name.$where", "not allowed"},
      {R"({"$or": [{"visits": {"$expr": 1}}]})", "segmentRules.$or.0.visits.$expr", "not allowed"},
      {R"({"$and": [{"visits": 1}, {"$where": "1"}]})", "segmentRules.$and.1.$where",
       "not allowed"},
      {R"({"$nor": [{"$function": {}}]})", "segmentRules.$nor.0.$function", "not allowed"},
      {R"({"visits": {"$not": {"$where": "1"}}})", "segmentRules.visits.$not.$where",
       "not allowed"},
  });
}

TEST(SegmentParse, WrongValueTypesPerField) {
  expectErrors({
      // The example of API.md.
      {R"({"$or": [{"visits": 1}, {"totalSpend": {"$gte": true}}]})",
       "segmentRules.$or.1.totalSpend.$gte", "expected a number"},
      {R"({"totalSpend": false})", "segmentRules.totalSpend", "expected a number"},
      {R"({"avgOrderValue": {"$lt": true}})", "segmentRules.avgOrderValue.$lt",
       "expected a number"},
      {R"({"visits": true})", "segmentRules.visits", "expected a number"},
      {R"({"totalSpend": "abc"})", "segmentRules.totalSpend", "expected a number, got \"abc\""},
      {R"({"totalSpend": "12.345"})", "segmentRules.totalSpend",
       "expected an amount with at most 2 decimals"},
      {R"({"totalSpend": 1.005})", "segmentRules.totalSpend", "at most 2 decimals"},
      {R"({"totalSpend": "10.999"})", "segmentRules.totalSpend", "at most 2 decimals"},
      {R"({"visits": 1.5})", "segmentRules.visits", "whole number"},
      {R"({"visits": "1.5"})", "segmentRules.visits", "whole number"},
      {R"({"visits": "three"})", "segmentRules.visits", "whole number"},
      {R"({"visits": {"$in": [1, "x"]}})", "segmentRules.visits.$in.1", "whole number"},
      {R"({"name": true})", "segmentRules.name", "expected a string"},
      {R"({"city": {"$eq": false}})", "segmentRules.city.$eq", "expected a string"},
      {R"({"email": {"$ne": true}})", "segmentRules.email.$ne", "expected a string"},
      {R"({"phone": {"$in": ["1", true]}})", "segmentRules.phone.$in.1", "expected a string"},
      {R"({"name": {"$eq": ["a"]}})", "segmentRules.name.$eq", "expected a single value"},
      {R"({"name": {"$gt": {"a": 1}}})", "segmentRules.name.$gt", "expected a single value"},
      {R"({"visits": {"$lt": [1]}})", "segmentRules.visits.$lt", "expected a single value"},
      {R"({"name": ["a", "b"]})", "segmentRules.name", "$in"},
      {R"({"phone": {}})", "segmentRules.phone", "at least one operator"},
      {R"({"lastActive": 20250131})", "segmentRules.lastActive", "expected a date"},
      {R"({"lastActive": true})", "segmentRules.lastActive", "expected a date"},
      {R"({"createdAt": "yesterday"})", "segmentRules.createdAt", "expected a date"},
      {R"({"createdAt": {"$gt": "2025-02-30"}})", "segmentRules.createdAt.$gt", "expected a date"},
      {R"({"createdAt": {"$gt": "31/01/2025"}})", "segmentRules.createdAt.$gt", "expected a date"},
      {R"({"lastActive": {"$lt": "now-90"}})", "segmentRules.lastActive.$lt", "relative date"},
      {R"({"lastActive": {"$lt": "now-90days"}})", "segmentRules.lastActive.$lt", "relative date"},
      {R"({"lastActive": {"$lt": "now-3h"}})", "segmentRules.lastActive.$lt", "relative date"},
      {R"({"lastActive": {"$lt": "now-1234567d"}})", "segmentRules.lastActive.$lt",
       "relative date"},
      {R"({"lastActive": {"$lt": {"$daysAgo": "90"}}})", "segmentRules.lastActive.$lt.$daysAgo",
       "whole number of days"},
      {R"({"lastActive": {"$lt": {"$daysAgo": -1}}})", "segmentRules.lastActive.$lt.$daysAgo",
       "whole number of days"},
      {R"({"lastActive": {"$lt": {"$daysAgo": 1.5}}})", "segmentRules.lastActive.$lt.$daysAgo",
       "whole number of days"},
      {R"({"lastActive": {"$lt": {"$daysAgo": 90, "x": 1}}})", "segmentRules.lastActive.$lt",
       "$daysAgo"},
      {R"({"lastActive": {"$lt": {"$hoursAgo": 2}}})", "segmentRules.lastActive.$lt", "$daysAgo"},
      {R"({"lastActive": {"$daysAgo": 90}})", "segmentRules.lastActive.$daysAgo",
       "not an operator"},
      {R"({"visits": {"$not": {"$gt": "x"}}})", "segmentRules.visits.$not.$gt", "whole number"},
  });
}

TEST(SegmentParse, EmptyStringOnNumericOrDateFieldIsAMissingValue) {
  expectErrors({
      {R"({"totalSpend": {"$gte": ""}})", "segmentRules.totalSpend.$gte", "is missing a value"},
      {R"({"totalSpend": ""})", "segmentRules.totalSpend", "is missing a value"},
      {R"({"visits": ""})", "segmentRules.visits", "is missing a value"},
      {R"({"visits": {"$in": [1, ""]}})", "segmentRules.visits.$in.1", "is missing a value"},
      {R"({"avgOrderValue": {"$lt": "  "}})", "segmentRules.avgOrderValue.$lt",
       "is missing a value"},
      {R"({"lastActive": {"$lt": ""}})", "segmentRules.lastActive.$lt", "is missing a value"},
      {R"({"createdAt": ""})", "segmentRules.createdAt", "is missing a value"},
      {R"({"$or": [{"visits": 1}, {"totalSpend": {"$gte": ""}}]})",
       "segmentRules.$or.1.totalSpend.$gte", "is missing a value"},
  });
}

TEST(SegmentParse, NullWhereNotAllowed) {
  expectErrors({
      {R"({"visits": {"$gt": null}})", "segmentRules.visits.$gt", "cannot compare with null"},
      {R"({"name": {"$gte": null}})", "segmentRules.name.$gte", "cannot compare with null"},
      {R"({"lastActive": {"$lt": null}})", "segmentRules.lastActive.$lt",
       "cannot compare with null"},
      {R"({"phone": {"$lte": null}})", "segmentRules.phone.$lte", "cannot compare with null"},
      {R"({"name": {"$regex": null}})", "segmentRules.name.$regex", "pattern"},
      {R"({"phone": {"$exists": null}})", "segmentRules.phone.$exists", "true or false"},
      {R"({"city": {"$in": null}})", "segmentRules.city.$in", "expected an array"},
      {R"({"$or": null})", "segmentRules.$or", "non-empty array"},
      {R"({"name": {"$not": null}})", "segmentRules.name.$not", "operator object"},
      {R"({"name": {"$regex": "a", "$options": null}})", "segmentRules.name.$options",
       "string of flags"},
      {"null", "segmentRules", "expected a rule document"},
  });
}

TEST(SegmentParse, LogicalOperatorsNeedNonEmptyArraysOfDocuments) {
  expectErrors({
      {R"({"$and": []})", "segmentRules.$and", "non-empty array"},
      {R"({"$or": []})", "segmentRules.$or", "non-empty array"},
      {R"({"$nor": []})", "segmentRules.$nor", "non-empty array"},
      {R"({"$or": [{"$and": []}]})", "segmentRules.$or.0.$and", "non-empty array"},
      {R"({"$or": {"visits": 1}})", "segmentRules.$or", "an object"},
      {R"({"$and": "visits"})", "segmentRules.$and", "a string"},
      {R"({"$and": [{"visits": 1}, 5]})", "segmentRules.$and.1", "expected a rule document"},
      {R"({"$or": [[]]})", "segmentRules.$or.0", "expected a rule document"},
      {"[]", "segmentRules", "expected a rule document"},
      {R"("visits")", "segmentRules", "expected a rule document"},
  });
}

TEST(SegmentParse, InAndNinNeedArraysOfValues) {
  expectErrors({
      {R"({"city": {"$in": "Mumbai"}})", "segmentRules.city.$in", "expected an array"},
      {R"({"visits": {"$nin": 3}})", "segmentRules.visits.$nin", "expected an array"},
      {R"({"city": {"$in": {"a": 1}}})", "segmentRules.city.$in", "expected an array"},
      {R"({"city": {"$in": [["Pune"]]}})", "segmentRules.city.$in.0", "expected a value"},
      {R"({"city": {"$nin": ["Pune", {"x": 1}]}})", "segmentRules.city.$nin.1", "expected a value"},
      {R"({"$or": [{"$and": [{"visits": 1}, {"$nor": [{"city": {"$in": ["a", {"b": 1}]}}]}]}]})",
       "segmentRules.$or.0.$and.1.$nor.0.city.$in.1", "expected a value"},
  });
}

TEST(SegmentParse, RegexMistakes) {
  expectErrors({
      {R"({"name": {"$options": "i"}})", "segmentRules.name.$options", "$regex"},
      {R"({"name": {"$eq": "a", "$options": "i"}})", "segmentRules.name.$options", "$regex"},
      {R"({"name": {"$not": {"$regex": "a"}, "$options": "i"}})", "segmentRules.name.$options",
       "$regex"},
      {R"({"name": {"$regex": "a", "$options": "g"}})", "segmentRules.name.$options",
       "unsupported flag 'g'"},
      {R"({"name": {"$regex": "a", "$options": "ix"}})", "segmentRules.name.$options",
       "unsupported flag 'x'"},
      {R"({"name": {"$not": {"$regex": "a", "$options": "u"}}})", "segmentRules.name.$not.$options",
       "unsupported flag"},
      {R"({"name": {"$regex": "a", "$options": 1}})", "segmentRules.name.$options",
       "string of flags"},
      {R"({"name": {"$regex": "("}})", "segmentRules.name.$regex", "invalid pattern"},
      {R"({"name": {"$regex": "[a-"}})", "segmentRules.name.$regex", "invalid pattern"},
      {R"({"email": {"$regex": "(?=a)b"}})", "segmentRules.email.$regex", "invalid pattern"},
      {R"({"city": {"$regex": "(a)\\1"}})", "segmentRules.city.$regex", "invalid pattern"},
      {R"({"phone": {"$regex": "*9"}})", "segmentRules.phone.$regex", "invalid pattern"},
      {R"({"name": {"$regex": 5}})", "segmentRules.name.$regex", "pattern"},
      {R"({"visits": {"$regex": "1"}})", "segmentRules.visits.$regex", "text fields"},
      {R"({"lastActive": {"$regex": "2025"}})", "segmentRules.lastActive.$regex", "text fields"},
      {R"({"phone": {"$exists": "yes"}})", "segmentRules.phone.$exists", "true or false"},
      {R"({"phone": {"$exists": 2}})", "segmentRules.phone.$exists", "true or false"},
      {R"({"visits": {"$not": 5}})", "segmentRules.visits.$not", "operator object"},
      {R"({"visits": {"$not": {}}})", "segmentRules.visits.$not", "at least one operator"},
  });
}

TEST(SegmentParse, ThePathPrefixIsTheCallers) {
  auto n = parse(json(R"({"$or": [{"foo": 1}]})"), "rules");
  ASSERT_FALSE(n.ok());
  ASSERT_EQ(n.error().fields.size(), 1u);
  EXPECT_EQ(n.error().fields[0].path, "rules.$or.0.foo");

  auto bare = parse(json(R"({"visits": true})"), "");
  ASSERT_FALSE(bare.ok());
  ASSERT_EQ(bare.error().fields.size(), 1u);
  EXPECT_EQ(bare.error().fields[0].path, "visits");
}

TEST(SegmentParse, SeveralErrorsAreAllReported) {
  const auto errors = rejected(
      R"({"foo": 1, "visits": true, "$or": [], "name": {"$regex": "("}, "city": {"$in": "x"},
          "lastActive": {"$lt": "soon"}})");
  std::set<std::string> paths;
  for (const auto& e : errors)
    paths.insert(e.path);
  EXPECT_EQ(paths, (std::set<std::string>{"segmentRules.foo", "segmentRules.visits",
                                          "segmentRules.$or", "segmentRules.name.$regex",
                                          "segmentRules.city.$in", "segmentRules.lastActive.$lt"}))
      << listed(errors);

  // Inside one operator object, one list and one $or too.
  const auto inner = rejected(R"({"visits": {"$gt": true, "$lt": "x", "$foo": 1},
                                  "city": {"$in": [{"x": 1}, "Pune", false]},
                                  "$or": [{"name": 1, "bar": 2}, {"visits": {"$gte": ""}}]})");
  for (const char* path :
       {"segmentRules.visits.$gt", "segmentRules.visits.$lt", "segmentRules.visits.$foo",
        "segmentRules.city.$in.0", "segmentRules.city.$in.2", "segmentRules.$or.0.bar",
        "segmentRules.$or.1.visits.$gte"}) {
    EXPECT_TRUE(hasError(inner, path, "")) << path << listed(inner);
  }
  EXPECT_EQ(inner.size(), 7u) << listed(inner);

  // The summary message names the first problem.
  auto n = parse(json(R"({"visits": true, "foo": 1})"));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("segmentRules.visits"), std::string::npos) << n.error().message;
}

// --- limits (API.md: 32 levels, 1,000 nodes, 10,000 $in values, 512-byte patterns) -------

boost::json::value regexRule(const std::string& pattern, const char* options = nullptr) {
  boost::json::object ops{{"$regex", pattern}};
  if (options) ops["$options"] = options;
  return boost::json::object{{"name", ops}};
}

TEST(SegmentParse, RegexPatternsAreLimitedTo512Bytes) {
  accepted(regexRule(std::string(512, 'a')));
  accepted(regexRule(std::string(512, 'a'), "im"));
  auto errors = rejected(regexRule(std::string(513, 'a')));
  EXPECT_TRUE(hasError(errors, "segmentRules.name.$regex", "at most 512")) << listed(errors);

  // Bytes, not characters: 256 two-byte characters fit, one more byte does not.
  std::string accents;
  for (int i = 0; i < 256; ++i)
    accents += "é";
  ASSERT_EQ(accents.size(), 512u);
  accepted(regexRule(accents));
  errors = rejected(regexRule(accents + "a"));
  EXPECT_TRUE(hasError(errors, "segmentRules.name.$regex", "at most 512")) << listed(errors);
}

boost::json::value inRule(const char* field, const char* op, std::size_t n, bool numbers) {
  boost::json::array values;
  for (std::size_t i = 0; i < n; ++i) {
    if (numbers) {
      values.push_back(static_cast<std::int64_t>(i));
    } else {
      values.push_back(boost::json::string("city " + std::to_string(i)));
    }
  }
  return boost::json::object{{field, boost::json::object{{op, std::move(values)}}}};
}

TEST(SegmentParse, InListsHoldAtMost10000Values) {
  const Node ok = accepted(inRule("city", "$in", 10'000, false));
  EXPECT_EQ(onlyPredicate(ok).values.size(), 10'000u);
  accepted(inRule("visits", "$nin", 10'000, true));

  auto errors = rejected(inRule("city", "$in", 10'001, false));
  EXPECT_TRUE(hasError(errors, "segmentRules.city.$in", "at most 10000")) << listed(errors);
  errors = rejected(inRule("visits", "$nin", 10'001, true));
  EXPECT_TRUE(hasError(errors, "segmentRules.visits.$nin", "at most 10000")) << listed(errors);
}

// `levels` logical operators nested in each other, a predicate inside the innermost.
boost::json::value nested(int levels, const std::vector<const char*>& ops = {"$and"}) {
  boost::json::value doc = boost::json::object{{"visits", 1}};
  for (int i = levels - 1; i >= 0; --i) {
    boost::json::array items;
    items.push_back(std::move(doc));
    boost::json::object wrapper;
    wrapper[ops[i % ops.size()]] = std::move(items);
    doc = std::move(wrapper);
  }
  return doc;
}

// `levels` $not nested in each other around {"$gt": 1}.
boost::json::value nestedNot(int levels) {
  boost::json::value ops = boost::json::object{{"$gt", 1}};
  for (int i = 0; i < levels; ++i) {
    boost::json::object wrapper;
    wrapper["$not"] = std::move(ops);
    ops = std::move(wrapper);
  }
  return boost::json::object{{"visits", ops}};
}

TEST(SegmentParse, RulesNestUpTo32Levels) {
  accepted(nested(32));
  accepted(nested(32, {"$or", "$nor", "$and"}));
  accepted(nestedNot(32));

  auto errors = rejected(nested(33));
  std::string path = "segmentRules";
  for (int i = 0; i < 32; ++i)
    path += ".$and.0";
  path += ".$and";
  EXPECT_TRUE(hasError(errors, path, "deeper than 32")) << listed(errors);

  errors = rejected(nested(33, {"$or", "$nor"}));
  EXPECT_FALSE(errors.empty());
  EXPECT_TRUE(std::any_of(errors.begin(), errors.end(), [](const FieldError& e) {
    return e.message.find("deeper than 32") != std::string::npos;
  })) << listed(errors);

  errors = rejected(nestedNot(33));
  std::string notPath = "segmentRules.visits";
  for (int i = 0; i < 33; ++i)
    notPath += ".$not";
  EXPECT_TRUE(hasError(errors, notPath, "deeper than 32")) << listed(errors);

  // Thousands of levels are refused too (and do not exhaust the stack).
  errors = rejected(nested(5'000));
  EXPECT_FALSE(errors.empty());
}

// {"$or": [{"visits": 0}, {"visits": 1}, ...]}: n predicates and the $or, n + 1 nodes.
boost::json::value wideOr(int n) {
  boost::json::array items;
  for (int i = 0; i < n; ++i)
    items.push_back(boost::json::object{{"visits", i}});
  return boost::json::object{{"$or", std::move(items)}};
}

TEST(SegmentParse, SegmentsHoldAtMost1000Nodes) {
  const Node ok = accepted(wideOr(999));
  EXPECT_EQ(ok.children.size(), 999u);
  auto errors = rejected(wideOr(1'000));
  EXPECT_TRUE(std::any_of(errors.begin(), errors.end(), [](const FieldError& e) {
    return e.path.starts_with("segmentRules") &&
           e.message.find("more than 1000 nodes") != std::string::npos;
  })) << listed(errors);
  EXPECT_EQ(errors.size(), 1u) << "one error for the limit, not one per extra node"
                               << listed(errors);
  errors = rejected(wideOr(20'000));
  EXPECT_EQ(errors.size(), 1u) << listed(errors);

  // $in values are values, not nodes.
  boost::json::value big = wideOr(990);
  big.as_object()["city"] = inRule("city", "$in", 10'000, false).at("city");
  accepted(big);
}

TEST(SegmentParse, LimitsAreParameters) {
  Limits small;
  small.maxDepth = 2;
  small.maxNodes = 3;
  small.maxInValues = 2;
  small.maxRegexBytes = 3;
  EXPECT_TRUE(parse(nested(2), "segmentRules", small).ok());
  EXPECT_FALSE(parse(nested(3), "segmentRules", small).ok());
  EXPECT_TRUE(parse(wideOr(2), "segmentRules", small).ok());
  EXPECT_FALSE(parse(wideOr(3), "segmentRules", small).ok());
  EXPECT_TRUE(parse(inRule("city", "$in", 2, false), "segmentRules", small).ok());
  EXPECT_FALSE(parse(inRule("city", "$in", 3, false), "segmentRules", small).ok());
  EXPECT_TRUE(parse(regexRule("abc"), "segmentRules", small).ok());
  EXPECT_FALSE(parse(regexRule("abcd"), "segmentRules", small).ok());
}

// --- what is accepted, and how it is normalised ------------------------------------------

TEST(SegmentParse, NumericStringsOnNumericFieldsAreNumbers) {
  EXPECT_EQ(accepted(R"({"totalSpend": "5000"})"), accepted(R"({"totalSpend": 5000})"));
  EXPECT_EQ(accepted(R"({"totalSpend": {"$gte": " 5000.50 "}})"),
            accepted(R"({"totalSpend": {"$gte": 5000.5}})"));
  EXPECT_EQ(accepted(R"({"avgOrderValue": {"$lt": "99.5"}})"),
            accepted(R"({"avgOrderValue": {"$lt": 99.5}})"));
  EXPECT_EQ(accepted(R"({"visits": "3"})"), accepted(R"({"visits": 3})"));
  EXPECT_EQ(accepted(R"({"visits": 3.0})"), accepted(R"({"visits": 3})"));
  EXPECT_EQ(accepted(R"({"visits": {"$in": ["1", 2, " 3 "]}})"),
            accepted(R"({"visits": {"$in": [1, 2, 3]}})"));
  EXPECT_NE(accepted(R"({"visits": "3"})"), accepted(R"({"visits": 4})"));
}

TEST(SegmentParse, MoneyIsExactInPaise) {
  EXPECT_EQ(onlyPredicate(accepted(R"({"totalSpend": 19.99})")).values.at(0).number, 1999);
  EXPECT_EQ(onlyPredicate(accepted(R"({"totalSpend": "19.99"})")).values.at(0).number, 1999);
  EXPECT_EQ(onlyPredicate(accepted(R"({"totalSpend": 0.1})")).values.at(0).number, 10);
  EXPECT_EQ(onlyPredicate(accepted(R"({"totalSpend": 10000})")).values.at(0).number, 1'000'000);
  EXPECT_EQ(onlyPredicate(accepted(R"({"avgOrderValue": 999999999.99})")).values.at(0).number,
            99'999'999'999);
  EXPECT_EQ(onlyPredicate(accepted(R"({"totalSpend": {"$gt": -0.5}})")).values.at(0).number, -50);
}

TEST(SegmentParse, NumbersOnTextFieldsAreTheirDecimalText) {
  EXPECT_EQ(accepted(R"({"phone": 9876543210})"), accepted(R"({"phone": "9876543210"})"));
  EXPECT_EQ(accepted(R"({"name": 42})"), accepted(R"({"name": "42"})"));
  EXPECT_EQ(accepted(R"({"phone": -5})"), accepted(R"({"phone": "-5"})"));
  EXPECT_EQ(accepted(R"({"phone": 12345678901234567890})"),
            accepted(R"({"phone": "12345678901234567890"})"));
  EXPECT_EQ(accepted(R"({"city": {"$in": [411001, "Pune"]}})"),
            accepted(R"({"city": {"$in": ["411001", "Pune"]}})"));
  EXPECT_EQ(accepted(R"({"phone": {"$gt": 5}})"), accepted(R"({"phone": {"$gt": "5"}})"));
}

// API.md: "a number on a text field is its decimal text". A number with a fraction has
// one too; refusing it is a 400 for a rule the contract accepts.
TEST(SegmentParse, NumberWithAFractionOnATextFieldIsItsDecimalText) {
  auto n = parse(json(R"({"phone": 98765.5})"));
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(onlyPredicate(*n).values.at(0).text, "98765.5");
}

TEST(SegmentParse, EmailsAreComparedLowerCased) {
  EXPECT_EQ(accepted(R"({"email": "Asha@Example.COM"})"),
            accepted(R"({"email": "asha@example.com"})"));
  EXPECT_EQ(accepted(R"({"email": " x@y.in "})"), accepted(R"({"email": "x@y.in"})"));
  EXPECT_EQ(accepted(R"({"email": {"$in": ["A@B.CO", null], "$ne": "C@D.CO"}})"),
            accepted(R"({"email": {"$in": ["a@b.co", null], "$ne": "c@d.co"}})"));
  EXPECT_EQ(onlyPredicate(accepted(R"({"email": {"$gt": "M@X.IO"}})")).values.at(0).text, "m@x.io");
  // Only emails: names and cities keep their case.
  EXPECT_NE(accepted(R"({"name": "Asha"})"), accepted(R"({"name": "asha"})"));
  EXPECT_NE(accepted(R"({"city": "Pune"})"), accepted(R"({"city": "PUNE"})"));
}

TEST(SegmentParse, DaysAgoIsTheRelativeDate) {
  EXPECT_EQ(accepted(R"({"lastActive": {"$lt": {"$daysAgo": 90}}})"),
            accepted(R"({"lastActive": {"$lt": "now-90d"}})"));
  EXPECT_EQ(accepted(R"({"createdAt": {"$gte": {"$daysAgo": 0}}})"),
            accepted(R"({"createdAt": {"$gte": "now"}})"));
  EXPECT_EQ(accepted(R"({"lastActive": {"$in": [{"$daysAgo": 7}, "2025-01-31"]}})"),
            accepted(R"({"lastActive": {"$in": ["now-7d", "2025-01-31"]}})"));
  const DateValue d =
      onlyPredicate(accepted(R"({"lastActive": {"$lt": {"$daysAgo": 90}}})")).values.at(0).date;
  EXPECT_TRUE(d.relative);
  const Millis now = at("2025-06-15T10:30:00Z");
  EXPECT_EQ(d.resolve(now), at("2025-03-17T10:30:00Z"));
}

DateValue dateOf(std::string_view value) {
  const Node n =
      accepted(json(std::string(R"({"lastActive": {"$gte": )") + std::string(value) + "}}"));
  return onlyPredicate(n).values.at(0).date;
}

TEST(SegmentParse, DateOnlyValuesAndInstants) {
  const DateValue day = dateOf(R"("2025-01-31")");
  EXPECT_FALSE(day.relative);
  EXPECT_TRUE(day.dateOnly);
  EXPECT_EQ(day.at, at("2025-01-31T00:00:00.000Z"));

  const DateValue midnight = dateOf(R"("2025-01-31T00:00:00Z")");
  EXPECT_FALSE(midnight.dateOnly);
  EXPECT_EQ(midnight.at, day.at);
  EXPECT_NE(day, midnight) << "a day and the instant it starts are different rules";

  // Without a zone means UTC; offsets are applied.
  const DateValue utc = dateOf(R"("2025-01-31T10:30:00Z")");
  EXPECT_EQ(utc.at, at("2025-01-31T10:30:00.000Z"));
  EXPECT_FALSE(utc.dateOnly);
  for (const char* same :
       {R"("2025-01-31T10:30")", R"("2025-01-31T10:30:00.000Z")", R"("2025-01-31T16:00:00+05:30")",
        R"("2025-01-31 10:30:00Z")", R"("2025-01-31T05:30:00-05:00")"}) {
    EXPECT_EQ(dateOf(same), utc) << same;
  }
  EXPECT_EQ(dateOf(R"("2025-01-31T10:30:00.123Z")").at, utc.at + 123);
}

TEST(SegmentParse, RelativeDatesAndTheirUnits) {
  const Millis now = at("2025-06-15T10:30:00Z");
  const Millis day = kMillisPerDay;
  struct Case {
    const char* value;
    Millis resolved;
  };
  for (const Case& c : std::vector<Case>{{R"("now")", now},
                                         {R"("now-90d")", now - 90 * day},
                                         {R"("now+2w")", now + 14 * day},
                                         {R"("now-1w")", now - 7 * day},
                                         {R"("now-3mo")", now - 90 * day},
                                         {R"("now-1mo")", now - 30 * day},
                                         {R"("now-1y")", now - 365 * day},
                                         {R"("now+1y")", now + 365 * day},
                                         {R"("now-0w")", now},
                                         {R"("now+0d")", now},
                                         {R"(" now-1d ")", now - day}}) {
    const DateValue d = dateOf(c.value);
    EXPECT_TRUE(d.relative) << c.value;
    EXPECT_FALSE(d.dateOnly) << c.value;
    EXPECT_EQ(d.resolve(now), c.resolved) << c.value;
    // Relative values follow the clock.
    EXPECT_EQ(d.resolve(now + day), c.resolved + day) << c.value;
  }
  EXPECT_EQ(dateOf(R"("now-0w")"), dateOf(R"("now")"));
  EXPECT_EQ(dateOf(R"("now-3mo")").unit, "mo");
  EXPECT_EQ(dateOf(R"("now-13w")").amount, -13);
  EXPECT_NE(dateOf(R"("now-3mo")"), dateOf(R"("now-90d")"))
      << "units are kept, so the rule prints back as written";
}

TEST(SegmentParse, SpansOfDateValues) {
  const Millis now = at("2025-06-15T10:30:00Z");
  const Span day = spanOf(dateOf(R"("2025-01-31")"), now);
  EXPECT_EQ(day.start, at("2025-01-31T00:00:00.000Z"));
  EXPECT_EQ(day.end, at("2025-01-31T23:59:59.999Z"));
  const Span instant = spanOf(dateOf(R"("2025-01-31T10:30:00Z")"), now);
  EXPECT_EQ(instant.start, at("2025-01-31T10:30:00Z"));
  EXPECT_EQ(instant.end, instant.start);
  const Span relative = spanOf(dateOf(R"("now-90d")"), now);
  EXPECT_EQ(relative.start, now - 90 * kMillisPerDay);
  EXPECT_EQ(relative.end, relative.start);
}

TEST(SegmentParse, ExistsTakesBooleansOrZeroAndOne) {
  EXPECT_EQ(accepted(R"({"phone": {"$exists": 1}})"), accepted(R"({"phone": {"$exists": true}})"));
  EXPECT_EQ(accepted(R"({"phone": {"$exists": 0}})"), accepted(R"({"phone": {"$exists": false}})"));
  EXPECT_FALSE(onlyPredicate(accepted(R"({"city": {"$exists": false}})")).exists);
}

TEST(SegmentParse, RegexOptionsAreASet) {
  EXPECT_EQ(accepted(R"({"name": {"$regex": "a", "$options": "si"}})"),
            accepted(R"({"name": {"$regex": "a", "$options": "is"}})"));
  EXPECT_EQ(accepted(R"({"name": {"$regex": "a", "$options": "ii"}})"),
            accepted(R"({"name": {"$regex": "a", "$options": "i"}})"));
  EXPECT_EQ(accepted(R"({"name": {"$regex": "a", "$options": ""}})"),
            accepted(R"({"name": {"$regex": "a"}})"));
  EXPECT_NE(accepted(R"({"name": {"$regex": "a", "$options": "i"}})"),
            accepted(R"({"name": {"$regex": "a"}})"));
  // The rules must outlive the reference into them.
  const auto rules = accepted(R"({"city": {"$regex": "^P", "$options": "mi"}})");
  const Predicate& p = onlyPredicate(rules);
  EXPECT_EQ(p.op, Op::regex);
  EXPECT_EQ(p.pattern, "^P");
  EXPECT_EQ(p.options, "im");
}

TEST(SegmentParse, OperatorsOnOneFieldAreAConjunction) {
  EXPECT_EQ(accepted(R"({"visits": {"$gt": 1, "$lt": 5}})"),
            accepted(R"({"$and": [{"visits": {"$gt": 1}}, {"visits": {"$lt": 5}}]})"));
  const Node n = accepted(R"({"visits": {"$gt": 1, "$lt": 5}, "city": "Pune"})");
  EXPECT_EQ(n.kind, Node::Kind::and_);
  EXPECT_EQ(n.children.size(), 2u);
  // A primitive is $eq.
  EXPECT_EQ(accepted(R"({"city": "Pune"})"), accepted(R"({"city": {"$eq": "Pune"}})"));
  EXPECT_EQ(accepted(R"({"phone": null})"), accepted(R"({"phone": {"$eq": null}})"));
  // $not wraps its whole operator object.
  const Node neg = accepted(R"({"visits": {"$not": {"$gt": 1, "$lt": 5}}})");
  ASSERT_EQ(neg.kind, Node::Kind::not_);
  ASSERT_EQ(neg.children.size(), 1u);
  EXPECT_EQ(neg.children[0], accepted(R"({"visits": {"$gt": 1, "$lt": 5}})"));
}

}  // namespace
}  // namespace minicrm::segment
