#include "core/money.h"

#include <cmath>

namespace minicrm {

std::optional<Money> moneyFromDouble(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  const double scaled = value * 100.0;
  if (std::fabs(scaled) > static_cast<double>(kMaxMoney)) return std::nullopt;
  const double rounded = std::nearbyint(scaled);
  // Binary doubles cannot hold 19.99 exactly: value*100 lands within a few ulps of a whole
  // number of paise. Accept exactly that rounding noise, refuse a genuine third decimal.
  if (std::fabs(scaled - rounded) > 1e-15 * std::fabs(scaled) + 1e-9) return std::nullopt;
  return static_cast<Money>(rounded);
}

std::optional<Money> moneyFromText(std::string_view s) {
  bool negative = false;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    negative = s[i] == '-';
    ++i;
  }
  Money whole = 0;
  int wholeDigits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    whole = whole * 10 + (s[i] - '0');
    if (whole > kMaxMoney / 100) return std::nullopt;
    ++wholeDigits;
    ++i;
  }
  Money fraction = 0;
  int fractionDigits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      // Trailing zeros beyond two decimals are harmless ("1.500").
      if (fractionDigits >= 2) {
        if (s[i] != '0') return std::nullopt;
      } else {
        fraction = fraction * 10 + (s[i] - '0');
      }
      ++fractionDigits;
      ++i;
    }
    if (fractionDigits == 0 && wholeDigits == 0) return std::nullopt;
  }
  if (i != s.size() || (wholeDigits == 0 && fractionDigits == 0)) return std::nullopt;
  if (fractionDigits == 1) fraction *= 10;
  const Money m = whole * 100 + fraction;
  if (m > kMaxMoney) return std::nullopt;
  return negative ? -m : m;
}

void appendMoney(std::string& out, Money m) {
  if (m < 0) {
    out.push_back('-');
    m = -m;
  }
  out += std::to_string(m / 100);
  const auto cents = static_cast<int>(m % 100);
  if (cents == 0) return;
  out.push_back('.');
  out.push_back(static_cast<char>('0' + cents / 10));
  if (cents % 10 != 0) out.push_back(static_cast<char>('0' + cents % 10));
}

std::string formatMoney(Money m) {
  std::string out;
  appendMoney(out, m);
  return out;
}

}  // namespace minicrm
