// Requests and responses as handlers see them: plain structs, no Beast types, so handlers
// and their tests compile without the networking headers.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/principal.h"

namespace minicrm::http {

enum class Method { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, OTHER };

std::string_view toString(Method m);
Method parseMethod(std::string_view s);

struct Route;
class UploadedFile;

struct Request {
  Method method = Method::GET;
  std::string methodText;
  std::string target;  // as received: path and query
  std::string path;    // decoded path without the query, trailing '/' removed
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remoteAddress;
  // A body streamed to disk (http/upload.h) instead of `body`, or why it is not usable.
  std::shared_ptr<UploadedFile> upload;
  std::optional<Error> uploadError;

  // Filled by the pipeline.
  std::string requestId;
  Principal principal = Principal::local();  // the caller; open local mode: admin "local"
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;  // path parameters

  // Header value by lower-case name; empty when absent.
  std::string_view header(std::string_view lowerName) const;
  bool hasHeader(std::string_view lowerName) const;
  // First query value with this name.
  std::optional<std::string_view> queryParam(std::string_view name) const;
  // Path parameter by name (":id" -> "id"); empty when absent.
  std::string_view param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string contentType = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  bool closeConnection = false;

  void setHeader(std::string name, std::string value);
};

// Delivers a handler's response. Copyable; callable from any thread; the first call wins.
// If every copy is dropped without a call, a 500 is sent, so a request is never left
// hanging by a handler bug.
class Reply {
 public:
  explicit Reply(std::function<void(Response)> send);
  void operator()(Response r) const;
  // Wraps this reply: `transform` runs on each response before it is sent.
  Reply then(std::function<Response(Response)> transform) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Parses an origin-form request target ("/path?query") into req.path (decoded, one
// trailing '/' removed) and req.query (decoded pairs). False when it is malformed.
bool parseTarget(std::string_view target, Request& req);

}  // namespace minicrm::http
