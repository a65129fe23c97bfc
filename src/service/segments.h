// Segment use cases: audience previews for the rule builder.
#pragma once

#include <chrono>

#include "core/clock.h"
#include "core/segment/segment.h"
#include "store/store.h"

namespace minicrm {

class SegmentService {
 public:
  static constexpr int kDefaultPreview = 20;
  static constexpr int kMaxPreview = 100;
  // A preview costlier than this is stopped and answered as unprocessable (API.md).
  static constexpr std::chrono::milliseconds kBudget{2000};

  SegmentService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // How many customers match now, and up to `limit` of them (capped at kMaxPreview), most
  // recently active first.
  Result<SegmentPreview> preview(const segment::Node& rules, int limit);

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace minicrm
