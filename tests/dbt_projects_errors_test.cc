// End-to-end: what the shoplytics binary says, and exits with, when a dbt project is
// broken (tests/projects/dp_errors with one file broken at a time): a ref cycle, an
// unknown ref, a Jinja syntax error, a SQL error, a missing var, a missing profile or
// profiles.yml; and a parallel build giving the same warehouse as a serial one.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dbt_project_fixture.h"

namespace shoplytics {
namespace {

using testing::CliRun;
using testing::ShellQuote;
using Strings = std::vector<std::string>;

class DbtProjectErrors : public testing::DbtProjectFixture {
 protected:
  void SetUp() override { UseProject("dp_errors"); }

  // HOME points into the temp dir so no ~/.dbt/profiles.yml of the machine is found.
  CliRun RunIsolated(const std::string& args) {
    return Run(args, "HOME=" + ShellQuote(dir_->path().string()) + " DBT_PROFILES_DIR=");
  }
};

TEST_F(DbtProjectErrors, RefCycleNamesTheCycle) {
  WriteFile("models/cycle_x.sql", "select * from {{ ref('cycle_y') }}\n");
  WriteFile("models/cycle_y.sql", "select * from {{ ref('cycle_x') }}\n");
  CliRun run = Run("run");
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_TRUE(Contains(run.err, "cycle")) << run.err;
  EXPECT_TRUE(Contains(run.err,
                       "model.dp_errors.cycle_x -> model.dp_errors.cycle_y -> "
                       "model.dp_errors.cycle_x"))
      << run.err;
}

TEST_F(DbtProjectErrors, UnknownRefSuggestsTheClosestModel) {
  WriteFile("models/reader.sql", "select *\nfrom {{ ref('base_number') }}\n");
  CliRun run = Run("run");
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_TRUE(Contains(run.err, "models/reader.sql")) << run.err;
  EXPECT_TRUE(Contains(run.err, "ref 'base_number' not found (did you mean 'base_numbers'?)"))
      << run.err;
}

TEST_F(DbtProjectErrors, JinjaSyntaxErrorNamesFileLineAndColumn) {
  WriteFile("models/bad_jinja.sql", "select 1 as id,\n  {{ 1 + }} as broken\n");
  CliRun run = Run("run");
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_TRUE(
      Contains(run.err, "model bad_jinja: models/bad_jinja.sql:2:10: expected an expression"))
      << run.err;
  // An unclosed block too, at its opening tag.
  RemoveFile("models/bad_jinja.sql");
  WriteFile("models/unclosed.sql", "select 1 as id\n{% if true %}\n, 2 as two\n");
  CliRun unclosed = Run("run");
  EXPECT_EQ(unclosed.exit_code, 2) << unclosed.out << unclosed.err;
  EXPECT_TRUE(Contains(unclosed.err, "models/unclosed.sql:")) << unclosed.err;
  EXPECT_TRUE(Contains(unclosed.err, "expected 'endif' to close the 'if' at 2:1")) << unclosed.err;
}

TEST_F(DbtProjectErrors, SqlErrorNamesModelFileCompiledLineAndEngineMessage) {
  WriteFile("models/bad_sql.sql",
            "select\n  id,\n  no_such_column as broken\nfrom {{ ref('base_numbers') }}\n");
  CliRun run = Run("run -s base_numbers bad_sql");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(Contains(run.out, "Done. PASS=1 WARN=0 ERROR=1 SKIP=0 TOTAL=2")) << run.out;
  EXPECT_TRUE(Contains(run.out, "ERROR creating sql table model main.bad_sql")) << run.out;
  EXPECT_TRUE(Contains(run.out, "Runtime Error in model bad_sql (models/bad_sql.sql)")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 3 of the compiled SQL")) << run.out;
  EXPECT_TRUE(Contains(run.out, "no_such_column")) << run.out;
  EXPECT_TRUE(Contains(run.out, "Binder Error")) << run.out;
  nlohmann::json results = ReadJson("target/run_results.json");
  for (const nlohmann::json& result : results["results"]) {
    if (result["unique_id"] != "model.dp_errors.bad_sql") continue;
    EXPECT_EQ(result["status"], "error");
    EXPECT_TRUE(Contains(result["message"].get<std::string>(), "no_such_column")) << result;
  }
}

TEST_F(DbtProjectErrors, MissingVarNamesTheVar) {
  WriteFile("models/needs_var.sql", "select {{ var('start_date') }} as d\n");
  CliRun run = Run("run");
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_TRUE(Contains(run.err, "models/needs_var.sql:1:11: required var 'start_date' not found"))
      << run.err;
  // Given with --vars, it runs.
  CliRun given = Run("run -s needs_var --vars '{start_date: 20240101}'");
  EXPECT_EQ(given.exit_code, 0) << given.out << given.err;
  EXPECT_EQ(Rows("select d from main.needs_var"), Strings{"20240101"});
}

TEST_F(DbtProjectErrors, UnknownProfileAndMissingProfilesYml) {
  WriteFile("dbt_project.yml",
            "name: 'dp_errors'\nversion: '1.0.0'\nconfig-version: 2\nprofile: 'no_such_profile'\n");
  CliRun unknown = RunIsolated("run");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.out << unknown.err;
  EXPECT_TRUE(Contains(unknown.err, "no_such_profile")) << unknown.err;
  EXPECT_TRUE(Contains(unknown.err, "profiles.yml")) << unknown.err;
  EXPECT_TRUE(Contains(unknown.err, "dp_errors")) << unknown.err;  // lists the existing one

  RemoveFile("profiles.yml");
  CliRun missing = RunIsolated("run");
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_TRUE(Contains(missing.err, "profiles.yml")) << missing.err;
  // It names where it looked: the project dir, then ~/.dbt.
  EXPECT_TRUE(Contains(missing.err, project_.string())) << missing.err;
  EXPECT_TRUE(Contains(missing.err, "~/.dbt")) << missing.err;

  // --profiles-dir naming a folder without one says so.
  CliRun flag =
      RunIsolated("run --profiles-dir " + ShellQuote((dir_->path() / "nowhere").string()));
  EXPECT_EQ(flag.exit_code, 2) << flag.out << flag.err;
  EXPECT_TRUE(Contains(flag.err, "nowhere")) << flag.err;
}

TEST_F(DbtProjectErrors, ParallelBuildMatchesSerialBuild) {
  const std::string contents = "select 'p' || k, total, n from (" + [] {
    std::string sql;
    for (int i = 1; i <= 8; ++i) {
      if (i > 1) sql += " union all ";
      sql += "select k, total, n from main.part_" + std::to_string(i);
    }
    return sql;
  }() + ") union all select 'all', grand_total, rows_seen from main.all_parts order by 1";

  CliRun serial = Run("run --threads 1");
  ASSERT_EQ(serial.exit_code, 0) << serial.out << serial.err;
  EXPECT_TRUE(Contains(serial.out, "(1 thread)")) << serial.out;
  const Strings expected = Rows(contents);
  ASSERT_EQ(expected.size(), 9u);
  // part_i sums 45 * i over i * 10000 rows: 45000 * i^2, and sum(i^2, 1..8) = 204.
  EXPECT_EQ(expected.front(), "all|9180000|360000");

  CliRun parallel = Run("run --threads 4");
  ASSERT_EQ(parallel.exit_code, 0) << parallel.out << parallel.err;
  EXPECT_TRUE(Contains(parallel.out, "(4 threads)")) << parallel.out;
  EXPECT_TRUE(Contains(parallel.out, "Done. PASS=10 WARN=0 ERROR=0 SKIP=0 TOTAL=10"))
      << parallel.out;
  EXPECT_EQ(Rows(contents), expected);
  // all_parts ran after every part it reads: its START comes after each part's OK.
  const size_t all_start = parallel.out.find("START sql table model main.all_parts");
  ASSERT_NE(all_start, std::string::npos) << parallel.out;
  for (int i = 1; i <= 8; ++i) {
    const size_t ok =
        parallel.out.find("OK created sql table model main.part_" + std::to_string(i));
    ASSERT_NE(ok, std::string::npos) << parallel.out;
    EXPECT_LT(ok, all_start) << parallel.out;
  }
}

TEST_F(DbtProjectErrors, FailFastSkipsWhatHasNotStarted) {
  WriteFile("models/aaa_broken.sql", "select nope from {{ ref('base_numbers') }}\n");
  CliRun run = Run("run --fail-fast --threads 1");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(Contains(run.out, "ERROR creating sql table model main.aaa_broken")) << run.out;
  EXPECT_TRUE(Contains(run.out, "SKIP relation main.all_parts")) << run.out;
  // Without it every part is built despite the error.
  CliRun all = Run("run --threads 1");
  EXPECT_TRUE(Contains(all.out, "Done. PASS=10 WARN=0 ERROR=1 SKIP=0 TOTAL=11")) << all.out;
}

TEST_F(DbtProjectErrors, ParallelModelsCreateTheirCustomSchemasWithoutRacing) {
  // Four models per new schema, built four at a time into a fresh warehouse: each schema
  // is created by whichever model gets there first, the others must not fail on it.
  for (int i = 1; i <= 8; ++i) {
    WriteFile("models/part_" + std::to_string(i) + ".sql",
              "{{ config(schema='s" + std::to_string(i % 2) + "') }}\nselect " + std::to_string(i) +
                  " as k, 0 as total, 0 as n\n");
  }
  CliRun run = Run("run --threads 4");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(Contains(run.out, "Done. PASS=10 WARN=0 ERROR=0 SKIP=0 TOTAL=10")) << run.out;
  EXPECT_EQ(Rows("select table_schema, count(*) from information_schema.tables group by 1 "
                 "order by 1"),
            (Strings{"main|2", "main_s0|4", "main_s1|4"}));
}

}  // namespace
}  // namespace shoplytics
