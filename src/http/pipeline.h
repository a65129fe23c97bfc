// What happens to every request between the socket and a route's handler: request id,
// CORS (preflight included), routing with 404/405, running the handler on the right
// thread, security headers, one JSON log line, and metrics. The server owns sockets; the
// pipeline owns behaviour, so it can be exercised without a network.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/rate_limit.h"
#include "http/router.h"
#include "http/worker_pool.h"

namespace minicrm::auth {
class Authenticator;
}

namespace minicrm::http {

struct PipelineOptions {
  // Allowed browser origins; "*" allows any.
  std::vector<std::string> corsOrigins = {"http://localhost:5173"};
  bool accessLog = true;
  std::size_t workerThreads = 4;
  // Who may call Access::authenticated routes. Null: no auth configured (open local mode),
  // every caller is the admin "local".
  std::shared_ptr<const auth::Authenticator> authenticator;
  std::string metricsToken;  // when set, /metrics needs it as a bearer token
  RateLimit perAddress;      // every routed request, by client address
  RateLimit perPrincipal;    // authenticated routes, by the caller's subject
};

class Pipeline {
 public:
  // REQUIRES: every route is added to `router` before the Pipeline is made.
  Pipeline(const Router& router, PipelineOptions options);

  // Largest body the route for (method, path) accepts; the server answers 413 beyond it.
  std::size_t bodyLimit(Method method, std::string_view path) const;
  // For an upload route whose request streams its body (Route::streamBody): the sink and,
  // in `limit`, the most bytes it accepts. nullptr: read the body as usual.
  Result<std::unique_ptr<BodySink>> bodySink(const Request& req, std::uint64_t& limit) const;

  // Handles one request. `reply` is called exactly once, possibly from another thread.
  // `req` must stay alive until then.
  void handle(Request& req, Reply reply);
  // Answers a request the server could not read in full (too large, malformed) with the
  // usual headers, log line and metrics.
  void reject(Request& req, const Error& error, Reply reply);

  Metrics& metrics() { return metrics_; }
  const Router& router() const { return router_; }

 private:
  using Clock = std::chrono::steady_clock;

  Reply finishing(Request& req, Reply reply, Clock::time_point start);
  // Authentication, authorisation and the per-principal limit, then the handler.
  void authorizeAndRun(Request& req, Reply done, bool allowNetwork);
  // False (and answered 429) when `key` is over `limiter`'s rate.
  bool admit(RateLimiter& limiter, std::string_view key, const Reply& done);
  void addCors(const Request& req, Response& res) const;
  bool originAllowed(std::string_view origin) const;

  const Router& router_;
  PipelineOptions options_;
  Metrics metrics_;
  WorkerPool pool_;
  RateLimiter addressLimiter_;
  RateLimiter principalLimiter_;
};

// The request id to use: the client's X-Request-Id when it is 1-128 characters of
// [A-Za-z0-9._:-], else a new random one.
std::string requestIdFor(const Request& req);

}  // namespace minicrm::http
