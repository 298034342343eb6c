// End-to-end: dbt's node selection syntax through `shoplytics ls --output name` and
// `run -s` over tests/projects/dp_select (sources -> staging views -> marts, plus a model
// on its own).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dbt_project_fixture.h"

namespace shoplytics {
namespace {

using testing::CliRun;
using Strings = std::vector<std::string>;

class DbtProjectSelect : public testing::DbtProjectFixture {
 protected:
  void SetUp() override { UseProject("dp_select"); }

  Strings Models(const std::string& selection) {
    return List("--resource-type model " + selection);
  }
};

struct SelectionCase {
  const char* selection;
  Strings models;  // sorted
};

TEST_F(DbtProjectSelect, ListsExactlyTheSelectedModels) {
  const SelectionCase cases[] = {
      {"", {"lonely", "m_deep", "m_table", "m_view", "stg_a", "stg_b"}},
      {"-s stg_a", {"stg_a"}},
      {"-s +m_table", {"m_table", "stg_a"}},
      {"-s stg_a+", {"m_deep", "m_table", "m_view", "stg_a"}},
      {"-s stg_a+1", {"m_table", "m_view", "stg_a"}},
      {"-s 1+m_deep", {"m_deep", "m_table"}},
      {"-s @stg_b", {"m_view", "stg_a", "stg_b"}},
      {"-s tag:staging", {"stg_a", "stg_b"}},
      {"-s tag:deep", {"m_deep"}},
      {"-s path:models/staging", {"stg_a", "stg_b"}},
      {"-s models/marts/m_view.sql", {"m_view"}},
      {"-s source:raw+", {"m_deep", "m_table", "m_view", "stg_a", "stg_b"}},
      {"-s source:raw.users+", {"m_view", "stg_b"}},
      {"-s config.materialized:table", {"m_deep", "m_table"}},
      {"-s 'stg_a lonely'", {"lonely", "stg_a"}},
      {"-s stg_a lonely", {"lonely", "stg_a"}},
      {"-s tag:x,config.materialized:view", {"m_view"}},
      {"-s stg_a+ --exclude m_deep", {"m_table", "m_view", "stg_a"}},
      {"--exclude tag:staging", {"lonely", "m_deep", "m_table", "m_view"}},
      {"-s 'stg_*'", {"stg_a", "stg_b"}},
      {"-s tag:nothing", {}},
  };
  for (const SelectionCase& c : cases) {
    EXPECT_EQ(Models(c.selection), c.models) << "ls " << c.selection;
  }
}

TEST_F(DbtProjectSelect, UnknownMethodIsAnError) {
  CliRun ls = Run("ls -s tagx:a");
  EXPECT_EQ(ls.exit_code, 2) << ls.out << ls.err;
  EXPECT_TRUE(Contains(ls.err, "tagx")) << ls.err;
}

// Regression: source() compiled to "main"."events", the target's schema, instead of the
// source's schema: it resolved the relation before the compiler had resolved any.
TEST_F(DbtProjectSelect, SourceCompilesToItsOwnSchema) {
  CliRun compile = Run("compile -s stg_a");
  EXPECT_EQ(compile.exit_code, 0) << compile.out << compile.err;
  EXPECT_TRUE(Contains(compile.out, "from \"raw\".\"events\"")) << compile.out;
}

TEST_F(DbtProjectSelect, RunBuildsOnlyTheSelectedModels) {
  Exec(
      "create schema raw; create table raw.events as select 1 as id, 7 as user_id; "
      "create table raw.users as select 7 as id");
  CliRun run = Run("run -s +m_table");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(Contains(run.out, "Done. PASS=2 WARN=0 ERROR=0 SKIP=0 TOTAL=2")) << run.out;
  EXPECT_EQ(Rows("select table_name from information_schema.tables where table_schema = 'main' "
                 "order by table_name"),
            (Strings{"m_table", "stg_a"}));
  EXPECT_EQ(Rows("select n from main.m_table"), Strings{"1"});

  nlohmann::json results = ReadJson("target/run_results.json");
  EXPECT_EQ(results["results"].size(), 2u) << results.dump();

  // The rest: m_deep reads the m_table built above.
  CliRun rest = Run("run --exclude +m_table");
  ASSERT_EQ(rest.exit_code, 0) << rest.out << rest.err;
  EXPECT_TRUE(Contains(rest.out, "TOTAL=4")) << rest.out;
  EXPECT_FALSE(Contains(rest.out, "model main.m_table ")) << rest.out;
  EXPECT_EQ(Rows("select n2 from main.m_deep"), Strings{"2"});
}

}  // namespace
}  // namespace shoplytics
