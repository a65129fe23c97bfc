#include "core/order.h"

#include <gtest/gtest.h>

namespace minicrm {
namespace {

TEST(Order, AmountIsSumOfPriceTimesQuantity) {
  std::vector<OrderItem> items = {{"Tea", 2, 19999}, {"Cup", 3, 150}};
  EXPECT_EQ(orderAmount(items), 2 * 19999 + 3 * 150);
  EXPECT_EQ(orderAmount({}), 0);
  EXPECT_FALSE(orderAmount({{"Gold", 1'000'000, kMaxMoney}}));
}

TEST(Order, ItemsRoundTripThroughStorageEncoding) {
  std::vector<OrderItem> items = {{"Chai \"masala\" \xE2\x82\xB9", 2, 19999}, {"x", 1, 0}};
  auto back = decodeItems(encodeItems(items));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, items);
  EXPECT_EQ(decodeItems("[]")->size(), 0u);
  EXPECT_FALSE(decodeItems("{}"));
  EXPECT_FALSE(decodeItems("[[\"a\",1]]"));
}

TEST(Order, StatusParsing) {
  EXPECT_EQ(parseOrderStatus("Completed"), OrderStatus::completed);
  EXPECT_EQ(parseOrderStatus("canceled"), OrderStatus::cancelled);
  EXPECT_EQ(parseOrderStatus("refunded"), OrderStatus::refunded);
  EXPECT_FALSE(parseOrderStatus("shipped"));
  EXPECT_EQ(toString(OrderStatus::refunded), "refunded");
}

TEST(OrderRules, Limits) {
  std::vector<FieldError> errors;
  EXPECT_FALSE(order_rules::quantity(0, "items.0.quantity", errors));
  EXPECT_FALSE(order_rules::quantity(order_rules::kMaxQuantity + 1, "q", errors));
  EXPECT_TRUE(order_rules::quantity(1, "q", errors));
  EXPECT_FALSE(order_rules::price(-1, "items.0.price", errors));
  EXPECT_FALSE(order_rules::itemName("", "items.0.name", errors));
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].path, "items.0.quantity");
  EXPECT_EQ(errors[3], (FieldError{"items.0.name", "is required"}));
}

}  // namespace
}  // namespace minicrm
