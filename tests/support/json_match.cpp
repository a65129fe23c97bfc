#include "support/json_match.h"

#include <boost/json/serialize.hpp>

#include <regex>

namespace minicrm::testing {
namespace {

std::string show(const boost::json::value& v) {
  std::string s = boost::json::serialize(v);
  return s.size() > 200 ? s.substr(0, 200) + "..." : s;
}

std::string matchString(const std::string& pattern, const boost::json::value& actual,
                        const std::string& path) {
  auto fail = [&](const std::string& why) {
    return path + ": expected " + pattern + " (" + why + "), got " + show(actual);
  };
  if (pattern == "<any>") return "";
  if (pattern == "<string>") return actual.is_string() ? "" : fail("a string");
  if (pattern == "<number>") return actual.is_number() ? "" : fail("a number");
  if (pattern == "<array>") return actual.is_array() ? "" : fail("an array");
  if (pattern == "<object>") return actual.is_object() ? "" : fail("an object");
  if (pattern == "<id>") {
    static const std::regex id("^[0-9a-f]{24}$");
    return actual.is_string() && std::regex_match(std::string(actual.get_string()), id)
               ? ""
               : fail("an id");
  }
  if (pattern == "<iso>") {
    static const std::regex iso(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
    return actual.is_string() && std::regex_match(std::string(actual.get_string()), iso)
               ? ""
               : fail("an ISO timestamp");
  }
  if (pattern.starts_with("<contains:") && pattern.ends_with(">")) {
    const std::string needle = pattern.substr(10, pattern.size() - 11);
    return actual.is_string() && std::string(actual.get_string()).find(needle) != std::string::npos
               ? ""
               : fail("a string containing it");
  }
  if (actual.is_string() && actual.get_string() == pattern) return "";
  return path + ": expected \"" + pattern + "\", got " + show(actual);
}

}  // namespace

std::string jsonMismatch(const boost::json::value& expected, const boost::json::value& actual,
                         const std::string& path) {
  if (expected.is_string()) return matchString(std::string(expected.get_string()), actual, path);
  if (expected.is_object()) {
    if (!actual.is_object()) return path + ": expected an object, got " + show(actual);
    for (const auto& kv : expected.get_object()) {
      const std::string sub = path + "." + std::string(kv.key());
      const auto* found = actual.get_object().if_contains(kv.key());
      const bool wantAbsent = kv.value().is_string() && kv.value().get_string() == "<absent>";
      if (wantAbsent) {
        if (found) return sub + ": expected no such key, got " + show(*found);
        continue;
      }
      if (!found) return sub + ": missing";
      if (auto m = jsonMismatch(kv.value(), *found, sub); !m.empty()) return m;
    }
    return "";
  }
  if (expected.is_array()) {
    if (!actual.is_array()) return path + ": expected an array, got " + show(actual);
    const auto& e = expected.get_array();
    const auto& a = actual.get_array();
    if (e.size() != a.size()) {
      return path + ": expected " + std::to_string(e.size()) + " elements, got " +
             std::to_string(a.size()) + ": " + show(actual);
    }
    for (std::size_t i = 0; i < e.size(); ++i) {
      if (auto m = jsonMismatch(e[i], a[i], path + "." + std::to_string(i)); !m.empty()) return m;
    }
    return "";
  }
  if (expected.is_number() && actual.is_number()) {
    return expected.to_number<double>() == actual.to_number<double>()
               ? ""
               : path + ": expected " + show(expected) + ", got " + show(actual);
  }
  if (expected == actual) return "";
  return path + ": expected " + show(expected) + ", got " + show(actual);
}

std::string substitute(const std::string& s, const std::map<std::string, std::string>& vars) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t start = s.find("${", pos);
    if (start == std::string::npos) break;
    const std::size_t end = s.find('}', start);
    if (end == std::string::npos) break;
    out.append(s, pos, start - pos);
    const std::string name = s.substr(start + 2, end - start - 2);
    auto it = vars.find(name);
    if (it == vars.end()) throw std::runtime_error("unknown variable ${" + name + "}");
    out += it->second;
    pos = end + 1;
  }
  out.append(s, pos);
  return out;
}

boost::json::value substitute(const boost::json::value& v,
                              const std::map<std::string, std::string>& vars) {
  if (v.is_string()) return boost::json::value(substitute(std::string(v.get_string()), vars));
  if (v.is_array()) {
    boost::json::array out;
    for (const auto& e : v.get_array())
      out.push_back(substitute(e, vars));
    return out;
  }
  if (v.is_object()) {
    boost::json::object out;
    for (const auto& kv : v.get_object()) {
      out[substitute(std::string(kv.key()), vars)] = substitute(kv.value(), vars);
    }
    return out;
  }
  return v;
}

const boost::json::value* atPath(const boost::json::value& v, const std::string& path) {
  const boost::json::value* cur = &v;
  std::size_t pos = 0;
  while (pos <= path.size() && cur) {
    const std::size_t dot = path.find('.', pos);
    const std::string part =
        path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (cur->is_object()) {
      cur = cur->get_object().if_contains(part);
    } else if (cur->is_array()) {
      std::size_t i = 0;
      try {
        i = std::stoul(part);
      } catch (...) {
        return nullptr;
      }
      cur = i < cur->get_array().size() ? &cur->get_array()[i] : nullptr;
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return cur;
}

}  // namespace minicrm::testing
