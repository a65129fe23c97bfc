#include "support/test_server.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace minicrm::testing {

TestServer::TestServer(cli::Settings settings) {
  spdlog::set_level(spdlog::level::warn);
  dbPath_ = dir_.newFile("test.db");
  settings.host = "127.0.0.1";
  settings.port = 0;
  settings.databaseUrl = "sqlite:" + dbPath_;
  settings.accessLog = false;
  settings.ioThreads = 2;
  settings.workerThreads = 2;
  settings.sqliteSynchronous = "NORMAL";  // tests do not need power-loss durability
  app_ = std::make_unique<cli::App>(settings, clock_, /*handleSignals=*/false);
  if (Status s = app_->start(); !s.ok()) throw std::runtime_error(s.error().message);
}

TestServer::~TestServer() {
  app_->stop();
  app_->wait();
  app_.reset();
}

}  // namespace minicrm::testing
