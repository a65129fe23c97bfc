// Pagination and sorting requests, shared by every list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace minicrm {

struct PageRequest {
  std::int64_t page = 1;    // >= 1
  std::int64_t limit = 10;  // >= 1
  std::int64_t offset() const { return (page - 1) * limit; }
};

// A sort key named as on the wire ("createdAt", "name", ...); the store maps it to a column.
struct SortKey {
  std::string field;
  bool descending = true;
  bool operator==(const SortKey&) const = default;
};

template <class T>
struct Page {
  std::vector<T> items;
  std::int64_t total = 0;
};

}  // namespace minicrm
