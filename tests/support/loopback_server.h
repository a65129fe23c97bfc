// A MiniCRM HTTP server on 127.0.0.1 and an ephemeral port, for test doubles (an identity
// provider, a vendor). It serves from construction until destruction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/pipeline.h"
#include "http/router.h"
#include "http/server.h"

namespace minicrm::testing {

class LoopbackServer {
 public:
  // REQUIRES: every route is added to `router`, which outlives this server.
  explicit LoopbackServer(const http::Router& router);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::uint16_t port() const { return server_->port(); }
  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port()); }

 private:
  std::unique_ptr<http::Pipeline> pipeline_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace minicrm::testing
