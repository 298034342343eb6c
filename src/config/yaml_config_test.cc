#include "config/yaml_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "config/internal/fake_env.h"

namespace shoplytics {
namespace {

using testing::FakeEnv;

constexpr std::string_view kYaml = R"(name: demo
threads: 4
ratio: 0.25
debug: yes
bad_int: ten
list: [a, b, c]
sources:
  shop:
    type: postgres
    dsn: ${SHOPLYTICS_SOURCE_DSN}
    password: "hunter2"
    port: ${PG_PORT:-5432}
    schema: ${SHOP_SCHEMA}
  stripe:
    type: stripe
    api_key: ${STRIPE_API_KEY}
empty:
)";

ConfigNode Parse(std::string_view text = kYaml) {
  Result<ConfigNode> root =
      ParseYamlConfig(text, "shoplytics.yml",
                      FakeEnv({{"SHOPLYTICS_SOURCE_DSN", "postgres://app:s3cret@db/shop"},
                               {"STRIPE_API_KEY", "sk_test_abc"}}));
  EXPECT_TRUE(root.ok()) << root.status().ToString();
  return root.ok() ? *root : ConfigNode();
}

// Returns the value or the error message, so one table covers both.
template <typename T>
std::string Show(const Result<T>& result) {
  if (!result.ok()) return "error: " + result.status().message();
  return fmt::format("{}", *result);
}

TEST(ConfigNode, TypedAccessors) {
  const ConfigNode root = Parse();
  struct Case {
    std::string got;
    std::string_view expected;
  };
  const Case kCases[] = {
      {Show(root.GetString("name")), "demo"},
      {Show(root.GetInt("threads")), "4"},
      {Show(root.GetDouble("ratio")), "0.25"},
      {Show(root.GetBool("debug")), "true"},
      {Show(root.GetString("sources.shop.type")), "postgres"},
      {Show(root.GetInt("sources.shop.port")), "5432"},
      {Show(root.GetString("missing", "fallback")), "fallback"},
      {Show(root.GetString("empty", "fallback")), "fallback"},
      {Show(root.GetInt("missing", 7)), "7"},
      {Show(root.GetBool("missing", false)), "false"},
      {Show(root.GetString("threads")), "4"},
      {Show(root.GetStringList("list")), "[\"a\", \"b\", \"c\"]"},
      {Show(root.GetStringList("name")), "[\"demo\"]"},
      // Errors: file, line, dotted key path, problem.
      {Show(root.GetString("nope")), "error: shoplytics.yml:1: nope: required key is missing"},
      {Show(root.GetString("sources.shop.host")),
       "error: shoplytics.yml:8: sources.shop.host: required key is missing"},
      {Show(root.GetString("empty")), "error: shoplytics.yml:17: empty: required value is empty"},
      {Show(root.GetInt("bad_int")),
       "error: shoplytics.yml:5: bad_int: expected an integer, got 'ten'"},
      {Show(root.GetInt("ratio")),
       "error: shoplytics.yml:3: ratio: expected an integer, got '0.25'"},
      {Show(root.GetBool("name")),
       "error: shoplytics.yml:1: name: expected a boolean (true or false), got 'demo'"},
      {Show(root.GetDouble("name")),
       "error: shoplytics.yml:1: name: expected a number, got 'demo'"},
      {Show(root.GetString("sources")),
       "error: shoplytics.yml:7: sources: expected a string, got a map"},
      {Show(root.GetInt("list")), "error: shoplytics.yml:6: list: expected an integer, got a list"},
      {Show(root.GetInt("bad_int", 3)),
       "error: shoplytics.yml:5: bad_int: expected an integer, got 'ten'"},
      {Show(root.GetString("sources.shop.schema")),
       "error: shoplytics.yml:13: sources.shop.schema: environment variable SHOP_SCHEMA is not "
       "set (write ${SHOP_SCHEMA:-default} to give a default)"},
  };
  for (const Case& c : kCases) EXPECT_EQ(c.got, c.expected);
}

TEST(ConfigNode, NavigationKeepsKeysInFileOrderAndPaths) {
  const ConfigNode root = Parse();
  EXPECT_EQ(root.Child("sources").Keys(), (std::vector<std::string>{"shop", "stripe"}));
  const std::vector<ConfigNode> items = root.Child("list").Items();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2].Where(), "shoplytics.yml:6: list[2]");
  EXPECT_EQ(root.At("sources.stripe.type").Where(), "shoplytics.yml:15: sources.stripe.type");
  EXPECT_TRUE(root.At("sources.nope.type").IsMissing());
  EXPECT_EQ(root.At("sources.nope.type").path(), "sources.nope.type");
}

