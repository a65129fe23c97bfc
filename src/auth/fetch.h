// Outbound HTTP GET for identity-provider documents (JWKS, OpenID discovery) via libcurl.
// Blocking, with short timeouts: callers run it off the io threads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace minicrm::auth {

struct FetchResponse {
  long status = 0;
  std::string body;
  std::string cacheControl;  // the Cache-Control header, if any
};

// True when `host` is "localhost" or a loopback address (127.0.0.0/8, ::1; IPv6 literals
// with or without brackets).
bool isLoopbackHost(std::string_view host);

// Only https URLs, and plain http to a loopback host (tests, a local proxy). Invalid,
// naming `setting`, otherwise.
Status checkKeyUrl(const std::string& url, const std::string& setting);

// GETs `url` with extra `headers` ("Name: value"); no redirects, bodies up to 1 MiB.
// Unavailable on a transport failure (the message never includes the headers).
Result<FetchResponse> httpGet(const std::string& url, const std::vector<std::string>& headers,
                              std::chrono::milliseconds timeout);

// The max-age of a Cache-Control value in seconds, if it has one.
std::optional<long> maxAgeSeconds(const std::string& cacheControl);

}  // namespace minicrm::auth
