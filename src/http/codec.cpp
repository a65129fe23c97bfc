#include "http/codec.h"

#include <fmt/format.h>

#include "http/json_input.h"

namespace minicrm::http {
namespace {

// Server-managed fields a client may echo back from a read; refused with a clear reason.
const std::vector<std::pair<std::string_view, std::string_view>> kServerFields = {
    {"_id", "is set by the server"},
    {"id", "is set by the server"},
    {"createdAt", "is set by the server"},
    {"updatedAt", "is set by the server"},
    {"__v", "is set by the server"}};

std::vector<std::pair<std::string_view, std::string_view>> orderServerFields() {
  auto fields = kServerFields;
  fields.emplace_back("amount", "is computed from items and cannot be set");
  return fields;
}

const boost::json::object* asObject(const boost::json::value& v, const std::string& path,
                                    std::vector<FieldError>& errors) {
  if (v.is_object()) return &v.get_object();
  errors.push_back({path, fmt::format("expected an object, got {}", describeType(v))});
  return nullptr;
}

// Optional text field: absent -> untouched; null or "" -> cleared (engaged nullopt).
template <class Rule>
void optionalText(ObjectFields& f, std::string_view key, Rule rule, bool numbersAsText,
                  std::optional<std::optional<std::string>>& out) {
  bool present = false;
  const auto* v = f.get(key, &present);
  if (!present) return;
  if (!v) {
    out = std::optional<std::string>{};
    return;
  }
  const std::string path = f.path(key);
  if (auto text = textOf(*v, path, f.errors(), numbersAsText)) {
    if (auto ok = rule(*text, path, f.errors())) out = *ok;
  }
}

std::optional<std::vector<OrderItem>> decodeItemList(const boost::json::value* v,
                                                     const std::string& path,
                                                     std::vector<FieldError>& errors) {
  if (!v) {
    errors.push_back({path, "is required"});
    return std::nullopt;
  }
  if (!v->is_array()) {
    errors.push_back({path, fmt::format("expected an array, got {}", describeType(*v))});
    return std::nullopt;
  }
  const auto& arr = v->get_array();
  if (arr.empty()) {
    errors.push_back({path, "must have at least one item"});
    return std::nullopt;
  }
  if (arr.size() > order_rules::kMaxItems) {
    errors.push_back({path, fmt::format("must have at most {} items", order_rules::kMaxItems)});
    return std::nullopt;
  }
  const std::size_t before = errors.size();
  std::vector<OrderItem> items;
  items.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string itemPath = joinPath(path, std::to_string(i));
    const auto* obj = asObject(arr[i], itemPath, errors);
    if (!obj) continue;
    ObjectFields f(*obj, itemPath, errors);
    OrderItem item;
    if (const auto* n = f.require("name")) {
      if (auto text = textOf(*n, f.path("name"), errors, true)) {
        if (auto name = order_rules::itemName(*text, f.path("name"), errors)) item.name = *name;
      }
    }
    if (const auto* q = f.require("quantity")) {
      if (auto n = integerOf(*q, f.path("quantity"), errors)) {
        if (order_rules::quantity(*n, f.path("quantity"), errors)) item.quantity = *n;
      }
    }
    if (const auto* p = f.require("price")) {
      if (auto m = moneyOf(*p, f.path("price"), errors)) {
        if (order_rules::price(*m, f.path("price"), errors)) item.price = *m;
      }
    }
    f.rejectUnknown({{"_id", "is not allowed on an item"}});
    items.push_back(std::move(item));
  }
  if (errors.size() != before) return std::nullopt;
  if (!orderAmount(items)) {
    errors.push_back({path, "adds up to more than the largest amount MiniCRM accepts"});
    return std::nullopt;
  }
  return items;
}

std::optional<OrderStatus> decodeStatus(const boost::json::value& v, const std::string& path,
                                        std::vector<FieldError>& errors) {
  auto text = textOf(v, path, errors);
  if (!text) return std::nullopt;
  auto s = parseOrderStatus(*text);
  if (!s) errors.push_back({path, "must be one of completed, cancelled, refunded"});
  return s;
}

}  // namespace

