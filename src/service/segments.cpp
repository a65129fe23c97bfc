#include "service/segments.h"

#include <algorithm>

namespace minicrm {

Result<SegmentPreview> SegmentService::preview(const segment::Node& rules, int limit) {
  return store_.previewSegment(rules, clock_.now(), std::clamp(limit, 0, kMaxPreview), kBudget);
}

}  // namespace minicrm
