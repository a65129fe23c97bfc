// Authentication and authorisation as the pipeline applies them, on a test router: who the
// principal is for each kind of credential, 401 versus 403, the access levels, and the
// headers and bodies every answer carries. No network: requests go to Pipeline::handle.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <future>

#include "auth/authenticator.h"
#include "core/json_writer.h"
#include "http/envelope.h"
#include "http/pipeline.h"
#include "store/sqlite/sqlite_store.h"
#include "support/jwt_fixtures.h"
#include "support/temp_dir.h"

namespace minicrm::testing {
namespace {

constexpr Millis kNowMs = 1'750'000'000'000;
constexpr long kNow = kNowMs / 1000;

void echoPrincipal(http::Request& req, http::Reply reply) {
  JsonWriter w;
  w.beginObject().key("subject").string(req.principal.subject);
  w.key("email").optString(req.principal.email);
  w.key("admin").boolean(req.principal.admin).endObject();
  reply(http::dataResponse(w.str()));
}

class AuthPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add(http::Method::GET, "/api/v1/whoami", echoPrincipal);
    router_.add(http::Method::POST, "/api/v1/admin-only", echoPrincipal).adminOnly = true;
    router_.add(http::Method::GET, "/open", echoPrincipal).access = http::Access::open;
    router_.add(http::Method::POST, "/hook", echoPrincipal).access = http::Access::signature;
    router_.add(http::Method::GET, "/metrics", echoPrincipal).access = http::Access::metrics;
    router_
        .add(
            http::Method::GET, "/page",
            [](http::Request&, http::Reply reply) {
              reply(http::rawResponse(200, "<!doctype html><p>hi</p>", "text/html; charset=utf-8"));
            })
        .access = http::Access::open;
    router_.add(http::Method::GET, "/api/v1/boom", [](http::Request&, http::Reply) {
      throw std::runtime_error("SELECT key_hash FROM api_keys WHERE ... at frame #3");
    });

    sqlite::SqliteOptions so;
    so.path = dir_.newFile("auth.db");
    so.customerIndex = false;
    so.synchronous = "NORMAL";
    store_ = std::move(sqlite::SqliteStore::open(so, clock_)).value();
    ids_ = std::make_unique<IdGenerator>(clock_);
    member_ = auth::createApiKey(*store_, clock_, *ids_, "ci", "member", std::nullopt)->key;
    admin_ = auth::createApiKey(*store_, clock_, *ids_, "ops", "admin", std::nullopt)->key;
    keys_ = std::make_shared<auth::ApiKeyCache>(*store_, clock_);
    auto pem = auth::keysFromPem(rsaKey().publicPem());
    auth::VerifierOptions vo;
    vo.adminSubjects = {"user_boss"};
    auto verifier = std::make_shared<auth::JwtVerifier>(
        std::vector<auth::Provider>{
            {"clerk", {}, std::nullopt, {"http://localhost:5173"}, std::move(pem).value()}},
        vo);
    http::PipelineOptions po;
    po.accessLog = false;
    po.workerThreads = 1;
    po.authenticator = std::make_shared<auth::Authenticator>(verifier, keys_, clock_);
    po.metricsToken = "m3trics";
    pipeline_ = std::make_unique<http::Pipeline>(router_, po);
    http::PipelineOptions open;
    open.accessLog = false;
    open.workerThreads = 1;
    openPipeline_ = std::make_unique<http::Pipeline>(router_, open);
  }

  http::Response call(http::Pipeline& p, http::Method method, const std::string& path,
                      const std::string& authorization = "") {
    http::Request req;
    req.method = method;
    req.methodText = std::string(http::toString(method));
    req.target = req.path = path;
    req.remoteAddress = "127.0.0.1";
    if (!authorization.empty()) req.headers.emplace_back("authorization", authorization);
    std::promise<http::Response> answer;
    auto future = answer.get_future();
    p.handle(req, http::Reply([&answer](http::Response r) { answer.set_value(std::move(r)); }));
    return future.get();
  }
  http::Response call(http::Method method, const std::string& path,
                      const std::string& authorization = "") {
    return call(*pipeline_, method, path, authorization);
  }
  static boost::json::value data(const http::Response& r) {
    return boost::json::parse(r.body).at("data");
  }
  static std::string header(const http::Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }
  std::string jwt(boost::json::object claims) { return "Bearer " + rsaKey().sign(claims, "RS256"); }

  TempDir dir_{"minicrm-authpipe"};
  ManualClock clock_{kNowMs};
  std::unique_ptr<sqlite::SqliteStore> store_;
  std::unique_ptr<IdGenerator> ids_;
  std::string member_, admin_;
  std::shared_ptr<auth::ApiKeyCache> keys_;
  http::Router router_;
  std::unique_ptr<http::Pipeline> pipeline_;
  std::unique_ptr<http::Pipeline> openPipeline_;
};

