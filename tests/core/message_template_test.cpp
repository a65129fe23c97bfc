#include "core/message_template.h"

#include <gtest/gtest.h>

namespace minicrm {
namespace {

const Recipient kAsha{"Asha Rao", "asha@example.com", "Pune"};
const Recipient kNoCity{"Ravi", "ravi@example.com", std::nullopt};

std::string render(std::string_view text, const Recipient& r) {
  auto t = MessageTemplate::parse(text);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return t.ok() ? t->render(r) : "";
}

TEST(MessageTemplate, FillsPlaceholders) {
  EXPECT_EQ(render("Hello {{firstName}} from {{city}} ({{email}}), aka {{name}}!", kAsha),
            "Hello Asha from Pune (asha@example.com), aka Asha Rao!");
  EXPECT_EQ(render("{{ firstName }}", kAsha), "Asha");
}

TEST(MessageTemplate, FallbacksApplyToEmptyValues) {
  EXPECT_EQ(render("Deals in {{city|your city}}", kNoCity), "Deals in your city");
  EXPECT_EQ(render("Deals in {{city|your city}}", kAsha), "Deals in Pune");
  EXPECT_EQ(render("Deals in {{city}}!", kNoCity), "Deals in !");
  EXPECT_EQ(render("Hi {{firstName|there}}", Recipient{"  ", "x@y.io", std::nullopt}), "Hi there");
}

TEST(MessageTemplate, PlainMessagesGetTheOldGreeting) {
  EXPECT_EQ(render("20% off this weekend", kAsha), "Hi Asha, 20% off this weekend");
  EXPECT_EQ(render("Welcome back", kNoCity), "Hi Ravi, Welcome back");
}

TEST(MessageTemplate, UnknownPlaceholdersAreNamed) {
  auto t = MessageTemplate::parse("Hi {{first_name}}, your {{coupon}} expires", "message");
  ASSERT_FALSE(t.ok());
  ASSERT_EQ(t.error().fields.size(), 1u);
  EXPECT_EQ(t.error().fields[0].path, "message");
  EXPECT_NE(t.error().fields[0].message.find("{{first_name}}, {{coupon}}"), std::string::npos)
      << t.error().fields[0].message;
}

TEST(MessageTemplate, RejectsEmptyUnclosedAndOverlong) {
  EXPECT_FALSE(MessageTemplate::parse("   ").ok());
  auto unclosed = MessageTemplate::parse("Hi {{firstName");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_NE(unclosed.error().fields[0].message.find("unclosed"), std::string::npos);
  EXPECT_FALSE(MessageTemplate::parse(std::string(MessageTemplate::kMaxLength + 1, 'x')).ok());
  EXPECT_TRUE(MessageTemplate::parse(std::string(MessageTemplate::kMaxLength, 'x')).ok());
}

TEST(MessageTemplate, FirstName) {
  EXPECT_EQ(MessageTemplate::firstName("Asha Rao"), "Asha");
  EXPECT_EQ(MessageTemplate::firstName("  Madhu\tK "), "Madhu");
  EXPECT_EQ(MessageTemplate::firstName("Cher"), "Cher");
}

}  // namespace
}  // namespace minicrm
