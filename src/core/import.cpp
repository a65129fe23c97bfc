#include "core/import.h"

#include <fmt/format.h>

#include <charconv>

#include "core/customer.h"
#include "core/text.h"
#include "core/time.h"

namespace minicrm {
namespace {

std::string_view cell(const CsvRecord& r, int column) {
  if (column < 0 || static_cast<std::size_t>(column) >= r.cells.size()) return {};
  return trim(r.cells[static_cast<std::size_t>(column)]);
}

// Maps header names (trimmed, case-insensitive) to positions; the first occurrence wins.
template <class Columns>
void mapHeader(const std::vector<std::string_view>& header,
               const std::vector<std::pair<std::string_view, int Columns::*>>& names,
               Columns& out) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string_view h = trim(header[i]);
    for (const auto& [name, member] : names) {
      if (iequals(h, name) && out.*member == Columns::kAbsent) out.*member = static_cast<int>(i);
    }
  }
}

Error missingColumns(const std::vector<std::string>& missing, std::string_view what) {
  std::vector<FieldError> fields;
  std::string list;
  for (const auto& m : missing) {
    fields.push_back({m, "column is missing from the header line"});
    list += (list.empty() ? "" : ", ") + m;
  }
  return Error::invalid(std::move(fields),
                        fmt::format("The header line lacks the required column(s) {}{}", list,
                                    what.empty() ? "" : fmt::format(" ({})", what)));
}

std::optional<Money> moneyCell(std::string_view v, const std::string& path,
                               std::vector<FieldError>& issues) {
  auto m = moneyFromText(v);
  if (!m) issues.push_back({path, "must be an amount with at most 2 decimals"});
  return m;
}

std::optional<std::int64_t> integerCell(std::string_view v, const std::string& path,
                                        std::vector<FieldError>& issues) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) {
    // "3.0" from spreadsheets that store every number as a float.
    if (auto m = moneyFromText(v); m && *m % 100 == 0) return *m / 100;
    issues.push_back({path, "must be an integer"});
    return std::nullopt;
  }
  return n;
}

std::optional<Millis> timeCell(std::string_view v, const std::string& path,
                               std::vector<FieldError>& issues) {
  auto t = parseIsoTime(v);
  if (!t) {
    issues.push_back({path, "must be an ISO-8601 date such as 2025-01-31 or 2025-01-31T10:30:00Z"});
    return std::nullopt;
  }
  return t->millis;
}

}  // namespace

std::string_view toString(ImportKind k) {
  return k == ImportKind::customers ? "customers" : "orders";
}
std::string_view toString(ImportMode m) {
  return m == ImportMode::upsert ? "upsert" : "insert";
}
std::string_view toString(ImportStatus s) {
  switch (s) {
    case ImportStatus::queued:
      return "queued";
    case ImportStatus::running:
      return "running";
    case ImportStatus::completed:
      return "completed";
    case ImportStatus::failed:
      return "failed";
  }
  return "failed";
}
std::optional<ImportKind> parseImportKind(std::string_view s) {
  if (s == "customers") return ImportKind::customers;
  if (s == "orders") return ImportKind::orders;
  return std::nullopt;
}
std::optional<ImportStatus> parseImportStatus(std::string_view s) {
  for (auto st : {ImportStatus::queued, ImportStatus::running, ImportStatus::completed,
                  ImportStatus::failed}) {
    if (s == toString(st)) return st;
  }
  return std::nullopt;
}

void ImportReport::addProblem(ImportProblem p) {
  if (rows.size() >= kMaxReportedRows) {
    rowsTruncated = true;
    return;
  }
  rows.push_back(std::move(p));
}

std::string rowKey(std::int64_t row) {
  return "row-" + std::to_string(row);
}

// ---------------------------------------------------------------------------------------

Result<CustomerCsvColumns> customerColumns(const std::vector<std::string_view>& header) {
  using C = CustomerCsvColumns;
  C c;
  mapHeader<C>(header,
               {{"name", &C::name},
                {"email", &C::email},
                {"phone", &C::phone},
                {"totalSpend", &C::totalSpend},
                {"visits", &C::visits},
                {"lastActive", &C::lastActive},
                {"city", &C::city}},
               c);
  std::vector<std::string> missing;
  if (c.name == C::kAbsent) missing.emplace_back("name");
  if (c.email == C::kAbsent) missing.emplace_back("email");
  if (!missing.empty()) return missingColumns(missing, "");
  return c;
}

