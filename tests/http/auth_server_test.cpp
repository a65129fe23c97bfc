// The server with auth configured, over real connections: every protected route refuses
// callers without credentials (walking the route table, so no route can be forgotten),
// API keys come and go while it runs, limits answer 429/431/503, slow clients are cut off,
// and the start-up rules of open local mode.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "auth/api_keys.h"
#include "auth/signature.h"
#include "core/id.h"
#include "store/store.h"
#include "support/jwks_server.h"
#include "support/jwt_fixtures.h"
#include "support/openapi.h"
#include "support/process.h"
#include "support/raw_socket.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace minicrm::testing {
namespace {

using namespace std::chrono_literals;

// Routes API.md leaves open. Everything else must answer 401 without credentials.
const std::set<std::string> kOpenRoutes = {
    "GET /healthz",
    "GET /readyz",
    "GET /api/v1/openapi.json",
    "GET /docs",
    // Signed instead (X-Signature), and the vendor simulator.
    "POST /api/v1/delivery/receipt",
    "POST /api/v1/delivery-receipt",
    "POST /api/v1/vendor/send",
    "POST /api/v1/delivery/vendor/send",
    "GET /api/v1/vendor/stats",
};

// Open to callers without a bearer token, but checked against RECEIPT_WEBHOOK_SECRET.
const std::set<std::string> kSignedRoutes = {
    "POST /api/v1/delivery/receipt",
    "POST /api/v1/delivery-receipt",
};

cli::Settings clerkSettings() {
  cli::Settings s;
  s.clerkJwtKey = rsaKey().publicPem();
  s.clerkAuthorizedParties = {"http://localhost:5173"};
  s.receiptWebhookSecret = "whsec_test";
  return s;
}

std::string bearer() {
  const long now = TestServer::kNow / 1000;
  return "Bearer " + rsaKey().sign(clerkClaims(now), "RS256");
}

std::string concrete(const std::string& pattern) {
  return std::regex_replace(pattern, std::regex(":[A-Za-z]+"), "000000000000000000000000");
}

TEST(AuthServer, EveryProtectedRouteWithoutCredentialsIs401) {
  TestServer server(clerkSettings());
  ASSERT_TRUE(server.app().authConfigured());
  HttpClient c = server.client();
  const std::string token = bearer();
  int checked = 0;
  for (const auto& [method, pattern] : server.app().routeTable()) {
    const std::string path = concrete(pattern);
    const std::string body = method == "POST" || method == "PATCH" ? "{}" : "";
    auto bare = c.request(method, path, body, {{"Content-Type", "application/json"}});
    if (kSignedRoutes.count(method + " " + pattern)) {
      // No bearer token needed, but the X-Signature of RECEIPT_WEBHOOK_SECRET is.
      EXPECT_EQ(bare.status, 401) << method << " " << pattern << " took an unsigned request";
      EXPECT_EQ(bare.header("www-authenticate"), "") << method << " " << pattern;
      const std::string receipt = R"({"campaignId":"000000000000000000000000",)"
                                  R"("customerId":"000000000000000000000000","status":"SENT"})";
      auto signedReq = c.request(
          method, path, receipt,
          {{"Content-Type", "application/json"},
           {"X-Signature", auth::signatureHeader("whsec_test", receipt, std::time(nullptr))}});
      EXPECT_EQ(signedReq.status, 404) << method << " " << pattern << ": " << signedReq.body;
      continue;
    }
    if (kOpenRoutes.count(method + " " + pattern)) {
      EXPECT_NE(bare.status, 401) << method << " " << pattern << " is open in API.md";
      continue;
    }
    if (pattern == "/metrics") {
      EXPECT_EQ(bare.status, 200) << "open while METRICS_TOKEN is unset";
      continue;
    }
    ++checked;
    EXPECT_EQ(bare.status, 401) << method << " " << pattern << " answered without credentials";
    EXPECT_EQ(bare.json().at("ok").as_bool(), false);
    EXPECT_EQ(bare.header("www-authenticate"), R"(Bearer realm="minicrm")");
    auto forged =
        c.request(method, path, body,
                  {{"Content-Type", "application/json"},
                   {"Authorization", "Bearer " + rsaKey().sign(clerkClaims(1), "RS256")}});
    EXPECT_EQ(forged.status, 401) << method << " " << pattern << " took an expired token";
    auto ok = c.request(method, path, body,
                        {{"Content-Type", "application/json"}, {"Authorization", token}});
    EXPECT_NE(ok.status, 401) << method << " " << pattern << ": " << ok.body;
    EXPECT_NE(ok.status, 403) << method << " " << pattern;
  }
  EXPECT_GT(checked, 15);
}

// docs/openapi.yaml: every protected operation carries both bearer schemes (the top-level
// security), and exactly the open routes opt out.
TEST(AuthServer, OpenApiSecurityMatchesTheRoutes) {
  TestServer server;
  const auto doc = server.client().get("/api/v1/openapi.json").json().as_object();
  const auto& schemes = doc.at("components").at("securitySchemes").as_object();
  EXPECT_EQ(schemes.at("bearerJwt").at("scheme").as_string(), "bearer");
  EXPECT_EQ(schemes.at("apiKey").at("scheme").as_string(), "bearer");
  const auto& global = doc.at("security").as_array();
  ASSERT_EQ(global.size(), 2u);
  std::set<std::string> globalNames;
  for (const auto& requirement : global)
    for (const auto& kv : requirement.as_object())
      globalNames.insert(std::string(kv.key()));
  EXPECT_EQ(globalNames, (std::set<std::string>{"bearerJwt", "apiKey"}));
  int protectedOps = 0;
  for (const auto& [route, op] : openApiOperations(doc)) {
    const auto* own = op.if_contains("security");
    if (route == "GET /metrics") {
      ASSERT_TRUE(own) << route;
      continue;
    }
    if (kOpenRoutes.count(route)) {
      ASSERT_TRUE(own && own->as_array().empty()) << route << " must say security: []";
    } else {
      ++protectedOps;
      EXPECT_FALSE(own) << route << " must keep the API-wide bearer requirement";
    }
  }
  EXPECT_GT(protectedOps, 15);
}

// Providers as the settings configure them, end to end over HTTP.
TEST(AuthServer, GoogleIdTokensFromAJwksFileWithEitherIssuerSpelling) {
  TempDir dir("minicrm-google");
  const std::string jwks = dir.newFile("jwks.json");
  std::ofstream(jwks) << jwksOf({rsaKey().jwk("RS256")});
  cli::Settings s;
  s.oidcIssuer = "https://accounts.google.com";
  s.oidcJwksUrl = "file:" + jwks;
  s.oidcAudience = "1234-abc.apps.googleusercontent.com";
  s.receiptWebhookSecret = "whsec_test";
  TestServer server(s);
  HttpClient c = server.client();
  const long now = TestServer::kNow / 1000;
  auto call = [&](const boost::json::object& claims) {
    return c
        .request("GET", "/api/v1/customers", "",
                 {{"Authorization", "Bearer " + rsaKey().sign(claims, "RS256")}})
        .status;
  };
  EXPECT_EQ(call(googleClaims(now, s.oidcAudience, "asha@example.com")), 200);
  EXPECT_EQ(call(googleClaims(now, s.oidcAudience, "asha@example.com", "accounts.google.com")),
            200);
  EXPECT_EQ(call(googleClaims(now, "someone-else", "asha@example.com")), 401);
  EXPECT_EQ(call(googleClaims(now, s.oidcAudience, "asha@example.com", "https://evil.example")),
            401);
}

TEST(AuthServer, ClerkSecretKeyFetchesTheJwksFromTheBackendApiAtStart) {
  JwksServer clerk(jwksOf({rsaKey().jwk()}));
  cli::Settings s;
  s.clerkSecretKey = JwksServer::kClerkSecret;
  s.clerkApiUrl = clerk.baseUrl();
  s.clerkAuthorizedParties = {"http://localhost:5173"};
  s.receiptWebhookSecret = "whsec_test";
  TestServer server(s);
  EXPECT_EQ(clerk.hits(), 1) << "keys are fetched at start";
  HttpClient c = server.client();
  const long now = TestServer::kNow / 1000;
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "",
                      {{"Authorization", "Bearer " + rsaKey().sign(clerkClaims(now), "RS256")}})
                .status,
            200);
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "",
                      {{"Authorization",
                        "Bearer " + rsaKey().sign(clerkClaims(now, "user_1", "https://x.example",
                                                              "https://evil.example"),
                                                  "RS256")}})
                .status,
            401);
  EXPECT_EQ(clerk.hits(), 1);
}

