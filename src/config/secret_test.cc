#include "config/secret.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>

#include "common/status.h"

namespace shoplytics {
namespace {

constexpr std::string_view kValue = "postgres://app:hunter2@db/shop";

TEST(Secret, NeverPrintsItsValue) {
  const Secret secret{std::string(kValue)};
  std::ostringstream stream;
  stream << secret;
  const std::string printed[] = {
      stream.str(),
      fmt::format("{}", secret),
      fmt::format("dsn={:>10}", secret),
      secret.ToString(),
      InvalidArgumentError(fmt::format("cannot connect to {}", secret)).ToString(),
      InvalidArgumentError("x").WithContext(fmt::format("dsn {}", secret)).message(),
  };
  for (const std::string& text : printed) {
    EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
    EXPECT_NE(text.find("***"), std::string::npos) << text;
  }
}

TEST(Secret, RevealGivesTheValue) {
  const Secret secret{std::string(kValue)};
  EXPECT_EQ(secret.reveal(), kValue);
  EXPECT_FALSE(secret.empty());
  EXPECT_TRUE(Secret().empty());
  EXPECT_EQ(Secret().ToString(), "***");
  EXPECT_EQ(secret, Secret(std::string(kValue)));
}

}  // namespace
}  // namespace shoplytics
