// API keys in the Store conformance suite, and the SQLite migration runner's handling of
// migration numbers that arrive out of order.
#include <gtest/gtest.h>

#include "store/conformance.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace minicrm::testing {

namespace {

ApiKey makeKey(IdGenerator& ids, Millis now, const std::string& name, char fill) {
  ApiKey k;
  k.id = ids.next();
  k.name = name;
  k.role = "member";
  k.hash = std::string(31, fill) + '\0';  // raw bytes, zeros included
  k.hint = "abcd";
  k.createdAt = now;
  return k;
}

}  // namespace

TEST_P(StoreConformance, ApiKeysRoundTripRevokeAndRecordUse) {
  ApiKey a = makeKey(ids_, clock_.now(), "ci", 'a');
  a.expiresAt = clock_.now() + 1000;
  ApiKey b = makeKey(ids_, clock_.now(), "ops", 'b');
  b.role = "admin";
  ASSERT_TRUE(store_->writeSync([&](WriteTx& tx) { return tx.insertApiKey(a); }).ok());
  ASSERT_TRUE(store_->writeSync([&](WriteTx& tx) { return tx.insertApiKey(b); }).ok());
  Status dup = store_->writeSync([&](WriteTx& tx) {
    ApiKey c = makeKey(ids_, clock_.now(), "dup", 'a');
    return tx.insertApiKey(c);
  });
  EXPECT_FALSE(dup.ok()) << "hashes are unique";

  auto keys = store_->listApiKeys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, a.id);
  EXPECT_EQ((*keys)[0].hash, a.hash);
  EXPECT_EQ((*keys)[0].expiresAt, a.expiresAt);
  EXPECT_EQ((*keys)[1].role, "admin");
  EXPECT_FALSE((*keys)[1].revokedAt);

  ASSERT_TRUE(store_->writeSync([&](WriteTx& tx) { return tx.recordApiKeyUse(b.id, 500); }).ok());
  ASSERT_TRUE(store_->writeSync([&](WriteTx& tx) { return tx.recordApiKeyUse(b.id, 400); }).ok());
  ASSERT_TRUE(store_->writeSync([&](WriteTx& tx) { return tx.revokeApiKey(b.id, 900); }).ok());
  Status again = store_->writeSync([&](WriteTx& tx) { return tx.revokeApiKey(b.id, 901); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::not_found);
  const ApiKey stored = store_->listApiKeys()->at(1);
  EXPECT_EQ(stored.lastUsedAt, 500) << "the latest use wins";
  EXPECT_EQ(stored.revokedAt, 900);
  EXPECT_FALSE(stored.activeAt(1000));
  EXPECT_TRUE((*keys)[0].activeAt(clock_.now()));
  EXPECT_FALSE((*keys)[0].activeAt(clock_.now() + 1000)) << "expired";
}

TEST(SqliteMigrations, NumbersAddedBelowTheLatestStillRun) {
  TempDir dir("minicrm-gap");
  const std::string path = dir.newFile("g.db");
  const sqlite::Migration one{1, "one", "CREATE TABLE one (x)"};
  const sqlite::Migration three{3, "three", "CREATE TABLE three (x)"};
  const sqlite::Migration five{5, "five", "CREATE TABLE five (x)"};
  ASSERT_EQ(*sqlite::migrate(path, {one, five}), 2);
  // A later build knows 3 as well: it runs, once, though 5 is already applied.
  auto later = sqlite::migrate(path, {one, three, five});
  ASSERT_TRUE(later.ok()) << later.error().message;
  EXPECT_EQ(*later, 1);
  EXPECT_EQ(*sqlite::migrate(path, {one, three, five}), 0);
}

}  // namespace minicrm::testing
