// The operations of an OpenAPI document, keyed the way the router names routes.
#pragma once

#include <boost/json/object.hpp>

#include <map>
#include <string>

namespace minicrm::testing {

// "METHOD /path/:param" (the spec's {param} in router notation) -> the operation object.
std::map<std::string, boost::json::object> openApiOperations(const boost::json::object& doc);

}  // namespace minicrm::testing