void writeCustomer(JsonWriter& w, const Customer& c) {
  w.beginObject();
  w.key("_id").id(c.id);
  w.key("name").string(c.name);
  w.key("email").string(c.email);
  w.key("phone").optString(c.phone);
  w.key("city").optString(c.city);
  w.key("totalSpend").money(c.totalSpend());
  w.key("visits").integer(c.visits());
  w.key("lastActive").time(c.lastActive());
  w.key("createdAt").time(c.createdAt);
  w.key("updatedAt").time(c.updatedAt);
  w.endObject();
}

void writeCustomerRef(JsonWriter& w, const CustomerRef& c) {
  w.beginObject();
  w.key("_id").id(c.id);
  w.key("name").string(c.name);
  w.key("email").string(c.email);
  w.key("phone").optString(c.phone);
  w.endObject();
}

void writeOrder(JsonWriter& w, const OrderView& v) {
  const Order& o = v.order;
  w.beginObject();
  w.key("_id").id(o.id);
  w.key("customer");
  writeCustomerRef(w, v.customer);
  w.key("items").beginArray();
  for (const auto& item : o.items) {
    w.beginObject();
    w.key("name").string(item.name);
    w.key("quantity").integer(item.quantity);
    w.key("price").money(item.price);
    w.endObject();
  }
  w.endArray();
  w.key("amount").money(o.amount);
  w.key("orderDate").time(o.orderDate);
  w.key("status").string(toString(o.status));
  w.key("channel").optString(o.channel);
  w.key("externalId").optString(o.externalId);
  w.key("createdAt").time(o.createdAt);
  w.key("updatedAt").time(o.updatedAt);
  w.endObject();
}

std::optional<CustomerDraft> decodeCustomerDraft(const boost::json::value& body,
                                                 std::vector<FieldError>& errors) {
  const auto* obj = asObject(body, "", errors);
  if (!obj) return std::nullopt;
  const std::size_t before = errors.size();
  ObjectFields f(*obj, "", errors);
  CustomerDraft d;
  if (const auto* v = f.require("name")) {
    if (auto t = textOf(*v, "name", errors)) {
      if (auto n = customer_rules::name(*t, "name", errors)) d.name = *n;
    }
  }
  if (const auto* v = f.require("email")) {
    if (auto t = textOf(*v, "email", errors)) {
      if (auto e = customer_rules::email(*t, "email", errors)) d.email = *e;
    }
  }
  std::optional<std::optional<std::string>> phone, city;
  optionalText(f, "phone", customer_rules::phone, true, phone);
  optionalText(f, "city", customer_rules::city, false, city);
  if (phone) d.phone = *phone;
  if (city) d.city = *city;
  if (const auto* v = f.get("totalSpend")) {
    if (auto m = moneyOf(*v, "totalSpend", errors)) {
      if (customer_rules::totalSpend(*m, "totalSpend", errors)) d.totalSpend = m;
    }
  }
  if (const auto* v = f.get("visits")) {
    if (auto n = integerOf(*v, "visits", errors)) {
      if (customer_rules::visits(*n, "visits", errors)) d.visits = n;
    }
  }
  if (const auto* v = f.get("lastActive")) d.lastActive = timeOf(*v, "lastActive", errors);
  f.rejectUnknown(kServerFields);
  if (errors.size() != before) return std::nullopt;
  return d;
}

