#include "config/project_config.h"

#include <gtest/gtest.h>

#include "common/files.h"
#include "config/internal/fake_env.h"

namespace shoplytics {
namespace {

using testing::FakeEnv;

Result<ProjectConfig> Parse(std::string_view yaml, std::filesystem::path dir = "/srv/my_shop") {
  return ParseProjectConfig(yaml, dir, "shoplytics.yml", FakeEnv({{"DSN", "postgres://x"}}));
}

TEST(ProjectConfig, ReadsNameWarehouseAndSources) {
  Result<ProjectConfig> config = Parse(R"(name: acme
warehouse: data/wh.duckdb
sources:
  shop:
    type: postgres
    dsn: ${DSN}
  stripe:
    type: stripe
pipelines:
  daily: {}
)");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->name, "acme");
  EXPECT_EQ(config->warehouse_path, "/srv/my_shop/data/wh.duckdb");
  ASSERT_EQ(config->sources.size(), 2u);
  EXPECT_EQ(config->sources[0].name, "shop");
  EXPECT_EQ(config->sources[0].type, "postgres");
  EXPECT_EQ(config->sources[0].node.GetSecret("dsn")->reveal(), "postgres://x");
  EXPECT_EQ(config->sources[1].name, "stripe");
  ASSERT_NE(config->FindSource("stripe"), nullptr);
  EXPECT_EQ(config->FindSource("nope"), nullptr);
  EXPECT_TRUE(config->root.Child("pipelines").IsMap());
}

TEST(ProjectConfig, Defaults) {
  struct Case {
    std::string_view yaml;
    std::filesystem::path dir;
    std::string_view name;
    std::filesystem::path warehouse;
  };
  const Case kCases[] = {
      {"", "/srv/my_shop", "my_shop", "/srv/my_shop/warehouse.duckdb"},
      {"name: x\n", ".", "x", "warehouse.duckdb"},
      {"name: x\n", "proj", "x", "proj/warehouse.duckdb"},
      {"name: x\nwarehouse: /var/wh.duckdb\n", "proj", "x", "/var/wh.duckdb"},
      {"name: x\nwarehouse:\n  path: ../wh.duckdb\n", "/a/proj", "x", "/a/wh.duckdb"},
      {"name: x\nwarehouse:\n  threads: 4\n", "/a", "x", "/a/warehouse.duckdb"},
  };
  for (const Case& c : kCases) {
    Result<ProjectConfig> config = Parse(c.yaml, c.dir);
    ASSERT_TRUE(config.ok()) << c.yaml << ": " << config.status().ToString();
    EXPECT_EQ(config->name, c.name) << c.yaml;
    EXPECT_EQ(config->warehouse_path, c.warehouse) << c.yaml;
    EXPECT_EQ(config->warehouse_memory_limit, "") << c.yaml;
  }
  Result<ProjectConfig> limited = Parse("warehouse:\n  memory_limit: 2GB\n", "/a");
  ASSERT_TRUE(limited.ok()) << limited.status().ToString();
  EXPECT_EQ(limited->warehouse_memory_limit, "2GB");
  EXPECT_EQ(limited->warehouse_path, "/a/warehouse.duckdb");
}

TEST(ProjectConfig, ErrorsNameFileLineAndKey) {
  struct Case {
    std::string_view yaml;
    std::string_view expected;
  };
  const Case kCases[] = {
      {"name: x\nsorces:\n  shop: {type: postgres}\n",
       "shoplytics.yml:2: sorces: unknown key 'sorces' (did you mean 'sources'?)"},
      {"name: x\nsources:\n  shop:\n    dsn: ${DSN}\n",
       "shoplytics.yml:3: sources.shop.type: required key is missing"},
      {"name: x\nsources:\n  Shop:\n    type: postgres\n",
       "shoplytics.yml:3: sources.Shop: a source name is lower-case letters, digits and '_', "
       "starting with a letter (its tables land in raw.<source>_<table>)"},
      {"sources: [shop]\n",
       "shoplytics.yml:1: sources: expected a map of source name to source "
       "settings"},
      {"sources:\n  shop: postgres\n",
       "shoplytics.yml:2: sources.shop: expected a map with at least 'type'"},
      {"name: [a]\n", "shoplytics.yml:1: name: expected a string, got a list"},
      {"- a\n- b\n", "shoplytics.yml:1: expected a map of settings"},
      {"sources:\n  shop:\n    type: ${SOURCE_TYPE}\n",
       "shoplytics.yml:3: sources.shop.type: environment variable SOURCE_TYPE is not set (write "
       "${SOURCE_TYPE:-default} to give a default)"},
  };
  for (const Case& c : kCases) {
    Result<ProjectConfig> config = Parse(c.yaml);
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(config.status().message(), c.expected);
  }
}

TEST(LoadProjectConfig, ReadsShoplyticsYmlFromTheProjectDir) {
  auto dir = TempDir::Create("project-config-test");
  ASSERT_TRUE(dir.ok());
  Result<ProjectConfig> missing = LoadProjectConfig(dir->path(), FakeEnv({}));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("no shoplytics.yml in " + dir->path().string()),
            std::string::npos);

  ASSERT_TRUE(WriteFileAtomically(dir->path() / "shoplytics.yml", "name: t\nbogus: 1\n").ok());
  Result<ProjectConfig> bad = LoadProjectConfig(dir->path(), FakeEnv({}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(
      bad.status().message().rfind((dir->path() / "shoplytics.yml").string() + ":2: bogus", 0), 0u)
      << bad.status().message();

  ASSERT_TRUE(WriteFileAtomically(dir->path() / "shoplytics.yml", "name: t\n").ok());
  Result<ProjectConfig> good = LoadProjectConfig(dir->path(), FakeEnv({}));
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->warehouse_path, dir->path() / "warehouse.duckdb");
}

}  // namespace
}  // namespace shoplytics
