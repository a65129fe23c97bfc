// Runs every HTTP contract case under tests/http/cases/ against a fresh in-process server.
//
// A case file is {"description": "...", "settings"?: {"DISPATCH": "off", ...},
// "steps": [step...]}; settings are server settings by environment name; a step is
//   {"name": "...",
//    "request": {"method": "POST", "path": "/api/v1/...", "headers": {...},
//                "json": <any JSON, sent as application/json> | "body": "<raw text>"},
//    "expect": {"status": 201, "json": <pattern, see support/json_match.h>,
//               "headers": {"name": "<pattern>"}},
//    "save": {"var": "data._id"}}
// "${var}" in request or expectation strings is replaced by a saved value.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/settings.h"
#include "support/json_match.h"
#include "support/test_server.h"

namespace minicrm::testing {
namespace {

std::vector<std::string> caseFiles() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(MINICRM_HTTP_CASES_DIR)) {
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string scalarText(const boost::json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
}

class HttpCase : public ::testing::TestWithParam<std::string> {};

TEST_P(HttpCase, Runs) {
  const auto doc = boost::json::parse(readFile(GetParam()));
  std::map<std::string, std::string> flags;
  if (const auto* settings = doc.as_object().if_contains("settings")) {
    for (const auto& kv : settings->as_object()) {
      flags[std::string(kv.key())] = scalarText(kv.value());
    }
  }
  auto settings = cli::resolveSettings(flags);
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  TestServer server(*settings);
  HttpClient client = server.client();
  std::map<std::string, std::string> vars;
  int index = 0;
  for (const auto& stepValue : doc.at("steps").as_array()) {
    const auto& step = stepValue.as_object();
    const std::string name = step.contains("name") ? std::string(step.at("name").as_string())
                                                   : "step " + std::to_string(index);
    SCOPED_TRACE("step " + std::to_string(index) + ": " + name);
    ++index;
    const auto request = substitute(step.at("request"), vars).as_object();
    const std::string method(request.at("method").as_string());
    const std::string path(request.at("path").as_string());
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    if (request.contains("json")) {
      body = boost::json::serialize(request.at("json"));
      headers.emplace_back("Content-Type", "application/json");
    } else if (request.contains("body")) {
      body = std::string(request.at("body").as_string());
    }
    if (request.contains("headers")) {
      for (const auto& h : request.at("headers").as_object()) {
        headers.emplace_back(std::string(h.key()), scalarText(h.value()));
      }
    }
    HttpResponse res = client.request(method, path, body, headers);
    ASSERT_TRUE(res.error.empty()) << res.error;

    const auto expect = substitute(step.at("expect"), vars).as_object();
    EXPECT_EQ(res.status, expect.at("status").to_number<long>()) << res.body;
    if (expect.contains("json")) {
      boost::json::value actual;
      try {
        actual = res.json();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "response is not JSON: " << res.body;
        continue;
      }
      const std::string mismatch = jsonMismatch(expect.at("json"), actual);
      EXPECT_TRUE(mismatch.empty()) << mismatch << "\nbody: " << res.body;
    }
    if (expect.contains("headers")) {
      for (const auto& h : expect.at("headers").as_object()) {
        const std::string key(h.key());
        const bool present = res.headers.count(key) > 0;
        const std::string want = scalarText(h.value());
        if (want == "<absent>") {
          EXPECT_FALSE(present) << "header " << key << " = " << res.header(key);
          continue;
        }
        EXPECT_TRUE(present) << "missing header " << key;
        if (!present) continue;
        const std::string mismatch =
            jsonMismatch(boost::json::value(want), boost::json::value(res.header(key)), key);
        EXPECT_TRUE(mismatch.empty()) << mismatch;
      }
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

INSTANTIATE_TEST_SUITE_P(Cases, HttpCase, ::testing::ValuesIn(caseFiles()), [](const auto& info) {
  std::string n = std::filesystem::path(info.param).stem().string();
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
});

}  // namespace
}  // namespace minicrm::testing
