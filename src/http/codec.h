// JSON <-> domain mapping for customers and orders: the wire shapes of API.md.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <vector>

#include "core/customer.h"
#include "core/json_writer.h"
#include "core/order.h"
#include "store/store.h"

namespace minicrm::http {

// {_id, name, email, phone, city, totalSpend, visits, lastActive, createdAt, updatedAt}
void writeCustomer(JsonWriter& w, const Customer& c);
// {_id, name, email, phone}
void writeCustomerRef(JsonWriter& w, const CustomerRef& c);
// {_id, customer: {_id, name, email, phone}, items, amount, orderDate, status, channel,
//  externalId, createdAt, updatedAt}
void writeOrder(JsonWriter& w, const OrderView& o);

// Decoders validate as they go; problems are appended to `errors` with paths under
// `prefix` ("" for a top-level body, "2" for the third element of a bulk array).
std::optional<CustomerDraft> decodeCustomerDraft(const boost::json::value& body,
                                                 std::vector<FieldError>& errors);
std::optional<CustomerPatch> decodeCustomerPatch(const boost::json::value& body,
                                                 std::vector<FieldError>& errors);
std::optional<OrderDraft> decodeOrderDraft(const boost::json::value& body,
                                           const std::string& prefix,
                                           std::vector<FieldError>& errors);
std::optional<OrderPatch> decodeOrderPatch(const boost::json::value& body,
                                           std::vector<FieldError>& errors);

}  // namespace minicrm::http
