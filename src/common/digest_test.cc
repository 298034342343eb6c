#include "common/digest.h"

#include <gtest/gtest.h>

#include <string>

namespace shoplytics {
namespace {

// Reference values from sha256sum and md5sum; 56 bytes is where padding needs a second
// block, a million bytes crosses many.
TEST(Digest, MatchesSha256sumAndMd5sum) {
  struct Case {
    std::string data;
    std::string sha256;
    std::string md5;
  };
  const Case kCases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "d41d8cd98f00b204e9800998ecf8427e"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
       "900150983cd24fb0d6963f7d28e17f72"},
      {"The quick brown fox jumps over the lazy dog",
       "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
       "9e107d9d372bb6826bd81d3542a419d6"},
      {std::string(56, 'x'), "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e",
       "668a72d5ba17f08e62dabcafad6db14b"},
      {std::string(1000000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
       "7707d6ae4e027c70eea2a935c2296f21"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(Sha256Hex(c.data), c.sha256) << c.data.size() << " bytes";
    EXPECT_EQ(Md5Hex(c.data), c.md5) << c.data.size() << " bytes";
  }
}

}  // namespace
}  // namespace shoplytics
