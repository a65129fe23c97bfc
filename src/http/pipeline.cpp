#include "http/pipeline.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "auth/api_keys.h"
#include "auth/authenticator.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "http/envelope.h"
#include "http/upload.h"

namespace minicrm::http {
namespace {

constexpr const char* kAllowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
constexpr const char* kAllowedHeaders =
    "Authorization, Content-Type, X-Request-Id, Idempotency-Key, X-Signature";

std::vector<std::pair<std::string, std::string>> routeLabels(const Router& router) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : router.routes())
    out.emplace_back(toString(r.method), r.pattern);
  return out;
}

// Pages a browser renders: nothing but our own resources, never inside a frame.
constexpr const char* kHtmlPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";
// Everything else is data: nothing in it may run or load anything.
constexpr const char* kDataPolicy = "default-src 'none'; frame-ancestors 'none'";

bool hasHeader(const Response& res, std::string_view name) {
  for (const auto& [k, v] : res.headers) {
    if (iequals(k, name)) return true;
  }
  return false;
}

// 401 with the RFC 6750 challenge; `presented`: a credential was sent but refused.
Response unauthorized(const Error& error, bool presented) {
  Response res = errorResponse(error);
  res.setHeader("WWW-Authenticate", presented ? R"(Bearer realm="minicrm", error="invalid_token")"
                                              : R"(Bearer realm="minicrm")");
  return res;
}

std::string methodList(const std::vector<Method>& methods) {
  std::string out;
  bool hasGet = false;
  for (Method m : methods) {
    out += (out.empty() ? "" : ", ") + std::string(toString(m));
    hasGet = hasGet || m == Method::GET;
  }
  if (hasGet) out += ", HEAD";
  return out + ", OPTIONS";
}

}  // namespace