TEST(AuthServer, ApiKeysWorkAndNewOnesAreAcceptedWithinFiveSeconds) {
  cli::Settings s;
  s.auth = "required";
  s.receiptWebhookSecret = "whsec_test";
  TestServer server(s);
  ASSERT_TRUE(server.app().authConfigured());
  HttpClient c = server.client();
  IdGenerator ids(server.clock());
  Store& store = server.app().store();
  EXPECT_EQ(c.get("/api/v1/customers").status, 401);
  // An unknown key: the server reads the stored keys now.
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "",
                      {{"Authorization", "Bearer " + auth::generateApiKey()}})
                .status,
            401);

  auto created = auth::createApiKey(store, server.clock(), ids, "ci", "member", std::nullopt);
  ASSERT_TRUE(created.ok());
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer " + created->key}};
  // The server read the keys a moment ago; the new one shows up once that is 5 s old.
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "", auth).status, 401);
  server.clock().advance(5'000);
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "", auth).status, 200);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(c.request("GET", "/api/v1/customers", "", auth).status, 200);

  // Revoked: refused within 5 s, and the uses above were written once, in a batch.
  const auto before = store.listApiKeys()->front();
  EXPECT_FALSE(before.lastUsedAt) << "no write per request";
  ASSERT_TRUE(store
                  .writeSync([&](WriteTx& tx) {
                    return tx.revokeApiKey(created->record.id, server.clock().now());
                  })
                  .ok());
  server.clock().advance(5'000);
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "", auth).status, 401);
  std::optional<Millis> used;
  for (int i = 0; i < 100 && !used; ++i) {
    used = store.listApiKeys()->front().lastUsedAt;
    if (!used) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, TestServer::kNow + 5'000);
}

