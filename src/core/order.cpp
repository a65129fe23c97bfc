#include "core/order.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/json_writer.h"
#include "core/rules.h"
#include "core/text.h"

namespace minicrm {

std::string_view toString(OrderStatus s) {
  switch (s) {
    case OrderStatus::completed:
      return "completed";
    case OrderStatus::cancelled:
      return "cancelled";
    case OrderStatus::refunded:
      return "refunded";
  }
  return "completed";
}

std::optional<OrderStatus> parseOrderStatus(std::string_view s) {
  s = trim(s);
  if (iequals(s, "completed")) return OrderStatus::completed;
  if (iequals(s, "cancelled") || iequals(s, "canceled")) return OrderStatus::cancelled;
  if (iequals(s, "refunded")) return OrderStatus::refunded;
  return std::nullopt;
}

namespace order_rules {

std::optional<std::string> itemName(std::string_view v, const std::string& path,
                                    std::vector<FieldError>& errors) {
  return rules::requiredText(v, kMaxItemName, path, errors);
}

bool quantity(std::int64_t v, const std::string& path, std::vector<FieldError>& errors) {
  if (v < 1 || v > kMaxQuantity) {
    errors.push_back({path, "must be an integer from 1 to " + std::to_string(kMaxQuantity)});
    return false;
  }
  return true;
}

bool price(Money v, const std::string& path, std::vector<FieldError>& errors) {
  if (v < 0) {
    errors.push_back({path, "must be >= 0"});
    return false;
  }
  return true;
}

std::optional<std::optional<std::string>> channel(std::string_view v, const std::string& path,
                                                  std::vector<FieldError>& errors) {
  return rules::optionalText(v, kMaxChannel, path, errors);
}

std::optional<std::optional<std::string>> externalId(std::string_view v, const std::string& path,
                                                     std::vector<FieldError>& errors) {
  return rules::optionalText(v, kMaxExternalId, path, errors);
}

}  // namespace order_rules

std::optional<Money> orderAmount(const std::vector<OrderItem>& items) {
  Money total = 0;
  for (const auto& item : items) {
    Money line;
    if (__builtin_mul_overflow(item.price, item.quantity, &line) || line > kMaxMoney) {
      return std::nullopt;
    }
    total += line;
    if (total > kMaxMoney) return std::nullopt;
  }
  return total;
}

std::string encodeItems(const std::vector<OrderItem>& items) {
  JsonWriter w;
  w.beginArray();
  for (const auto& item : items) {
    w.beginArray().string(item.name).integer(item.quantity).integer(item.price).endArray();
  }
  w.endArray();
  return std::move(w).str();
}

std::optional<std::vector<OrderItem>> decodeItems(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return std::nullopt;
  std::vector<OrderItem> items;
  items.reserve(v.get_array().size());
  for (const auto& e : v.get_array()) {
    const auto* a = e.if_array();
    if (!a || a->size() != 3 || !(*a)[0].is_string() || !(*a)[1].is_int64() ||
        !(*a)[2].is_int64()) {
      return std::nullopt;
    }
    items.push_back({std::string((*a)[0].get_string()), (*a)[1].get_int64(), (*a)[2].get_int64()});
  }
  return items;
}

}  // namespace minicrm
