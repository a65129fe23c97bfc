// The response envelopes of API.md, built here and nowhere else:
//   success  {"ok": true, "data": ...}            (lists add "meta")
//   failure  {"ok": false, "message": "...", "errors": [{"path", "message"}]}
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/page.h"
#include "http/message.h"

namespace minicrm::http {

// The one mapping from error kinds to HTTP status codes.
int statusFor(ErrorKind kind);

// Failure envelope. Internal errors never show their message.
Response errorResponse(const Error& e);
// Success envelope around already-serialised JSON `data`.
Response dataResponse(std::string_view dataJson, int status = 200);
// Success envelope of a page: data plus meta {page, limit, total, pages}.
Response listResponse(std::string_view dataJson, const PageRequest& page, std::int64_t total);
// A body that is not an envelope (health checks, metrics, the OpenAPI document).
Response rawResponse(int status, std::string body, std::string contentType);

}  // namespace minicrm::http
