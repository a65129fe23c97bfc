// HTTP behaviour shared by every route, tested over real connections: limits, keep-alive,
// request ids, metrics, the OpenAPI route set, concurrency and graceful shutdown.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "cli/settings.h"
#include "store/sqlite/db.h"
#include "store/store.h"
#include "support/openapi.h"
#include "support/process.h"
#include "support/raw_socket.h"
#include "support/test_server.h"

namespace minicrm::testing {
namespace {

std::string customerJson(const std::string& email) {
  return R"({"name":"Test )" + email + R"(","email":")" + email + R"("})";
}

std::string createCustomer(HttpClient& c, const std::string& email) {
  auto res = c.send("POST", "/api/v1/customers", customerJson(email));
  EXPECT_EQ(res.status, 201) << res.body;
  return std::string(res.json().at("data").at("_id").as_string());
}

TEST(Server, KeepAliveReusesOneConnection) {
  TestServer server;
  HttpClient c = server.client();
  EXPECT_EQ(c.get("/healthz").newConnections, 1);
  for (int i = 0; i < 5; ++i) {
    auto res = c.get("/api/v1/customers");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.newConnections, 0) << "request " << i << " opened a new connection";
  }
}

// MiniCRM writes response heads itself, so their framing is checked byte by byte here.
TEST(Server, ResponsesAreFramedForEachHttpVersionAndMethod) {
  cli::Settings settings;
  settings.corsOrigins = {"https://app.example"};
  TestServer server(settings);

  // HTTP/1.1 persists by default: two responses on one connection, no Connection header.
  RawSocket keep(server.port(), std::chrono::seconds(5));
  ASSERT_TRUE(keep.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string first = keep.readResponse();
  ASSERT_EQ(first.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << first;
  EXPECT_EQ(first.find("\r\nConnection:"), std::string::npos) << first;
  const std::size_t bodyAt = first.find("\r\n\r\n") + 4;
  const std::string body = first.substr(bodyAt);
  EXPECT_NE(first.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("\r\nContent-Type: application/json; charset=utf-8\r\n"), std::string::npos);
  EXPECT_EQ(boost::json::parse(body).at("ok").as_bool(), true);

  // HEAD: the same length announced, no body sent (the next response follows at once).
  ASSERT_TRUE(
      keep.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string head = keep.readResponse(/*headOnly=*/true);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos)
      << head;
  const std::string notFound = keep.readResponse();
  EXPECT_EQ(notFound.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << notFound;

  // HTTP/1.1 asking to close: said so, then closed.
  ASSERT_TRUE(keep.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const std::string closing = keep.readResponse();
  EXPECT_NE(closing.find("\r\nConnection: close\r\n"), std::string::npos) << closing;
  EXPECT_TRUE(keep.readToEnd().empty()) << "nothing after the last response";
  EXPECT_TRUE(keep.closedByServer());

  // HTTP/1.0 closes unless kept alive, and is answered in HTTP/1.0.
  RawSocket old(server.port(), std::chrono::seconds(5));
  ASSERT_TRUE(old.send("GET /healthz HTTP/1.0\r\n\r\n"));
  const std::string once = old.readResponse();
  EXPECT_EQ(once.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << once;
  EXPECT_EQ(once.find("\r\nConnection:"), std::string::npos) << once;
  EXPECT_TRUE(old.closedByServer());
  RawSocket alive(server.port(), std::chrono::seconds(5));
  ASSERT_TRUE(alive.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_NE(alive.readResponse().find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  ASSERT_TRUE(alive.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_EQ(alive.readResponse().rfind("HTTP/1.0 200 OK\r\n", 0), 0u);

  // A CORS preflight is a 204: no body, so no Content-Length either.
  RawSocket preflight(server.port(), std::chrono::seconds(5));
  ASSERT_TRUE(preflight.send(
      "OPTIONS /api/v1/customers HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n"
      "Access-Control-Request-Method: POST\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string noContent = preflight.readResponse(/*headOnly=*/true);
  EXPECT_EQ(noContent.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u) << noContent;
  EXPECT_EQ(noContent.find("Content-Length"), std::string::npos) << noContent;
  EXPECT_NE(noContent.find("\r\nAccess-Control-Allow-Origin: https://app.example\r\n"),
            std::string::npos)
      << noContent;
  EXPECT_EQ(preflight.readResponse().rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
}

TEST(Server, RequestIdIsEchoedWhenValidAndGeneratedOtherwise) {
  TestServer server;
  HttpClient c = server.client();
  auto echoed = c.request("GET", "/healthz", "", {{"X-Request-Id", "trace-42.a:b_c"}});
  EXPECT_EQ(echoed.header("x-request-id"), "trace-42.a:b_c");
  auto replaced = c.request("GET", "/healthz", "", {{"X-Request-Id", "has spaces & <tags>"}});
  EXPECT_TRUE(std::regex_match(replaced.header("x-request-id"), std::regex("[0-9a-f]{16}")))
      << replaced.header("x-request-id");
  auto a = c.get("/nope");
  auto b = c.get("/nope");
  EXPECT_EQ(a.status, 404);
  EXPECT_NE(a.header("x-request-id"), b.header("x-request-id"));
}

TEST(Server, JsonBodyOverOneMebibyteIs413) {
  TestServer server;
  HttpClient c = server.client();
  std::string big =
      R"({"name":"x","email":"big@x.io","city":")" + std::string(1 << 20, 'a') + "\"}";
  auto res = c.send("POST", "/api/v1/customers", big);
  EXPECT_EQ(res.status, 413);
  EXPECT_FALSE(res.json().at("ok").as_bool());
  EXPECT_NE(std::string(res.json().at("message").as_string()).find("1048576"), std::string::npos);

  // Chunked bodies have no Content-Length: the limit applies while reading.
  auto chunked =
      c.request("POST", "/api/v1/customers", big,
                {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}});
  EXPECT_EQ(chunked.status, 413);

  // Nothing was created, and the server still answers.
  HttpClient fresh = server.client();
  EXPECT_EQ(fresh.get("/api/v1/customers").json().at("meta").at("total").as_int64(), 0);
}

TEST(Server, OversizedHeadersAre431) {
  TestServer server;
  HttpClient c = server.client();
  auto res = c.request("GET", "/healthz", "", {{"X-Padding", std::string(20000, 'p')}});
  EXPECT_EQ(res.status, 431);
  EXPECT_EQ(res.json().at("ok").as_bool(), false);
}

TEST(Server, MalformedRequestLineIs400) {
  TestServer server;
  HttpClient c = server.client();
  auto res = c.request("GET", "/api/v1/customers?page=%zz");
  // A bad escape in the query is kept literally; the page value is then invalid.
  EXPECT_EQ(res.status, 400);
}

TEST(Server, MetricsCountRequestsByRouteTemplateAndStatus) {
  TestServer server;
  HttpClient c = server.client();
  for (int i = 0; i < 3; ++i)
    c.get("/api/v1/customers/000000000000000000000000");
  c.get("/no/such/path");
  auto res = c.get("/metrics");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-type").rfind("text/plain", 0), 0u);
  EXPECT_NE(
      res.body.find(
          R"(minicrm_http_requests_total{method="GET",route="/api/v1/customers/:id",status="404"} 3)"),
      std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find(R"(route="unmatched",status="404"} 1)"), std::string::npos);
  EXPECT_NE(
      res.body.find(
          R"(minicrm_http_request_duration_seconds_bucket{method="GET",route="/api/v1/customers/:id",status="404",le="+Inf"} 3)"),
      std::string::npos);
  EXPECT_NE(res.body.find("minicrm_store_write_queue_depth"), std::string::npos);
  // The customer index of an empty database loads at once.
  bool loaded = false;
  for (int i = 0; i < 200 && !loaded; ++i) {
    loaded =
        c.get("/metrics").body.find("\nminicrm_customer_index_loaded 1\n") != std::string::npos;
    if (!loaded) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(loaded);
}

TEST(Server, OpenApiDocumentListsExactlyTheRouterRoutes) {
  TestServer server;
  HttpClient c = server.client();
  auto res = c.get("/api/v1/openapi.json");
  ASSERT_EQ(res.status, 200);
  const auto doc = res.json();
  EXPECT_EQ(doc.at("openapi").as_string().subview().substr(0, 3), "3.1");
  std::set<std::string> spec;
  for (const auto& [route, op] : openApiOperations(doc.as_object()))
    spec.insert(route);
  std::set<std::string> routes;
  for (const auto& [method, pattern] : server.app().routeTable())
    routes.insert(method + " " + pattern);
  for (const auto& r : routes)
    EXPECT_TRUE(spec.count(r)) << "route missing from docs/openapi.yaml: " << r;
  for (const auto& s : spec)
    EXPECT_TRUE(routes.count(s)) << "documented route that does not exist: " << s;
}

TEST(Server, ConcurrentOrderWritesKeepAggregatesExact) {
  TestServer server;
  std::vector<std::string> customers;
  {
    HttpClient c = server.client();
    for (int i = 0; i < 6; ++i)
      customers.push_back(createCustomer(c, "agg" + std::to_string(i) + "@x.io"));
  }
  constexpr int kThreads = 8, kOrdersPerThread = 60;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c = server.client();
      std::mt19937 rng(static_cast<unsigned>(t));
      std::vector<std::string> mine;
      for (int i = 0; i < kOrdersPerThread; ++i) {
        const auto& customer = customers[rng() % customers.size()];
        const int price = 1 + static_cast<int>(rng() % 100000);
        const char* status = rng() % 5 == 0 ? "cancelled" : "completed";
        std::ostringstream body;
        body << R"({"customer":")" << customer << R"(","items":[{"name":"x","quantity":)"
             << 1 + rng() % 3 << R"(,"price":)" << price / 100 << "."
             << (price % 100 < 10 ? "0" : "") << price % 100 << R"(}],"status":")" << status
             << R"(","orderDate":"2025-0)" << 1 + rng() % 9 << R"(-1)" << rng() % 10
             << R"(T10:00:00Z"})";
        auto res = c.send("POST", "/api/v1/orders", body.str());
        if (res.status != 201) {
          ++failures;
          continue;
        }
        mine.push_back(std::string(res.json().at("data").at("_id").as_string()));
        // Interleave updates that move orders between customers and deletes.
        if (i % 7 == 3) {
          const auto& other = customers[rng() % customers.size()];
          auto moved = c.send("PATCH", "/api/v1/orders/" + mine[rng() % mine.size()],
                              R"({"customer":")" + other + R"(","status":"completed"})");
          if (moved.status != 200) ++failures;
        }
        if (i % 11 == 5) {
          const std::string victim = mine.back();
          mine.pop_back();
          if (c.request("DELETE", "/api/v1/orders/" + victim).status != 200) ++failures;
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failures, 0);

  // Recompute every customer's aggregates from the orders themselves.
  HttpClient c = server.client();
  for (const auto& id : customers) {
    double spend = 0;
    std::int64_t visits = 0;
    std::string lastDate;
    for (int page = 1;; ++page) {
      auto res = c.get("/api/v1/orders?limit=100&customer=" + id + "&page=" + std::to_string(page));
      ASSERT_EQ(res.status, 200);
      const auto body = res.json();
      for (const auto& o : body.at("data").as_array()) {
        if (o.at("status").as_string() != "completed") continue;
        spend += o.at("amount").to_number<double>();
        ++visits;
        lastDate = std::max(lastDate, std::string(o.at("orderDate").as_string()));
      }
      if (page >= body.at("meta").at("pages").as_int64()) break;
    }
    const auto customer = c.get("/api/v1/customers/" + id).json().at("data");
    EXPECT_NEAR(customer.at("totalSpend").to_number<double>(), spend, 0.001) << id;
    EXPECT_EQ(customer.at("visits").as_int64(), visits) << id;
    if (!lastDate.empty()) {
      EXPECT_EQ(customer.at("lastActive").as_string(), lastDate) << id;
    }
  }
}

TEST(Server, StopAnswersInFlightRequestsAndLosesNothingAcknowledged) {
  TestServer server;
  std::string customer;
  {
    HttpClient c = server.client();
    customer = createCustomer(c, "drain@x.io");
  }
  std::atomic<bool> go{true};
  std::atomic<int> acknowledged{0}, refused{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      HttpClient c = server.client();
      const std::string body =
          R"({"customer":")" + customer + R"(","items":[{"name":"x","quantity":1,"price":1}]})";
      while (go) {
        auto res = c.send("POST", "/api/v1/orders", body);
        if (res.status == 201) {
          ++acknowledged;
        } else if (!res.error.empty()) {
          ++refused;  // connection closed while idle, or refused after the stop
        } else {
          ++wrong;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server.app().stop();
  server.app().wait();
  go = false;
  for (auto& t : threads)
    t.join();
  EXPECT_GT(acknowledged, 0);
  EXPECT_EQ(wrong, 0);
  OrderQuery q;
  auto page = server.app().store().listOrders(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, acknowledged.load()) << "refused: " << refused;
}

// --- the binary ---------------------------------------------------------------

TEST(Binary, SigtermDrainsAndExitsZero) {
  TempDir dir("minicrm-bin");
  const int port = freePort();
  Process p({MINICRM_BINARY, "serve"}, {{"PORT", std::to_string(port)},
                                        {"DATABASE_URL", "sqlite:" + dir.newFile("b.db")},
                                        {"MONGO_URI", ""}});
  ASSERT_TRUE(waitHealthy(port));
  HttpClient c("http://127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(c.send("POST", "/api/v1/customers", customerJson("sig@x.io")).status, 201);
  p.signal(SIGTERM);
  ProcessResult r = p.wait();
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find(R"("msg":"request")"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(R"("msg":"stopped")"), std::string::npos) << r.output;
}

TEST(Binary, DotEnvIsReadButNeverOverridesTheEnvironment) {
  TempDir dir("minicrm-dotenv");
  const int envPort = freePort();
  {
    std::ofstream env(dir.path() / ".env");
    env << "# settings for this test\nexport PORT=1\nDATABASE_URL=\"sqlite:" << dir.newFile("e.db")
        << "\"\n";
  }
  Process p({MINICRM_BINARY, "serve"}, {{"PORT", std::to_string(envPort)}, {"DATABASE_URL", ""}},
            dir.path().string());
  ASSERT_TRUE(waitHealthy(envPort));  // PORT from the environment won over .env
  p.signal(SIGINT);
  ProcessResult r = p.wait();
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.output.find("e.db"), std::string::npos)
      << "DATABASE_URL came from .env: " << r.output;
}

TEST(Binary, MongoUriWithoutDatabaseUrlRefusesToStart) {
  ProcessResult r = runProcess({MINICRM_BINARY, "serve"},
                               {{"MONGO_URI", "mongodb://localhost/crm"}, {"DATABASE_URL", ""}});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("DATABASE_URL"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("MongoDB"), std::string::npos) << r.output;
}

TEST(Binary, InvalidSettingsAreNamed) {
  ProcessResult r = runProcess({MINICRM_BINARY, "serve", "--port", "99999"}, {});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("PORT"), std::string::npos) << r.output;
}

TEST(Binary, HelpListsEverySetting) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{MINICRM_BINARY, "--help"},
        std::vector<std::string>{MINICRM_BINARY, "serve", "--help"}}) {
    ProcessResult r = runProcess(args);
    EXPECT_EQ(r.exitCode, 0);
    for (const auto& spec : cli::settingSpecs()) {
      EXPECT_NE(r.output.find(spec.env), std::string::npos)
          << spec.env << " missing from " << args.back();
      EXPECT_NE(r.output.find(spec.flag), std::string::npos) << spec.flag;
    }
  }
}

TEST(Binary, MigrateAppliesOnceAndReportsIt) {
  TempDir dir("minicrm-migrate-bin");
  const std::string url = "sqlite:" + dir.newFile("m.db");
  ProcessResult first = runProcess({MINICRM_BINARY, "migrate", "--database-url", url});
  EXPECT_EQ(first.exitCode, 0) << first.output;
  const std::string all = std::to_string(sqlite::migrations().size()) + " migration(s) applied";
  EXPECT_NE(first.output.find(all), std::string::npos) << first.output;
  ProcessResult second = runProcess({MINICRM_BINARY, "migrate", "--database-url", url});
  EXPECT_NE(second.output.find("0 migration(s) applied"), std::string::npos) << second.output;
}

}  // namespace
}  // namespace minicrm::testing
