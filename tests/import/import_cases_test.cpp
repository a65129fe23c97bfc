// Runs every CSV import case under tests/import/cases/ against a fresh in-process server.
//
// A case is NAME.csv (the file to import, sent as a text/csv body) and NAME.expected.json:
//   {"description": "...",
//    "path": "/api/v1/customers/bulk?mode=upsert",   (default: customers bulk)
//    "setup": [step...],     requests run before the import (as in tests/http/cases; a
//                            step's "csv" field sends that text as a text/csv body)
//    "status": 200,          the import's status
//    "response": <pattern>,  the import's answer (see support/json_match.h)
//    "after": [step...]}     requests run after it, each with its "expect"
// "${var}" in the CSV text is substituted too. A setup or after step is {"request": {"method",
// "path", "json"? | "csv"?}, "expect"?: {"status", "json"}, "save"?: {"var": "data._id"}}; "${var}"
// is substituted.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/json_match.h"
#include "support/test_server.h"

namespace minicrm::testing {
namespace {

std::vector<std::string> caseFiles() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(MINICRM_IMPORT_CASES_DIR)) {
    if (e.path().extension() == ".csv") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string scalarText(const boost::json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
}

HttpResponse send(HttpClient& client, const boost::json::object& request) {
  const std::string method(request.at("method").as_string());
  const std::string path(request.at("path").as_string());
  if (request.contains("json")) {
    return client.send(method, path, boost::json::serialize(request.at("json")));
  }
  if (request.contains("csv")) {
    return client.request(method, path, std::string(request.at("csv").as_string()),
                          {{"Content-Type", "text/csv"}});
  }
  return client.request(method, path);
}

void runSteps(HttpClient& client, const boost::json::value& steps,
              std::map<std::string, std::string>& vars, const std::string& phase) {
  int index = 0;
  for (const auto& stepValue : steps.as_array()) {
    SCOPED_TRACE(phase + " step " + std::to_string(index++));
    const auto step = substitute(stepValue, vars).as_object();
    HttpResponse res = send(client, step.at("request").as_object());
    ASSERT_TRUE(res.error.empty()) << res.error;
    if (step.contains("expect")) {
      const auto& expect = step.at("expect").as_object();
      if (expect.contains("status")) {
        EXPECT_EQ(res.status, expect.at("status").to_number<long>()) << res.body;
      }
      if (expect.contains("json")) {
        const std::string mismatch = jsonMismatch(expect.at("json"), res.json());
        EXPECT_TRUE(mismatch.empty()) << mismatch << "\nbody: " << res.body;
      }
    } else {
      EXPECT_LT(res.status, 300) << res.body;
    }
    if (step.contains("save")) {
      const auto actual = res.json();
      for (const auto& s : step.at("save").as_object()) {
        const auto* v = atPath(actual, std::string(s.value().as_string()));
        ASSERT_NE(v, nullptr) << "nothing at " << s.value().as_string() << " in " << res.body;
        vars[std::string(s.key())] = scalarText(*v);
      }
    }
  }
}

class ImportCase : public ::testing::TestWithParam<std::string> {};

TEST_P(ImportCase, MatchesItsExpectedReport) {
  const std::string csvPath = GetParam();
  const std::string expectedPath =
      csvPath.substr(0, csvPath.size() - std::string(".csv").size()) + ".expected.json";
  ASSERT_TRUE(std::filesystem::exists(expectedPath)) << "missing " << expectedPath;
  const auto doc = boost::json::parse(readFile(expectedPath)).as_object();
  TestServer server;
  HttpClient client = server.client();
  std::map<std::string, std::string> vars;
  if (doc.contains("setup")) runSteps(client, doc.at("setup"), vars, "setup");

  const std::string path =
      doc.contains("path") ? std::string(doc.at("path").as_string()) : "/api/v1/customers/bulk";
  HttpResponse res =
      client.request("POST", substitute(path, vars), substitute(readFile(csvPath), vars),
                     {{"Content-Type", "text/csv"}});
  ASSERT_TRUE(res.error.empty()) << res.error;
  EXPECT_EQ(res.status, doc.contains("status") ? doc.at("status").to_number<long>() : 200)
      << res.body;
  if (doc.contains("response")) {
    const std::string mismatch = jsonMismatch(substitute(doc.at("response"), vars), res.json());
    EXPECT_TRUE(mismatch.empty()) << mismatch << "\nbody: " << res.body;
  }
  if (doc.contains("after")) runSteps(client, doc.at("after"), vars, "after");
}

INSTANTIATE_TEST_SUITE_P(Cases, ImportCase, ::testing::ValuesIn(caseFiles()), [](const auto& info) {
  std::string n = std::filesystem::path(info.param).stem().string();
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
});

}  // namespace
}  // namespace minicrm::testing
