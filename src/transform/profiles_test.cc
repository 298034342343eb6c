#include "transform/profiles.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "common/files.h"

namespace shoplytics::transform {
namespace {

namespace fs = std::filesystem;

EnvLookup Env(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class DbtProjectProfiles : public ::testing::Test {
 protected:
  fs::path Dir(const std::string& name) {
    const fs::path path = dir_.path() / name;
    fs::create_directories(path);
    return path;
  }
  fs::path WriteProfiles(const std::string& name, std::string_view text = "p: {}\n") {
    const fs::path path = Dir(name) / "profiles.yml";
    std::ofstream(path) << text;
    return path;
  }
  std::string Find(const std::optional<fs::path>& flag, const EnvLookup& env) {
    Result<fs::path> found = FindProfilesFile(flag, Dir("project"), env);
    if (!found.ok()) return "error: " + found.status().message();
    return found->lexically_relative(dir_.path()).generic_string();
  }

  TempDir dir_ = std::move(TempDir::Create("dbtprofiles")).value();
};

TEST_F(DbtProjectProfiles, FoundAsDbtFindsThem) {
  const std::string home = (dir_.path() / "home").string();
  const std::string env_dir = (dir_.path() / "envdir").string();
  const auto with_env = Env({{"HOME", home}, {"DBT_PROFILES_DIR", env_dir}});
  const auto without_env = Env({{"HOME", home}});

  EXPECT_EQ(Find(std::nullopt, without_env),
            "error: no profiles.yml in the project dir " + (dir_.path() / "project").string() +
                " nor in ~/.dbt (set --profiles-dir or DBT_PROFILES_DIR)");
  WriteProfiles("home/.dbt");
  EXPECT_EQ(Find(std::nullopt, without_env), "home/.dbt/profiles.yml");
  WriteProfiles("project");
  EXPECT_EQ(Find(std::nullopt, without_env), "project/profiles.yml");
  EXPECT_EQ(Find(std::nullopt, with_env),
            "error: DBT_PROFILES_DIR=" + env_dir + ": no profiles.yml there");
  WriteProfiles("envdir");
  EXPECT_EQ(Find(std::nullopt, with_env), "envdir/profiles.yml");
  EXPECT_EQ(Find(std::nullopt, Env({{"HOME", home}, {"DBT_PROFILES_DIR", ""}})),
            "project/profiles.yml");
  EXPECT_EQ(Find(dir_.path() / "flag", with_env), "error: --profiles-dir " +
                                                      (dir_.path() / "flag").generic_string() +
                                                      ": no profiles.yml there");
  WriteProfiles("flag");
  EXPECT_EQ(Find(dir_.path() / "flag", with_env), "flag/profiles.yml");
}

constexpr std::string_view kProfiles = R"(shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: warehouse/dev.duckdb
      threads: 4
    prod:
      type: duckdb
      path: ${PROD_DB}
      schema: analytics
    memory:
      type: duckdb
    pg:
      type: postgres
      host: localhost
    ci:
      type: duckdb
      path: "{{ env_var('CI_DIR') }}/ci.duckdb"
      schema: "{{ env_var('CI_SCHEMA', 'ci') }}"
      threads: "{{ env_var('CI_THREADS') | int }}"
other:
  target: "{{ env_var('DBT_TARGET', 'dev') }}"
  outputs:
    dev: {type: duckdb, path: /data/other.duckdb, threads: many}
)";

TEST_F(DbtProjectProfiles, ReadsDuckdbTargets) {
  const fs::path file = WriteProfiles("profiles", kProfiles);
  const fs::path project = Dir("project");
  const auto env = Env({{"PROD_DB", "/data/prod.duckdb"}});

  Result<ProfileTarget> dev = LoadProfileTarget(file, "shop", std::nullopt, project, env);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  EXPECT_EQ(dev->target_name, "dev");
  EXPECT_EQ(dev->type, "duckdb");
  EXPECT_EQ(dev->path, (project / "warehouse/dev.duckdb").generic_string());
  EXPECT_EQ(dev->threads, 4);
  EXPECT_EQ(dev->schema, "main");
  EXPECT_EQ(dev->profiles_file, file);

  Result<ProfileTarget> prod = LoadProfileTarget(file, "shop", "prod", project, env);
  ASSERT_TRUE(prod.ok()) << prod.status().ToString();
  EXPECT_EQ(prod->path, "/data/prod.duckdb");
  EXPECT_EQ(prod->schema, "analytics");
  EXPECT_EQ(prod->threads, 1);
  EXPECT_EQ(LoadProfileTarget(file, "shop", "memory", project, env)->path, ":memory:");

  Result<ProfileTarget> ci =
      LoadProfileTarget(file, "shop", "ci", project, Env({{"CI_DIR", "/ci"}, {"CI_THREADS", "8"}}));
  ASSERT_TRUE(ci.ok()) << ci.status().ToString();
  EXPECT_EQ(ci->path, "/ci/ci.duckdb");
  EXPECT_EQ(ci->schema, "ci");
  EXPECT_EQ(ci->threads, 8);
}

TEST_F(DbtProjectProfiles, SettingsDefaultToUtcAndAreCheckedNames) {
  const fs::path project = Dir("project");
  const fs::path file = WriteProfiles("settings", R"(
shop:
  target: plain
  outputs:
    plain: {type: duckdb, path: a.duckdb}
    tuned:
      type: duckdb
      path: b.duckdb
      settings: {TimeZone: Europe/Paris, memory_limit: 1GB}
    bad:
      type: duckdb
      path: c.duckdb
      settings: {"x; drop table t": 1}
)");
  Result<ProfileTarget> plain = LoadProfileTarget(file, "shop", std::nullopt, project, Env({}));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->settings, (std::map<std::string, std::string>{{"TimeZone", "UTC"}}));
  Result<ProfileTarget> tuned = LoadProfileTarget(file, "shop", "tuned", project, Env({}));
  ASSERT_TRUE(tuned.ok()) << tuned.status().ToString();
  EXPECT_EQ(tuned->settings, (std::map<std::string, std::string>{{"TimeZone", "Europe/Paris"},
                                                                 {"memory_limit", "1GB"}}));
  Result<ProfileTarget> bad = LoadProfileTarget(file, "shop", "bad", project, Env({}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("plain identifier"), std::string::npos)
      << bad.status().ToString();
}

TEST_F(DbtProjectProfiles, ErrorsNameTheFileAndProfile) {
  const fs::path file = WriteProfiles("profiles", kProfiles);
  const std::string name = file.generic_string();
  const fs::path project = Dir("project");
  auto error = [&](const std::string& profile, std::optional<std::string> target,
                   EnvLookup env = Env({})) {
    return LoadProfileTarget(file, profile, target, project, env).status().message();
  };
  EXPECT_EQ(error("shopp", std::nullopt), name + ": no profile 'shopp' (profiles: shop, other)");
  EXPECT_EQ(error("shop", "ci", Env({{"CI_THREADS", "8"}})),
            name +
                ":19: shop.outputs.ci.path: env_var('CI_DIR'): environment variable CI_DIR "
                "is not set");
  EXPECT_EQ(error("other", std::nullopt),
            name +
                ":25: other.outputs.dev.threads: expected a whole number of at least 1, got "
                "'many'");
  EXPECT_EQ(error("shop", "staging"),
            name +
                ":3: shop.outputs: profile 'shop' has no target 'staging' (targets: dev, "
                "prod, memory, pg, ci)");
  EXPECT_EQ(error("shop", "pg"), name +
                                     ":15: shop.outputs.pg.type: profile 'shop' target 'pg': "
                                     "type 'postgres' is not supported (only duckdb)");
  EXPECT_EQ(error("shop", "prod"),
            name +
                ":10: shop.outputs.prod.path: environment variable PROD_DB is not set (write "
                "${PROD_DB:-default} to give a default)");
}

}  // namespace
}  // namespace shoplytics::transform