TEST_F(AuthPipeline, MissingOrInvalidCredentialsAre401WithAChallenge) {
  auto none = call(http::Method::GET, "/api/v1/whoami");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(header(none, "WWW-Authenticate"), R"(Bearer realm="minicrm")");
  EXPECT_NE(none.body.find("Authentication required"), std::string::npos);
  auto bad = call(http::Method::GET, "/api/v1/whoami", "Bearer not.a.token");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(header(bad, "WWW-Authenticate"), R"(Bearer realm="minicrm", error="invalid_token")");
  auto basic = call(http::Method::GET, "/api/v1/whoami", "Basic dXNlcjpwYXNz");
  EXPECT_EQ(basic.status, 401);
  auto unknownKey = call(http::Method::GET, "/api/v1/whoami", "Bearer mck_" + std::string(43, 'A'));
  EXPECT_EQ(unknownKey.status, 401);
  EXPECT_EQ(call(http::Method::POST, "/api/v1/admin-only").status, 401)
      << "no credentials on an admin route is still 401, not 403";
}

TEST_F(AuthPipeline, JwtCallerBecomesThePrincipal) {
  auto claims = googleClaims(kNow, "aud", "asha@example.com");
  claims["iss"] = "https://clerk.minicrm.test";
  claims.erase("azp");
  auto res = call(http::Method::GET, "/api/v1/whoami", jwt(claims));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(data(res).at("subject").as_string(), "110169484474386276334");
  EXPECT_EQ(data(res).at("email").as_string(), "asha@example.com");
  EXPECT_FALSE(data(res).at("admin").as_bool());
}

TEST_F(AuthPipeline, ValidCredentialsWithoutTheRightAre403) {
  auto member = call(http::Method::POST, "/api/v1/admin-only", jwt(clerkClaims(kNow)));
  EXPECT_EQ(member.status, 403);
  EXPECT_EQ(boost::json::parse(member.body).at("ok").as_bool(), false);
  EXPECT_EQ(call(http::Method::POST, "/api/v1/admin-only", "Bearer " + member_).status, 403);

  auto boss = call(http::Method::POST, "/api/v1/admin-only", jwt(clerkClaims(kNow, "user_boss")));
  EXPECT_EQ(boss.status, 200);
  EXPECT_TRUE(data(boss).at("admin").as_bool());
  auto roleAdmin = clerkClaims(kNow);
  roleAdmin["role"] = "admin";
  EXPECT_EQ(call(http::Method::POST, "/api/v1/admin-only", jwt(roleAdmin)).status, 200);
  EXPECT_EQ(call(http::Method::POST, "/api/v1/admin-only", "Bearer " + admin_).status, 200);
}

TEST_F(AuthPipeline, ApiKeyCallerIsKeyColonName) {
  auto res = call(http::Method::GET, "/api/v1/whoami", "Bearer " + member_);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(data(res).at("subject").as_string(), "key:ci");
  EXPECT_FALSE(data(res).at("admin").as_bool());
  EXPECT_EQ(
      data(call(http::Method::GET, "/api/v1/whoami", "bearer " + admin_)).at("subject").as_string(),
      "key:ops");
}

TEST_F(AuthPipeline, OpenAndSignedRoutesNeedNoCredentialsAndGrantNothing) {
  auto open = call(http::Method::GET, "/open");
  ASSERT_EQ(open.status, 200);
  EXPECT_EQ(data(open).at("subject").as_string(), "anonymous");
  EXPECT_FALSE(data(open).at("admin").as_bool());
  auto hook = call(http::Method::POST, "/hook");
  ASSERT_EQ(hook.status, 200) << "the handler checks X-Signature itself";
  EXPECT_FALSE(data(hook).at("admin").as_bool());
}

TEST_F(AuthPipeline, MetricsNeedTheMetricsTokenWhenSet) {
  EXPECT_EQ(call(http::Method::GET, "/metrics").status, 401);
  EXPECT_EQ(call(http::Method::GET, "/metrics", "Bearer wrong").status, 401);
  EXPECT_EQ(call(http::Method::GET, "/metrics", "Bearer " + member_).status, 401)
      << "an API key is not the metrics token";
  EXPECT_EQ(call(http::Method::GET, "/metrics", "Bearer m3trics").status, 200);
}

TEST_F(AuthPipeline, OpenLocalModeCallerIsTheAdminLocal) {
  auto res = call(*openPipeline_, http::Method::POST, "/api/v1/admin-only");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(data(res).at("subject").as_string(), "local");
  EXPECT_TRUE(data(res).at("admin").as_bool());
  EXPECT_EQ(call(*openPipeline_, http::Method::GET, "/metrics").status, 200);
}

TEST_F(AuthPipeline, SecurityHeadersOnEveryAnswer) {
  auto json = call(http::Method::GET, "/api/v1/whoami");
  EXPECT_EQ(header(json, "Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'");
  EXPECT_EQ(header(json, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(json, "Cache-Control"), "no-store");
  auto html = call(http::Method::GET, "/page");
  const std::string csp = header(html, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("object-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(header(html, "X-Frame-Options"), "DENY");
}

TEST_F(AuthPipeline, ErrorsNeverShowInternals) {
  auto res = call(http::Method::GET, "/api/v1/boom", "Bearer " + member_);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body, R"({"ok":false,"message":"Internal server error","errors":[]})");
}

}  // namespace
}  // namespace minicrm::testing
