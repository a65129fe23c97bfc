// The Dispatcher sends campaign messages: one loop on its own thread that claims due
// PENDING communications in batches, renders each message from its campaign's template,
// sends them to the vendor as arrays (the communication id is the idempotency key), and
// records what happened.
//
// - 2xx: accepted; the row waits for its receipt until `receiptTimeout`, then is sent
//   again with the same key (a vendor that has it re-sends the receipt), and after the
//   last attempt it is FAILED ("no delivery receipt").
// - 5xx, 408, 429 (honouring Retry-After), timeouts and connection errors: retried with
//   exponential backoff and full jitter, FAILED with the reason after `maxAttempts`.
// - Other 4xx: FAILED at once.
// - `pauseAfterErrors` failed sends in a row pause the campaign ("vendor errors").
// Paused, completed and cancelled campaigns are not claimed. After a crash, rows that
// were being sent become due again and go out with the same key.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "service/campaigns.h"
#include "store/store.h"
#include "vendor/vendor_client.h"

namespace minicrm {

struct DispatchOptions {
  std::string vendorUrl;
  std::size_t concurrency = 64;  // vendor requests in flight
  std::size_t batchSize = 100;   // messages per vendor request
  double ratePerSecond = 0;      // messages per second; 0: unlimited
  std::int64_t maxAttempts = 5;
  std::chrono::milliseconds receiptTimeout{10 * 60 * 1000};
  std::chrono::milliseconds retryBase{1000};
  std::chrono::milliseconds retryMax{5 * 60 * 1000};
  std::chrono::milliseconds sendTimeout{30'000};
  int pauseAfterErrors = 100;
  std::string signingSecret;  // non-empty: vendor requests are signed
};

class Dispatcher {
 public:
  Dispatcher(Store& store, const Clock& clock, CampaignService& campaigns, DispatchOptions options);
  ~Dispatcher();  // stops

  void start();
  // Finishes the requests in flight (for a few seconds at most), records their outcome,
  // and stops.
  void stop();
  // Something may be due now (a launch, a resume): ends an idle wait early. Any thread.
  void wake() { client_.wakeup(); }

  std::uint64_t messagesSent() const { return sent_.load(); }
  std::uint64_t sendFailures() const { return failures_.load(); }

 private:
  void loop();
  // Claims and sends what is due; false when nothing was due.
  bool dispatchSome();
  void onReply(const std::vector<Outgoing>& batch, const vendor::SendReply& reply);
  void flushOutcomes();
  Millis backoff(std::int64_t attempts);

  Store& store_;
  const Clock& clock_;
  CampaignService& campaigns_;
  DispatchOptions options_;
  vendor::VendorClient client_;

  std::vector<SendOutcome> outcomes_;  // recorded in one write per loop turn
  std::map<Id, int> failuresInRow_;    // per campaign
  double tokens_ = 0;                  // rate limit
  std::chrono::steady_clock::time_point lastRefill_;
  std::mt19937_64 rng_{std::random_device{}()};

  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::thread thread_;
};

}  // namespace minicrm
