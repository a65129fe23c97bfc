// Who is calling: every request carries one. Without configured auth the server runs
// open for local development and every caller is the admin "local" (API.md).
#pragma once

#include <optional>
#include <string>

namespace minicrm {

struct Principal {
  std::string subject;               // JWT sub, "key:<name>" for API keys, "local"
  std::optional<std::string> email;  // when the identity provider gives one
  bool admin = false;

  static Principal local() { return {"local", std::nullopt, true}; }
};

}  // namespace minicrm
