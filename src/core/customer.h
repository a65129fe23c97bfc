// The customer and its aggregates.
//
// A customer's totalSpend, visits and lastActive are served as a base (its history from
// before MiniCRM: what was given at create/import time, or set by a PATCH) plus the part
// contributed by its completed orders. Keeping the two parts apart makes every order
// create/update/delete exactly reversible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "core/money.h"

namespace minicrm {

struct Customer {
  Id id;
  std::string name;
  std::string email;  // normalised: trimmed, lower case
  std::optional<std::string> phone;
  std::optional<std::string> city;

  Money baseSpend = 0;
  std::int64_t baseVisits = 0;
  Millis baseLastActive = 0;

  // Sum, count and newest date of this customer's completed orders.
  Money orderSpend = 0;
  std::int64_t orderVisits = 0;
  std::optional<Millis> lastOrderAt;

  Millis createdAt = 0;
  Millis updatedAt = 0;

  // Served values: never below zero; lastActive is the later of base and newest order.
  Money totalSpend() const { return baseSpend + orderSpend < 0 ? 0 : baseSpend + orderSpend; }
  std::int64_t visits() const {
    return baseVisits + orderVisits < 0 ? 0 : baseVisits + orderVisits;
  }
  Millis lastActive() const {
    return lastOrderAt && *lastOrderAt > baseLastActive ? *lastOrderAt : baseLastActive;
  }
};

// The fields a typeahead or an order embeds.
struct CustomerRef {
  Id id;
  std::string name;
  std::string email;
  std::optional<std::string> phone;
};

// Validated input for a new customer.
struct CustomerDraft {
  std::string name;
  std::string email;
  std::optional<std::string> phone;
  std::optional<std::string> city;
  std::optional<Money> totalSpend;
  std::optional<std::int64_t> visits;
  std::optional<Millis> lastActive;
};

// Validated partial update. For phone/city an inner nullopt means "clear".
struct CustomerPatch {
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::optional<std::string>> phone;
  std::optional<std::optional<std::string>> city;
  std::optional<Money> totalSpend;
  std::optional<std::int64_t> visits;
  std::optional<Millis> lastActive;

  bool empty() const {
    return !name && !email && !phone && !city && !totalSpend && !visits && !lastActive;
  }
};

// Field rules shared by every input format (JSON bodies, CSV rows). Each returns the
// normalised value or appends a FieldError under `path` and returns nullopt.
namespace customer_rules {
constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxEmail = 254;
constexpr std::size_t kMaxPhone = 40;
constexpr std::size_t kMaxCity = 100;
constexpr std::int64_t kMaxVisits = 1'000'000'000;

std::optional<std::string> name(std::string_view v, const std::string& path,
                                std::vector<FieldError>& errors);
std::optional<std::string> email(std::string_view v, const std::string& path,
                                 std::vector<FieldError>& errors);
// Empty text means "no value": returns an engaged optional holding nullopt.
std::optional<std::optional<std::string>> phone(std::string_view v, const std::string& path,
                                                std::vector<FieldError>& errors);
std::optional<std::optional<std::string>> city(std::string_view v, const std::string& path,
                                               std::vector<FieldError>& errors);
bool totalSpend(Money v, const std::string& path, std::vector<FieldError>& errors);
bool visits(std::int64_t v, const std::string& path, std::vector<FieldError>& errors);
}  // namespace customer_rules

// Normalises an email address (trim, lower case) if it looks like one: a non-empty local
// part, one '@', a domain of dot-separated labels with at least one dot, no spaces.
std::optional<std::string> normaliseEmail(std::string_view text);

// Trims ASCII white space at both ends.
std::string_view trim(std::string_view s);

// Builds a new customer from a draft. `now` supplies createdAt/updatedAt and the default
// lastActive.
Customer makeCustomer(const CustomerDraft& draft, const Id& id, Millis now);

// Applies a patch: totalSpend/visits set the served value (the base absorbs the
// difference), lastActive sets the base.
void applyPatch(Customer& c, const CustomerPatch& patch, Millis now);

}  // namespace minicrm
