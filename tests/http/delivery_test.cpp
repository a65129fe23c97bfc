// Campaign delivery end to end, over real HTTP: the built-in simulator's exact split,
// retries and final failures against a vendor that fails on purpose, the self-pause after
// a run of vendor errors, receipt timeouts, the scheduler, and deleted recipients.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <functional>
#include <thread>

#include "store/store.h"
#include "support/test_server.h"
#include "support/test_vendor.h"
#include "vendor/simulator.h"

namespace minicrm::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::vector<std::string> createCustomers(HttpClient& c, int n, const std::string& tag = "c") {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    const std::string body = R"({"name":"Person )" + std::to_string(i) + R"(","email":")" + tag +
                             std::to_string(i) + R"(@x.io","city":"Pune"})";
    auto res = c.send("POST", "/api/v1/customers", body);
    EXPECT_EQ(res.status, 201) << res.body;
    ids.push_back(std::string(res.json().at("data").at("_id").as_string()));
  }
  return ids;
}

std::string createCampaign(HttpClient& c, const std::string& extra = "") {
  const std::string body =
      R"({"name":"Spring sale","message":"Hi {{firstName}}, 20% off in {{city|your city}}","segmentRules":{})" +
      extra + "}";
  auto res = c.send("POST", "/api/v1/campaigns", body);
  EXPECT_EQ(res.status, 201) << res.body;
  return std::string(res.json().at("data").at("_id").as_string());
}

json::value campaign(HttpClient& c, const std::string& id) {
  return c.get("/api/v1/campaigns/" + id).json().at("data");
}

std::vector<json::value> log(HttpClient& c, const std::string& campaignId) {
  std::vector<json::value> out;
  for (int page = 1;; ++page) {
    auto body = c.get("/api/v1/communications?limit=200&campaign=" + campaignId +
                      "&page=" + std::to_string(page))
                    .json();
    for (const auto& m : body.at("data").as_array())
      out.push_back(m);
    if (page >= body.at("meta").at("pages").as_int64()) break;
  }
  return out;
}

// Polls `done` until it holds, moving the server's clock by `step` each time.
bool waitFor(const std::function<bool()>& done, TestServer& server, Millis step = 0,
             std::chrono::milliseconds timeout = 20s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    if (step) server.clock().advance(step);
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

std::int64_t stat(const json::value& c, const char* name) {
  return c.at("stats").at(name).as_int64();
}

cli::Settings delivery(std::string vendorUrl = "") {
  cli::Settings s;
  s.vendorUrl = std::move(vendorUrl);
  s.vendorSim = s.vendorUrl.empty() ? "on" : "off";
  s.simLatencyMinMs = 0;
  s.simLatencyMaxMs = 5;
  s.simSeed = 42;
  s.retryBaseMs = 1000;
  s.retryMaxMs = 4000;
  return s;
}

TEST(Delivery, SimulatorDeliversEveryMessageWithTheSplitItsHashRuleGives) {
  TestServer server(delivery());
  HttpClient c = server.client();
  createCustomers(c, 300);
  const std::string id = createCampaign(c);
  ASSERT_TRUE(
      waitFor([&] { return campaign(c, id).at("status").as_string() == "completed"; }, server));
  const auto k = campaign(c, id);
  EXPECT_EQ(k.at("audienceSize").as_int64(), 300);
  std::int64_t sent = 0, failed = 0;
  for (const auto& m : log(c, id)) {
    const std::string key(m.at("_id").as_string());
    const bool fails = vendor::simulatedFailure(42, key, 0.9);
    EXPECT_EQ(m.at("status").as_string(), fails ? "FAILED" : "SENT") << key;
    EXPECT_EQ(m.at("attempts").as_int64(), 1);
    EXPECT_EQ(m.at("message").as_string().subview().substr(0, 9), "Hi Person");
    (fails ? failed : sent)++;
  }
  EXPECT_EQ(sent + failed, 300);
  EXPECT_GT(failed, 0);  // about 10% with this seed
  EXPECT_EQ(stat(k, "sent"), sent);
  EXPECT_EQ(stat(k, "failed"), failed);
  EXPECT_EQ(stat(k, "pending"), 0);
  auto recount = server.app().store().recountStats(*Id::parse(id));
  ASSERT_TRUE(recount.ok());
  EXPECT_EQ(recount->sent, sent);
  EXPECT_EQ(recount->failed, failed);
  auto sim = c.get("/api/v1/vendor/stats").json().at("data");
  EXPECT_EQ(sim.at("accepted").as_int64(), 300);
  EXPECT_EQ(sim.at("duplicateKeys").as_int64(), 0);
}

// An idle dispatcher looks for due messages less and less often (each look is a write
// transaction), yet a launch is picked up at once.
TEST(Delivery, AnIdleDispatcherBacksOffAndALaunchWakesIt) {
  TestServer server(delivery());
  HttpClient c = server.client();
  auto batches = [&] {
    const std::string text = c.get("/metrics").body;
    const std::string name = "minicrm_store_write_batches_total ";
    const auto at = text.find("\n" + name);
    EXPECT_NE(at, std::string::npos);
    return std::stod(text.substr(at + 1 + name.size()));
  };
  std::this_thread::sleep_for(1500ms);  // long enough to reach the longest idle wait
  const double before = batches();
  std::this_thread::sleep_for(2000ms);
  EXPECT_LE(batches() - before, 6) << "an idle server keeps writing";

  createCustomers(c, 3);
  const auto start = std::chrono::steady_clock::now();
  const std::string id = createCampaign(c);
  ASSERT_TRUE(
      waitFor([&] { return campaign(c, id).at("status").as_string() == "completed"; }, server));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 400ms)
      << "a launch should not wait for the idle dispatcher's next look";
}

