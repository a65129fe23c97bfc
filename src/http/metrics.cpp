#include "http/metrics.h"

#include <fmt/format.h>

namespace minicrm::http {

Metrics::Metrics(std::vector<std::pair<std::string, std::string>> methodAndRoute)
    : routes_(std::move(methodAndRoute)) {
  routes_.emplace_back("", "unmatched");
  routes_.emplace_back("OPTIONS", "preflight");
  cells_ = std::make_unique<Cell[]>(routes_.size() * kStatusSlots);
}

std::size_t Metrics::slotOf(int status) {
  for (std::size_t i = 0; i + 2 < kStatusSlots; ++i) {
    if (kStatuses[i] == status) return i;
  }
  return kStatusSlots - 1;
}

void Metrics::record(std::size_t routeIndex, int status, double seconds) {
  if (routeIndex >= routes_.size()) routeIndex = unmatchedIndex();
  Cell& c = cells_[routeIndex * kStatusSlots + slotOf(status)];
  c.count.fetch_add(1, std::memory_order_relaxed);
  c.micros.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  for (std::size_t b = 0; b < kBuckets.size(); ++b) {
    if (seconds <= kBuckets[b]) {
      c.buckets[b].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
}

void Metrics::addGauge(std::string name, std::string help, std::function<double()> sample) {
  std::lock_guard lock(mu_);
  sampled_.push_back({std::move(name), std::move(help), "gauge", std::move(sample)});
}

void Metrics::addCounter(std::string name, std::string help, std::function<double()> sample) {
  std::lock_guard lock(mu_);
  sampled_.push_back({std::move(name), std::move(help), "counter", std::move(sample)});
}

std::string Metrics::render() const {
  std::string out;
  out += "# HELP minicrm_http_requests_total HTTP requests by route template and status.\n";
  out += "# TYPE minicrm_http_requests_total counter\n";
  auto statusLabel = [](std::size_t slot) {
    return slot + 1 == kStatusSlots ? std::string("other") : std::to_string(kStatuses[slot]);
  };
  auto labels = [&](std::size_t r, std::size_t s) {
    return fmt::format(R"(method="{}",route="{}",status="{}")", routes_[r].first, routes_[r].second,
                       statusLabel(s));
  };
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    for (std::size_t s = 0; s < kStatusSlots; ++s) {
      const Cell& c = cells_[r * kStatusSlots + s];
      const auto n = c.count.load(std::memory_order_relaxed);
      if (n) out += fmt::format("minicrm_http_requests_total{{{}}} {}\n", labels(r, s), n);
    }
  }
  out += "# HELP minicrm_http_request_duration_seconds Time from request read to response.\n";
  out += "# TYPE minicrm_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    for (std::size_t s = 0; s < kStatusSlots; ++s) {
      const Cell& c = cells_[r * kStatusSlots + s];
      const auto n = c.count.load(std::memory_order_relaxed);
      if (!n) continue;
      const std::string l = labels(r, s);
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b < kBuckets.size(); ++b) {
        cumulative += c.buckets[b].load(std::memory_order_relaxed);
        out += fmt::format("minicrm_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", l,
                           kBuckets[b], cumulative);
      }
      out +=
          fmt::format("minicrm_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", l, n);
      out += fmt::format("minicrm_http_request_duration_seconds_sum{{{}}} {}\n", l,
                         static_cast<double>(c.micros.load(std::memory_order_relaxed)) / 1e6);
      out += fmt::format("minicrm_http_request_duration_seconds_count{{{}}} {}\n", l, n);
    }
  }
  std::lock_guard lock(mu_);
  for (const auto& g : sampled_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", g.name, g.help, g.name, g.type,
                       g.name, g.sample());
  }
  return out;
}

}  // namespace minicrm::http