TEST(AuthServer, ExpiredKeysAreRefused) {
  cli::Settings s;
  s.auth = "required";
  s.receiptWebhookSecret = "whsec_test";
  TestServer server(s);
  IdGenerator ids(server.clock());
  auto created = auth::createApiKey(server.app().store(), server.clock(), ids, "temp", "member",
                                    Millis(60'000));
  ASSERT_TRUE(created.ok());
  HttpClient c = server.client();
  server.clock().advance(5'000);
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer " + created->key}};
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "", auth).status, 200);
  server.clock().advance(60'000);
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "", auth).status, 401);
}

TEST(AuthServer, MetricsTokenGuardsMetrics) {
  cli::Settings s;
  s.metricsToken = "m3trics-token";
  TestServer server(s);  // open local mode otherwise
  HttpClient c = server.client();
  EXPECT_EQ(c.get("/metrics").status, 401);
  EXPECT_EQ(c.request("GET", "/metrics", "", {{"Authorization", "Bearer nope"}}).status, 401);
  EXPECT_EQ(c.request("GET", "/metrics", "", {{"Authorization", "Bearer m3trics-token"}}).status,
            200);
  EXPECT_EQ(c.get("/api/v1/customers").status, 200) << "the rest stays open in local mode";
}

TEST(AuthServer, PerAddressRateLimitAnswers429WithRetryAfter) {
  cli::Settings s;
  s.rateLimitPerIp = {3.0 / 60.0, 3};  // 3/min
  TestServer server(s);
  HttpClient c = server.client();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(c.get("/api/v1/customers").status, 200) << i;
  auto limited = c.get("/api/v1/customers");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.json().at("ok").as_bool(), false);
  const int retry = std::stoi(limited.header("retry-after"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 20);
  EXPECT_EQ(c.get("/healthz").status, 429) << "every route counts for an address";
  EXPECT_EQ(c.get("/no/such/path").status, 429) << "and so does probing for paths";
}

