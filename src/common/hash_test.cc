#include "common/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace shoplytics {
namespace {

// Reference values of XXH64 (xxhsum -H1 and the xxHash test suite).
TEST(Hash64, MatchesReferenceXxh64) {
  struct Case {
    std::string_view data;
    uint64_t seed;
    uint64_t expected;
  };
  const Case kCases[] = {
      {"", 0, 0xEF46DB3751D8E999ULL},
      {"a", 0, 0xD24EC4F1A98C6E5BULL},
      {"abc", 0, 0x44BC2CF5AD770999ULL},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(HashToHex(Hash64(c.data, c.seed)), HashToHex(c.expected)) << "'" << c.data << "'";
  }
}

TEST(Hash64, DiffersForDifferentContentAndSeeds) {
  EXPECT_NE(Hash64("order 1"), Hash64("order 2"));
  EXPECT_NE(Hash64("x", 0), Hash64("x", 1));
}

TEST(Hasher64, StreamingEqualsOneShotForEverySplit) {
  std::string data;
  for (int i = 0; i < 200; ++i) data += static_cast<char>(i * 37 + 11);
  for (size_t length : {0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 65, 100, 200}) {
    const std::string_view piece(data.data(), length);
    const uint64_t expected = Hash64(piece, 42);
    for (size_t split = 0; split <= length; split += 5) {
      Hasher64 hasher(42);
      hasher.Update(piece.substr(0, split)).Update(piece.substr(split));
      EXPECT_EQ(hasher.Digest(), expected) << "length " << length << " split " << split;
    }
    Hasher64 bytewise(42);
    for (char c : piece) bytewise.Update(std::string_view(&c, 1));
    EXPECT_EQ(bytewise.Digest(), expected) << "length " << length;
  }
}

TEST(Hash64, HexIsSixteenZeroPaddedDigits) {
  EXPECT_EQ(HashToHex(0x1f), "000000000000001f");
  EXPECT_EQ(HashToHex(0xEF46DB3751D8E999ULL), "ef46db3751d8e999");
}

}  // namespace
}  // namespace shoplytics
