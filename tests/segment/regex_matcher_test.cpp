// RegexMatcher: the direct path for literal patterns gives RE2's answer on every text, and
// only literal patterns take it.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>
#include <string>
#include <vector>

#include "core/segment/segment.h"

namespace minicrm::segment {
namespace {

TEST(RegexMatcher, OnlyPlainLiteralsTakeTheDirectPath) {
  for (const char* p :
       {"@gmail\\.com$", "^asha", "vip", "^exact$", "", "^", "$", "a\\+b", "a\\$", "50\\%"}) {
    EXPECT_TRUE(RegexMatcher(p, "").literal()) << p;
    EXPECT_TRUE(RegexMatcher(p, "i").literal()) << p;
  }
  for (const char* p :
       {"a.b", "a|b", "[ab]", "a*", "(ab)", "\\d", "\\bword", "a{2}", "é", "\\Qx\\E", "\\x41"}) {
    EXPECT_FALSE(RegexMatcher(p, "").literal()) << p;
  }
  EXPECT_FALSE(RegexMatcher("^a", "m").literal()) << "anchors at every line";
  EXPECT_TRUE(RegexMatcher("a", "m").literal());
}

// Patterns and texts built from a small alphabet, so that hits, misses, case differences
// and non-ASCII texts (which RE2 decides, folding beyond ASCII) all occur often.
TEST(RegexMatcher, AgreesWithRe2OnRandomPatternsAndTexts) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const std::vector<std::string> atoms = {"a",       "A", "k", "K",
                                          "s",       "@", ".", "\\.",
                                          "\\$",     "$", "b", "\xE2\x84\xAA" /* KELVIN SIGN */,
                                          "\xC5\xBF"};
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n)(rng); };
  const std::vector<std::string> options = {"", "i", "m", "s", "im", "is"};
  int literal = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string pattern = pick(3) == 0 ? "^" : "";
    for (std::size_t n = pick(3); n > 0; --n) {
      const std::string& a = atoms[pick(atoms.size() - 1)];
      if (a == "$" || a == ".") continue;  // only at the end, below, or escaped
      pattern += a;
    }
    if (pick(2) == 0) pattern += "$";
    const std::string& opts = options[pick(options.size() - 1)];
    const RegexMatcher m(pattern, opts);
    auto re = compileRegex(pattern, opts);
    if (!re->ok()) continue;
    literal += m.literal();
    for (int t = 0; t < 20; ++t) {
      std::string text;
      for (std::size_t n = pick(5); n > 0; --n) {
        const std::string& a = atoms[pick(atoms.size() - 1)];
        text += a == "\\." ? "." : a == "\\$" ? "$" : a;
      }
      EXPECT_EQ(m.matches(text), RE2::PartialMatch(text, *re))
          << "pattern " << pattern << " options " << opts << " text " << text;
    }
  }
  EXPECT_GT(literal, 1000) << "the direct path must be exercised";
}

}  // namespace
}  // namespace minicrm::segment