std::string requestIdFor(const Request& req) {
  const std::string_view given = req.header("x-request-id");
  if (!given.empty() && given.size() <= 128) {
    bool ok = true;
    for (char c : given) {
      const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
      if (!allowed) {
        ok = false;
        break;
      }
    }
    if (ok) return std::string(given);
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

Pipeline::Pipeline(const Router& router, PipelineOptions options)
    : router_(router),
      options_(std::move(options)),
      metrics_(routeLabels(router)),
      pool_(options_.workerThreads),
      addressLimiter_(options_.perAddress),
      principalLimiter_(options_.perPrincipal) {}

std::size_t Pipeline::bodyLimit(Method method, std::string_view path) const {
  Match m = router_.match(method, path);
  return m.route ? m.route->bodyLimit : kDefaultBodyLimit;
}

Result<std::unique_ptr<BodySink>> Pipeline::bodySink(const Request& req,
                                                     std::uint64_t& limit) const {
  Match m = router_.match(req.method, req.path);
  if (!m.route || !m.route->streamBody) return std::unique_ptr<BodySink>();
  // An upload is written to disk as it arrives: refuse a caller without credentials before
  // the first byte of it. (A token whose keys must first be fetched is checked once the
  // body is in, like every request; the fetch never runs on an io thread.)
  if (options_.authenticator && m.route->access == Access::authenticated) {
    auth::Verdict verdict =
        options_.authenticator->authenticate(req.header("authorization"), /*allowNetwork=*/false);
    if (verdict.error) return *verdict.error;
  }
  auto sink = m.route->streamBody(req);
  if (sink.ok() && *sink) limit = m.route->streamLimit;
  return sink;
}

bool Pipeline::originAllowed(std::string_view origin) const {
  for (const auto& o : options_.corsOrigins) {
    if (o == "*" || o == origin) return true;
  }
  return false;
}

void Pipeline::addCors(const Request& req, Response& res) const {
  const std::string_view origin = req.header("origin");
  if (origin.empty() || !originAllowed(origin)) return;
  res.setHeader("Access-Control-Allow-Origin", std::string(origin));
  res.setHeader("Access-Control-Allow-Credentials", "true");
  res.setHeader("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
  res.setHeader("Vary", "Origin");
}

Reply Pipeline::finishing(Request& req, Reply reply, Clock::time_point start) {
  return reply.then([this, &req, start](Response res) {
    res.setHeader("X-Request-Id", req.requestId);
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (!hasHeader(res, "content-security-policy")) {
      const bool html = res.contentType.starts_with("text/html");
      res.setHeader("Content-Security-Policy", html ? kHtmlPolicy : kDataPolicy);
      if (html) {
        res.setHeader("X-Frame-Options", "DENY");
        res.setHeader("Referrer-Policy", "no-referrer");
      }
    }
    if (req.path.starts_with("/api/")) res.setHeader("Cache-Control", "no-store");
    addCors(req, res);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const std::size_t index = req.route                       ? req.route->index
                              : req.method == Method::OPTIONS ? metrics_.preflightIndex()
                                                              : metrics_.unmatchedIndex();
    metrics_.record(index, res.status, seconds);
    if (options_.accessLog) {
      std::string line = R"("msg":"request","method":)";
      JsonWriter::appendQuoted(line, req.methodText);
      line += R"(,"route":)";
      JsonWriter::appendQuoted(
          line, req.route ? std::string_view(req.route->pattern) : std::string_view());
      line += R"(,"path":)";
      JsonWriter::appendQuoted(line, req.path);
      line += fmt::format(R"(,"status":{},"durationMs":{:.3f},"bytes":{},"requestId":)", res.status,
                          seconds * 1000, res.body.size());
      JsonWriter::appendQuoted(line, req.requestId);
      line += R"(,"remote":)";
      JsonWriter::appendQuoted(line, req.remoteAddress);
      spdlog::info("{}", line);
    }
    return res;
  });
}

void Pipeline::reject(Request& req, const Error& error, Reply reply) {
  const auto start = Clock::now();
  req.requestId = requestIdFor(req);
  Reply done = finishing(req, std::move(reply), start);
  Response res = error.kind == ErrorKind::unauthorized
                     ? unauthorized(error, !req.header("authorization").empty())
                     : errorResponse(error);
  res.closeConnection = true;
  done(std::move(res));
}

void Pipeline::handle(Request& req, Reply reply) {
  const auto start = Clock::now();
  req.requestId = requestIdFor(req);
  Reply done = finishing(req, std::move(reply), start);
  // Before routing, so probing for paths counts too.
  if (!admit(addressLimiter_, req.remoteAddress, done)) return;

  Match m = router_.match(req.method, req.path);
  if (req.method == Method::OPTIONS && !m.route) {
    // CORS preflight, or a plain OPTIONS asking what a path allows.
    if (m.allowed.empty()) {
      done(errorResponse(Error::notFound(fmt::format("No route for {}", req.path))));
      return;
    }
    Response res;
    res.status = 204;
    res.contentType.clear();
    res.setHeader("Allow", methodList(m.allowed));
    if (!req.header("access-control-request-method").empty() &&
        originAllowed(req.header("origin"))) {
      res.setHeader("Access-Control-Allow-Methods", kAllowedMethods);
      res.setHeader("Access-Control-Allow-Headers", kAllowedHeaders);
      res.setHeader("Access-Control-Max-Age", "600");
    }
    done(std::move(res));
    return;
  }
  if (!m.route) {
    if (m.allowed.empty()) {
      done(errorResponse(
          Error::notFound(fmt::format("No route for {} {}", req.methodText, req.path))));
    } else {
      Response res =
          errorResponse(Error{ErrorKind::invalid,
                              fmt::format("Method {} is not allowed on {}; allowed: {}",
                                          req.methodText, req.path, methodList(m.allowed)),
                              {}});
      res.status = 405;
      res.setHeader("Allow", methodList(m.allowed));
      done(std::move(res));
    }
    return;
  }
  req.route = m.route;
  req.params = std::move(m.params);
  authorizeAndRun(req, std::move(done), /*allowNetwork=*/false);
}

bool Pipeline::admit(RateLimiter& limiter, std::string_view key, const Reply& done) {
  if (!limiter.enabled()) return true;
  const auto nowMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
          .count();
  const auto wait = limiter.take(key, nowMs);
  if (!wait) return true;
  const auto seconds = std::max<std::int64_t>(1, (*wait + 999) / 1000);
  Response res = errorResponse(
      Error{ErrorKind::rate_limited, fmt::format("Too many requests; retry in {} s", seconds), {}});
  res.setHeader("Retry-After", std::to_string(seconds));
  done(std::move(res));
  return false;
}

void Pipeline::authorizeAndRun(Request& req, Reply done, bool allowNetwork) {
  const Route& route = *req.route;
  const std::string_view authorization = req.header("authorization");
  if (route.access == Access::metrics && !options_.metricsToken.empty()) {
    const auto token = auth::bearerToken(authorization);
    if (!token || !auth::secretEquals(*token, options_.metricsToken)) {
      done(unauthorized(
          Error{ErrorKind::unauthorized, "Metrics need Authorization: Bearer <METRICS_TOKEN>", {}},
          !authorization.empty()));
      return;
    }
  }
  if (options_.authenticator) {
    if (route.access == Access::authenticated) {
      auth::Verdict verdict = options_.authenticator->authenticate(authorization, allowNetwork);
      if (verdict.needsNetwork()) {
        // The provider's keys must be fetched: not on an io thread.
        pool_.post([this, &req, done] { authorizeAndRun(req, done, /*allowNetwork=*/true); });
        return;
      }
      if (verdict.error) {
        done(unauthorized(*verdict.error, !authorization.empty()));
        return;
      }
      req.principal = std::move(*verdict.principal);
    } else {
      req.principal = Principal::anonymous();
    }
  }
  if (route.adminOnly && !req.principal.admin) {
    done(errorResponse(Error{
        ErrorKind::forbidden, "This operation is for admins; your role does not allow it", {}}));
    return;
  }
  if (route.access == Access::authenticated &&
      !admit(principalLimiter_, req.principal.subject, done)) {
    return;
  }

  auto run = [&req, done]() {
    try {
      req.route->handler(req, done);
    } catch (const std::exception& e) {
      spdlog::error(R"("msg":"handler threw","route":{},"error":{})", jsonQuote(req.route->pattern),
                    jsonQuote(e.what()));
      done(errorResponse(Error::internal(e.what())));
    }
  };
  if (req.route->blocking) {
    pool_.post(std::move(run));
  } else {
    run();
  }
}

}  // namespace minicrm::http
