#include "service/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

#include "core/json_writer.h"
#include "core/message_template.h"

namespace minicrm {

Dispatcher::Dispatcher(Store& store, const Clock& clock, CampaignService& campaigns,
                       DispatchOptions options)
    : store_(store),
      clock_(clock),
      campaigns_(campaigns),
      options_(std::move(options)),
      client_(vendor::VendorClientOptions{options_.vendorUrl, options_.concurrency,
                                          options_.sendTimeout, options_.signingSecret}) {}

Dispatcher::~Dispatcher() {
  stop();
}

void Dispatcher::start() {
  if (running_.exchange(true)) return;
  lastRefill_ = std::chrono::steady_clock::now();
  tokens_ = options_.ratePerSecond;
  thread_ = std::thread([this] { loop(); });
}

void Dispatcher::stop() {
  if (!running_.exchange(false)) return;
  client_.wakeup();
  if (thread_.joinable()) thread_.join();
}

Millis Dispatcher::backoff(std::int64_t attempts) {
  // Full jitter: uniformly in [0, min(max, base * 2^(attempts-1))].
  const auto base = static_cast<double>(options_.retryBase.count());
  const double cap =
      std::min(static_cast<double>(options_.retryMax.count()),
               base * static_cast<double>(1LL << std::min<std::int64_t>(attempts - 1, 30)));
  std::uniform_real_distribution<double> jitter(0.0, cap);
  return static_cast<Millis>(jitter(rng_));
}

void Dispatcher::loop() {
  // While nothing is due and nothing is in flight, look again less and less often (up to
  // kIdleMax): every look is a write transaction. wake() ends the wait at once.
  constexpr std::chrono::milliseconds kBusyWait{20}, kIdleMax{500};
  std::chrono::milliseconds idleWait = kBusyWait;
  while (running_) {
    bool busy = false;
    try {
      busy = dispatchSome();
    } catch (const std::exception& e) {
      spdlog::error(R"("msg":"dispatch failed","error":{})", jsonQuote(e.what()));
    }
    if (busy) {
      idleWait = kBusyWait;
      client_.poll(std::chrono::milliseconds(0));
    } else if (client_.inFlight() > 0) {
      idleWait = kBusyWait;
      client_.poll(kBusyWait);
    } else {
      client_.poll(idleWait);
      idleWait = std::min(idleWait * 2, kIdleMax);
    }
    flushOutcomes();
  }
  // Let what is in flight finish, so its outcome is recorded.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (client_.inFlight() > 0 && std::chrono::steady_clock::now() < until) {
    client_.poll(std::chrono::milliseconds(20));
  }
  flushOutcomes();
}

