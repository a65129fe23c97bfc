#include "vendor/vendor_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>

#include "auth/signature.h"
#include "core/json_writer.h"

namespace minicrm::vendor {

struct VendorClient::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string request;
  std::string response;
  std::optional<std::chrono::seconds> retryAfter;
  std::function<void(const SendReply&)> done;

  ~Transfer() {
    if (headers) curl_slist_free_all(headers);
    if (easy) curl_easy_cleanup(easy);
  }
};

namespace {

std::size_t onBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() < 4096) out->append(data, std::min<std::size_t>(size * n, 4096 - out->size()));
  return size * n;
}

// Picks up "Retry-After: <seconds>"; an HTTP-date value is ignored (own backoff applies).
std::size_t onHeader(char* data, std::size_t size, std::size_t n, void* user) {
  const std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() <= kName.size()) return size * n;
  for (std::size_t i = 0; i < kName.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != kName[i]) return size * n;
  }
  long seconds = 0;
  int digits = 0;
  for (char c : line.substr(kName.size())) {
    if (c >= '0' && c <= '9' && digits < 7) {
      seconds = seconds * 10 + (c - '0');
      ++digits;
    } else if (c != ' ' && c != '\r' && c != '\n') {
      return size * n;
    }
  }
  if (digits > 0) {
    *static_cast<std::optional<std::chrono::seconds>*>(user) = std::chrono::seconds(seconds);
  }
  return size * n;
}

}  // namespace

VendorClient::VendorClient(VendorClientOptions options) : options_(std::move(options)) {
  multi_ = curl_multi_init();
  if (!multi_) throw std::runtime_error("curl_multi_init failed");
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options_.concurrency));
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(options_.concurrency));
}

VendorClient::~VendorClient() {
  for (auto& t : active_)
    curl_multi_remove_handle(multi_, t->easy);
  active_.clear();
  curl_multi_cleanup(multi_);
}

void VendorClient::wakeup() {
  curl_multi_wakeup(multi_);
}

std::size_t VendorClient::inFlight() const {
  return active_.size();
}

std::string VendorClient::body(const std::vector<OutgoingMessage>& batch) {
  JsonWriter w;
  w.beginArray();
  for (const auto& m : batch) {
    w.beginObject();
    w.key("campaignId").id(m.campaign);
    w.key("customerId").id(m.customer);
    w.key("message").string(m.message);
    w.key("idempotencyKey").id(m.communication);
    w.endObject();
  }
  w.endArray();
  return std::move(w).str();
}

void VendorClient::send(std::vector<OutgoingMessage> batch,
                        std::function<void(const SendReply&)> done) {
  auto t = std::make_unique<Transfer>();
  t->done = std::move(done);
  t->request = body(batch);
  t->easy = curl_easy_init();
  if (!t->easy) throw std::runtime_error("curl_easy_init failed");
  t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
  t->headers = curl_slist_append(t->headers, "Expect:");
  if (!options_.signingSecret.empty()) {
    const std::string sig = auth::signatureHeader(options_.signingSecret, t->request,
                                                  static_cast<std::int64_t>(std::time(nullptr)));
    t->headers = curl_slist_append(t->headers, ("X-Signature: " + sig).c_str());
  }
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->request.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->request.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->response);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t->retryAfter);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_multi_add_handle(multi_, e);
  active_.push_back(std::move(t));
}

void VendorClient::poll(std::chrono::milliseconds wait) {
  int running = 0;
  curl_multi_perform(multi_, &running);
  if (wait.count() > 0) {
    // Sleeps the whole `wait` when there is nothing to wait for, unless woken up.
    curl_multi_poll(multi_, nullptr, 0, static_cast<int>(wait.count()), nullptr);
    curl_multi_perform(multi_, &running);
  }
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* raw = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
    SendReply reply;
    if (msg->data.result == CURLE_OK) {
      curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &reply.status);
      if (!reply.accepted()) {
        reply.error =
            fmt::format("vendor answered {}: {}", reply.status, raw->response.substr(0, 200));
      }
    } else {
      reply.error = fmt::format("vendor unreachable: {}", curl_easy_strerror(msg->data.result));
    }
    reply.retryAfter = raw->retryAfter;
    curl_multi_remove_handle(multi_, msg->easy_handle);
    auto it = std::find_if(active_.begin(), active_.end(),
                           [raw](const auto& t) { return t.get() == raw; });
    std::unique_ptr<Transfer> done = std::move(*it);
    active_.erase(it);
    done->done(reply);
  }
}

}  // namespace minicrm::vendor