TEST(Delivery, RetryableVendorErrorsAreRetriedWithTheSameKeyThenAccepted) {
  // 503, 429 and 500 first, then accepted.
  TestVendor vendor([](int n) { return n < 3 ? (n == 1 ? 429 : 503 + n % 2) : 202; });
  auto settings = delivery(vendor.url());
  settings.vendorBatch = 5;
  TestServer server(settings);
  HttpClient c = server.client();
  const auto customers = createCustomers(c, 5);
  const std::string id = createCampaign(c);
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& m : log(c, id)) {
          if (m.at("submittedAt").is_null()) return false;
        }
        return true;
      },
      server, /*step=*/2000));
  for (const auto& m : log(c, id)) {
    EXPECT_EQ(m.at("attempts").as_int64(), 4);
    EXPECT_EQ(m.at("status").as_string(), "PENDING");  // accepted, waiting for its receipt
  }
  for (const auto& [key, times] : vendor.keys())
    EXPECT_EQ(times, 4) << key;
  // Receipts finish the campaign.
  for (const auto& customer : customers) {
    auto r = c.send(
        "POST", "/api/v1/delivery/receipt",
        R"({"campaignId":")" + id + R"(","customerId":")" + customer + R"(","status":"SENT"})");
    EXPECT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(campaign(c, id).at("status").as_string(), "completed");
  EXPECT_EQ(stat(campaign(c, id), "sent"), 5);
}

TEST(Delivery, RetriesEndInFailedWithTheReasonAfterTheLastAttempt) {
  TestVendor vendor([](int) { return 503; });
  auto settings = delivery(vendor.url());
  settings.vendorMaxAttempts = 3;
  settings.pauseAfterErrors = 0;
  TestServer server(settings);
  HttpClient c = server.client();
  createCustomers(c, 2);
  const std::string id = createCampaign(c);
  ASSERT_TRUE(waitFor([&] { return campaign(c, id).at("status").as_string() == "completed"; },
                      server, 2000));
  for (const auto& m : log(c, id)) {
    EXPECT_EQ(m.at("status").as_string(), "FAILED");
    EXPECT_EQ(m.at("attempts").as_int64(), 3);
    EXPECT_NE(std::string(m.at("vendorResponse").as_string()).find("503"), std::string::npos);
  }
  EXPECT_EQ(stat(campaign(c, id), "failed"), 2);
}

TEST(Delivery, ClientErrorsFromTheVendorAreFinalAtOnce) {
  TestVendor vendor([](int) { return 400; });
  TestServer server(delivery(vendor.url()));
  HttpClient c = server.client();
  createCustomers(c, 3);
  const std::string id = createCampaign(c);
  ASSERT_TRUE(
      waitFor([&] { return campaign(c, id).at("status").as_string() == "completed"; }, server));
  for (const auto& m : log(c, id)) {
    EXPECT_EQ(m.at("status").as_string(), "FAILED");
    EXPECT_EQ(m.at("attempts").as_int64(), 1);
  }
  EXPECT_EQ(vendor.requests(), 1);  // three messages, one array
}

