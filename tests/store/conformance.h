// The Store conformance suite: behaviour every backend must have, written against the Store
// interface only. A backend joins by instantiating StoreConformance with a factory (see
// sqlite_store_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/id.h"
#include "store/store.h"

namespace minicrm::testing {

struct StoreFactory {
  friend void PrintTo(const StoreFactory& f, std::ostream* os) { *os << f.name; }
  std::string name;
  // A new, empty store using `clock`.
  std::function<std::unique_ptr<Store>(const Clock& clock)> open;
};

class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  static constexpr Millis kStart = 1'750'000'000'000;  // 2025-06-15

  void SetUp() override;
  void TearDown() override { store_.reset(); }

  // Inserts a customer (committed) and returns it.
  Customer addCustomer(const std::string& name, const std::string& email,
                       std::optional<std::string> phone = std::nullopt,
                       std::optional<std::string> city = std::nullopt);
  // Inserts a completed (or given status) order with its aggregates; returns it.
  Order addOrder(const Id& customer, Money amount, Millis orderDate,
                 OrderStatus status = OrderStatus::completed,
                 std::optional<std::string> externalId = std::nullopt);

  ManualClock clock_{kStart};
  IdGenerator ids_{clock_};
  std::unique_ptr<Store> store_;
};

}  // namespace minicrm::testing
