#include "seed/calendar.h"

#include <gtest/gtest.h>

namespace shoplytics::seed {
namespace {

TEST(Calendar, ConvertsCivilDatesBothWays) {
  struct Case {
    CivilDate date;
    int64_t days;
    int weekday;  // 0 = Monday
  };
  const Case cases[] = {
      {{1970, 1, 1}, 0, 3},        {{2000, 2, 29}, 11016, 1}, {{2024, 11, 29}, 20056, 4},
      {{2025, 1, 1}, 20089, 2},    {{1969, 12, 31}, -1, 2},   {{2100, 3, 1}, 47541, 0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DaysFromCivil(c.date), c.days) << c.days;
    const CivilDate back = CivilFromDays(c.days);
    EXPECT_EQ(back.year, c.date.year);
    EXPECT_EQ(back.month, c.date.month);
    EXPECT_EQ(back.day, c.date.day);
    EXPECT_EQ(Weekday(c.days), c.weekday) << c.days;
  }
}

TEST(Calendar, ParsesOnlyRealDates) {
  struct Case {
    const char* text;
    bool ok;
  };
  const Case cases[] = {{"2025-01-31", true},  {"2024-02-29", true},  {"2025-02-29", false},
                        {"2025-13-01", false}, {"2025-1-01", false},  {"20250101", false},
                        {"2025-01-3x", false}, {"", false},           {"2025-04-31", false}};
  for (const Case& c : cases) {
    int64_t days = -12345;
    EXPECT_EQ(ParseDate(c.text, &days), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(FormatDate(days), c.text);
    }
  }
}

TEST(Calendar, FormatsTimestampsInUtc) {
  std::string iso, pg;
  AppendIsoTimestamp(iso, 1732886645);  // 2024-11-29 13:24:05 UTC
  AppendPgTimestamp(pg, 0);
  EXPECT_EQ(iso, "2024-11-29T13:24:05Z");
  EXPECT_EQ(pg, "1970-01-01 00:00:00+00");
}

TEST(Calendar, FindsBlackFridayAndItsPeak) {
  int64_t bf2024 = 0, bf2025 = 0, ordinary = 0;
  ASSERT_TRUE(ParseDate("2024-11-29", &bf2024));
  ASSERT_TRUE(ParseDate("2025-11-28", &bf2025));
  ASSERT_TRUE(ParseDate("2025-11-21", &ordinary));
  EXPECT_TRUE(IsBlackFriday(bf2024));
  EXPECT_TRUE(IsBlackFriday(bf2025));
  EXPECT_FALSE(IsBlackFriday(ordinary));
  EXPECT_GT(SeasonalFactor(bf2025), 2 * SeasonalFactor(ordinary));
  EXPECT_GT(SeasonalFactor(bf2025 + 3), SeasonalFactor(ordinary + 3));  // Cyber Monday
}

}  // namespace
}  // namespace shoplytics::seed
