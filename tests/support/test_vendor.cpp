#include "support/test_vendor.h"

#include <boost/json/parse.hpp>

#include "http/envelope.h"

namespace minicrm::testing {

TestVendor::TestVendor(std::function<int(int)> answer) : answer_(std::move(answer)) {
  router_.add(http::Method::POST, "/send", [this](http::Request& req, http::Reply reply) {
    const int n = requests_++;
    int status;
    {
      std::lock_guard lock(mu_);
      auto body = boost::json::parse(req.body);
      for (const auto& m : body.as_array()) {
        ++keys_[std::string(m.at("idempotencyKey").as_string())];
      }
      status = answer_(n);
    }
    http::Response r = http::rawResponse(status, R"({"ok":true})", "application/json");
    if (status == 429) r.setHeader("Retry-After", "1");
    reply(std::move(r));
  });
  server_ = std::make_unique<LoopbackServer>(router_);
}

TestVendor::~TestVendor() = default;

std::string TestVendor::url() const {
  return server_->baseUrl() + "/send";
}

std::map<std::string, int> TestVendor::keys() const {
  std::lock_guard lock(mu_);
  return keys_;
}

void TestVendor::setAnswer(std::function<int(int)> answer) {
  std::lock_guard lock(mu_);
  answer_ = std::move(answer);
}

}  // namespace minicrm::testing