TEST(ConfigNode, SecretKeysAreReadOnlyAsSecrets) {
  const ConfigNode root = Parse();
  Result<Secret> dsn = root.GetSecret("sources.shop.dsn");
  ASSERT_TRUE(dsn.ok()) << dsn.status().ToString();
  EXPECT_EQ(dsn->reveal(), "postgres://app:s3cret@db/shop");
  EXPECT_EQ(root.GetSecret("sources.shop.password")->reveal(), "hunter2");
  EXPECT_EQ(root.GetSecret("sources.stripe.api_key")->reveal(), "sk_test_abc");
  EXPECT_TRUE(root.At("sources.shop.dsn").IsSecret());
  EXPECT_FALSE(root.At("sources.shop.type").IsSecret());

  Result<std::string> leaked = root.GetString("sources.shop.password");
  ASSERT_FALSE(leaked.ok());
  EXPECT_EQ(leaked.status().message(),
            "shoplytics.yml:11: sources.shop.password: is a secret; the code must read it with "
            "GetSecret");
  EXPECT_FALSE(root.GetOptionalSecret("sources.shop.token")->has_value());
}

TEST(ConfigNode, ErrorsAboutSecretsNeverQuoteTheValue) {
  const ConfigNode root = Parse("db:\n  password: hunter2\n");
  Result<int64_t> as_int = root.GetInt("db.password");
  ASSERT_FALSE(as_int.ok());
  EXPECT_EQ(as_int.status().message().find("hunter2"), std::string::npos);
  EXPECT_NE(as_int.status().message().find("shoplytics.yml:2: db.password"), std::string::npos);
  EXPECT_EQ(fmt::format("{}", *root.GetSecret("db.password")), "***");
}

TEST(IsSecretKeyName, MatchesSecretWordsAloneOrAsSuffix) {
  for (std::string_view key :
       {"password", "PASSWORD", "db_password", "api_key", "stripe-api_key", "token", "access_token",
        "dsn", "source_dsn", "client_secret", "private_key", "passwd"}) {
    EXPECT_TRUE(IsSecretKeyName(key)) << key;
  }
  for (std::string_view key :
       {"type", "host", "tokens_url", "dsname", "primary_key", "passwords_x", "mytoken"}) {
    EXPECT_FALSE(IsSecretKeyName(key)) << key;
  }
}

TEST(ParseYamlConfig, SyntaxErrorsNameFileLineAndColumn) {
  struct Case {
    std::string_view yaml;
    std::string_view expected_prefix;
  };
  const Case kCases[] = {
      {"name: demo\nsources:\n  shop: [a, b\n", "shoplytics.yml:4:1: invalid YAML: "},
      {"a: b\n c: d\n", "shoplytics.yml:2:3: invalid YAML: "},
      {"a: 1\na: 2\n", "shoplytics.yml:2: a: duplicate key (first at line 1)"},
      {"x:\n  y: ${BROKEN\n",
       "shoplytics.yml:2: x.y: unterminated '${' at offset 0 (write $${ for a literal '${')"},
      {"x: ${9LIVES}\n", "shoplytics.yml:1: x: invalid environment variable reference '${9LIVES}'"},
  };
  for (const Case& c : kCases) {
    Result<ConfigNode> root = ParseYamlConfig(c.yaml, "shoplytics.yml", FakeEnv({}));
    ASSERT_FALSE(root.ok()) << c.yaml;
    EXPECT_EQ(root.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(root.status().message().substr(0, c.expected_prefix.size()), c.expected_prefix)
        << root.status().message();
  }
}

TEST(ParseYamlConfig, EscapedReferenceIsLiteral) {
  const ConfigNode root = Parse("template: \"$${not_a_var}\"\n");
  EXPECT_EQ(Show(root.GetString("template")), "${not_a_var}");
}

TEST(ConfigNode, CheckKeysNamesTheUnknownKeyAndSuggests) {
  const ConfigNode root = Parse("name: x\nsorces: {}\n");
  Status status = root.CheckKeys({"name", "sources", "warehouse"});
  EXPECT_EQ(status.message(),
            "shoplytics.yml:2: sorces: unknown key 'sorces' (did you mean 'sources'?)");
  status = Parse("zzz: 1\n").CheckKeys({"name", "sources"});
  EXPECT_EQ(status.message(),
            "shoplytics.yml:1: zzz: unknown key 'zzz' (known keys: name, sources)");
  EXPECT_TRUE(root.CheckKeys({"name", "sorces"}).ok());
}

TEST(LoadYamlConfig, ReadsAFileAndNamesItInErrors) {
  auto dir = TempDir::Create("yaml-config-test");
  ASSERT_TRUE(dir.ok());
  const auto path = dir->path() / "shoplytics.yml";
  ASSERT_TRUE(WriteFileAtomically(path, "a: 1\nb: [\n").ok());
  Result<ConfigNode> root = LoadYamlConfig(path, FakeEnv({}));
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.status().message().rfind(path.string() + ":", 0), 0u) << root.status().message();
  Result<ConfigNode> missing = LoadYamlConfig(dir->path() / "nope.yml", FakeEnv({}));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace shoplytics
