#include "support/http_client.h"

#include <boost/json/parse.hpp>

#include <stdexcept>

namespace minicrm::testing {
namespace {

std::size_t onBody(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t n, void* out) {
  std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' '))
      value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
      value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

}  // namespace

boost::json::value HttpResponse::json() const {
  return boost::json::parse(body);
}

HttpClient::HttpClient(std::string baseUrl) : base_(std::move(baseUrl)), curl_(curl_easy_init()) {
  if (!curl_) throw std::runtime_error("curl_easy_init failed");
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(curl_);
}

HttpResponse HttpClient::request(const std::string& method, const std::string& path,
                                 const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpResponse res;
  const std::string url = base_ + path;
  curl_easy_reset(curl_);
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  struct curl_slist* list = nullptr;
  bool hasContentType = false;
  for (const auto& [k, v] : headers) {
    list = curl_slist_append(list, (k + ": " + v).c_str());
    if (strcasecmp(k.c_str(), "content-type") == 0) hasContentType = true;
  }
  // libcurl would label a body application/x-www-form-urlencoded; tests say what they mean.
  if (!hasContentType) list = curl_slist_append(list, "Content-Type:");
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &res.body);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &res.headers);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 60L);
  const CURLcode rc = curl_easy_perform(curl_);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    res.error = curl_easy_strerror(rc);
    return res;
  }
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &res.status);
  curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &res.newConnections);
  return res;
}

HttpResponse HttpClient::send(const std::string& method, const std::string& path,
                              const std::string& json) {
  return request(method, path, json, {{"Content-Type", "application/json"}});
}

}  // namespace minicrm::testing
