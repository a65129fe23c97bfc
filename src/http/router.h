// Routes: a method, a path template with ":param" segments, a handler and how to run it.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "http/message.h"

namespace minicrm::http {

using Handler = std::function<void(Request&, Reply)>;

class BodySink;
// Decides, once the request's headers are known, whether its body is streamed to a sink
// (uploads) instead of read into Request::body: nullptr reads it as usual.
using StreamBody = std::function<Result<std::unique_ptr<BodySink>>(const Request&)>;

constexpr std::size_t kDefaultBodyLimit = 1 << 20;  // JSON bodies: 1 MiB

enum class Access {
  authenticated,  // needs a caller identity (once auth is configured)
  open,           // health, docs: no credentials
  // Signed webhooks (the delivery receipt, the vendor simulator): open at the
  // authentication step; the handler checks X-Signature (auth/signature.h) itself.
  signature,
  // /metrics: METRICS_TOKEN as a bearer token when that is set, else open.
  metrics,
};

struct Route {
  Method method;
  std::string pattern;  // "/api/v1/customers/:id"
  Handler handler;
  // Runs on the worker pool instead of an io thread: for reads that may take long
  // (scans, aggregates). Writes never block: they hand off to the store's writer.
  bool blocking = false;
  std::size_t bodyLimit = kDefaultBodyLimit;
  Access access = Access::authenticated;
  // Only admins may call it (403 for other authenticated callers).
  bool adminOnly = false;
  // Uploads: bodies that streamBody takes go to disk, up to streamLimit bytes.
  StreamBody streamBody;
  std::uint64_t streamLimit = 0;
  std::size_t index = 0;  // position in the table, for metrics

  std::vector<std::string> segments;  // split pattern
};

struct Match {
  const Route* route = nullptr;  // null: not found or method not allowed
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<Method> allowed;  // methods of the path when the method did not match
};

class Router {
 public:
  Route& add(Method method, std::string pattern, Handler handler);
  // Finds the route for method + path. A static segment beats a parameter.
  Match match(Method method, std::string_view path) const;
  // The route added for exactly this method and pattern, or nullptr.
  Route* find(Method method, std::string_view pattern);
  const std::deque<Route>& routes() const { return routes_; }

 private:
  std::deque<Route> routes_;  // deque: Route references stay valid as routes are added
  std::vector<std::vector<const Route*>> bySize_;  // routes by their number of segments
};

}  // namespace minicrm::http
