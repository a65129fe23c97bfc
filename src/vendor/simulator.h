// The vendor simulator: a stand-in messaging vendor for development, tests and
// benchmarks. It accepts messages at once (202), decides each one's fate from a hash of
// (seed, idempotency key) so anyone can recompute the split, never delivers a key twice
// (a repeated key has its receipt sent again and is counted), and posts delivery receipts
// to a callback URL after a random delay, retrying with backoff while the callback fails
// and signing them when it has a secret. It always talks real HTTP: mounted in
// `minicrm serve` or run alone as `minicrm vendor-sim`.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace minicrm::vendor {

struct SimulatorOptions {
  std::string callbackUrl;  // where receipts go (the receipt webhook)
  double successRate = 0.9;
  int latencyMinMs = 0;  // delay before a receipt is posted
  int latencyMaxMs = 0;
  std::uint64_t seed = 0;
  std::string secret;  // signs receipts; with requireSignature also checks send requests
  bool requireSignature = false;
};

// One message handed to the vendor.
struct SimulatedMessage {
  std::string campaignId;
  std::string customerId;
  std::string message;
  std::string idempotencyKey;
};

struct SimulatorStats {
  std::uint64_t accepted = 0;        // messages accepted (first time for their key)
  std::uint64_t duplicateKeys = 0;   // messages whose key was seen before
  std::uint64_t receiptsSent = 0;    // receipts the callback accepted
  std::uint64_t receiptsFailed = 0;  // receipt posts that failed (and were retried)
  std::uint64_t receiptsPending = 0;
};

// 64-bit FNV-1a over the bytes of s.
std::uint64_t fnv1a64(std::string_view s);
// The outcome rule of API.md: FAILED exactly when
// fnv1a64(seed + ":" + key) mod 10000 < (1 - successRate) * 10000.
bool simulatedFailure(std::uint64_t seed, std::string_view key, double successRate);

class VendorSimulator {
 public:
  VendorSimulator(SimulatorOptions options, const Clock& clock);
  ~VendorSimulator();
  VendorSimulator(const VendorSimulator&) = delete;
  VendorSimulator& operator=(const VendorSimulator&) = delete;

  // Where receipts go; for a simulator mounted in the server, known once it listens.
  void setCallbackUrl(std::string url);
  // Takes messages (already validated) and schedules their receipts.
  void accept(const std::vector<SimulatedMessage>& messages);
  SimulatorStats stats() const;
  const SimulatorOptions& options() const { return options_; }

  // Parses a send request body: one object or an array of objects with campaignId,
  // customerId, message and (or, for one object, `headerKey`) idempotencyKey.
  static Result<std::vector<SimulatedMessage>> parseSend(std::string_view body,
                                                         std::string_view headerKey);

 private:
  struct Pending {
    std::chrono::steady_clock::time_point due;
    std::string body;  // one receipt, as JSON
    int attempt = 0;
    bool operator>(const Pending& o) const { return due > o.due; }
  };

  void postLoop();
  bool post(void* curl, const std::string& body);  // one POST of receipts; true on 2xx

  SimulatorOptions options_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, std::string> receipts_;  // key -> its receipt
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> queue_;
  std::mt19937_64 rng_;
  bool stopping_ = false;
  SimulatorStats stats_;
  std::thread thread_;
};

}  // namespace minicrm::vendor