std::optional<CustomerImportRow> decodeCustomerRow(const CsvRecord& record,
                                                   const CustomerCsvColumns& columns,
                                                   ImportMode mode,
                                                   std::vector<FieldError>& issues) {
  const std::size_t before = issues.size();
  CustomerImportRow row;
  row.row = record.line;
  const std::string_view emailCell = cell(record, columns.email);
  row.key = emailCell.empty() ? rowKey(record.line) : std::string(emailCell);
  const std::string_view nameCell = cell(record, columns.name);
  if (mode == ImportMode::insert || !nameCell.empty()) {
    row.name = customer_rules::name(nameCell, "name", issues);
  }
  if (auto e = customer_rules::email(emailCell, "email", issues)) row.email = std::move(*e);
  if (auto p = customer_rules::phone(cell(record, columns.phone), "phone", issues)) {
    row.phone = std::move(*p);
  }
  if (auto c = customer_rules::city(cell(record, columns.city), "city", issues)) {
    row.city = std::move(*c);
  }
  if (auto v = cell(record, columns.totalSpend); !v.empty()) {
    if (auto m = moneyCell(v, "totalSpend", issues);
        m && customer_rules::totalSpend(*m, "totalSpend", issues)) {
      row.totalSpend = *m;
    }
  }
  if (auto v = cell(record, columns.visits); !v.empty()) {
    if (auto n = integerCell(v, "visits", issues);
        n && customer_rules::visits(*n, "visits", issues)) {
      row.visits = *n;
    }
  }
  if (auto v = cell(record, columns.lastActive); !v.empty()) {
    row.lastActive = timeCell(v, "lastActive", issues);
  }
  if (issues.size() != before) return std::nullopt;
  return row;
}

// ---------------------------------------------------------------------------------------

Result<OrderCsvColumns> orderColumns(const std::vector<std::string_view>& header) {
  using C = OrderCsvColumns;
  C c;
  mapHeader<C>(header,
               {{"orderId", &C::orderId},
                {"customerEmail", &C::customerEmail},
                {"customerId", &C::customerId},
                {"amount", &C::amount},
                {"item", &C::item},
                {"quantity", &C::quantity},
                {"price", &C::price},
                {"orderDate", &C::orderDate},
                {"createdAt", &C::createdAt},
                {"status", &C::status},
                {"channel", &C::channel}},
               c);
  std::vector<std::string> missing;
  if (c.customerEmail == C::kAbsent && c.customerId == C::kAbsent) {
    missing.emplace_back("customerEmail");
  }
  const bool items = c.item != C::kAbsent || c.price != C::kAbsent || c.quantity != C::kAbsent;
  if (items) {
    if (c.item == C::kAbsent) missing.emplace_back("item");
    if (c.price == C::kAbsent) missing.emplace_back("price");
  } else if (c.amount == C::kAbsent) {
    missing.emplace_back("amount");
  }
  if (!missing.empty()) {
    return missingColumns(missing,
                          "orders need customerEmail or customerId, and amount or item and price");
  }
  return c;
}

