#include "store/sqlite/rows.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/json_writer.h"

namespace minicrm::sqlite {

Error toError(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const SqliteError& err) {
    if (err.isUniqueViolation()) {
      const std::string what = err.what();
      if (what.find("customers.email") != std::string::npos) {
        return Error::conflict("A customer with this email already exists",
                               {{"email", "already exists"}});
      }
      if (what.find("orders.external_id") != std::string::npos) {
        return Error::conflict("An order with this externalId already exists",
                               {{"externalId", "already exists"}});
      }
      return Error::conflict("The record conflicts with an existing one");
    }
    if (err.isInterrupt()) {
      return Error{ErrorKind::unprocessable,
                   "The segment is too expensive to evaluate in time; simplify it",
                   {}};
    }
    if (err.isBusy()) {
      spdlog::warn(R"("msg":"database busy","error":{})", jsonQuote(err.what()));
      return Error::unavailable("The database is busy; try again");
    }
    spdlog::error(R"("msg":"database error","code":{},"error":{})", err.code(),
                  jsonQuote(err.what()));
    return Error::internal(err.what());
  } catch (const std::exception& err) {
    spdlog::error(R"("msg":"store failure","error":{})", jsonQuote(err.what()));
    return Error::internal(err.what());
  }
}

const char* const kCustomerColumns =
    "id, name, email, phone, city, base_spend, base_visits, base_last_active, order_spend, "
    "order_visits, last_order_at, created_at, updated_at";

Customer readCustomer(const Statement& s) {
  Customer c;
  c.id = s.id(0);
  c.name = s.text(1);
  c.email = s.text(2);
  c.phone = s.optText(3);
  c.city = s.optText(4);
  c.baseSpend = s.i64(5);
  c.baseVisits = s.i64(6);
  c.baseLastActive = s.i64(7);
  c.orderSpend = s.i64(8);
  c.orderVisits = s.i64(9);
  c.lastOrderAt = s.optI64(10);
  c.createdAt = s.i64(11);
  c.updatedAt = s.i64(12);
  return c;
}

void bindCustomer(Statement& s, const Customer& c) {
  s.bind(1, c.id);
  s.bind(2, c.name);
  s.bind(3, c.email);
  s.bind(4, c.phone);
  s.bind(5, c.city);
  s.bind(6, c.baseSpend);
  s.bind(7, c.baseVisits);
  s.bind(8, c.baseLastActive);
  s.bind(9, c.orderSpend);
  s.bind(10, c.orderVisits);
  s.bind(11, c.lastOrderAt);
  s.bind(12, c.createdAt);
  s.bind(13, c.updatedAt);
}

const char* const kOrderColumns =
    "o.id, o.customer_id, o.items, o.amount, o.order_date, o.status, o.channel, o.external_id, "
    "o.created_at, o.updated_at, c.name, c.email, c.phone";

Order readOrder(const Statement& s) {
  Order o;
  o.id = s.id(0);
  o.customer = s.id(1);
  auto items = decodeItems(s.textView(2));
  if (!items) throw SqliteError(SQLITE_CORRUPT, "order items are not readable");
  o.items = std::move(*items);
  o.amount = s.i64(3);
  o.orderDate = s.i64(4);
  o.status = parseOrderStatus(s.textView(5)).value_or(OrderStatus::completed);
  o.channel = s.optText(6);
  o.externalId = s.optText(7);
  o.createdAt = s.i64(8);
  o.updatedAt = s.i64(9);
  return o;
}

OrderView readOrderView(const Statement& s) {
  OrderView v;
  v.order = readOrder(s);
  v.customer = {v.order.customer, s.text(10), s.text(11), s.optText(12)};
  return v;
}

CustomerRef readRef(const Statement& s) {
  return {s.id(0), s.text(1), s.text(2), s.optText(3)};
}

void bindOrder(Statement& s, const Order& o) {
  s.bind(1, o.id);
  s.bind(2, o.customer);
  s.bind(3, encodeItems(o.items));
  s.bind(4, o.amount);
  s.bind(5, o.orderDate);
  s.bind(6, toString(o.status));
  s.bind(7, o.channel);
  s.bind(8, o.externalId);
  s.bind(9, o.createdAt);
  s.bind(10, o.updatedAt);
}

// Wire sort names -> SQL expressions.
const std::map<std::string, std::string>& customerSortColumns() {
  static const std::map<std::string, std::string> m = {
      {"createdAt", "id"},
      {"updatedAt", "updated_at"},
      {"name", "name COLLATE NOCASE"},
      {"email", "email"},
      {"city", "city"},
      {"totalSpend", "total_spend"},
      {"visits", "visits"},
      {"lastActive", "last_active"},
  };
  return m;
}

const std::map<std::string, std::string>& orderSortColumns() {
  static const std::map<std::string, std::string> m = {
      {"orderDate", "o.order_date"},
      {"createdAt", "o.id"},
      {"updatedAt", "o.updated_at"},
      {"amount", "o.amount"},
  };
  return m;
}

std::string orderBy(const std::map<std::string, std::string>& columns, const SortKey& key,
                    const char* idColumn) {
  auto it = columns.find(key.field);
  const std::string& col = it == columns.end() ? columns.begin()->second : it->second;
  const char* dir = key.descending ? "DESC" : "ASC";
  if (col == idColumn) return fmt::format(" ORDER BY {} {}", col, dir);
  return fmt::format(" ORDER BY {} {}, {} {}", col, dir, idColumn, dir);
}

}  // namespace minicrm::sqlite
