#include "support/jwks_server.h"

#include <stdexcept>

#include "http/envelope.h"

namespace minicrm::testing {

JwksServer::JwksServer(std::string jwks, std::string cacheControl)
    : jwks_(std::move(jwks)), cacheControl_(std::move(cacheControl)) {
  auto add = [this](const char* path, bool clerk) {
    router_
        .add(http::Method::GET, path,
             [this, clerk](http::Request& req, http::Reply reply) {
               serve(req, std::move(reply), clerk);
             })
        .access = http::Access::open;
  };
  add("/jwks", false);
  add("/v1/jwks", true);
  router_
      .add(http::Method::GET, "/.well-known/openid-configuration",
           [this](http::Request&, http::Reply reply) {
             ++hits_;
             reply(http::rawResponse(
                 200, R"({"issuer":")" + baseUrl() + R"(","jwks_uri":")" + jwksUrl() + "\"}",
                 "application/json"));
           })
      .access = http::Access::open;
  server_ = std::make_unique<LoopbackServer>(router_);
}

JwksServer::~JwksServer() = default;

std::string JwksServer::baseUrl() const {
  return server_->baseUrl();
}

void JwksServer::setJwks(std::string jwks) {
  std::lock_guard lock(mu_);
  jwks_ = std::move(jwks);
}

void JwksServer::serve(const http::Request& req, http::Reply reply, bool clerk) {
  ++hits_;
  if (down_) return reply(http::rawResponse(503, "down", "text/plain"));
  if (clerk && req.header("authorization") != std::string("Bearer ") + kClerkSecret) {
    return reply(http::rawResponse(401, R"({"errors":[]})", "application/json"));
  }
  std::lock_guard lock(mu_);
  http::Response res = http::rawResponse(200, jwks_, "application/json");
  res.setHeader("Cache-Control", cacheControl_);
  reply(std::move(res));
}

}  // namespace minicrm::testing
