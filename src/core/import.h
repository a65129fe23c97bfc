// CSV imports of customers and orders: what a file's header and rows mean, checked with the
// same field rules as JSON bodies (customer_rules, order_rules), and the report an import
// produces. Pure: the reading of files and the writing of rows live in service/ and store/.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/id.h"
#include "core/money.h"
#include "core/order.h"

namespace minicrm {

enum class ImportKind { customers, orders };
// insert: a row whose key (email, orderId) is already stored is a duplicate.
// upsert: it replaces the stored values (blank cells keep them).
enum class ImportMode { insert, upsert };
enum class ImportStatus { queued, running, completed, failed };

std::string_view toString(ImportKind k);
std::string_view toString(ImportMode m);
std::string_view toString(ImportStatus s);
std::optional<ImportKind> parseImportKind(std::string_view s);
std::optional<ImportStatus> parseImportStatus(std::string_view s);

// Counts of CSV rows (records; blank lines are not rows). received = accepted + rejected;
// accepted = inserted + updated + duplicates. A multi-line order counts each line.
struct ImportSummary {
  std::int64_t received = 0;
  std::int64_t accepted = 0;
  std::int64_t inserted = 0;
  std::int64_t updated = 0;
  std::int64_t duplicates = 0;
  std::int64_t rejected = 0;
  bool operator==(const ImportSummary&) const = default;
};

// A row that was not inserted cleanly.
struct ImportProblem {
  std::int64_t row = 0;    // physical line where the record starts (header = 1)
  std::string key;         // the email / orderId cell as given, or "row-N"
  bool duplicate = false;  // else an error
  std::vector<FieldError> issues;
};

// Rows listed in a report, at most.
constexpr std::size_t kMaxReportedRows = 1000;

struct ImportReport {
  bool dryRun = false;
  ImportSummary summary;
  std::vector<ImportProblem> rows;  // in file order, at most kMaxReportedRows
  bool rowsTruncated = false;

  // Records a problem row, keeping at most kMaxReportedRows.
  void addProblem(ImportProblem p);
};

// What happened to one row (or one multi-line order) in the store.
struct ImportOutcome {
  enum class Kind { inserted, updated, duplicate, rejected };
  Kind kind = Kind::inserted;
  std::vector<FieldError> issues;  // why, for duplicate and rejected
};

// Ids of rows created by an import carry the job's tag in place of the process-random
// bytes (see core/id.h), so a failed import's rows can be found and removed.
using ImportTag = std::array<std::uint8_t, 5>;

// ---------------------------------------------------------------------------------------
// Customers: header name,email,phone,totalSpend,visits,lastActive,city (any order, matched
// case-insensitively after trimming; others ignored).

struct CustomerCsvColumns {
  static constexpr int kAbsent = -1;
  int name = kAbsent, email = kAbsent, phone = kAbsent, totalSpend = kAbsent, visits = kAbsent,
      lastActive = kAbsent, city = kAbsent;
};

// Invalid naming each missing required column (name, email) otherwise.
Result<CustomerCsvColumns> customerColumns(const std::vector<std::string_view>& header);

// A customer row. Blank optional cells are nullopt: no value on insert, "keep what is
// stored" on upsert. `name` is nullopt only in upsert mode (the store requires it when the
// email is new).
struct CustomerImportRow {
  std::int64_t row = 0;
  std::string key;
  std::string email;  // normalised
  std::optional<std::string> name;
  std::optional<std::string> phone;
  std::optional<std::string> city;
  std::optional<Money> totalSpend;
  std::optional<std::int64_t> visits;
  std::optional<Millis> lastActive;
  Id id;  // for an insert; assigned by the import
};

// The row, or nullopt with its issues appended (paths are column names).
std::optional<CustomerImportRow> decodeCustomerRow(const CsvRecord& record,
                                                   const CustomerCsvColumns& columns,
                                                   ImportMode mode,
                                                   std::vector<FieldError>& issues);

// ---------------------------------------------------------------------------------------
// Orders: customerEmail or customerId; amount, or item + price (+ quantity, default 1);
// optional orderId, orderDate (or createdAt), status, channel.

struct OrderCsvColumns {
  static constexpr int kAbsent = -1;
  int orderId = kAbsent, customerEmail = kAbsent, customerId = kAbsent, amount = kAbsent,
      item = kAbsent, quantity = kAbsent, price = kAbsent, orderDate = kAbsent, createdAt = kAbsent,
      status = kAbsent, channel = kAbsent;
};

Result<OrderCsvColumns> orderColumns(const std::vector<std::string_view>& header);

// One CSV line of an order.
struct OrderCsvLine {
  std::int64_t row = 0;
  std::string key;  // orderId cell as given, or "row-N"
  std::optional<std::string> orderId;
  std::optional<std::string> customerEmail;  // normalised
  std::optional<Id> customerId;
  std::optional<OrderItem> item;
  Money amount = 0;  // the line's amount: its amount cell, else price x quantity
  std::optional<Millis> orderDate;
  OrderStatus status = OrderStatus::completed;
  std::optional<std::string> channel;
};

std::optional<OrderCsvLine> decodeOrderLine(const CsvRecord& record, const OrderCsvColumns& columns,
                                            std::vector<FieldError>& issues);

// An order assembled from consecutive lines with the same orderId (or one line without).
struct OrderImportRow {
  std::int64_t row = 0;    // first line
  std::int64_t lines = 1;  // CSV rows it came from
  std::string key;
  std::optional<std::string> externalId;
  std::optional<std::string> customerEmail;
  std::optional<Id> customerId;  // when given, it wins over customerEmail
  std::vector<OrderItem> items;
  Money amount = 0;
  std::optional<Millis> orderDate;  // nullopt: the import's "now"
  OrderStatus status = OrderStatus::completed;
  std::optional<std::string> channel;
  Id id;  // for an insert; assigned by the import
};

// Starts an order from its first line.
OrderImportRow startOrder(const OrderCsvLine& line);
// True when `line` continues `order` (same non-empty orderId).
bool continuesOrder(const OrderImportRow& order, const OrderCsvLine& line);
// Adds a continuing line; appends issues (and returns false) when it disagrees with the
// order on customer or date, or the total grows too large.
bool addOrderLine(OrderImportRow& order, const OrderCsvLine& line, std::vector<FieldError>& issues);

// The "row-N" key of a row without one.
std::string rowKey(std::int64_t row);

// CSV templates: a header line and one example row.
std::string_view customersCsvTemplate();
std::string_view ordersCsvTemplate();

}  // namespace minicrm
