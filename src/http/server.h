// The HTTP/1.1 server: Boost.Beast over Asio coroutines, keep-alive, one io thread per core.
// This header (and server.cpp) is the only place that sees Beast or Asio; everything a
// request does happens in the Pipeline.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.h"
#include "http/pipeline.h"

namespace minicrm::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;                // 0: pick a free port (tests)
  unsigned ioThreads = 0;                   // 0: one per core
  std::chrono::seconds idleTimeout{75};     // keep-alive connection waiting for a request
  std::chrono::seconds requestTimeout{30};  // reading one request, headers and body
  std::chrono::seconds drainTimeout{15};    // in-flight requests at shutdown
  std::size_t headerLimit = 16 * 1024;      // beyond it: 431
  bool handleSignals = false;               // SIGINT/SIGTERM start a drain
  std::size_t headerCountLimit = 100;       // header fields per request; beyond it: 431
  // Open connections; one more is answered 503 and closed. Once a client has sent the first
  // byte of a request, the whole request (headers and body) must arrive within
  // requestTimeout, so slow clients cannot hold connections for long.
  std::size_t maxConnections = 10000;
};

class Server {
 public:
  Server(ServerOptions options, Pipeline& pipeline);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; port() is valid afterwards.
  Status listen();
  std::uint16_t port() const;

  // Serves until stop() (or a signal) and every in-flight request has been answered.
  void run();
  // run() on background threads; join() waits for it.
  void start();
  void join();
  // Stops accepting, closes idle connections, lets in-flight requests finish (up to
  // drainTimeout). Thread-safe, idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minicrm::http
