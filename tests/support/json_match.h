// Matching a JSON response against an expected pattern, for data-driven HTTP cases.
//
// Objects match when every expected key matches (extra actual keys are fine); arrays match
// element by element and must have the same length; scalars must be equal (numbers by
// value). Strings in the pattern may be matchers:
//   "<any>"  anything, but the key must exist      "<absent>"  the key must not exist
//   "<id>"   24 lowercase hex characters            "<iso>"     ISO-8601 UTC with ms and Z
//   "<string>" "<number>" "<array>" "<object>"      type checks
//   "<contains:TEXT>"  a string containing TEXT
#pragma once

#include <boost/json/value.hpp>

#include <map>
#include <string>

namespace minicrm::testing {

// Empty when `actual` matches `expected`, else a description of the first mismatch with
// its path.
std::string jsonMismatch(const boost::json::value& expected, const boost::json::value& actual,
                         const std::string& path = "$");

// Replaces ${name} in every string of `v` (keys included) with vars[name].
boost::json::value substitute(const boost::json::value& v,
                              const std::map<std::string, std::string>& vars);
std::string substitute(const std::string& s, const std::map<std::string, std::string>& vars);

// The value at a dot path ("data.0._id"), or nullptr.
const boost::json::value* atPath(const boost::json::value& v, const std::string& path);

}  // namespace minicrm::testing
