#include "common/strings.h"

#include <gtest/gtest.h>

namespace shoplytics {
namespace {

using std::chrono::duration;

TEST(Strings, SplitKeepsEmptyPieces) {
  struct Case {
    std::string_view text;
    std::vector<std::string> expected;
  };
  const Case kCases[] = {
      {"a,b,c", {"a", "b", "c"}}, {"a,,b", {"a", "", "b"}}, {"", {""}}, {",", {"", ""}},
      {"abc", {"abc"}},           {"a,", {"a", ""}},
  };
  for (const Case& c : kCases) EXPECT_EQ(Split(c.text, ','), c.expected) << c.text;
}

TEST(Strings, SplitAndTrimDropsBlankPieces) {
  EXPECT_EQ(SplitAndTrim(" a, ,b ,", ','), (std::vector<std::string>{"a", "b"}));
}

TEST(Strings, TrimRemovesAsciiWhitespaceAtBothEnds) {
  EXPECT_EQ(Trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(Trim("   "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("x"), "x");
}

TEST(Strings, JoinStartsWithEndsWithToLower) {
  EXPECT_EQ(Join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(Join({}, ","), "");
  EXPECT_TRUE(StartsWith("sources.shop", "sources."));
  EXPECT_FALSE(StartsWith("src", "sources"));
  EXPECT_TRUE(EndsWith("orders.parquet", ".parquet"));
  EXPECT_FALSE(EndsWith("a", "abc"));
  EXPECT_EQ(ToLower("API_Key-Ü"), "api_key-Ü");
}

TEST(Strings, HumanCount) {
  struct Case {
    double count;
    std::string_view expected;
  };
  const Case kCases[] = {
      {0, "0"},         {999, "999"},     {1000, "1.0k"},   {1234, "1.2k"},    {12345, "12.3k"},
      {350000, "350k"}, {999499, "999k"}, {999999, "1.0M"}, {1200000, "1.2M"}, {3.4e9, "3.4B"},
      {2.5e12, "2.5T"}, {-1500, "-1.5k"}, {12.5, "12.5"},   {5e15, "5000T"},
  };
  for (const Case& c : kCases) EXPECT_EQ(HumanCount(c.count), c.expected) << c.count;
}

TEST(Strings, HumanBytes) {
  struct Case {
    uint64_t bytes;
    std::string_view expected;
  };
  const Case kCases[] = {
      {0, "0 B"},
      {512, "512 B"},
      {1023, "1023 B"},
      {1024, "1.0 KiB"},
      {1536, "1.5 KiB"},
      {3ull << 20, "3.0 MiB"},
      {5ull << 30, "5.0 GiB"},
      {(1ull << 20) - 1, "1.0 MiB"},
  };
  for (const Case& c : kCases) EXPECT_EQ(HumanBytes(c.bytes), c.expected) << c.bytes;
}

TEST(Strings, HumanDuration) {
  struct Case {
    double seconds;
    std::string_view expected;
  };
  const Case kCases[] = {
      {-1, "0s"},    {0, "0s"},      {0.12, "120ms"}, {3.45, "3.4s"},    {9.99, "9.9s"},
      {42.7, "42s"}, {125, "2m05s"}, {3720, "1h02m"}, {273600, "3d04h"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(HumanDuration(duration<double>(c.seconds)), c.expected) << c.seconds;
  }
}

}  // namespace
}  // namespace shoplytics

namespace shoplytics {
namespace {

TEST(StringsTest, EditDistanceCountsSingleCharacterEdits) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("orders", "orders"), 0u);
  EXPECT_EQ(EditDistance("stg_order", "stg_orders"), 1u);  // insertion
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
}

}  // namespace
}  // namespace shoplytics