std::optional<OrderCsvLine> decodeOrderLine(const CsvRecord& record, const OrderCsvColumns& columns,
                                            std::vector<FieldError>& issues) {
  const std::size_t before = issues.size();
  OrderCsvLine line;
  line.row = record.line;
  const std::string_view idCell = cell(record, columns.orderId);
  line.key = idCell.empty() ? rowKey(record.line) : std::string(idCell);
  if (auto v = order_rules::externalId(idCell, "orderId", issues)) line.orderId = std::move(*v);

  const std::string_view customerIdCell = cell(record, columns.customerId);
  const std::string_view emailCell = cell(record, columns.customerEmail);
  if (!customerIdCell.empty()) {
    line.customerId = Id::parse(customerIdCell);
    if (!line.customerId) issues.push_back({"customerId", "must be a 24-character hexadecimal id"});
  } else if (!emailCell.empty()) {
    if (auto e = customer_rules::email(emailCell, "customerEmail", issues)) {
      line.customerEmail = std::move(*e);
    }
  } else {
    issues.push_back(
        {columns.customerEmail != OrderCsvColumns::kAbsent ? "customerEmail" : "customerId",
         "is required"});
  }

  const std::string_view itemCell = cell(record, columns.item);
  const std::string_view priceCell = cell(record, columns.price);
  const std::string_view quantityCell = cell(record, columns.quantity);
  const std::string_view amountCell = cell(record, columns.amount);
  const bool hasItem = !itemCell.empty() || !priceCell.empty() || !quantityCell.empty();
  // (A plain value and flag: g++ 12 reports a false maybe-uninitialized on an optional.)
  Money amountValue = 0;
  bool hasAmount = false;
  if (!amountCell.empty()) {
    if (auto a = moneyCell(amountCell, "amount", issues);
        a && order_rules::price(*a, "amount", issues)) {
      amountValue = *a;
      hasAmount = true;
    }
  }
  bool itemOk = true;
  if (hasItem) {
    OrderItem item;
    if (auto n = order_rules::itemName(itemCell, "item", issues)) {
      item.name = std::move(*n);
    } else {
      itemOk = false;
    }
    if (!quantityCell.empty()) {
      auto q = integerCell(quantityCell, "quantity", issues);
      if (q && order_rules::quantity(*q, "quantity", issues)) {
        item.quantity = *q;
      } else {
        itemOk = false;
      }
    }
    if (priceCell.empty()) {
      issues.push_back({"price", "is required"});
      itemOk = false;
    } else if (auto p = moneyCell(priceCell, "price", issues);
               p && order_rules::price(*p, "price", issues)) {
      item.price = *p;
    } else {
      itemOk = false;
    }
    if (itemOk) {
      auto total = orderAmount({item});
      if (!total) {
        issues.push_back(
            {"price", "times quantity is more than the largest amount MiniCRM accepts"});
      } else if (hasAmount && amountValue != *total) {
        issues.push_back({"amount", fmt::format("is {} but quantity x price is {}",
                                                formatMoney(amountValue), formatMoney(*total))});
      } else {
        line.amount = *total;
        line.item = std::move(item);
      }
    }
  } else if (hasAmount) {
    line.amount = amountValue;
  } else if (amountCell.empty()) {
    issues.push_back({"amount", "is required (or item and price)"});
  }

  std::string_view dateCell = cell(record, columns.orderDate);
  std::string datePath = "orderDate";
  if (dateCell.empty()) {
    dateCell = cell(record, columns.createdAt);
    datePath = "createdAt";
  }
  if (!dateCell.empty()) line.orderDate = timeCell(dateCell, datePath, issues);
  if (auto v = cell(record, columns.status); !v.empty()) {
    if (auto s = parseOrderStatus(v)) {
      line.status = *s;
    } else {
      issues.push_back({"status", "must be one of completed, cancelled, refunded"});
    }
  }
  if (auto c = order_rules::channel(cell(record, columns.channel), "channel", issues)) {
    line.channel = std::move(*c);
  }
  if (issues.size() != before) return std::nullopt;
  return line;
}

OrderImportRow startOrder(const OrderCsvLine& line) {
  OrderImportRow o;
  o.row = line.row;
  o.key = line.key;
  o.externalId = line.orderId;
  o.customerEmail = line.customerEmail;
  o.customerId = line.customerId;
  if (line.item) o.items.push_back(*line.item);
  o.amount = line.amount;
  o.orderDate = line.orderDate;
  o.status = line.status;
  o.channel = line.channel;
  return o;
}

bool continuesOrder(const OrderImportRow& order, const OrderCsvLine& line) {
  return order.externalId && line.orderId && *order.externalId == *line.orderId;
}

bool addOrderLine(OrderImportRow& order, const OrderCsvLine& line,
                  std::vector<FieldError>& issues) {
  const std::size_t before = issues.size();
  if (line.customerId != order.customerId || line.customerEmail != order.customerEmail) {
    issues.push_back(
        {line.customerId ? "customerId" : "customerEmail",
         fmt::format("differs from the first line of order {} (row {})", order.key, order.row)});
  }
  if (line.orderDate != order.orderDate) {
    issues.push_back({"orderDate", fmt::format("differs from the first line of order {} (row {})",
                                               order.key, order.row)});
  }
  if (order.items.size() >= order_rules::kMaxItems && line.item) {
    issues.push_back(
        {"item", fmt::format("an order has at most {} items", order_rules::kMaxItems)});
  }
  if (order.amount + line.amount > kMaxMoney) {
    issues.push_back(
        {"amount", "the order adds up to more than the largest amount MiniCRM accepts"});
  }
  if (issues.size() != before) return false;
  if (line.item) order.items.push_back(*line.item);
  order.amount += line.amount;
  ++order.lines;
  return true;
}

std::string_view customersCsvTemplate() {
  return "name,email,phone,totalSpend,visits,lastActive,city\n"
         "Asha Rao,asha@example.com,+91 98765 43210,1200.50,3,2025-01-31,Pune\n";
}

std::string_view ordersCsvTemplate() {
  return "orderId,customerEmail,orderDate,status,channel,item,quantity,price,amount\n"
         "ORD-1001,asha@example.com,2025-09-01T10:30:00Z,completed,web,Masala "
         "chai,2,199.99,399.98\n";
}

}  // namespace minicrm
