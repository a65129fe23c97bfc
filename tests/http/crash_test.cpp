// Crash safety of delivery: the server is killed (SIGKILL) in the middle of a campaign and
// restarted; the vendor (a separate `minicrm vendor-sim` process) deduplicates by key.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "core/campaign.h"
#include "store/sqlite/sqlite_store.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "vendor/simulator.h"

namespace minicrm::testing {
namespace {

using namespace std::chrono_literals;

bool healthy(const std::string& base) {
  HttpClient c(base);
  for (int i = 0; i < 400; ++i) {
    if (c.get("/healthz").status == 200) return true;
    std::this_thread::sleep_for(25ms);
  }
  return false;
}

// Writes customers straight into the database file, before any server starts.
void seedCustomers(const std::string& path, int n) {
  ManualClock clock(1'750'000'000'000);
  IdGenerator ids(clock);
  sqlite::SqliteOptions o;
  o.path = path;
  o.customerIndex = false;
  auto store = sqlite::SqliteStore::open(o, clock);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)
                  ->writeSync([&](WriteTx& tx) -> Status {
                    for (int i = 0; i < n; ++i) {
                      CustomerDraft d;
                      d.name = "Crash Test " + std::to_string(i);
                      d.email = "crash" + std::to_string(i) + "@x.io";
                      if (Status s = tx.insertCustomer(makeCustomer(d, ids.next(), clock.now()));
                          !s.ok()) {
                        return s;
                      }
                    }
                    return {};
                  })
                  .ok());
}

struct Scenario {
  const char* name;
  const char* vendorLatencyMs;  // receipt delay at the vendor
  const char* receiptTimeout;   // how long MiniCRM waits for a receipt before resending
  int audience;
  bool expectResends;
};

class Crash : public ::testing::TestWithParam<Scenario> {};

TEST_P(Crash, KilledMidCampaignEveryMessageEndsOnceAndNoKeyIsDeliveredTwice) {
  const Scenario sc = GetParam();
  const int kAudience = sc.audience;
  constexpr std::uint64_t kSeed = 7;
  TempDir dir("minicrm-crash");
  const std::string db = dir.newFile("crash.db");
  seedCustomers(db, kAudience);
  const int serverPort = freePort();
  const int vendorPort = freePort();
  const std::string server = "http://127.0.0.1:" + std::to_string(serverPort);
  const std::string vendorBase = "http://127.0.0.1:" + std::to_string(vendorPort);

  Process vendor({MINICRM_BINARY, "vendor-sim", "--port", std::to_string(vendorPort), "--callback",
                  server + "/api/v1/delivery/receipt", "--seed", std::to_string(kSeed),
                  "--latency-ms", sc.vendorLatencyMs},
                 {});
  ASSERT_TRUE(healthy(vendorBase));
  const std::map<std::string, std::string> env = {
      {"PORT", std::to_string(serverPort)},
      {"DATABASE_URL", "sqlite:" + db},
      {"VENDOR_URL", vendorBase + "/api/v1/vendor/send"},
      {"VENDOR_SIM", "off"},
      {"VENDOR_CONCURRENCY", "2"},
      {"VENDOR_BATCH", "25"},
      {"VENDOR_TIMEOUT", "1s"},
      {"RECEIPT_TIMEOUT", sc.receiptTimeout},
      {"VENDOR_MAX_ATTEMPTS", "20"},
      {"ACCESS_LOG", "off"},
      {"MONGO_URI", ""}};

  std::string campaignId;
  {
    Process first({MINICRM_BINARY, "serve"}, env);
    ASSERT_TRUE(healthy(server));
    HttpClient c(server);
    auto created = c.send("POST", "/api/v1/campaigns",
                          R"({"name":"Crash","message":"Hello","segmentRules":{}})");
    ASSERT_EQ(created.status, 201) << created.body;
    campaignId = std::string(created.json().at("data").at("_id").as_string());
    // Let part of the audience go out, then pull the plug.
    std::int64_t settled = 0;
    for (int i = 0; i < 500 && settled <= kAudience / 5; ++i) {
      auto k = c.get("/api/v1/campaigns/" + campaignId).json().at("data").at("stats");
      settled = k.at("sent").as_int64() + k.at("failed").as_int64();
      if (settled <= kAudience / 5) std::this_thread::sleep_for(5ms);
    }
    first.signal(SIGKILL);
    EXPECT_GT(settled, 0);
    EXPECT_LT(settled, kAudience) << "the campaign finished before the crash: nothing tested";
    EXPECT_EQ(first.wait().exitCode, -1);
  }

  Process second({MINICRM_BINARY, "serve"}, env);
  ASSERT_TRUE(healthy(server));
  HttpClient c(server);
  bool completed = false;
  for (int i = 0; i < 600 && !completed; ++i) {
    completed =
        c.get("/api/v1/campaigns/" + campaignId).json().at("data").at("status") == "completed";
    if (!completed) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(completed) << "the campaign did not complete after the restart";

  // Every audience member has exactly one final status, and it is the vendor's verdict.
  std::int64_t sent = 0, failed = 0, rows = 0;
  for (int page = 1;; ++page) {
    auto body = c.get("/api/v1/communications?limit=200&campaign=" + campaignId +
                      "&page=" + std::to_string(page))
                    .json();
    for (const auto& m : body.at("data").as_array()) {
      ++rows;
      const std::string key(m.at("_id").as_string());
      const bool fails = vendor::simulatedFailure(kSeed, key, 0.9);
      EXPECT_EQ(m.at("status").as_string(), fails ? "FAILED" : "SENT") << key;
      (fails ? failed : sent)++;
    }
    if (page >= body.at("meta").at("pages").as_int64()) break;
  }
  EXPECT_EQ(rows, kAudience);
  auto stats = c.get("/api/v1/campaigns/" + campaignId).json().at("data").at("stats");
  EXPECT_EQ(stats.at("sent").as_int64(), sent);
  EXPECT_EQ(stats.at("failed").as_int64(), failed);
  EXPECT_EQ(stats.at("pending").as_int64(), 0);
  EXPECT_EQ(stats.at("cancelled").as_int64(), 0);

  // The vendor accepted every key once: nothing was delivered twice. Keys sent again
  // (in flight at the crash, or their receipt lost with the dead server) are counted.
  auto sim = HttpClient(vendorBase).get("/stats").json().at("data");
  EXPECT_EQ(sim.at("accepted").as_int64(), kAudience);
  const auto repeated = sim.at("duplicateKeys").as_int64();
  ::testing::Test::RecordProperty("duplicate_keys", std::to_string(repeated));
  std::cout << sc.name << ": the vendor saw " << repeated << " repeated keys" << std::endl;
  if (sc.expectResends) {
    EXPECT_GT(repeated, 0) << "this scenario must resend";
  }
  second.signal(SIGTERM);
  EXPECT_EQ(second.wait().exitCode, 0);
  vendor.signal(SIGTERM);
  EXPECT_EQ(vendor.wait().exitCode, 0);
}

// Fast receipts: what a crash leaves in flight is settled by receipts the vendor retries
// until the server is back. Slow receipts (longer than RECEIPT_TIMEOUT): messages are sent
// again with the same key, and the vendor must answer those with receipts, not deliveries.
INSTANTIATE_TEST_SUITE_P(Scenarios, Crash,
                         ::testing::Values(Scenario{"fast_receipts", "10:150", "2s", 2000, false},
                                           Scenario{"slow_receipts", "700:900", "300ms", 600,
                                                    true}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace minicrm::testing
