// Request metrics in Prometheus text format: a counter and a latency histogram per route
// template and status code, plus gauges other components register.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace minicrm::http {

class Metrics {
 public:
  // Route labels, one per route index; the last two are "unmatched" and "preflight".
  explicit Metrics(std::vector<std::pair<std::string, std::string>> methodAndRoute);

  std::size_t unmatchedIndex() const { return routes_.size() - 2; }
  std::size_t preflightIndex() const { return routes_.size() - 1; }

  // Lock-free; called once per response.
  void record(std::size_t routeIndex, int status, double seconds);

  // A value sampled at scrape time.
  void addGauge(std::string name, std::string help, std::function<double()> sample);
  void addCounter(std::string name, std::string help, std::function<double()> sample);

  std::string render() const;

  static constexpr std::array<double, 13> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0};

 private:
  static constexpr std::array<int, 20> kStatuses = {200, 201, 202, 204, 304, 400, 401,
                                                    403, 404, 405, 409, 413, 415, 422,
                                                    429, 431, 500, 503, 0,   0};
  static constexpr std::size_t kStatusSlots = kStatuses.size();  // last slot: other

  struct Cell {
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> micros{0};
    std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets{};
  };
  static std::size_t slotOf(int status);

  std::vector<std::pair<std::string, std::string>> routes_;
  std::unique_ptr<Cell[]> cells_;  // routes_.size() * kStatusSlots

  struct Sampled {
    std::string name, help, type;
    std::function<double()> sample;
  };
  mutable std::mutex mu_;
  std::vector<Sampled> sampled_;
};

}  // namespace minicrm::http
