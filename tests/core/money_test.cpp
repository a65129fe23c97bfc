#include "core/money.h"

#include <gtest/gtest.h>

namespace minicrm {
namespace {

TEST(Money, FromDoubleAcceptsTwoDecimalsDespiteBinaryRounding) {
  EXPECT_EQ(moneyFromDouble(19.99), 1999);
  EXPECT_EQ(moneyFromDouble(0.1 + 0.2), 30);
  EXPECT_EQ(moneyFromDouble(1234567.89), 123456789);
  EXPECT_EQ(moneyFromDouble(-5.5), -550);
  EXPECT_EQ(moneyFromDouble(0), 0);
}

TEST(Money, FromDoubleRefusesThirdDecimalAndNonFinite) {
  EXPECT_FALSE(moneyFromDouble(1.005));
  EXPECT_FALSE(moneyFromDouble(12345.678));
  EXPECT_FALSE(moneyFromDouble(987654321.001));
  EXPECT_EQ(moneyFromDouble(987654321.01), 98765432101);
  EXPECT_FALSE(moneyFromDouble(0.001));
  EXPECT_FALSE(moneyFromDouble(1e300));
  EXPECT_FALSE(moneyFromDouble(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(moneyFromDouble(std::numeric_limits<double>::quiet_NaN()));
}

TEST(Money, FromTextIsExact) {
  EXPECT_EQ(moneyFromText("1234"), 123400);
  EXPECT_EQ(moneyFromText("1234.5"), 123450);
  EXPECT_EQ(moneyFromText("1234.56"), 123456);
  EXPECT_EQ(moneyFromText("1234.500"), 123450);
  EXPECT_EQ(moneyFromText(".5"), 50);
  EXPECT_EQ(moneyFromText("-3.25"), -325);
  EXPECT_EQ(moneyFromText("+7"), 700);
  for (const char* bad : {"", "-", ".", "1.234", "1e3", "12a", "1,000", " 1", "1..2"}) {
    EXPECT_FALSE(moneyFromText(bad)) << bad;
  }
  EXPECT_FALSE(moneyFromText("99999999999999999999"));
}

TEST(Money, FormatsShortest) {
  EXPECT_EQ(formatMoney(123400), "1234");
  EXPECT_EQ(formatMoney(123450), "1234.5");
  EXPECT_EQ(formatMoney(123456), "1234.56");
  EXPECT_EQ(formatMoney(5), "0.05");
  EXPECT_EQ(formatMoney(-50), "-0.5");
  for (Money m : {Money{0}, Money{1}, Money{99}, Money{100}, Money{12345678901}}) {
    EXPECT_EQ(moneyFromText(formatMoney(m)), m);
  }
}

}  // namespace
}  // namespace minicrm
