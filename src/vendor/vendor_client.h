// The messaging vendor as MiniCRM's dispatcher sees it: an HTTP endpoint that takes a
// JSON array of messages, each carrying an idempotency key (the communication id), and
// answers 2xx once it has accepted them; delivery receipts come back later through the
// receipt webhook. Transfers run through libcurl's multi interface on the caller's thread
// (poll()), over a bounded number of keep-alive connections.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/id.h"

namespace minicrm::vendor {

struct OutgoingMessage {
  Id communication;  // sent as the idempotency key
  Id campaign;
  Id customer;
  std::string message;
};

struct SendReply {
  long status = 0;    // HTTP status; 0 when no answer came (connection error, timeout)
  std::string error;  // why it failed, for logs and the communication's vendorResponse
  std::optional<std::chrono::seconds> retryAfter;  // from a 429/503's Retry-After

  bool accepted() const { return status >= 200 && status < 300; }
  // 5xx, 408, 429 and transport failures may succeed later; other 4xx are final.
  bool retryable() const { return status == 0 || status == 408 || status == 429 || status >= 500; }
};

struct VendorClientOptions {
  std::string url;
  std::size_t concurrency = 64;  // requests in flight (and connections)
  std::chrono::milliseconds timeout{30'000};
  std::string signingSecret;  // non-empty: requests carry X-Signature
};

class VendorClient {
 public:
  explicit VendorClient(VendorClientOptions options);
  ~VendorClient();
  VendorClient(const VendorClient&) = delete;
  VendorClient& operator=(const VendorClient&) = delete;

  // Starts sending `batch` (one request). REQUIRES: inFlight() < concurrency.
  void send(std::vector<OutgoingMessage> batch, std::function<void(const SendReply&)> done);
  // Moves transfers along for up to `wait` and runs the callbacks of those that finished.
  // Waits the whole `wait` when nothing is in flight, unless wakeup() is called.
  void poll(std::chrono::milliseconds wait);
  // Ends a poll() early; callable from any thread.
  void wakeup();
  std::size_t inFlight() const;
  std::size_t capacity() const { return options_.concurrency; }

  // The request body for `batch`: [{"campaignId","customerId","message","idempotencyKey"}].
  static std::string body(const std::vector<OutgoingMessage>& batch);

 private:
  struct Transfer;
  VendorClientOptions options_;
  void* multi_;
  std::vector<std::unique_ptr<Transfer>> active_;
};

}  // namespace minicrm::vendor