TEST(AuthServer, PerPrincipalRateLimitIsPerCaller) {
  cli::Settings s = clerkSettings();
  s.rateLimitPerPrincipal = {2.0 / 60.0, 2};
  TestServer server(s);
  HttpClient c = server.client();
  const long now = TestServer::kNow / 1000;
  auto as = [&](const char* sub) {
    return std::vector<std::pair<std::string, std::string>>{
        {"Authorization", "Bearer " + rsaKey().sign(clerkClaims(now, sub), "RS256")}};
  };
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "", as("user_a")).status, 200);
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "", as("user_a")).status, 200);
  auto limited = c.request("GET", "/api/v1/customers", "", as("user_a"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.header("retry-after").empty());
  EXPECT_EQ(c.request("GET", "/api/v1/customers", "", as("user_b")).status, 200);
  EXPECT_EQ(c.get("/healthz").status, 200) << "open routes are not per-principal";
}

// Campaigns belong to the caller who saved them (createdBy = the token's sub): members
// see and change only their own (another's is a 404), admins see every campaign, and a
// createdBy in the body counts only when an admin sends it.
TEST(AuthServer, CampaignsAreOwnedByTheirCreator) {
  cli::Settings s = clerkSettings();
  s.adminSubjects = {"user_root"};
  s.dispatch = false;
  TestServer server(s);
  HttpClient c = server.client();
  const long now = TestServer::kNow / 1000;
  auto as = [&](const char* sub) {
    return std::vector<std::pair<std::string, std::string>>{
        {"Content-Type", "application/json"},
        {"Authorization", "Bearer " + rsaKey().sign(clerkClaims(now, sub), "RS256")}};
  };
  auto create = [&](const char* sub, const std::string& extra) {
    auto res = c.request("POST", "/api/v1/campaigns",
                         R"({"name":"Sale","message":"Hi {{name}}","segmentRules":{},)"
                         R"("status":"draft")" +
                             extra + "}",
                         as(sub));
    EXPECT_EQ(res.status, 201) << res.body;
    return std::string(res.json().at("data").at("_id").as_string());
  };
  const std::string alices = create("user_alice", R"(,"createdBy":"user_bob")");
  const std::string bobs = create("user_bob", "");
  const std::string granted = create("user_root", R"(,"createdBy":"user_bob")");

  auto mine = c.request("GET", "/api/v1/campaigns/" + alices, "", as("user_alice"));
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.json().at("data").at("createdBy").as_string(), "user_alice")
      << "a member's createdBy is ignored";
  EXPECT_EQ(c.request("GET", "/api/v1/campaigns/" + alices, "", as("user_bob")).status, 404);
  EXPECT_EQ(
      c.request("PATCH", "/api/v1/campaigns/" + alices, R"({"name":"Mine now"})", as("user_bob"))
          .status,
      404);
  EXPECT_EQ(c.request("DELETE", "/api/v1/campaigns/" + alices, "", as("user_bob")).status, 404);

  auto ids = [&](const char* sub) {
    std::set<std::string> out;
    auto res = c.request("GET", "/api/v1/campaigns?limit=100", "", as(sub));
    EXPECT_EQ(res.status, 200);
    const auto body = res.json();
    for (const auto& item : body.at("data").as_array())
      out.insert(std::string(item.at("_id").as_string()));
    return out;
  };
  EXPECT_EQ(ids("user_alice"), (std::set<std::string>{alices}));
  EXPECT_EQ(ids("user_bob"), (std::set<std::string>{bobs, granted}))
      << "an admin may create a campaign on a member's behalf";
  EXPECT_EQ(ids("user_root"), (std::set<std::string>{alices, bobs, granted}));
  EXPECT_EQ(c.request("GET", "/api/v1/campaigns/" + bobs, "", as("user_root")).status, 200);
}

