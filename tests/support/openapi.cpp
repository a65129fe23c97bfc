#include "support/openapi.h"

#include <cctype>
#include <regex>

namespace minicrm::testing {

std::map<std::string, boost::json::object> openApiOperations(const boost::json::object& doc) {
  std::map<std::string, boost::json::object> out;
  for (const auto& path : doc.at("paths").as_object()) {
    const std::string templ =
        std::regex_replace(std::string(path.key()), std::regex(R"(\{([A-Za-z0-9_]+)\})"), ":$1");
    for (const auto& op : path.value().as_object()) {
      std::string method(op.key());
      if (method == "parameters" || method == "summary" || method == "description") continue;
      for (char& ch : method)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out.emplace(method + " " + templ, op.value().as_object());
    }
  }
  return out;
}

}  // namespace minicrm::testing
