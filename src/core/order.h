// Orders. The amount is always computed from the items (sum of price x quantity); only
// completed orders count in their customer's aggregates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/customer.h"
#include "core/error.h"
#include "core/id.h"
#include "core/money.h"

namespace minicrm {

enum class OrderStatus { completed, cancelled, refunded };

std::string_view toString(OrderStatus s);
std::optional<OrderStatus> parseOrderStatus(std::string_view s);  // case-insensitive

struct OrderItem {
  std::string name;
  std::int64_t quantity = 1;
  Money price = 0;
  bool operator==(const OrderItem&) const = default;
};

struct Order {
  Id id;
  Id customer;
  std::vector<OrderItem> items;
  Money amount = 0;
  Millis orderDate = 0;
  OrderStatus status = OrderStatus::completed;
  std::optional<std::string> channel;
  std::optional<std::string> externalId;
  Millis createdAt = 0;
  Millis updatedAt = 0;

  bool counts() const { return status == OrderStatus::completed; }
};

// An order as read: with the embedded customer.
struct OrderView {
  Order order;
  CustomerRef customer;
};

struct OrderDraft {
  Id customer;
  std::vector<OrderItem> items;
  std::optional<Millis> orderDate;
  OrderStatus status = OrderStatus::completed;
  std::optional<std::string> channel;
  std::optional<std::string> externalId;
  // Only imports may give an amount without items (the CSV form); JSON bodies never do.
  std::optional<Money> amount;
};

// Partial update. channel/externalId: inner nullopt clears.
struct OrderPatch {
  std::optional<Id> customer;
  std::optional<std::vector<OrderItem>> items;
  std::optional<Millis> orderDate;
  std::optional<OrderStatus> status;
  std::optional<std::optional<std::string>> channel;
  std::optional<std::optional<std::string>> externalId;

  bool empty() const {
    return !customer && !items && !orderDate && !status && !channel && !externalId;
  }
};

namespace order_rules {
constexpr std::size_t kMaxItems = 1000;
constexpr std::size_t kMaxItemName = 200;
constexpr std::int64_t kMaxQuantity = 1'000'000;
constexpr std::size_t kMaxChannel = 50;
constexpr std::size_t kMaxExternalId = 100;

std::optional<std::string> itemName(std::string_view v, const std::string& path,
                                    std::vector<FieldError>& errors);
bool quantity(std::int64_t v, const std::string& path, std::vector<FieldError>& errors);
bool price(Money v, const std::string& path, std::vector<FieldError>& errors);
// Empty means "none".
std::optional<std::optional<std::string>> channel(std::string_view v, const std::string& path,
                                                  std::vector<FieldError>& errors);
std::optional<std::optional<std::string>> externalId(std::string_view v, const std::string& path,
                                                     std::vector<FieldError>& errors);
}  // namespace order_rules

// Sum of price x quantity; nullopt when it would exceed kMaxMoney.
std::optional<Money> orderAmount(const std::vector<OrderItem>& items);

// Serialises items compactly for storage and reads them back.
std::string encodeItems(const std::vector<OrderItem>& items);
std::optional<std::vector<OrderItem>> decodeItems(std::string_view text);

}  // namespace minicrm
