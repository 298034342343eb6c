#include "config/env.h"

#include <gtest/gtest.h>

#include "config/internal/fake_env.h"

namespace shoplytics {
namespace {

using testing::FakeEnv;

const EnvLookup kEnv = FakeEnv({{"HOST", "db.local"}, {"PORT", "5432"}, {"EMPTY", ""}});

TEST(InterpolateEnv, ExpandsReferences) {
  struct Case {
    std::string_view input;
    std::string_view expected;
  };
  const Case kCases[] = {
      {"", ""},
      {"plain text", "plain text"},
      {"${HOST}", "db.local"},
      {"postgres://${HOST}:${PORT}/shop", "postgres://db.local:5432/shop"},
      {"${MISSING:-fallback}", "fallback"},
      {"${MISSING:-}", ""},
      {"${HOST:-fallback}", "db.local"},
      {"${EMPTY:-fallback}", "fallback"},  // as in the shell, :- also covers empty
      {"${EMPTY}", ""},
      {"${MISSING:-http://localhost:8080/v1}", "http://localhost:8080/v1"},
      {"$${HOST}", "${HOST}"},                       // escaped
      {"$$${HOST}", "$${HOST}"},                     // "$" then an escaped "${"
      {"price $5 and $HOME", "price $5 and $HOME"},  // a lone '$' stays
      {"a$", "a$"},
      {"}{", "}{"},
      {"${HOST}${PORT}", "db.local5432"},
  };
  for (const Case& c : kCases) {
    Result<std::string> result = InterpolateEnv(c.input, kEnv);
    ASSERT_TRUE(result.ok()) << c.input << ": " << result.status().ToString();
    EXPECT_EQ(*result, c.expected) << c.input;
  }
}

TEST(InterpolateEnv, ErrorsNameTheVariableOrTheBadReference) {
  struct Case {
    std::string_view input;
    std::string_view expected_error;
  };
  const Case kCases[] = {
      {"${SHOPLYTICS_SOURCE_DSN}",
       "environment variable SHOPLYTICS_SOURCE_DSN is not set (write "
       "${SHOPLYTICS_SOURCE_DSN:-default} to give a default)"},
      {"host=${HOST} pass=${DB_PASSWORD}",
       "environment variable DB_PASSWORD is not set (write ${DB_PASSWORD:-default} to give a "
       "default)"},
      {"${HOST", "unterminated '${' at offset 0 (write $${ for a literal '${')"},
      {"${}",
       "invalid environment variable reference '${}': a name is letters, digits and '_', not "
       "starting with a digit"},
      {"${1X}",
       "invalid environment variable reference '${1X}': a name is letters, digits and '_', not "
       "starting with a digit"},
      {"${A-B}",
       "invalid environment variable reference '${A-B}': a name is letters, digits and '_', not "
       "starting with a digit"},
  };
  for (const Case& c : kCases) {
    Result<std::string> result = InterpolateEnv(c.input, kEnv);
    ASSERT_FALSE(result.ok()) << c.input;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().message(), c.expected_error) << c.input;
  }
}

TEST(InterpolateEnv, ErrorsNeverContainValues) {
  const EnvLookup env = FakeEnv({{"DB_PASSWORD", "hunter2"}});
  Result<std::string> result = InterpolateEnv("${DB_PASSWORD} ${MISSING}", env);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message().find("hunter2"), std::string::npos);
}

TEST(HasEnvReference, SeesReferencesButNotEscapes) {
  EXPECT_TRUE(HasEnvReference("${A}"));
  EXPECT_TRUE(HasEnvReference("x ${A:-b}"));
  EXPECT_FALSE(HasEnvReference("$${A}"));
  EXPECT_FALSE(HasEnvReference("$A"));
  EXPECT_TRUE(HasEnvReference("$${A} ${B}"));
}

TEST(ProcessEnv, ReadsTheProcessEnvironment) {
  EXPECT_TRUE(ProcessEnv()("PATH").has_value());
  EXPECT_FALSE(ProcessEnv()("SHOPLYTICS_SURELY_NOT_SET_42").has_value());
}

}  // namespace
}  // namespace shoplytics
