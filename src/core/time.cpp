#include "core/time.h"

namespace minicrm {
namespace {

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool isLeap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned daysInMonth(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Reads exactly n digits at text[pos...]; advances pos.
bool digits(std::string_view text, std::size_t& pos, int n, int& out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

void put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<ParsedTime> parseIsoTime(std::string_view s) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!digits(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-' || !digits(s, pos, 2, month) ||
      pos >= s.size() || s[pos++] != '-' || !digits(s, pos, 2, day)) {
    return std::nullopt;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > daysInMonth(year, static_cast<unsigned>(month))) {
    return std::nullopt;
  }
  const Millis dayMillis =
      daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kMillisPerDay;
  if (pos == s.size()) return ParsedTime{dayMillis, true};

  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
  ++pos;
  int hour = 0, minute = 0, second = 0, millis = 0;
  if (!digits(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':' ||
      !digits(s, pos, 2, minute)) {
    return std::nullopt;
  }
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!digits(s, pos, 2, second)) return std::nullopt;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      int n = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (n < 3) millis = millis * 10 + (s[pos] - '0');
        ++n;
        ++pos;
      }
      if (n == 0 || n > 9) return std::nullopt;
      for (int i = n; i < 3; ++i)
        millis *= 10;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;

  Millis offset = 0;
  if (pos < s.size()) {
    char z = s[pos++];
    if (z == 'Z' || z == 'z') {
      if (pos != s.size()) return std::nullopt;
    } else if (z == '+' || z == '-') {
      int oh = 0, om = 0;
      if (!digits(s, pos, 2, oh)) return std::nullopt;
      if (pos < s.size()) {
        if (s[pos] == ':') ++pos;
        if (!digits(s, pos, 2, om)) return std::nullopt;
      }
      if (pos != s.size() || oh > 23 || om > 59) return std::nullopt;
      offset = (oh * 60 + om) * 60'000LL * (z == '+' ? 1 : -1);
    } else {
      return std::nullopt;
    }
  }
  const Millis t = dayMillis + ((hour * 60LL + minute) * 60 + second) * 1000 + millis - offset;
  return ParsedTime{t, false};
}

void appendIso(std::string& out, Millis t) {
  const std::int64_t days = floorDiv(t, kMillisPerDay);
  const auto inDay = static_cast<unsigned>(t - days * kMillisPerDay);
  const Civil c = civilFromDays(days);
  char buf[25] = "0000-00-00T00:00:00.000Z";
  auto year = static_cast<unsigned>(c.year < 0 ? 0 : (c.year > 9999 ? 9999 : c.year));
  put2(buf, year / 100);
  put2(buf + 2, year % 100);
  put2(buf + 5, c.month);
  put2(buf + 8, c.day);
  const unsigned secs = inDay / 1000;
  put2(buf + 11, secs / 3600);
  put2(buf + 14, secs / 60 % 60);
  put2(buf + 17, secs % 60);
  const unsigned ms = inDay % 1000;
  buf[20] = static_cast<char>('0' + ms / 100);
  put2(buf + 21, ms % 100);
  out.append(buf, 24);
}

std::string formatIso(Millis t) {
  std::string out;
  appendIso(out, t);
  return out;
}

std::string formatDay(Millis t) {
  return formatIso(t).substr(0, 10);
}
std::string formatMonth(Millis t) {
  return formatIso(t).substr(0, 7);
}

Millis startOfDay(Millis t) {
  return floorDiv(t, kMillisPerDay) * kMillisPerDay;
}

Millis startOfMonth(Millis t) {
  const Civil c = civilFromDays(floorDiv(t, kMillisPerDay));
  return daysFromCivil(c.year, c.month, 1) * kMillisPerDay;
}

}  // namespace minicrm
