// Launches scheduled campaigns when their time comes. It reads the schedule from the
// store every second, so a restart loses nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "service/campaigns.h"
#include "store/store.h"

namespace minicrm {

class Scheduler {
 public:
  Scheduler(Store& store, const Clock& clock, CampaignService& campaigns,
            std::chrono::milliseconds interval = std::chrono::milliseconds(1000))
      : store_(store), clock_(clock), campaigns_(campaigns), interval_(interval) {}
  ~Scheduler() { stop(); }

  void start();
  void stop();
  // One pass: launches every due campaign. Exposed for tests.
  void runOnce();

 private:
  Store& store_;
  const Clock& clock_;
  CampaignService& campaigns_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace minicrm
