#include "vendor/simulator.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>

#include <ctime>
#include <memory>

#include "auth/signature.h"
#include "core/id.h"
#include "core/json_writer.h"

namespace minicrm::vendor {

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

bool simulatedFailure(std::uint64_t seed, std::string_view key, double successRate) {
  const std::string input = std::to_string(seed) + ":" + std::string(key);
  return static_cast<double>(fnv1a64(input) % 10000) < (1.0 - successRate) * 10000.0;
}

VendorSimulator::VendorSimulator(SimulatorOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), rng_(options_.seed) {
  thread_ = std::thread([this] { postLoop(); });
}

VendorSimulator::~VendorSimulator() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void VendorSimulator::setCallbackUrl(std::string url) {
  std::lock_guard lock(mu_);
  options_.callbackUrl = std::move(url);
}

SimulatorStats VendorSimulator::stats() const {
  std::lock_guard lock(mu_);
  SimulatorStats s = stats_;
  s.receiptsPending = queue_.size();
  return s;
}

Result<std::vector<SimulatedMessage>> VendorSimulator::parseSend(std::string_view body,
                                                                 std::string_view headerKey) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) return Error::invalidField("", "the body is not valid JSON");
  std::vector<const boost::json::value*> items;
  if (v.is_object()) {
    items.push_back(&v);
  } else if (v.is_array() && !v.get_array().empty()) {
    for (const auto& e : v.get_array())
      items.push_back(&e);
  } else if (v.is_array()) {
    return Error::invalidField("", "the array holds no messages");
  } else {
    return Error::invalidField("", "expected a message object or an array of them");
  }
  std::vector<FieldError> errors;
  std::vector<SimulatedMessage> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string prefix = v.is_array() ? std::to_string(i) + "." : "";
    const auto* obj = items[i]->if_object();
    if (!obj) {
      errors.push_back({std::to_string(i), "expected an object"});
      continue;
    }
    auto text = [&](const char* key) -> std::string {
      const auto* f = obj->if_contains(key);
      return f && f->is_string() ? std::string(f->get_string()) : std::string();
    };
    SimulatedMessage m{text("campaignId"), text("customerId"), text("message"),
                       text("idempotencyKey")};
    if (m.idempotencyKey.empty() && !v.is_array()) m.idempotencyKey = std::string(headerKey);
    if (!Id::parse(m.campaignId)) errors.push_back({prefix + "campaignId", "must be an id"});
    if (!Id::parse(m.customerId)) errors.push_back({prefix + "customerId", "must be an id"});
    if (m.message.empty()) errors.push_back({prefix + "message", "is required"});
    // Without a key, the (campaign, customer) pair identifies the message.
    if (m.idempotencyKey.empty()) m.idempotencyKey = m.campaignId + ":" + m.customerId;
    out.push_back(std::move(m));
  }
  if (!errors.empty()) return Error::invalid(std::move(errors));
  return out;
}

void VendorSimulator::accept(const std::vector<SimulatedMessage>& messages) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  std::uniform_int_distribution<int> delay(options_.latencyMinMs,
                                           std::max(options_.latencyMinMs, options_.latencyMaxMs));
  for (const auto& m : messages) {
    auto seen = receipts_.find(m.idempotencyKey);
    if (seen != receipts_.end()) {
      // Never delivered twice: the receipt it already had goes out again.
      ++stats_.duplicateKeys;
      queue_.push({now + std::chrono::milliseconds(delay(rng_)), seen->second, 0});
      continue;
    }
    ++stats_.accepted;
    const bool failed = simulatedFailure(options_.seed, m.idempotencyKey, options_.successRate);
    JsonWriter w;
    w.beginObject();
    w.key("campaignId").string(m.campaignId);
    w.key("customerId").string(m.customerId);
    w.key("status").string(failed ? "FAILED" : "SENT");
    w.key("vendorResponse").string(failed ? "undeliverable (simulated)" : "delivered (simulated)");
    w.key("timestamp").time(clock_.now());
    w.endObject();
    std::string receipt = std::move(w).str();
    queue_.push({now + std::chrono::milliseconds(delay(rng_)), receipt, 0});
    receipts_.emplace(m.idempotencyKey, std::move(receipt));
  }
  cv_.notify_one();
}

bool VendorSimulator::post(void* handle, const std::string& body) {
  CURL* curl = static_cast<CURL*>(handle);
  std::string url;
  {
    std::lock_guard lock(mu_);
    url = options_.callbackUrl;
  }
  if (url.empty()) return false;
  curl_easy_reset(curl);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  if (!options_.secret.empty()) {
    const std::string sig =
        auth::signatureHeader(options_.secret, body, static_cast<std::int64_t>(std::time(nullptr)));
    headers = curl_slist_append(headers, ("X-Signature: " + sig).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION,
      +[](char*, std::size_t size, std::size_t n, void*) { return size * n; });
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  return rc == CURLE_OK && status >= 200 && status < 300;
}

void VendorSimulator::postLoop() {
  constexpr std::size_t kPerPost = 100;  // receipts travel to the webhook in arrays
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mu_);
      for (;;) {
        if (stopping_) return;
        if (!queue_.empty() && queue_.top().due <= std::chrono::steady_clock::now()) break;
        if (queue_.empty()) {
          cv_.wait(lock);
        } else {
          // A copy: the queue may reallocate while the lock is released.
          const auto due = queue_.top().due;
          cv_.wait_until(lock, due);
        }
      }
      const auto now = std::chrono::steady_clock::now();
      while (!queue_.empty() && queue_.top().due <= now && batch.size() < kPerPost) {
        batch.push_back(queue_.top());
        queue_.pop();
      }
    }
    std::string body = "[";
    for (std::size_t i = 0; i < batch.size(); ++i)
      body += (i ? "," : "") + batch[i].body;
    body += "]";
    const bool ok = post(curl.get(), body);
    std::lock_guard lock(mu_);
    if (ok) {
      stats_.receiptsSent += batch.size();
      continue;
    }
    ++stats_.receiptsFailed;
    // Back off (doubling, up to 30 s) and try again later.
    for (auto& p : batch) {
      p.attempt = std::min(p.attempt + 1, 15);
      p.due = std::chrono::steady_clock::now() +
              std::chrono::milliseconds(std::min(30'000, 100 << std::min(p.attempt, 9)));
      queue_.push(std::move(p));
    }
  }
}

}  // namespace minicrm::vendor
