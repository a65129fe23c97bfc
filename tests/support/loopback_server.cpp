#include "support/loopback_server.h"

#include <stdexcept>

namespace minicrm::testing {

LoopbackServer::LoopbackServer(const http::Router& router) {
  http::PipelineOptions po;
  po.accessLog = false;
  po.workerThreads = 1;
  pipeline_ = std::make_unique<http::Pipeline>(router, po);
  http::ServerOptions so;
  so.port = 0;
  so.ioThreads = 1;
  server_ = std::make_unique<http::Server>(so, *pipeline_);
  if (Status s = server_->listen(); !s.ok()) throw std::runtime_error(s.error().message);
  server_->start();
}

LoopbackServer::~LoopbackServer() {
  server_->stop();
  server_->join();
}

}  // namespace minicrm::testing
