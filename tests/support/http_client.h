// A small blocking HTTP client for tests (libcurl), keeping its connection alive between
// requests like a browser would.
#pragma once

#include <curl/curl.h>

#include <boost/json/value.hpp>

#include <map>
#include <string>
#include <vector>

namespace minicrm::testing {

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  long newConnections = 0;                     // connections curl opened for this request
  std::string error;                           // transport error, if any

  boost::json::value json() const;  // throws when the body is not JSON
  std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpClient {
 public:
  explicit HttpClient(std::string baseUrl);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse request(const std::string& method, const std::string& path,
                       const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {});
  HttpResponse get(const std::string& path) { return request("GET", path); }
  // Sends `json` with Content-Type: application/json.
  HttpResponse send(const std::string& method, const std::string& path, const std::string& json);

 private:
  std::string base_;
  CURL* curl_;
};

}  // namespace minicrm::testing
