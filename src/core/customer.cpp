#include "core/customer.h"

#include <algorithm>

#include "core/rules.h"
#include "core/text.h"

namespace minicrm {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back()))
    s.remove_suffix(1);
  return s;
}

std::optional<std::string> normaliseEmail(std::string_view text) {
  std::string_view t = trim(text);
  if (t.empty() || t.size() > customer_rules::kMaxEmail) return std::nullopt;
  const std::size_t at = t.find('@');
  if (at == 0 || at == std::string_view::npos || t.find('@', at + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view domain = t.substr(at + 1);
  if (domain.empty() || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return std::nullopt;
  }
  for (char c : t) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || c == ',' || c == ';' || c == '<' || c == '>' || c == '"' ||
        c == '(' || c == ')' || c == '[' || c == ']' || c == '\\') {
      return std::nullopt;
    }
  }
  for (char c : domain) {
    if (c == '_') return std::nullopt;
  }
  if (!validUtf8(t)) return std::nullopt;
  std::string out(t);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

namespace customer_rules {

std::optional<std::string> name(std::string_view v, const std::string& path,
                                std::vector<FieldError>& errors) {
  return rules::requiredText(v, kMaxName, path, errors);
}

std::optional<std::string> email(std::string_view v, const std::string& path,
                                 std::vector<FieldError>& errors) {
  if (trim(v).empty()) {
    errors.push_back({path, "is required"});
    return std::nullopt;
  }
  auto e = normaliseEmail(v);
  if (!e) errors.push_back({path, "must be a valid email address"});
  return e;
}

std::optional<std::optional<std::string>> phone(std::string_view v, const std::string& path,
                                                std::vector<FieldError>& errors) {
  return rules::optionalText(v, kMaxPhone, path, errors);
}

std::optional<std::optional<std::string>> city(std::string_view v, const std::string& path,
                                               std::vector<FieldError>& errors) {
  return rules::optionalText(v, kMaxCity, path, errors);
}

bool totalSpend(Money v, const std::string& path, std::vector<FieldError>& errors) {
  if (v < 0) {
    errors.push_back({path, "must be >= 0"});
    return false;
  }
  return true;
}

bool visits(std::int64_t v, const std::string& path, std::vector<FieldError>& errors) {
  if (v < 0) {
    errors.push_back({path, "must be an integer >= 0"});
    return false;
  }
  if (v > kMaxVisits) {
    errors.push_back({path, "must be at most " + std::to_string(kMaxVisits)});
    return false;
  }
  return true;
}

}  // namespace customer_rules

Customer makeCustomer(const CustomerDraft& d, const Id& id, Millis now) {
  Customer c;
  c.id = id;
  c.name = d.name;
  c.email = d.email;
  c.phone = d.phone;
  c.city = d.city;
  c.baseSpend = d.totalSpend.value_or(0);
  c.baseVisits = d.visits.value_or(0);
  c.baseLastActive = d.lastActive.value_or(now);
  c.createdAt = now;
  c.updatedAt = now;
  return c;
}

void applyPatch(Customer& c, const CustomerPatch& p, Millis now) {
  if (p.name) c.name = *p.name;
  if (p.email) c.email = *p.email;
  if (p.phone) c.phone = *p.phone;
  if (p.city) c.city = *p.city;
  if (p.totalSpend) c.baseSpend = *p.totalSpend - c.orderSpend;
  if (p.visits) c.baseVisits = *p.visits - c.orderVisits;
  if (p.lastActive) c.baseLastActive = *p.lastActive;
  c.updatedAt = now;
}

}  // namespace minicrm
