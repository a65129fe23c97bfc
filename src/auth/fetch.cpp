#include "auth/fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <charconv>
#include <mutex>

#include "core/text.h"

namespace minicrm::auth {
namespace {

constexpr std::size_t kMaxBody = 1 << 20;

struct Sink {
  std::string body;
  std::string cacheControl;
};

std::size_t onBody(char* data, std::size_t size, std::size_t n, void* out) {
  auto* sink = static_cast<Sink*>(out);
  if (sink->body.size() + size * n > kMaxBody) return 0;  // aborts the transfer
  sink->body.append(data, size * n);
  return size * n;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t n, void* out) {
  const std::string_view line(data, size * n);
  constexpr std::string_view kName = "cache-control:";
  if (line.size() > kName.size() && iequals(line.substr(0, kName.size()), kName)) {
    std::string_view v = line.substr(kName.size());
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
      v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
      v.remove_suffix(1);
    static_cast<Sink*>(out)->cacheControl = std::string(v);
  }
  return size * n;
}

// The host of "host[:port][/path]" (an IPv6 literal keeps its brackets).
std::string_view hostOf(std::string_view rest) {
  if (rest.starts_with('[')) return rest.substr(0, rest.find(']') + 1);
  return rest.substr(0, rest.find_first_of(":/?#"));
}

}  // namespace

bool isLoopbackHost(std::string_view host) {
  if (iequals(host, "localhost")) return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

Status checkKeyUrl(const std::string& url, const std::string& setting) {
  if (url.starts_with("https://") && url.size() > 8) return {};
  if (url.starts_with("http://") && isLoopbackHost(hostOf(std::string_view(url).substr(7)))) {
    return {};
  }
  return Error::invalidField(setting,
                             "must be an https:// URL (plain http only to a loopback host)");
}

Result<FetchResponse> httpGet(const std::string& url, const std::vector<std::string>& headers,
                              std::chrono::milliseconds timeout) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (!curl) return Error::unavailable("cannot start an HTTP client");
  Sink sink;
  curl_slist* list = nullptr;
  for (const auto& h : headers)
    list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "minicrm");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
  const CURLcode rc = curl_easy_perform(curl);
  FetchResponse res;
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return Error::unavailable(curl_easy_strerror(rc));
  res.body = std::move(sink.body);
  res.cacheControl = std::move(sink.cacheControl);
  return res;
}

std::optional<long> maxAgeSeconds(const std::string& cacheControl) {
  const std::string lower = asciiLower(cacheControl);
  std::size_t pos = 0;
  while ((pos = lower.find("max-age=", pos)) != std::string::npos) {
    // "s-maxage=" does not count; "max-age" must start a directive.
    const bool starts = pos == 0 || lower[pos - 1] == ',' || lower[pos - 1] == ' ';
    pos += 8;
    if (!starts) continue;
    long v = 0;
    auto [end, ec] = std::from_chars(lower.data() + pos, lower.data() + lower.size(), v);
    if (ec == std::errc() && end != lower.data() + pos && v >= 0) return v;
  }
  return std::nullopt;
}

}  // namespace minicrm::auth