// With auth configured and VENDOR_SIM=on, the mounted simulator takes only send requests
// signed with RECEIPT_WEBHOOK_SECRET; MiniCRM's dispatcher signs its requests and the
// simulator signs its receipts, so a campaign is still delivered end to end.
TEST(AuthServer, MountedSimulatorTakesOnlySignedRequestsAndCampaignsStillDeliver) {
  cli::Settings s = clerkSettings();
  s.vendorSim = "on";
  s.simLatencyMinMs = 0;
  s.simLatencyMaxMs = 5;
  TestServer server(s);
  HttpClient c = server.client();
  const long now = TestServer::kNow / 1000;
  const std::vector<std::pair<std::string, std::string>> caller = {
      {"Content-Type", "application/json"},
      {"Authorization", "Bearer " + rsaKey().sign(clerkClaims(now), "RS256")}};
  const std::string message = R"({"messageId":"000000000000000000000001",)"
                              R"("campaignId":"000000000000000000000002",)"
                              R"("customerId":"000000000000000000000003","message":"Hi"})";
  auto unsigned_ =
      c.request("POST", "/api/v1/vendor/send", message, {{"Content-Type", "application/json"}});
  EXPECT_EQ(unsigned_.status, 401) << unsigned_.body;
  EXPECT_EQ(c.request("POST", "/api/v1/vendor/send", message, caller).status, 401)
      << "a bearer token is no signature";

  for (int i = 0; i < 5; ++i) {
    const std::string body = R"({"name":"Person )" + std::to_string(i) + R"(","email":"p)" +
                             std::to_string(i) + R"(@x.io"})";
    ASSERT_EQ(c.request("POST", "/api/v1/customers", body, caller).status, 201);
  }
  auto created = c.request("POST", "/api/v1/campaigns",
                           R"({"name":"Sale","message":"Hi {{name}}","segmentRules":{}})", caller);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id(created.json().at("data").at("_id").as_string());
  std::string status;
  boost::json::value k;
  for (int i = 0; i < 500 && status != "completed"; ++i) {
    std::this_thread::sleep_for(20ms);
    k = c.request("GET", "/api/v1/campaigns/" + id, "", caller).json().at("data");
    status = std::string(k.at("status").as_string());
  }
  ASSERT_EQ(status, "completed") << boost::json::serialize(k);
  EXPECT_EQ(k.at("stats").at("sent").as_int64() + k.at("stats").at("failed").as_int64(), 5);
  auto sim = c.get("/api/v1/vendor/stats").json().at("data");
  EXPECT_EQ(sim.at("accepted").as_int64(), 5);
  EXPECT_EQ(sim.at("receiptsFailed").as_int64(), 0) << "receipts are signed and accepted";
}

TEST(AuthServer, TooManyHeaderFieldsIs431) {
  TestServer server;
  HttpClient c = server.client();
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 120; ++i)
    many.emplace_back("X-H" + std::to_string(i), "v");
  auto res = c.request("GET", "/healthz", "", many);
  EXPECT_EQ(res.status, 431);
  EXPECT_EQ(server.client().request("GET", "/healthz", "", {{"X-One", "v"}}).status, 200);
}