TEST(Delivery, ARunOfVendorErrorsPausesTheCampaignAndResumingContinues) {
  TestVendor vendor([](int) { return 502; });
  auto settings = delivery(vendor.url());
  settings.vendorBatch = 1;
  settings.pauseAfterErrors = 4;
  settings.vendorMaxAttempts = 100;
  TestServer server(settings);
  HttpClient c = server.client();
  createCustomers(c, 10);
  const std::string id = createCampaign(c);
  ASSERT_TRUE(
      waitFor([&] { return campaign(c, id).at("status").as_string() == "paused"; }, server, 2000));
  auto paused = campaign(c, id);
  EXPECT_EQ(paused.at("pausedReason").as_string(), "vendor errors");
  EXPECT_NE(std::string(paused.at("lastError").as_string()).find("502"), std::string::npos);
  // Paused: nothing more is claimed, whatever the time.
  std::this_thread::sleep_for(300ms);
  const int sends = vendor.requests();
  server.clock().advance(60'000);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(vendor.requests(), sends);
  EXPECT_EQ(stat(campaign(c, id), "pending"), 10);

  vendor.setAnswer([](int) { return 202; });
  auto resumed = c.send("PATCH", "/api/v1/campaigns/" + id + "/status", R"({"status":"running"})");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_TRUE(resumed.json().at("data").at("pausedReason").is_null());
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& m : log(c, id)) {
          if (m.at("submittedAt").is_null()) return false;
        }
        return true;
      },
      server, 2000));
}

TEST(Delivery, MissingReceiptsAreResentWithTheSameKeyThenFailed) {
  TestVendor vendor([](int) { return 202; });  // accepts, never sends a receipt
  auto settings = delivery(vendor.url());
  settings.receiptTimeoutMs = 60'000;
  settings.vendorMaxAttempts = 3;
  TestServer server(settings);
  HttpClient c = server.client();
  createCustomers(c, 2);
  const std::string id = createCampaign(c);
  ASSERT_TRUE(waitFor([&] { return campaign(c, id).at("status").as_string() == "completed"; },
                      server, 30'000));
  for (const auto& m : log(c, id)) {
    EXPECT_EQ(m.at("status").as_string(), "FAILED");
    EXPECT_EQ(m.at("vendorResponse").as_string(), "no delivery receipt");
    EXPECT_EQ(m.at("attempts").as_int64(), 3);
  }
  ASSERT_EQ(vendor.keys().size(), 2u);
  for (const auto& [key, times] : vendor.keys())
    EXPECT_EQ(times, 3) << key;
}

TEST(Delivery, ScheduledCampaignsLaunchWhenTheirTimeComes) {
  TestServer server(delivery());
  HttpClient c = server.client();
  createCustomers(c, 3);
  const std::string id = createCampaign(c, R"(,"scheduledAt":"2025-06-15T13:00:00Z")");
  auto k = campaign(c, id);
  EXPECT_EQ(k.at("status").as_string(), "scheduled");
  EXPECT_EQ(k.at("audienceSize").as_int64(), 3);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(campaign(c, id).at("status").as_string(), "scheduled");
  server.clock().advance(2 * 3'600'000);
  ASSERT_TRUE(
      waitFor([&] { return campaign(c, id).at("status").as_string() == "completed"; }, server));
  EXPECT_EQ(stat(campaign(c, id), "sent") + stat(campaign(c, id), "failed"), 3);
}

TEST(Delivery, ARecipientDeletedBeforeSendingIsNotSentTo) {
  auto settings = delivery();
  settings.dispatch = false;
  TestServer server(settings);
  HttpClient c = server.client();
  const auto customers = createCustomers(c, 3);
  const std::string id = createCampaign(c);
  EXPECT_EQ(stat(campaign(c, id), "pending"), 3);
  ASSERT_EQ(c.request("DELETE", "/api/v1/customers/" + customers[1]).status, 200);
  auto k = campaign(c, id);
  EXPECT_EQ(stat(k, "pending"), 2);
  EXPECT_EQ(stat(k, "cancelled"), 1);
  int cancelled = 0;
  for (const auto& m : log(c, id)) {
    if (m.at("status").as_string() != "CANCELLED") continue;
    ++cancelled;
    EXPECT_TRUE(m.at("customer").is_null());
    EXPECT_EQ(m.at("vendorResponse").as_string(), "customer deleted");
  }
  EXPECT_EQ(cancelled, 1);
}

TEST(Delivery, StoppingEarlyCancelsWhatWasNeverSent) {
  auto settings = delivery();
  settings.dispatch = false;
  TestServer server(settings);
  HttpClient c = server.client();
  createCustomers(c, 4);
  const std::string id = createCampaign(c);
  auto stop = c.send("PATCH", "/api/v1/campaigns/" + id + "/status", R"({"status":"completed"})");
  ASSERT_EQ(stop.status, 200) << stop.body;
  auto k = stop.json().at("data");
  EXPECT_EQ(k.at("status").as_string(), "completed");
  EXPECT_EQ(stat(k, "cancelled"), 4);
  EXPECT_EQ(stat(k, "pending"), 0);
  for (const auto& m : log(c, id))
    EXPECT_EQ(m.at("status").as_string(), "CANCELLED");
}

}  // namespace
}  // namespace minicrm::testing
