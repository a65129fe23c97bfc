// Row mapping, error conversion and small helpers shared by the SQLite store's files.
#pragma once

#include <exception>
#include <map>
#include <string>

#include "core/customer.h"
#include "core/error.h"
#include "core/order.h"
#include "core/page.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace minicrm::sqlite {

// Converts whatever a store operation threw into an Error value. Database details are
// logged, never passed on to clients.
Error toError(std::exception_ptr e);

// Runs fn, turning any exception into an Error.
template <class Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (...) {
    return toError(std::current_exception());
  }
}

extern const char* const kCustomerColumns;
Customer readCustomer(const Statement& s);
void bindCustomer(Statement& s, const Customer& c);

extern const char* const kOrderColumns;  // o.* with the customer's c.name, c.email, c.phone
Order readOrder(const Statement& s);
OrderView readOrderView(const Statement& s);
CustomerRef readRef(const Statement& s);  // id, name, email, phone
void bindOrder(Statement& s, const Order& o);

// Wire sort names -> SQL expressions.
const std::map<std::string, std::string>& customerSortColumns();
const std::map<std::string, std::string>& orderSortColumns();
std::string orderBy(const std::map<std::string, std::string>& columns, const SortKey& key,
                    const char* idColumn);

// A read transaction over several statements, so a list's count and page agree.
class ReadTxn {
 public:
  // Joins the transaction already open on `c` (a pooled reader's snapshot), if any.
  explicit ReadTxn(Connection& c) : c_(c), owned_(sqlite3_get_autocommit(c.raw()) != 0) {
    if (owned_) c_.exec("BEGIN");
  }
  ~ReadTxn() {
    if (!owned_) return;
    try {
      c_.exec("COMMIT");
    } catch (...) {
      sqlite3_exec(c_.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;

 private:
  Connection& c_;
  bool owned_;
};

}  // namespace minicrm::sqlite