TEST(AuthServer, SlowLorisIsCutOffAtTheRequestTimeout) {
  cli::Settings s;
  s.requestTimeoutSeconds = 1;
  TestServer server(s);
  std::vector<std::unique_ptr<RawSocket>> slow;
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<RawSocket>(server.port()));
    slow.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  }
  const auto start = std::chrono::steady_clock::now();
  bool allClosed = false;
  while (!allClosed && std::chrono::steady_clock::now() - start < 5s) {
    allClosed = true;
    for (auto& s : slow) {
      s->send("X");  // one header byte at a time, never finishing the line
      if (!s->closedByServer()) allClosed = false;
    }
    // Meanwhile everybody else is served at once.
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(server.client().get("/healthz").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    std::this_thread::sleep_for(100ms);
  }
  const auto held = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(allClosed) << "slow clients were still connected after 5 s";
  EXPECT_GE(held, 900ms);
  EXPECT_LT(held, 3s);
}

TEST(AuthServer, IdleConnectionsBeyondTheCapAre503) {
  cli::Settings s;
  s.maxConnections = 3;
  TestServer server(s);
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 3; ++i)
    held.push_back(std::make_unique<RawSocket>(server.port()));
  std::this_thread::sleep_for(100ms);
  auto refused = server.client().get("/healthz");
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("Too many open connections"), std::string::npos);
  held.pop_back();
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    served = server.client().get("/healthz").status == 200;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(served) << "a freed slot is usable again";
}

TEST(AuthServer, ReadyzWarnsInOpenLocalModeOnly) {
  {
    TestServer open;
    EXPECT_FALSE(open.app().authConfigured());
    auto res = open.client().get("/readyz");
    EXPECT_EQ(res.json().at("data").at("auth").as_string(), "open");
    EXPECT_NE(std::string(res.json().at("data").at("warning").as_string()).find("No auth"),
              std::string::npos);
  }
  TestServer secured(clerkSettings());
  auto res = secured.client().get("/readyz");
  EXPECT_EQ(res.json().at("data").at("auth").as_string(), "required");
  EXPECT_FALSE(res.json().at("data").as_object().contains("warning"));
}

Status startWith(cli::Settings s) {
  TempDir dir("minicrm-start");
  ManualClock clock(TestServer::kNow);
  s.port = 0;
  s.databaseUrl = "sqlite:" + dir.newFile("s.db");
  s.accessLog = false;
  cli::App app(s, clock, false);
  Status st = app.start();
  app.stop();
  app.wait();
  return st;
}

TEST(AuthServer, OpenModeRefusesANonLoopbackHostUnlessInsecure) {
  cli::Settings s;
  s.host = "0.0.0.0";
  Status refused = startWith(s);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("HOST"), std::string::npos);
  EXPECT_NE(refused.error().message.find("--insecure"), std::string::npos);
  s.insecure = true;
  EXPECT_TRUE(startWith(s).ok());
  s.host = "127.0.0.2";
  s.insecure = false;
  EXPECT_TRUE(startWith(s).ok()) << "all of 127.0.0.0/8 is loopback";
}

TEST(AuthServer, AuthWithoutAWebhookSecretRefusesToStart) {
  cli::Settings s = clerkSettings();
  s.receiptWebhookSecret.clear();
  Status refused = startWith(s);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("RECEIPT_WEBHOOK_SECRET"), std::string::npos);
  s.receiptWebhookSecret = "whsec";
  s.host = "0.0.0.0";
  EXPECT_TRUE(startWith(s).ok()) << "with auth, any address is fine";
}

TEST(AuthServer, VendorSimulatorIsOffWithAuthUnlessAskedFor) {
  cli::Settings s;
  EXPECT_TRUE(s.vendorSimEnabled(false));
  EXPECT_FALSE(s.vendorSimEnabled(true));
  s.vendorSim = "on";
  EXPECT_TRUE(s.vendorSimEnabled(true));
  s.vendorSim = "off";
  EXPECT_FALSE(s.vendorSimEnabled(false));
}

