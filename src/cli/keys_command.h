// `minicrm keys create|list|revoke`: API keys are managed from the command line only (no
// HTTP route can mint or revoke one).
#pragma once

#include <optional>
#include <string>

#include "cli/settings.h"

namespace minicrm::cli {

// Prints the new key once on stdout (and what it is on stderr). Returns the exit code.
int createKeyCommand(const Settings& settings, const std::string& name, const std::string& role,
                     const std::optional<std::string>& expires);
int listKeysCommand(const Settings& settings);
int revokeKeyCommand(const Settings& settings, const std::string& id);

}  // namespace minicrm::cli