bool Dispatcher::dispatchSome() {
  const std::size_t free = client_.capacity() - client_.inFlight();
  if (free == 0) return false;
  std::size_t want = free * options_.batchSize;
  if (options_.ratePerSecond > 0) {
    const auto t = std::chrono::steady_clock::now();
    tokens_ = std::min(
        options_.ratePerSecond,
        tokens_ + options_.ratePerSecond * std::chrono::duration<double>(t - lastRefill_).count());
    lastRefill_ = t;
    want = std::min(want, static_cast<std::size_t>(tokens_));
    if (want == 0) return false;
  }
  want = std::min<std::size_t>(want, 5000);
  const Millis now = clock_.now();
  const Millis hold = now + options_.sendTimeout.count() + 1000;
  // Messages are rendered inside the claim, so the log shows the text before any receipt
  // can come back. Templates were checked when the campaign was saved.
  std::unordered_map<std::string, std::optional<MessageTemplate>> templates;
  auto render = [&templates](const Outgoing& o) -> std::string {
    auto& t = templates[o.campaignMessage];
    if (!t) {
      auto parsed = MessageTemplate::parse(o.campaignMessage);
      if (!parsed.ok()) return o.campaignMessage;
      t = std::move(*parsed);
    }
    return t->render(Recipient{o.name, o.email, o.city});
  };
  auto claimed = std::make_shared<std::vector<Outgoing>>();
  Status s = store_.writeSync([&](WriteTx& tx) -> Status {
    auto r = tx.claimDue(now, want, hold, options_.maxAttempts, "no delivery receipt", render);
    if (!r.ok()) return std::move(r).error();
    *claimed = std::move(*r);
    return {};
  });
  if (!s.ok()) {
    spdlog::warn(R"("msg":"claiming messages failed","error":{})", jsonQuote(s.error().message));
    return false;
  }
  if (claimed->empty()) return false;
  tokens_ -= static_cast<double>(claimed->size());

  // One vendor request per campaign and batch.
  std::map<Id, std::vector<Outgoing>> byCampaign;
  for (auto& o : *claimed)
    byCampaign[o.campaign].push_back(std::move(o));
  for (auto& [campaign, rows] : byCampaign) {
    for (std::size_t i = 0; i < rows.size(); i += options_.batchSize) {
      const std::size_t end = std::min(rows.size(), i + options_.batchSize);
      std::vector<Outgoing> batch(rows.begin() + static_cast<std::ptrdiff_t>(i),
                                  rows.begin() + static_cast<std::ptrdiff_t>(end));
      std::vector<vendor::OutgoingMessage> messages;
      messages.reserve(batch.size());
      for (const auto& o : batch) {
        messages.push_back({o.communication, o.campaign, o.customer, o.campaignMessage});
      }
      client_.send(std::move(messages),
                   [this, batch = std::move(batch)](const auto& reply) { onReply(batch, reply); });
    }
  }
  return true;
}

void Dispatcher::onReply(const std::vector<Outgoing>& batch, const vendor::SendReply& reply) {
  const Millis now = clock_.now();
  const Id campaign = batch.front().campaign;
  if (reply.accepted()) {
    failuresInRow_[campaign] = 0;
    sent_ += batch.size();
    for (const auto& o : batch) {
      outcomes_.push_back({SendOutcome::Kind::accepted,
                           o.communication,
                           now + options_.receiptTimeout.count(),
                           {}});
    }
    return;
  }
  failures_ += batch.size();
  for (const auto& o : batch) {
    const bool last = o.attempts >= options_.maxAttempts;
    if (!reply.retryable() || last) {
      outcomes_.push_back({SendOutcome::Kind::failed, o.communication, 0, reply.error});
    } else {
      const Millis wait = reply.retryAfter ? reply.retryAfter->count() * 1000 : backoff(o.attempts);
      outcomes_.push_back({SendOutcome::Kind::retry, o.communication, now + wait, reply.error});
    }
  }
  int& inRow = failuresInRow_[campaign];
  inRow += static_cast<int>(batch.size());
  if (options_.pauseAfterErrors > 0 && inRow >= options_.pauseAfterErrors) {
    inRow = 0;
    spdlog::warn(R"("msg":"pausing campaign after vendor errors","campaign":"{}","error":{})",
                 campaign.hex(), jsonQuote(reply.error));
    flushOutcomes();  // record the failures before the pause
    if (Status s = campaigns_.pauseForVendorErrors(campaign, reply.error); !s.ok()) {
      spdlog::error(R"("msg":"pausing campaign failed","error":{})", jsonQuote(s.error().message));
    }
  }
}

void Dispatcher::flushOutcomes() {
  if (outcomes_.empty()) return;
  // Not waited for: the writer keeps submission order, and an outcome lost to a crash only
  // means the row is sent again with the same idempotency key.
  store_.write([batch = std::move(outcomes_),
                now = clock_.now()](WriteTx& tx) { return tx.recordSendOutcomes(batch, now); },
               [](Status s) {
                 if (!s.ok()) {
                   spdlog::error(R"("msg":"recording send outcomes failed","error":{})",
                                 jsonQuote(s.error().message));
                 }
               });
  outcomes_.clear();
}

}  // namespace minicrm
