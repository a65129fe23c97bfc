#include "core/time.h"

#include <gtest/gtest.h>

namespace minicrm {
namespace {

Millis at(std::string_view s) {
  auto t = parseIsoTime(s);
  EXPECT_TRUE(t) << s;
  return t ? t->millis : 0;
}

TEST(Time, DateOnlyIsUtcMidnight) {
  auto t = parseIsoTime("2025-01-31");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->dateOnly);
  EXPECT_EQ(formatIso(t->millis), "2025-01-31T00:00:00.000Z");
}

TEST(Time, ValueWithoutZoneIsUtc) {
  EXPECT_EQ(formatIso(at("2025-08-21T10:30")), "2025-08-21T10:30:00.000Z");
  EXPECT_FALSE(parseIsoTime("2025-08-21T10:30")->dateOnly);
}

TEST(Time, OffsetsAndFractions) {
  EXPECT_EQ(at("2025-08-21T10:30:00+05:30"), at("2025-08-21T05:00:00Z"));
  EXPECT_EQ(at("2025-08-21T10:30:00+0530"), at("2025-08-21T05:00:00Z"));
  EXPECT_EQ(at("2025-08-21T10:30:00-02"), at("2025-08-21T12:30:00Z"));
  EXPECT_EQ(formatIso(at("2025-08-21T10:30:00.5Z")), "2025-08-21T10:30:00.500Z");
  EXPECT_EQ(formatIso(at("2025-08-21T10:30:00.123456789Z")), "2025-08-21T10:30:00.123Z");
  EXPECT_EQ(at("2025-08-21 10:30:00Z"), at("2025-08-21T10:30:00Z"));
}

TEST(Time, RejectsImpossibleOrMalformed) {
  for (const char* bad : {"", "2025", "2025-1-01", "2025-02-30", "2023-02-29", "2025-13-01",
                          "2025-01-01T24:00", "2025-01-01T10:60", "2025-01-01T10:00:00.Z",
                          "2025-01-01T10:00Zjunk", "2025-01-01X", "yesterday", "0000-01-01"}) {
    EXPECT_FALSE(parseIsoTime(bad)) << bad;
  }
  EXPECT_TRUE(parseIsoTime("2024-02-29"));
}

TEST(Time, RoundTripsAcrossEras) {
  for (Millis t : {Millis{0}, Millis{-1}, Millis{951'782'400'000}, Millis{1'756'000'000'999},
                   Millis{-2'208'988'800'000}, Millis{253'402'300'799'999}}) {
    EXPECT_EQ(at(formatIso(t)), t) << formatIso(t);
  }
}

TEST(Time, DayAndMonthBuckets) {
  const Millis t = at("2025-09-17T23:59:59.999Z");
  EXPECT_EQ(formatDay(t), "2025-09-17");
  EXPECT_EQ(formatMonth(t), "2025-09");
  EXPECT_EQ(startOfDay(t), at("2025-09-17"));
  EXPECT_EQ(endOfDay(at("2025-09-17")), t);
  EXPECT_EQ(startOfMonth(t), at("2025-09-01"));
  EXPECT_EQ(startOfDay(-1), at("1969-12-31"));
}

}  // namespace
}  // namespace minicrm
