#include "cli/keys_command.h"

#include <fmt/format.h>

#include <cstdio>

#include "auth/api_keys.h"
#include "core/id.h"
#include "core/time.h"
#include "store/open.h"

namespace minicrm::cli {
namespace {

Result<std::unique_ptr<Store>> open(const Settings& settings) {
  StoreSettings ss;
  ss.databaseUrl = settings.databaseUrl;
  ss.sqliteSynchronous = settings.sqliteSynchronous;
  ss.customerIndex = false;
  return openStore(ss, SystemClock::instance());
}

int fail(const Error& e) {
  std::fprintf(stderr, "minicrm: %s\n", e.message.c_str());
  return 2;
}

std::string when(const std::optional<Millis>& t) {
  return t ? formatIso(*t) : "-";
}

}  // namespace

int createKeyCommand(const Settings& settings, const std::string& name, const std::string& role,
                     const std::optional<std::string>& expires) {
  std::optional<Millis> lifetime;
  if (expires) {
    auto l = auth::parseKeyLifetime(*expires);
    if (!l.ok()) return fail(l.error());
    lifetime = *l;
  }
  auto store = open(settings);
  if (!store.ok()) return fail(store.error());
  IdGenerator ids(SystemClock::instance());
  auto created = auth::createApiKey(**store, SystemClock::instance(), ids, name, role, lifetime);
  if (!created.ok()) return fail(created.error());
  const ApiKey& k = created->record;
  std::fprintf(stderr,
               "minicrm: API key %s created for \"key:%s\" (role %s, expires %s). It is shown "
               "once; send it as Authorization: Bearer <key>\n",
               k.id.hex().c_str(), k.name.c_str(), k.role.c_str(),
               k.expiresAt ? formatIso(*k.expiresAt).c_str() : "never");
  std::printf("%s\n", created->key.c_str());
  return 0;
}

int listKeysCommand(const Settings& settings) {
  auto store = open(settings);
  if (!store.ok()) return fail(store.error());
  auto keys = (*store)->listApiKeys();
  if (!keys.ok()) return fail(keys.error());
  const Millis now = SystemClock::instance().now();
  std::printf("%-24s  %-20s  %-6s  %-8s  %-24s  %-24s  %-24s  %s\n", "ID", "NAME", "ROLE", "KEY",
              "CREATED", "EXPIRES", "LAST USED", "STATUS");
  for (const auto& k : *keys) {
    const char* status = k.revokedAt ? "revoked" : k.activeAt(now) ? "active" : "expired";
    std::printf("%-24s  %-20s  %-6s  %-8s  %-24s  %-24s  %-24s  %s\n", k.id.hex().c_str(),
                k.name.c_str(), k.role.c_str(), ("..." + k.hint).c_str(),
                formatIso(k.createdAt).c_str(), when(k.expiresAt).c_str(),
                when(k.lastUsedAt).c_str(), status);
  }
  return 0;
}

int revokeKeyCommand(const Settings& settings, const std::string& idText) {
  auto id = Id::parse(idText);
  if (!id) return fail(Error::invalidField("ID", "must be a key id as `minicrm keys list` shows"));
  auto store = open(settings);
  if (!store.ok()) return fail(store.error());
  const Millis now = SystemClock::instance().now();
  Status s = (*store)->writeSync([&](WriteTx& tx) { return tx.revokeApiKey(*id, now); });
  if (!s.ok()) return fail(s.error());
  std::fprintf(stderr,
               "minicrm: API key %s revoked; a running server refuses it within 5 seconds\n",
               id->hex().c_str());
  return 0;
}

}  // namespace minicrm::cli
