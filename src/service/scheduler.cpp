#include "service/scheduler.h"

#include <spdlog/spdlog.h>

#include "core/json_writer.h"

namespace minicrm {

void Scheduler::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      runOnce();
      lock.lock();
      cv_.wait_for(lock, interval_, [&] { return stopping_; });
    }
  });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::runOnce() {
  auto due = store_.dueScheduledCampaigns(clock_.now());
  if (!due.ok()) {
    spdlog::warn(R"("msg":"reading the schedule failed","error":{})",
                 jsonQuote(due.error().message));
    return;
  }
  for (const Id& id : *due) {
    // A campaign edited or launched by hand meanwhile answers a conflict: nothing to do.
    if (Status s = campaigns_.launchScheduled(id);
        !s.ok() && s.error().kind != ErrorKind::conflict) {
      spdlog::error(R"("msg":"scheduled launch failed","campaign":"{}","error":{})", id.hex(),
                    jsonQuote(s.error().message));
    }
  }
}

}  // namespace minicrm
