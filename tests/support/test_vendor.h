// A messaging vendor for tests: answers each send request with the status the test
// chooses, records the idempotency keys it saw, and sends no receipts (tests post them).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/router.h"
#include "support/loopback_server.h"

namespace minicrm::testing {

class TestVendor {
 public:
  // `answer(requestNumber)` gives the HTTP status of each request (numbered from 0).
  explicit TestVendor(std::function<int(int)> answer);
  ~TestVendor();

  std::string url() const;  // the send endpoint
  int requests() const { return requests_.load(); }
  // How many times each idempotency key was sent.
  std::map<std::string, int> keys() const;
  void setAnswer(std::function<int(int)> answer);

 private:
  std::function<int(int)> answer_;
  mutable std::mutex mu_;
  std::map<std::string, int> keys_;
  std::atomic<int> requests_{0};
  http::Router router_;
  std::unique_ptr<LoopbackServer> server_;
};

}  // namespace minicrm::testing
