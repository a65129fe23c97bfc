#include "http/envelope.h"

#include "core/json_writer.h"

namespace minicrm::http {

int statusFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid:
      return 400;
    case ErrorKind::unauthorized:
      return 401;
    case ErrorKind::forbidden:
      return 403;
    case ErrorKind::not_found:
      return 404;
    case ErrorKind::conflict:
      return 409;
    case ErrorKind::too_large:
      return 413;
    case ErrorKind::unsupported_media:
      return 415;
    case ErrorKind::unprocessable:
      return 422;
    case ErrorKind::rate_limited:
      return 429;
    case ErrorKind::headers_too_large:
      return 431;
    case ErrorKind::unavailable:
      return 503;
    case ErrorKind::internal:
      return 500;
  }
  return 500;
}

Response errorResponse(const Error& e) {
  const bool internal = e.kind == ErrorKind::internal;
  JsonWriter w;
  w.beginObject();
  w.key("ok").boolean(false);
  w.key("message").string(internal ? "Internal server error" : e.message);
  w.key("errors").beginArray();
  if (!internal) {
    for (const auto& f : e.fields) {
      w.beginObject().key("path").string(f.path).key("message").string(f.message).endObject();
    }
  }
  w.endArray();
  w.endObject();
  Response r;
  r.status = statusFor(e.kind);
  r.body = std::move(w).str();
  return r;
}

Response dataResponse(std::string_view dataJson, int status) {
  Response r;
  r.status = status;
  r.body.reserve(dataJson.size() + 20);
  r.body += R"({"ok":true,"data":)";
  r.body += dataJson;
  r.body += '}';
  return r;
}

Response listResponse(std::string_view dataJson, const PageRequest& page, std::int64_t total) {
  JsonWriter meta;
  meta.beginObject();
  meta.key("page").integer(page.page);
  meta.key("limit").integer(page.limit);
  meta.key("total").integer(total);
  meta.key("pages").integer(page.limit > 0 ? (total + page.limit - 1) / page.limit : 0);
  meta.endObject();
  Response r;
  r.body.reserve(dataJson.size() + 100);
  r.body += R"({"ok":true,"data":)";
  r.body += dataJson;
  r.body += R"(,"meta":)";
  r.body += meta.str();
  r.body += '}';
  return r;
}

Response rawResponse(int status, std::string body, std::string contentType) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.contentType = std::move(contentType);
  return r;
}

}  // namespace minicrm::http
