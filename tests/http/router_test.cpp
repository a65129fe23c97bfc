#include "http/router.h"

#include <gtest/gtest.h>

namespace minicrm::http {
namespace {

Router table() {
  Router r;
  auto noop = [](Request&, Reply) {};
  r.add(Method::GET, "/api/v1/orders", noop);
  r.add(Method::POST, "/api/v1/orders", noop);
  r.add(Method::POST, "/api/v1/orders/bulk", noop);
  r.add(Method::GET, "/api/v1/orders/:id", noop);
  r.add(Method::PATCH, "/api/v1/orders/:id", noop);
  r.add(Method::GET, "/api/v1/orders/by-customer/:customerId", noop);
  r.add(Method::GET, "/api/v1/orders/analytics/revenue", noop);
  return r;
}

TEST(Router, MatchesParametersAndStaticSegments) {
  Router r = table();
  Match m = r.match(Method::GET, "/api/v1/orders/abc");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.route->pattern, "/api/v1/orders/:id");
  EXPECT_EQ(m.params, (std::vector<std::pair<std::string, std::string>>{{"id", "abc"}}));
  m = r.match(Method::GET, "/api/v1/orders/by-customer/c1");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.params[0].first, "customerId");
  m = r.match(Method::GET, "/api/v1/orders/analytics/revenue");
  ASSERT_TRUE(m.route);
  EXPECT_TRUE(m.params.empty());
}

TEST(Router, StaticPathBeatsParameterBeforeTheMethodIsChecked) {
  Router r = table();
  Match m = r.match(Method::GET, "/api/v1/orders/bulk");
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.allowed, std::vector<Method>{Method::POST});
}

TEST(Router, UnknownPathAndWrongMethod) {
  Router r = table();
  Match m = r.match(Method::GET, "/api/v1/nothing");
  EXPECT_FALSE(m.route);
  EXPECT_TRUE(m.allowed.empty());
  m = r.match(Method::DELETE, "/api/v1/orders");
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::GET, Method::POST}));
  EXPECT_TRUE(r.match(Method::HEAD, "/api/v1/orders").route);
}

TEST(Router, RefusesDuplicateRoutes) {
  Router r = table();
  EXPECT_THROW(r.add(Method::GET, "/api/v1/orders", [](Request&, Reply) {}), std::logic_error);
}

}  // namespace
}  // namespace minicrm::http