std::optional<CustomerPatch> decodeCustomerPatch(const boost::json::value& body,
                                                 std::vector<FieldError>& errors) {
  const auto* obj = asObject(body, "", errors);
  if (!obj) return std::nullopt;
  const std::size_t before = errors.size();
  ObjectFields f(*obj, "", errors);
  CustomerPatch p;
  bool present = false;
  if (const auto* v = f.get("name", &present)) {
    if (auto t = textOf(*v, "name", errors)) p.name = customer_rules::name(*t, "name", errors);
  } else if (present) {
    errors.push_back({"name", "cannot be null"});
  }
  if (const auto* v = f.get("email", &present)) {
    if (auto t = textOf(*v, "email", errors)) p.email = customer_rules::email(*t, "email", errors);
  } else if (present) {
    errors.push_back({"email", "cannot be null"});
  }
  optionalText(f, "phone", customer_rules::phone, true, p.phone);
  optionalText(f, "city", customer_rules::city, false, p.city);
  if (const auto* v = f.get("totalSpend", &present)) {
    if (auto m = moneyOf(*v, "totalSpend", errors)) {
      if (customer_rules::totalSpend(*m, "totalSpend", errors)) p.totalSpend = m;
    }
  } else if (present) {
    errors.push_back({"totalSpend", "cannot be null"});
  }
  if (const auto* v = f.get("visits", &present)) {
    if (auto n = integerOf(*v, "visits", errors)) {
      if (customer_rules::visits(*n, "visits", errors)) p.visits = n;
    }
  } else if (present) {
    errors.push_back({"visits", "cannot be null"});
  }
  if (const auto* v = f.get("lastActive", &present)) {
    p.lastActive = timeOf(*v, "lastActive", errors);
  } else if (present) {
    errors.push_back({"lastActive", "cannot be null"});
  }
  f.rejectUnknown(kServerFields);
  if (errors.size() != before) return std::nullopt;
  if (p.empty()) {
    errors.push_back({"", "no fields to update"});
    return std::nullopt;
  }
  return p;
}

std::optional<OrderDraft> decodeOrderDraft(const boost::json::value& body,
                                           const std::string& prefix,
                                           std::vector<FieldError>& errors) {
  const auto* obj = asObject(body, prefix, errors);
  if (!obj) return std::nullopt;
  const std::size_t before = errors.size();
  ObjectFields f(*obj, prefix, errors);
  OrderDraft d;
  if (const auto* v = f.require("customer")) {
    if (auto id = idOf(*v, f.path("customer"), errors)) d.customer = *id;
  }
  if (auto items = decodeItemList(f.get("items"), f.path("items"), errors)) d.items = *items;
  if (const auto* v = f.get("orderDate")) d.orderDate = timeOf(*v, f.path("orderDate"), errors);
  if (const auto* v = f.get("status")) {
    if (auto s = decodeStatus(*v, f.path("status"), errors)) d.status = *s;
  }
  std::optional<std::optional<std::string>> channel, externalId;
  optionalText(f, "channel", order_rules::channel, false, channel);
  optionalText(f, "externalId", order_rules::externalId, true, externalId);
  if (channel) d.channel = *channel;
  if (externalId) d.externalId = *externalId;
  f.rejectUnknown(orderServerFields());
  if (errors.size() != before) return std::nullopt;
  return d;
}

std::optional<OrderPatch> decodeOrderPatch(const boost::json::value& body,
                                           std::vector<FieldError>& errors) {
  const auto* obj = asObject(body, "", errors);
  if (!obj) return std::nullopt;
  const std::size_t before = errors.size();
  ObjectFields f(*obj, "", errors);
  OrderPatch p;
  bool present = false;
  if (const auto* v = f.get("customer", &present)) {
    p.customer = idOf(*v, "customer", errors);
  } else if (present) {
    errors.push_back({"customer", "cannot be null"});
  }
  if (const auto* v = f.get("items", &present)) {
    p.items = decodeItemList(v, "items", errors);
  } else if (present) {
    errors.push_back({"items", "cannot be null"});
  }
  if (const auto* v = f.get("orderDate", &present)) {
    p.orderDate = timeOf(*v, "orderDate", errors);
  } else if (present) {
    errors.push_back({"orderDate", "cannot be null"});
  }
  if (const auto* v = f.get("status", &present)) {
    p.status = decodeStatus(*v, "status", errors);
  } else if (present) {
    errors.push_back({"status", "cannot be null"});
  }
  optionalText(f, "channel", order_rules::channel, false, p.channel);
  optionalText(f, "externalId", order_rules::externalId, true, p.externalId);
  f.rejectUnknown(orderServerFields());
  if (errors.size() != before) return std::nullopt;
  if (p.empty()) {
    errors.push_back({"", "no fields to update"});
    return std::nullopt;
  }
  return p;
}

}  // namespace minicrm::http
