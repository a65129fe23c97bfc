// A tiny identity provider on 127.0.0.1 for tests, built from MiniCRM's own HTTP server:
// GET /jwks (also Clerk's /v1/jwks, which wants the secret key as bearer) and
// GET /.well-known/openid-configuration. It can be taken "down" (503) and counts requests.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "http/router.h"
#include "support/loopback_server.h"

namespace minicrm::testing {

class JwksServer {
 public:
  explicit JwksServer(std::string jwks, std::string cacheControl = "public, max-age=600");
  ~JwksServer();

  std::string baseUrl() const;
  std::string jwksUrl() const { return baseUrl() + "/jwks"; }

  void setJwks(std::string jwks);
  void setDown(bool down) { down_ = down; }
  int hits() const { return hits_; }
  // The secret /v1/jwks expects as "Authorization: Bearer <secret>".
  static constexpr const char* kClerkSecret = "sk_test_minicrm";

 private:
  void serve(const http::Request& req, http::Reply reply, bool clerk);

  std::mutex mu_;
  std::string jwks_;
  std::string cacheControl_;
  std::atomic<bool> down_{false};
  std::atomic<int> hits_{0};
  http::Router router_;
  std::unique_ptr<LoopbackServer> server_;
};

}  // namespace minicrm::testing