TEST(AuthBinary, KeysCommandsCreateListAndRevoke) {
  TempDir dir("minicrm-keys");
  const std::string url = "sqlite:" + dir.newFile("k.db");
  ProcessResult created = runProcess({MINICRM_BINARY, "keys", "create", "--name", "ci", "--expires",
                                      "90d", "--database-url", url});
  ASSERT_EQ(created.exitCode, 0) << created.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created.output, m, std::regex("mck_[A-Za-z0-9_-]{43}")))
      << created.output;
  const std::string key = m.str();
  ASSERT_TRUE(std::regex_search(created.output, m, std::regex("API key ([0-9a-f]{24})")));
  const std::string id = m[1];

  ProcessResult list = runProcess({MINICRM_BINARY, "keys", "list", "--database-url", url});
  EXPECT_EQ(list.exitCode, 0);
  EXPECT_NE(list.output.find(id), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("member"), std::string::npos);
  EXPECT_NE(list.output.find("active"), std::string::npos);
  EXPECT_EQ(list.output.find(key), std::string::npos) << "a key is shown only once";

  // A key exists, so auth is configured: the webhook secret is now required.
  const int port = freePort();
  ProcessResult refused = runProcess({MINICRM_BINARY, "serve", "--port", std::to_string(port)},
                                     {{"DATABASE_URL", url}, {"RECEIPT_WEBHOOK_SECRET", ""}});
  EXPECT_EQ(refused.exitCode, 2);
  EXPECT_NE(refused.output.find("RECEIPT_WEBHOOK_SECRET"), std::string::npos) << refused.output;

  {
    Process server({MINICRM_BINARY, "serve", "--port", std::to_string(port)},
                   {{"DATABASE_URL", url}, {"RECEIPT_WEBHOOK_SECRET", "whsec"}});
    ASSERT_TRUE(waitHealthy(port));
    HttpClient c("http://127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(c.get("/api/v1/customers").status, 401);
    EXPECT_EQ(
        c.request("GET", "/api/v1/customers", "", {{"Authorization", "Bearer " + key}}).status,
        200);
    server.signal(SIGTERM);
    ProcessResult r = server.wait();
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_EQ(r.output.find(key), std::string::npos) << "keys are never logged";
    EXPECT_EQ(r.output.find("OPEN LOCAL MODE"), std::string::npos);
  }

  EXPECT_EQ(runProcess({MINICRM_BINARY, "keys", "revoke", id, "--database-url", url}).exitCode, 0);
  EXPECT_NE(runProcess({MINICRM_BINARY, "keys", "revoke", id, "--database-url", url}).exitCode, 0);
  EXPECT_NE(
      runProcess({MINICRM_BINARY, "keys", "list", "--database-url", url}).output.find("revoked"),
      std::string::npos);
  EXPECT_NE(runProcess({MINICRM_BINARY, "keys", "create", "--name", "x", "--role", "root",
                        "--database-url", url})
                .exitCode,
            0);
}

TEST(AuthBinary, OpenModeWarnsAndInsecureIsABareFlag) {
  TempDir dir("minicrm-insecure");
  const std::string url = "sqlite:" + dir.newFile("i.db");
  ProcessResult refused =
      runProcess({MINICRM_BINARY, "serve", "--host", "0.0.0.0"}, {{"DATABASE_URL", url}});
  EXPECT_EQ(refused.exitCode, 2);
  EXPECT_NE(refused.output.find("--insecure"), std::string::npos) << refused.output;

  const int port = freePort();
  Process server(
      {MINICRM_BINARY, "serve", "--host", "0.0.0.0", "--insecure", "--port", std::to_string(port)},
      {{"DATABASE_URL", url}});
  ASSERT_TRUE(waitHealthy(port));
  server.signal(SIGTERM);
  ProcessResult r = server.wait();
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.output.find("OPEN LOCAL MODE"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace minicrm::testing
