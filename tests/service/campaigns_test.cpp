// Campaign use cases over the SQLite store: ownership, and a launch interrupted by a crash.
#include "service/campaigns.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace minicrm::testing {
namespace {

class CampaignServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite::SqliteOptions o;
    o.path = dir_.newFile("campaigns.db");
    o.synchronous = "NORMAL";
    auto s = sqlite::SqliteStore::open(o, clock_);
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    campaigns_ = std::make_unique<CampaignService>(*store_, clock_, ids_);
    for (int i = 0; i < 30; ++i) {
      CustomerDraft d;
      d.name = "C" + std::to_string(i);
      d.email = "c" + std::to_string(i) + "@x.io";
      Customer c = makeCustomer(d, ids_.next(), clock_.now());
      ASSERT_TRUE(store_->writeSync([&](WriteTx& tx) { return tx.insertCustomer(c); }).ok());
    }
  }

  CampaignDraft draft(const char* name, bool isDraft = true) {
    CampaignDraft d;
    d.name = name;
    d.message = "Hello";
    d.rules = *segment::parse(boost::json::parse("{}"));
    d.draft = isDraft;
    return d;
  }

  TempDir dir_{"minicrm-campaigns"};
  ManualClock clock_{1'750'000'000'000};
  IdGenerator ids_{clock_};
  std::unique_ptr<sqlite::SqliteStore> store_;
  std::unique_ptr<CampaignService> campaigns_;
  const Principal alice{"user_alice", std::nullopt, false, {}};
  const Principal bob{"user_bob", std::nullopt, false, {}};
  const Principal admin{"user_root", std::nullopt, true, {"admin"}};
};

TEST_F(CampaignServiceTest, MembersSeeAndChangeOnlyTheirOwnCampaigns) {
  auto mine = campaigns_->create(draft("Alice's"), alice);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->createdBy, "user_alice");
  auto theirs = campaigns_->create(draft("Bob's"), bob);
  ASSERT_TRUE(theirs.ok());

  EXPECT_TRUE(campaigns_->get(mine->id, alice).ok());
  EXPECT_EQ(campaigns_->get(theirs->id, alice).error().kind, ErrorKind::not_found);
  CampaignPatch rename;
  rename.name = "Mine now";
  EXPECT_EQ(campaigns_->update(theirs->id, rename, alice).error().kind, ErrorKind::not_found);
  EXPECT_EQ(campaigns_->changeStatus(theirs->id, CampaignStatus::cancelled, alice).error().kind,
            ErrorKind::not_found);
  EXPECT_EQ(campaigns_->remove(theirs->id, alice).error().kind, ErrorKind::not_found);
  auto listed = campaigns_->list({}, alice);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->total, 1);
  EXPECT_EQ(listed->items[0].id, mine->id);

  EXPECT_EQ(campaigns_->list({}, admin)->total, 2);
  EXPECT_TRUE(campaigns_->get(theirs->id, admin).ok());
}

TEST_F(CampaignServiceTest, OnlyAdminsMayNameAnotherOwner) {
  auto d = draft("Named");
  d.createdBy = "user_someone";
  EXPECT_EQ(campaigns_->create(d, alice)->createdBy, "user_alice");
  EXPECT_EQ(campaigns_->create(d, admin)->createdBy, "user_someone");
  d.createdBy = "";
  EXPECT_EQ(campaigns_->create(d, admin)->createdBy, "user_root");
}

TEST_F(CampaignServiceTest, ALaunchInterruptedByACrashIsDiscardedAndRedone) {
  auto c = campaigns_->create(draft("Interrupted"), admin);
  ASSERT_TRUE(c.ok());
  // What a crash in the middle of writing the audience leaves behind.
  ASSERT_TRUE(store_
                  ->writeSync([&](WriteTx& tx) -> Status {
                    auto k = tx.getCampaign(c->id);
                    k->status = CampaignStatus::running;
                    k->launchedAt = clock_.now();
                    if (Status s = tx.updateCampaign(*k); !s.ok()) return s;
                    if (Status s = tx.setLaunchState(c->id, false, clock_.now()); !s.ok()) return s;
                    auto members = store_->segmentMembers(*segment::parse(boost::json::parse("{}")),
                                                          clock_.now(), SegmentEngine::sql);
                    std::vector<Id> half(members->begin(), members->begin() + 10);
                    std::vector<Id> rows(10);
                    for (auto& r : rows)
                      r = ids_.next();
                    return tx.insertAudienceChunk(c->id, half, rows, clock_.now());
                  })
                  .ok());
  auto interrupted = store_->interruptedLaunches();
  ASSERT_TRUE(interrupted.ok());
  ASSERT_EQ(interrupted->size(), 1u);

  ASSERT_TRUE(campaigns_->resumeInterruptedLaunches().ok());
  EXPECT_TRUE(store_->interruptedLaunches()->empty());
  auto after = store_->getCampaign(c->id);
  EXPECT_EQ(after->status, CampaignStatus::running);
  EXPECT_EQ(after->audienceSize, 30);
  EXPECT_EQ(after->stats.pending, 30);
  EXPECT_EQ(store_->recountStats(c->id)->pending, 30);
  CommunicationQuery q;
  q.campaign = c->id;
  EXPECT_EQ(store_->listCommunications(q)->total, 30);
}

TEST_F(CampaignServiceTest, TheAudienceIsFrozenAtLaunch) {
  auto c = campaigns_->create(draft("Frozen", false), admin);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->audienceSize, 30);
  CustomerDraft d;
  d.name = "Late";
  d.email = "late@x.io";
  Customer late = makeCustomer(d, ids_.next(), clock_.now());
  ASSERT_TRUE(store_->writeSync([&](WriteTx& tx) { return tx.insertCustomer(late); }).ok());
  EXPECT_EQ(store_->getCampaign(c->id)->audienceSize, 30);
  CommunicationQuery q;
  q.campaign = c->id;
  EXPECT_EQ(store_->listCommunications(q)->total, 30);
  CampaignPatch p;
  p.name = "Too late";
  EXPECT_EQ(campaigns_->update(c->id, p, admin).error().kind, ErrorKind::conflict);
  EXPECT_EQ(campaigns_->remove(c->id, admin).error().kind, ErrorKind::conflict);
}

}  // namespace
}  // namespace minicrm::testing
