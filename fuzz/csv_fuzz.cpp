// libFuzzer target: the CSV record reader and the customer/order row decoders. Arbitrary
// bytes, fed in two pieces split where the first byte says, must never crash, and the
// records must not depend on how the input was split.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv.h"
#include "core/import.h"

namespace {

using namespace minicrm;

struct Collected {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::int64_t> lines;
  bool failed = false;
};

Collected read(std::string_view input, std::size_t split) {
  Collected out;
  CsvReader reader;
  std::optional<CustomerCsvColumns> customers;
  std::optional<OrderCsvColumns> orders;
  std::vector<FieldError> issues;
  auto sink = [&](const CsvRecord& r) -> Status {
    out.cells.emplace_back(r.cells.begin(), r.cells.end());
    out.lines.push_back(r.line);
    if (out.cells.size() == 1) {
      if (auto c = customerColumns(r.cells); c.ok()) customers = *c;
      if (auto o = orderColumns(r.cells); o.ok()) orders = *o;
      return {};
    }
    issues.clear();
    if (customers) {
      (void)decodeCustomerRow(r, *customers, ImportMode::insert, issues);
      (void)decodeCustomerRow(r, *customers, ImportMode::upsert, issues);
    }
    if (orders) {
      if (auto line = decodeOrderLine(r, *orders, issues)) {
        OrderImportRow order = startOrder(*line);
        (void)addOrderLine(order, *line, issues);
      }
    }
    return {};
  };
  Status s = reader.feed(input.substr(0, split), sink);
  if (s.ok()) s = reader.feed(input.substr(split), sink);
  if (s.ok()) s = reader.finish(sink);
  out.failed = !s.ok();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = input.empty() ? 0 : data[0] % (input.size() + 1);
  const Collected whole = read(input, input.size());
  const Collected pieces = read(input, split);
  if (whole.failed != pieces.failed) std::abort();
  if (!whole.failed && (whole.cells != pieces.cells || whole.lines != pieces.lines)) std::abort();
  return 0;
}
