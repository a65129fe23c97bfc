// Who is calling: every request carries one. Without configured auth the server runs
// open for local development and every caller is the admin "local" (API.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace minicrm {

struct Principal {
  std::string subject;               // JWT sub, "key:<name>" for API keys, "local"
  std::optional<std::string> email;  // when the identity provider gives one
  bool admin = false;
  std::vector<std::string> roles;  // from the token's role claim, or the API key's role

  static Principal local() { return {"local", std::nullopt, true, {"admin"}}; }
  // The caller of an open or signed route once auth is configured: nobody in particular.
  static Principal anonymous() { return {"anonymous", std::nullopt, false, {}}; }
};

}  // namespace minicrm
