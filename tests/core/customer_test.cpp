#include "core/customer.h"

#include <gtest/gtest.h>

namespace minicrm {
namespace {

TEST(Email, NormalisesAndValidates) {
  EXPECT_EQ(normaliseEmail("  Asha.Rao@Example.COM "), "asha.rao@example.com");
  EXPECT_EQ(normaliseEmail("a+tag@sub.example.co.in"), "a+tag@sub.example.co.in");
  for (const char* bad : {"", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com",
                          "a@b..com", "a@.b.com", "a@b.com.", "a,b@c.com", "a@exa_mple.com"}) {
    EXPECT_FALSE(normaliseEmail(bad)) << bad;
  }
}

TEST(CustomerRules, ReportPathsAndMessages) {
  std::vector<FieldError> errors;
  EXPECT_FALSE(customer_rules::name("   ", "name", errors));
  EXPECT_FALSE(customer_rules::email("nope", "email", errors));
  EXPECT_FALSE(customer_rules::totalSpend(-1, "totalSpend", errors));
  EXPECT_FALSE(customer_rules::visits(-1, "visits", errors));
  EXPECT_FALSE(customer_rules::phone(std::string(41, '9'), "phone", errors));
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0], (FieldError{"name", "is required"}));
  EXPECT_EQ(errors[1], (FieldError{"email", "must be a valid email address"}));
  EXPECT_EQ(errors[2], (FieldError{"totalSpend", "must be >= 0"}));
  EXPECT_EQ(errors[3].path, "visits");
  EXPECT_EQ(errors[4].path, "phone");
}

TEST(CustomerRules, EmptyOptionalTextMeansNone) {
  std::vector<FieldError> errors;
  auto city = customer_rules::city("  ", "city", errors);
  ASSERT_TRUE(city);
  EXPECT_FALSE(*city);
  EXPECT_TRUE(errors.empty());
}

TEST(Customer, ServedAggregatesAreBasePlusOrdersClampedAtZero) {
  Customer c;
  c.baseSpend = 10'000;
  c.orderSpend = 2'500;
  c.baseVisits = 2;
  c.orderVisits = 3;
  c.baseLastActive = 1000;
  EXPECT_EQ(c.totalSpend(), 12'500);
  EXPECT_EQ(c.visits(), 5);
  EXPECT_EQ(c.lastActive(), 1000);
  c.lastOrderAt = 2000;
  EXPECT_EQ(c.lastActive(), 2000);
  c.baseSpend = -20'000;
  c.baseVisits = -10;
  EXPECT_EQ(c.totalSpend(), 0);
  EXPECT_EQ(c.visits(), 0);
}

TEST(Customer, PatchOfServedValuesMovesTheBase) {
  Customer c;
  c.orderSpend = 4'000;
  c.orderVisits = 4;
  CustomerPatch p;
  p.totalSpend = 10'000;
  p.visits = 1;
  p.lastActive = 77;
  applyPatch(c, p, 99);
  EXPECT_EQ(c.totalSpend(), 10'000);
  EXPECT_EQ(c.baseSpend, 6'000);
  EXPECT_EQ(c.visits(), 1);
  EXPECT_EQ(c.baseVisits, -3);
  EXPECT_EQ(c.baseLastActive, 77);
  EXPECT_EQ(c.updatedAt, 99);
  // Removing the orders' part later leaves the base, never below zero.
  c.orderSpend = 0;
  c.orderVisits = 0;
  EXPECT_EQ(c.totalSpend(), 6'000);
  EXPECT_EQ(c.visits(), 0);
}

TEST(Customer, MakeDefaultsLastActiveToNow) {
  CustomerDraft d;
  d.name = "A";
  d.email = "a@b.co";
  Customer c = makeCustomer(d, Id{}, 1234);
  EXPECT_EQ(c.lastActive(), 1234);
  EXPECT_EQ(c.createdAt, 1234);
  EXPECT_EQ(c.totalSpend(), 0);
}

}  // namespace
}  // namespace minicrm
