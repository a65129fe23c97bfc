// Runs every segment case file under tests/segment/cases/ against the three engines: the
// in-memory Evaluator, SQL and the in-memory columns (SqliteStore::segmentMembers).
//
// A case file:
//   {"description": "...",
//    "now": "<ISO instant>",                      the clock rules are evaluated at
//    "customers": [{"key": "a",                   how cases name the customer
//                   "name"?: "..." | {"repeat": "a", "times": 10000, "then": "!"},
//                   "email"?, "phone"?, "city"?,  text or null (absent: null; email:
//                                                 "<key>@example.com", name: the key)
//                   "totalSpend"?: rupees (number, or text), "visits"?: integer,
//                   "lastActive"?, "createdAt"?}], ISO instants (absent: "now")
//    "cases": [{"note"?: "...", "rules": {...}, "expect": ["a", "c"], "maxMillis"?: 1000}
//              | {"note"?: "...", "rules": {...},
//                 "error": {"path": "segmentRules.x", "message": "<substring>"}}]}
// "expect" lists exactly the members (any order). "maxMillis" bounds each engine's time.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/money.h"
#include "core/segment/segment.h"
#include "segment/segment_support.h"

namespace minicrm::segtest {
namespace {

namespace fs = std::filesystem;
using boost::json::object;
using boost::json::value;

std::vector<std::string> caseFiles() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(MINICRM_SEGMENT_CASES_DIR)) {
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

value readJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  value v = boost::json::parse(ss.str(), ec);
  if (ec) throw std::runtime_error(path + ": malformed JSON: " + ec.message());
  return v;
}

// Throws on keys the format does not have: a typo must not silently test nothing.
void onlyKeys(const object& o, std::set<std::string> allowed, const std::string& where) {
  for (const auto& kv : o) {
    if (!allowed.count(std::string(kv.key()))) {
      throw std::runtime_error(where + ": unknown key '" + std::string(kv.key()) + "'");
    }
  }
}

std::optional<std::string> optText(const object& o, const char* key) {
  const value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  return std::string(v->as_string());
}

std::string nameText(const value& v) {
  if (v.is_string()) return std::string(v.as_string());
  const object& o = v.as_object();
  onlyKeys(o, {"repeat", "times", "then"}, "name");
  std::string out;
  for (std::int64_t i = 0; i < o.at("times").as_int64(); ++i)
    out += o.at("repeat").as_string();
  if (auto then = optText(o, "then")) out += *then;
  return out;
}

Money moneyOf(const value& v) {
  auto m = v.is_string() ? moneyFromText(v.as_string()) : moneyFromDouble(v.to_number<double>());
  if (!m) throw std::runtime_error("bad totalSpend " + text(v));
  return *m;
}

struct CaseFile {
  std::string name;
  Millis now = 0;
  std::vector<std::string> keys;  // by customer index
  std::vector<Customer> customers;
  boost::json::array cases;
};

CaseFile load(const std::string& path) {
  CaseFile f;
  f.name = fs::path(path).filename().string();
  const value doc = readJson(path);
  const object& root = doc.as_object();
  onlyKeys(root, {"description", "now", "customers", "cases"}, f.name);
  f.now = at(root.at("now").as_string());
  Ids ids;
  for (const auto& cv : root.at("customers").as_array()) {
    const object& o = cv.as_object();
    const std::string key(o.at("key").as_string());
    onlyKeys(o,
             {"key", "name", "email", "phone", "city", "totalSpend", "visits", "lastActive",
              "createdAt"},
             f.name + " customer " + key);
    if (std::find(f.keys.begin(), f.keys.end(), key) != f.keys.end()) {
      throw std::runtime_error(f.name + ": duplicate customer key " + key);
    }
    Customer c;
    c.id = ids.next();
    c.name = o.contains("name") ? nameText(o.at("name")) : key;
    c.email = optText(o, "email").value_or(key + "@example.com");
    c.phone = optText(o, "phone");
    c.city = optText(o, "city");
    c.baseSpend = o.contains("totalSpend") ? moneyOf(o.at("totalSpend")) : 0;
    c.baseVisits = o.contains("visits") ? o.at("visits").as_int64() : 0;
    c.baseLastActive = o.contains("lastActive") ? at(o.at("lastActive").as_string()) : f.now;
    c.createdAt = o.contains("createdAt") ? at(o.at("createdAt").as_string()) : f.now;
    c.updatedAt = f.now;
    f.keys.push_back(key);
    f.customers.push_back(std::move(c));
  }
  f.cases = root.at("cases").as_array();
  for (std::size_t i = 0; i < f.cases.size(); ++i) {
    const object& c = f.cases[i].as_object();
    const std::string where = f.name + " case " + std::to_string(i);
    onlyKeys(c, {"note", "rules", "expect", "error", "maxMillis"}, where);
    if (!c.contains("rules") || (c.contains("expect") == c.contains("error"))) {
      throw std::runtime_error(where + ": needs rules and exactly one of expect and error");
    }
    if (c.contains("error")) onlyKeys(c.at("error").as_object(), {"path", "message"}, where);
    if (c.contains("expect")) {
      for (const auto& k : c.at("expect").as_array()) {
        if (std::find(f.keys.begin(), f.keys.end(), std::string(k.as_string())) == f.keys.end()) {
          throw std::runtime_error(where + ": expects unknown customer " + text(k));
        }
      }
    }
  }
  return f;
}

std::string keysText(const std::vector<std::string>& keys) {
  std::string out = "[";
  for (std::size_t i = 0; i < keys.size(); ++i)
    out += (i ? ", " : "") + keys[i];
  return out + "]";
}

class SegmentCases : public ::testing::TestWithParam<std::string> {};

TEST_P(SegmentCases, AllEnginesAgreeWithTheExpectation) {
  const CaseFile f = load(GetParam());
  auto store = SegmentStore::open(f.customers);
  ASSERT_TRUE(store);
  std::map<Id, std::string> keyOf;
  for (std::size_t i = 0; i < f.customers.size(); ++i)
    keyOf[f.customers[i].id] = f.keys[i];

  for (std::size_t i = 0; i < f.cases.size(); ++i) {
    const object& c = f.cases[i].as_object();
    const std::string rules = text(c.at("rules"));
    std::string where = f.name + " case " + std::to_string(i);
    if (auto note = optText(c, "note")) where += " (" + *note + ")";
    SCOPED_TRACE(where + ": " + rules);
    auto node = segment::parse(c.at("rules"));

    if (c.contains("error")) {
      const object& e = c.at("error").as_object();
      const std::string path(e.at("path").as_string());
      const std::string message(e.at("message").as_string());
      if (node.ok()) {
        ADD_FAILURE() << where << ": accepted, wanted an error at " << path;
        continue;
      }
      const auto& fields = node.error().fields;
      const bool found = std::any_of(fields.begin(), fields.end(), [&](const FieldError& fe) {
        return fe.path == path && fe.message.find(message) != std::string::npos;
      });
      std::string got;
      for (const auto& fe : fields)
        got += "\n  " + fe.path + ": " + fe.message;
      EXPECT_TRUE(found) << where << ": wanted " << path << ": ..." << message << "...; got" << got;
      continue;
    }

    if (!node.ok()) {
      ADD_FAILURE() << where << ": rejected: " << node.error().message;
      continue;
    }
    auto again = segment::parse(segment::print(*node));
    EXPECT_TRUE(again.ok() && *again == *node)
        << where << ": does not survive print -> parse: " << text(segment::print(*node));

    std::vector<std::string> expected;
    for (const auto& k : c.at("expect").as_array())
      expected.emplace_back(k.as_string());
    std::sort(expected.begin(), expected.end());
    for (Engine e : kEngines) {
      const auto started = std::chrono::steady_clock::now();
      auto got = store->members(*node, f.now, e);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
      if (!got.ok()) {
        ADD_FAILURE() << where << ", engine " << nameOf(e) << ": " << got.error().message;
        continue;
      }
      std::vector<std::string> keys;
      for (const Id& id : *got)
        keys.push_back(keyOf.at(id));
      std::sort(keys.begin(), keys.end());
      EXPECT_EQ(keys, expected) << where << ", engine " << nameOf(e) << ": expected "
                                << keysText(expected) << ", got " << keysText(keys);
      if (const value* limit = c.if_contains("maxMillis")) {
        EXPECT_LT(ms, limit->as_int64())
            << where << ", engine " << nameOf(e) << " took " << ms << " ms";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Files, SegmentCases, ::testing::ValuesIn(caseFiles()), [](const auto& info) {
      std::string name = fs::path(info.param).stem().string();
      std::replace_if(
          name.begin(), name.end(),
          [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)); }, '_');
      return name;
    });

// The suite as a whole: one file per operator family, 150+ cases, each file with cases of
// both kinds where it has errors to show.
TEST(SegmentCaseFiles, CoverEveryOperatorFamily) {
  std::set<std::string> names;
  std::size_t total = 0;
  for (const auto& path : caseFiles()) {
    const CaseFile f = load(path);
    names.insert(f.name);
    EXPECT_GE(f.cases.size(), 10u) << f.name;
    total += f.cases.size();
  }
  for (const char* required :
       {"equality.json", "comparison.json", "in_nin.json", "exists.json", "regex.json",
        "logic.json", "dates.json", "numbers.json", "text_values.json"}) {
    EXPECT_TRUE(names.count(required)) << required;
  }
  std::cout << "[ cases    ] " << total << " cases in " << names.size() << " files\n";
  EXPECT_GE(total, 150u);
}

}  // namespace
}  // namespace minicrm::segtest
