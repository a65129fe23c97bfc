#include "core/campaign.h"

#include <gtest/gtest.h>

#include <set>

namespace minicrm {
namespace {

TEST(CampaignStatus, LegalMovesAreExactlyThoseOfTheContract) {
  using S = CampaignStatus;
  const std::set<std::pair<S, S>> legal = {
      {S::draft, S::scheduled},   {S::draft, S::running},   {S::scheduled, S::running},
      {S::running, S::paused},    {S::paused, S::running},  {S::running, S::completed},
      {S::paused, S::completed},  {S::draft, S::cancelled}, {S::scheduled, S::cancelled},
      {S::running, S::cancelled}, {S::paused, S::cancelled}};
  const S all[] = {S::draft, S::scheduled, S::running, S::paused, S::completed, S::cancelled};
  for (S from : all) {
    for (S to : all) {
      EXPECT_EQ(canMove(from, to), legal.count({from, to}) == 1)
          << toString(from) << " -> " << toString(to);
    }
  }
  EXPECT_EQ(illegalMove(S::completed, S::running),
            "A campaign cannot move from completed to running");
}

TEST(CampaignStatus, ParsingAcceptsActiveAsRunning) {
  EXPECT_EQ(parseCampaignStatus("active"), CampaignStatus::running);
  EXPECT_EQ(parseCampaignStatus(" Paused "), CampaignStatus::paused);
  EXPECT_FALSE(parseCampaignStatus("sending"));
  EXPECT_EQ(parseDeliveryStatus("sent"), DeliveryStatus::sent);
  EXPECT_EQ(toString(DeliveryStatus::cancelled), "CANCELLED");
  EXPECT_FALSE(parseDeliveryStatus("DELIVERED"));
}

}  // namespace
}  // namespace minicrm
