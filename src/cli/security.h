// Auth as Settings configure it, decided once at start (DESIGN.md, Auth): whether callers
// must authenticate, who verifies them, and the start-up checks that go with either mode.
#pragma once

#include <memory>
#include <string>

#include "auth/api_keys.h"
#include "auth/authenticator.h"
#include "cli/settings.h"
#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace minicrm::cli {

struct Security {
  bool configured = false;                                   // false: open local mode
  std::shared_ptr<const auth::Authenticator> authenticator;  // null in open mode
  std::shared_ptr<auth::ApiKeyCache> apiKeys;                // null in open mode
  std::string openModeWarning;                               // empty when configured
};

// Auth is configured when Clerk or OIDC settings are present, an active API key is stored,
// or AUTH=required. Configured: RECEIPT_WEBHOOK_SECRET must be set. Not configured: HOST
// must be a loopback address unless INSECURE. Failures name the setting to change.
Result<Security> setUpSecurity(const Settings& settings, Store& store, const Clock& clock);

}  // namespace minicrm::cli
