#include "core/text.h"

#include <gtest/gtest.h>

namespace minicrm {
namespace {

TEST(Text, Utf8Validation) {
  EXPECT_TRUE(validUtf8("plain"));
  EXPECT_TRUE(validUtf8("\xE2\x82\xB9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(validUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(validUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(validUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(validUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(validUtf8("\xFF"));
}

TEST(Text, ControlCharsAndCase) {
  EXPECT_TRUE(hasControlChars("a\nb"));
  EXPECT_FALSE(hasControlChars("a\tb"));
  EXPECT_EQ(asciiLower("AbC\xC3\x89"), "abc\xC3\x89");
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_FALSE(iequals("a", "ab"));
}

}  // namespace
}  // namespace minicrm
