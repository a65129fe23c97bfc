#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace minicrm {
namespace {

TEST(JsonWriter, NestsWithCommas) {
  JsonWriter w;
  w.beginObject();
  w.key("a").integer(1);
  w.key("b").beginArray().string("x").null().boolean(true).beginObject().endObject().endArray();
  w.key("c").money(1050);
  w.key("d").optString(std::nullopt);
  w.endObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",null,true,{}],"c":10.5,"d":null})");
}

TEST(JsonWriter, EscapesStringsSoTheyParseBack) {
  const std::string tricky = "quote\" back\\slash \n\r\t\b\f ctrl\x01 unicode \xE2\x82\xB9";
  JsonWriter w;
  w.beginObject().key("s").string(tricky).endObject();
  auto v = boost::json::parse(w.str());
  EXPECT_EQ(v.at("s").as_string(), tricky);
}

TEST(JsonWriter, NumbersAndTimes) {
  JsonWriter w;
  w.beginArray().number(0.1).number(1e21).number(-2.5).time(0).id(Id{}).endArray();
  EXPECT_EQ(w.str(), R"([0.1,1e+21,-2.5,"1970-01-01T00:00:00.000Z","000000000000000000000000"])");
}

}  // namespace
}  // namespace minicrm
