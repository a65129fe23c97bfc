#include "segment/random_segments.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <string>

#include "core/money.h"
#include "core/segment/segment.h"
#include "core/time.h"

namespace minicrm::segtest {
namespace {

namespace json = boost::json;
using segment::Field;
using segment::FieldType;

constexpr Millis kDay = kMillisPerDay;
constexpr Money kMaxSpend = 1'000'000'000;  // paise: value x visits stays far from 2^63
constexpr std::int64_t kMaxVisits = 10'000;

const std::vector<std::string> kFirst = {
    "Asha",  "asha",  "ASHA",       "Ravi",        "Priya",         "José",      "Zoë",   "Renée",
    "अनीता", "राहुल",  "🙂 Priya", "陈",          "Ólafur",        "O'Brien",   "Aarav", "a",
    "Z",     "Ärger", "O\"Quote",   "back\\slash", "First\nSecond", "tab\tname", ""};
const std::vector<std::string> kLast = {"",      " Rao",    " rao", " Kumar",  " Álvarez",
                                        " शर्मा", " Müller", " 🎉",   " Nguyễn", " van der Berg"};
const std::vector<std::string> kLocal = {"asha",  "ravi.k", "priya_s", "jose",   "zoe",
                                         "anita", "rahul",  "chen",    "olafur", "o.brien"};
const std::vector<std::string> kDomains = {"gmail.com", "example.in", "yahoo.co.in", "outlook.com",
                                           "example.com"};
const std::vector<std::string> kPhones = {
    "+91 98765 43210",   "9876543210", "98765 43210", "022-2345-6789", "1234567890", "5", "0",
    "+1 (555) 010-9999", "९८७६५"};
const std::vector<std::string> kCities = {
    "Mumbai",   "mumbai",        "MUMBAI",    "Pune",   "Bengaluru", "Delhi",
    "नई दिल्ली", "मुंबई",           "São Paulo", "Zürich", "Kraków",    "Москва",
    "東京",     "🏙️ Metro", "Goa",       "ZÜRICH", "O\"Quote"};
const std::vector<std::string> kPatterns = {"^a",
                                            "^A",
                                            "a$",
                                            "rao",
                                            "Rao$",
                                            "ravi|asha",
                                            "^\\+91",
                                            "^[0-9]+$",
                                            "\\d{4}",
                                            "example\\.in$",
                                            "@gmail\\.com$",
                                            "mumbai",
                                            "MUMBAI",
                                            "^म",
                                            "शर्मा",
                                            "ü",
                                            "é",
                                            "🙂",
                                            "^.{0,4}$",
                                            "^.{5,}$",
                                            "",
                                            "\\s",
                                            "(?i)pune",
                                            "^[^@]+@[^@]+\\.com$",
                                            "o'b",
                                            ".",
                                            "^$",
                                            "[À-ž]",
                                            "\\p{Devanagari}",
                                            "\\p{Han}",
                                            "^\\p{Lu}",
                                            "(a|e)+r",
                                            "[[:digit:]]{3}",
                                            "^.$",
                                            "^Second",
                                            "First.Second",
                                            "^First$",
                                            "zürich",
                                            "ÄRGER",
                                            "\\\\",
                                            "\""};
const std::vector<Money> kSpendPool = {
    0,       1,       99,        100,       101,        1999,        50'000,      99'999,
    100'000, 999'999, 1'000'000, 1'000'001, 10'000'000, 123'456'789, 999'999'999, kMaxSpend};
const std::vector<std::int64_t> kVisitPool = {0, 0,  1,  2,   3,     3,         4,
                                              5, 10, 99, 100, 9'999, kMaxVisits};
const std::vector<std::int64_t> kDayOffsets = {0,  1,  2,  7,   13,  14,  29,  30, 31,
                                               89, 90, 91, 180, 364, 365, 366, 730};

std::string asciiUpper(std::string s) {
  for (char& ch : s) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  }
  return s;
}

Millis randomInstant(Rng& r, Millis now, std::vector<Millis>& used) {
  if (!used.empty() && r.chance(15)) return r.pick(used);  // exact ties
  Millis t = 0;
  const Millis back = r.pick(kDayOffsets) * kDay;
  switch (r.below(r.chance(2) ? 7 : 6)) {
    case 0:
      t = now - back;
      break;
    case 1:
      t = now - back + (r.chance(50) ? 1 : -1);
      break;
    case 2: {
      const Millis day = startOfDay(now - back);
      const std::vector<Millis> edges = {0, -1, 1, kDay - 1, kDay};
      t = day + r.pick(edges);
      break;
    }
    case 3:
      t = startOfDay(now - back) + r.between(0, kDay - 1);
      break;
    case 4:
      t = now + r.pick(std::vector<Millis>{1, 7, 14}) * kDay + r.between(-1, 1);
      break;
    case 5:
      t = r.between(now - 800 * kDay, now + 30 * kDay);
      break;
    default:
      t = r.pick(std::vector<Millis>{0, -1, 1, -kDay, kDay - 1});
      break;  // the epoch
  }
  used.push_back(t);
  return t;
}

Money randomSpend(Rng& r, std::int64_t visits) {
  switch (r.below(5)) {
    case 0:
    case 1:
      return r.pick(kSpendPool);
    case 2:
      if (visits > 0) {
        // An exact average, so avgOrderValue ties and $eq hit.
        const std::vector<Money> averages = {100, 1999, 33'333, 50'000, 100'000};
        const Money m = r.pick(averages) * visits;
        if (m <= kMaxSpend) return m;
      }
      return r.pick(kSpendPool);
    case 3:
      return r.between(0, 1'000'000) / 100 * 100;  // whole rupees
    default:
      return r.between(0, kMaxSpend);
  }
}

std::optional<std::string> textOf(const Customer& c, Field f) {
  switch (f) {
    case Field::name:
      return c.name;
    case Field::email:
      return c.email;
    case Field::phone:
      return c.phone;
    case Field::city:
      return c.city;
    default:
      return std::nullopt;
  }
}

bool allDigits(const std::string& s) {
  return !s.empty() && s.size() <= 15 && s[0] != '0' &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

class RuleGen {
 public:
  RuleGen(Rng& r, const std::vector<Customer>& cs, Millis now) : r_(r), cs_(cs), now_(now) {}

  json::value document(int depth) {
    if (r_.chance(depth == 0 ? 3 : 8)) return json::object();
    json::object doc;
    const std::uint64_t roll = r_.below(100);
    const int keys = roll < 65 ? 1 : (roll < 93 ? 2 : 3);
    std::vector<std::string> logical = {"$and", "$or", "$nor"};
    std::vector<Field> fields = {Field::name,       Field::email,      Field::phone,
                                 Field::city,       Field::totalSpend, Field::visits,
                                 Field::lastActive, Field::createdAt,  Field::avgOrderValue};
    for (int k = 0; k < keys; ++k) {
      if (depth < 5 && r_.chance(depth == 0 ? 35 : 22)) {
        const std::size_t i = r_.below(logical.size());
        const std::string key = logical[i];
        logical.erase(logical.begin() + static_cast<std::ptrdiff_t>(i));
        json::array items;
        const int n = 1 + static_cast<int>(r_.below(3));
        for (int j = 0; j < n; ++j)
          items.push_back(document(depth + 1));
        doc[key] = std::move(items);
      } else {
        const std::size_t i = r_.below(fields.size());
        const Field f = fields[i];
        fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(i));
        doc[segment::nameOf(f)] = fieldRule(f);
      }
    }
    return doc;
  }

 private:
  const Customer& someone() { return cs_[r_.below(cs_.size())]; }

  json::value fieldRule(Field f) {
    if (r_.chance(20)) {
      json::value v = value(f, /*allowNull=*/true);
      // {"lastActive": {"$daysAgo": 9}} reads as an operator object, not as a value.
      if (v.is_object()) v = "now-" + std::to_string(v.at("$daysAgo").as_int64()) + "d";
      return v;
    }
    return operators(f, 0);
  }

  json::object operators(Field f, int notDepth) {
    std::vector<std::string> ops = {"$eq",  "$ne", "$gt",  "$gte",   "$lt",
                                    "$lte", "$in", "$nin", "$exists"};
    if (segment::typeOf(f) == FieldType::text) {
      // Twice: regexes are worth more draws than any single comparison.
      ops.push_back("$regex");
      ops.push_back("$regex");
    }
    if (notDepth < 2) ops.push_back("$not");
    const int n = r_.chance(22) ? 2 + static_cast<int>(r_.below(2)) : 1;
    json::object obj;
    for (int k = 0; k < n && !ops.empty(); ++k) {
      const std::string op = r_.pick(ops);
      ops.erase(std::remove(ops.begin(), ops.end(), op), ops.end());
      if (op == "$eq" || op == "$ne") {
        obj[op] = value(f, true);
      } else if (op == "$in" || op == "$nin") {
        json::array list;
        const int len = r_.chance(3) ? 0 : 1 + static_cast<int>(r_.below(5));
        for (int i = 0; i < len; ++i)
          list.push_back(value(f, r_.chance(25)));
        obj[op] = std::move(list);
      } else if (op == "$exists") {
        if (r_.chance(10)) {
          obj[op] = r_.chance(50) ? 1 : 0;
        } else {
          obj[op] = r_.chance(50);
        }
      } else if (op == "$regex") {
        obj[op] = r_.pick(kPatterns);
        const std::uint64_t roll = r_.below(100);
        if (roll < 35) {
          obj["$options"] = "i";
        } else if (roll < 45) {
          obj["$options"] = r_.pick(std::vector<std::string>{"m", "s", "im", "si", "ii", ""});
        }
      } else if (op == "$not") {
        obj[op] = operators(f, notDepth + 1);
      } else {
        obj[op] = value(f, false);
      }
    }
    return obj;
  }

  // A value for field f; null only when allowed (and then sometimes).
  json::value value(Field f, bool allowNull) {
    if (allowNull && r_.chance(10)) return nullptr;
    switch (segment::typeOf(f)) {
      case FieldType::text:
        return textValue(f);
      case FieldType::money:
        return moneyJson(f == Field::totalSpend ? spendValue() : average());
      case FieldType::count:
        return countJson(visitValue());
      case FieldType::date:
        return dateValue(f);
    }
    return nullptr;
  }

  json::value textValue(Field f) {
    if (r_.chance(65)) {
      auto v = textOf(someone(), f);
      if (!v) return json::value("nobody at all");
      if (f == Field::email && r_.chance(30)) {
        return json::value(r_.chance(50) ? asciiUpper(*v) : "  " + *v + " ");
      }
      if (allDigits(*v) && r_.chance(40)) return json::value(std::stoll(*v));
      return json::value(*v);
    }
    switch (f) {
      case Field::name: {
        const std::vector<std::string> more = {"", "Zzz", "A", "a", "अ", "é", "Asha Rao", "M"};
        if (r_.chance(10)) return json::value(42);
        return json::value(r_.chance(50) ? r_.pick(kFirst) : r_.pick(more));
      }
      case Field::email:
        return json::value(r_.chance(50) ? "nobody@example.com" : "ASHA.1@GMAIL.COM");
      case Field::phone:
        if (r_.chance(30)) {
          return json::value(r_.pick(std::vector<std::int64_t>{9876543210, 5, 0, 1234567890}));
        }
        return json::value(r_.pick(kPhones));
      default:
        return json::value(r_.chance(85) ? r_.pick(kCities) : "Unknown City");
    }
  }

  Money spendValue() {
    if (r_.chance(60)) return someone().totalSpend() + r_.pick(std::vector<Money>{0, 0, 0, 1, -1});
    return r_.chance(90) ? r_.pick(kSpendPool) : -100;
  }

  Money average() {
    if (r_.chance(60)) {
      const Customer& c = someone();
      if (c.visits() == 0) return r_.chance(50) ? 0 : c.totalSpend();
      return c.totalSpend() / c.visits() + r_.pick(std::vector<Money>{0, 0, 1, -1});
    }
    return r_.pick(kSpendPool);
  }

  std::int64_t visitValue() {
    if (r_.chance(60))
      return someone().visits() + r_.pick(std::vector<std::int64_t>{0, 0, 0, 1, -1});
    return r_.chance(90) ? r_.pick(kVisitPool) : -1;
  }

  json::value moneyJson(Money m) {
    const std::uint64_t roll = r_.below(10);
    if (roll < 7) {
      if (m % 100 == 0) return json::value(m / 100);
      return json::value(static_cast<double>(m) / 100.0);
    }
    if (roll < 9) return json::value(formatMoney(m));
    return json::value(" " + formatMoney(m) + " ");
  }

  json::value countJson(std::int64_t v) {
    const std::uint64_t roll = r_.below(10);
    if (roll < 7) return json::value(v);
    if (roll < 9) return json::value(std::to_string(v));
    return json::value(static_cast<double>(v));
  }

  json::value dateValue(Field f) {
    const Customer& c = someone();
    // Mostly the same field's values, so comparisons land on real boundaries.
    const bool sameField = r_.chance(80);
    const Millis x = sameField == (f == Field::lastActive) ? c.lastActive() : c.createdAt;
    switch (r_.below(10)) {
      case 0:
      case 1:
      case 2:
        return json::value(formatDay(x));  // that customer's whole day
      case 3:
      case 4: {
        std::string iso = formatIso(x);  // that exact instant, in several spellings
        switch (r_.below(4)) {
          case 0:
            return json::value(iso);
          case 1:
            return json::value(iso.substr(0, iso.size() - 1));  // no zone: UTC
          case 2: {
            std::string local = formatIso(x + 330 * 60'000);
            return json::value(local.substr(0, local.size() - 1) + "+05:30");
          }
          default:
            return json::value(formatDay(x) + " " + iso.substr(11, 12));
        }
      }
      case 5:
      case 6: {
        // "now-Nd" where N lands on or next to this customer's distance from now.
        const std::int64_t days =
            (now_ - x) / kDay + r_.pick(std::vector<std::int64_t>{0, 0, 1, -1});
        if (r_.chance(25) && days >= 0) return json::object{{"$daysAgo", days}};
        if (days < 0) return json::value("now+" + std::to_string(-days) + "d");
        return json::value("now-" + std::to_string(days) + "d");
      }
      case 7: {
        const std::vector<std::string> fixed = {"now",    "now-90d", "now-2w", "now-3mo", "now-1y",
                                                "now+1w", "now+0d",  "now-0w", "now-13w", "now-1mo",
                                                "now+1y", "now-30d", "now-7d", "now-1d",  "now+1d"};
        return json::value(r_.pick(fixed));
      }
      case 8: {
        const std::int64_t back = r_.pick(kDayOffsets);
        return json::object{{"$daysAgo", back}};
      }
      default:
        return json::value(formatDay(now_ - r_.between(-3, 3) * kDay));
    }
  }

  Rng& r_;
  const std::vector<Customer>& cs_;
  Millis now_;
};

}  // namespace

std::uint64_t Rng::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Millis generatedNow() {
  return at("2025-06-15T10:30:00.000Z");
}

std::vector<Customer> randomCustomers(Rng& r, Ids& ids, Millis now, int count) {
  std::vector<Customer> out;
  std::vector<Millis> lastActives, createdAts;
  for (int i = 0; i < count; ++i) {
    Customer c;
    c.id = ids.next();
    c.name = r.pick(kFirst) + r.pick(kLast);
    c.email = r.pick(kLocal) + "." + std::to_string(i) + "@" + r.pick(kDomains);
    const std::uint64_t phone = r.below(100);
    if (phone < 30) {
      c.phone = std::nullopt;
    } else if (phone < 33) {
      c.phone = "";
    } else if (phone < 75) {
      c.phone = r.pick(kPhones);
    } else {
      c.phone = std::to_string(r.between(6'000'000'000, 9'999'999'999));
    }
    const std::uint64_t city = r.below(100);
    if (city < 25) {
      c.city = std::nullopt;
    } else if (city < 27) {
      c.city = "";
    } else {
      c.city = r.pick(kCities);
    }
    const std::int64_t visits = r.chance(70) ? r.pick(kVisitPool) : r.between(0, kMaxVisits);
    const Money spend = randomSpend(r, visits);
    const Millis lastActive = randomInstant(r, now, lastActives);
    c.createdAt = r.chance(20) ? lastActive : randomInstant(r, now, createdAts);
    c.updatedAt = now;
    const std::uint64_t split = r.below(100);
    if (visits > 0 && split < 20) {
      // Part of the history comes from orders: served values are base + orders.
      c.orderVisits = r.between(1, visits);
      c.orderSpend = r.between(0, spend);
      c.baseVisits = visits - c.orderVisits;
      c.baseSpend = spend - c.orderSpend;
      if (r.chance(50)) {
        c.lastOrderAt = lastActive;
        c.baseLastActive = lastActive - r.between(0, 100 * kDay);
      } else {
        c.baseLastActive = lastActive;
        c.lastOrderAt = lastActive - r.between(0, 100 * kDay);
      }
    } else if (split < 24) {
      // A base below the orders' part (a PATCH lowered the total): served values clamp at 0.
      c.baseSpend = -r.between(1, 500'000);
      c.orderSpend = r.between(0, 500'000);
      c.baseVisits = -r.between(0, 5);
      c.orderVisits = r.between(0, 5);
      c.baseLastActive = lastActive;
      c.lastOrderAt = lastActive - r.between(0, 10 * kDay);
    } else {
      c.baseSpend = spend;
      c.baseVisits = visits;
      c.baseLastActive = lastActive;
    }
    out.push_back(std::move(c));
  }
  return out;
}

json::value randomRule(Rng& rng, const std::vector<Customer>& customers, Millis now) {
  return RuleGen(rng, customers, now).document(0);
}

}  // namespace minicrm::segtest
