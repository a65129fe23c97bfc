// Money is int64 minor units (paise). The wire carries numbers with at most 2 decimals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace minicrm {

using Money = std::int64_t;

// Largest amount accepted from input: 1,000,000,000,000.00 (so sums of millions of them
// still fit in int64).
constexpr Money kMaxMoney = 100'000'000'000'000;

// From a JSON number: nullopt when not finite, beyond +-kMaxMoney, or with more than two
// decimals (19.99 is fine despite binary rounding; 1.005 is not).
std::optional<Money> moneyFromDouble(double value);
// From text ("1234", "1234.5", "-3.25", "1e3" is refused): exact decimal parsing.
std::optional<Money> moneyFromText(std::string_view text);
// Shortest decimal text that reads back to the same amount: 1234, 1234.5, 1234.56.
void appendMoney(std::string& out, Money m);
std::string formatMoney(Money m);
// The amount as a double in major units, for APIs that need a plain number.
inline double moneyToDouble(Money m) {
  return static_cast<double>(m) / 100.0;
}

}  // namespace minicrm
