// End-to-end: runs the built `shoplytics query` against a warehouse made with the
// warehouse wrappers, and checks exit codes, stdout and stderr.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.h"
#include "common/files.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"

namespace shoplytics {
namespace {

using testing::CliRun;
using testing::RunShoplytics;
using testing::ShellQuote;

class QueryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<TempDir> dir = TempDir::Create("query-cli");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    warehouse_ = File("warehouse.duckdb");
    Result<warehouse::Database> db = warehouse::Database::Open(warehouse_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Result<warehouse::Connection> conn = warehouse::Connection::Open(*db);
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE(conn->Execute("CREATE SCHEMA marts; CREATE TABLE marts.orders (order_id BIGINT, "
                              "customer VARCHAR, net DECIMAL(18,2), paid BOOLEAN)")
                    .ok());
    Result<warehouse::PreparedStatement> insert =
        conn->Prepare("INSERT INTO marts.orders VALUES ($1, $2, $3, $4)");
    ASSERT_TRUE(insert.ok());
    ASSERT_TRUE(insert->BindInt64(1, 1).ok());
    ASSERT_TRUE(insert->BindString(2, "O'Brien, Pat").ok());
    ASSERT_TRUE(insert->BindDouble(3, 12.5).ok());
    ASSERT_TRUE(insert->BindBool(4, true).ok());
    ASSERT_TRUE(insert->Execute().ok());
    ASSERT_TRUE(insert->BindInt64(1, 2).ok());
    ASSERT_TRUE(insert->BindNull(2).ok());
    ASSERT_TRUE(insert->BindDouble(3, 3).ok());
    ASSERT_TRUE(insert->BindBool(4, false).ok());
    ASSERT_TRUE(insert->Execute().ok());
    // The database closes here, so the binary can open the file.
  }

  CliRun Shoplytics(const std::string& args) { return RunShoplytics(args, dir_->path().string()); }

  CliRun Query(const std::string& sql, const std::string& flags = "") {
    return Shoplytics("query --warehouse " + ShellQuote(warehouse_) + " " + flags + " " +
                      ShellQuote(sql));
  }

  std::string File(const std::string& name) const { return (dir_->path() / name).string(); }

  // Makes the warehouse's folder a dbt project whose profile's target has `setting` (one
  // "name: value" line) and returns the folder; empty when a file cannot be written.
  std::filesystem::path DbtProject(const std::string& setting) const {
    const std::filesystem::path project = dir_->path();
    const bool written =
        WriteFileAtomically(project / "dbt_project.yml",
                            "name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\n")
            .ok() &&
        WriteFileAtomically(project / "profiles.yml",
                            "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
                            "      path: warehouse.duckdb\n      settings:\n        " +
                                setting + "\n")
            .ok();
    return written ? project : std::filesystem::path();
  }

  std::unique_ptr<TempDir> dir_;
  std::string warehouse_;
};

TEST_F(QueryCli, PrintsAnAlignedTableByDefault) {
  CliRun run = Query("SELECT order_id, customer, net FROM marts.orders ORDER BY order_id");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            " order_id | customer     | net\n"
            "----------+--------------+-------\n"
            "        1 | O'Brien, Pat | 12.50\n"
            "        2 | NULL         |  3.00\n"
            "(2 rows)\n");
  EXPECT_EQ(run.err, "");
}

TEST_F(QueryCli, FindsTheWarehouseInTheProjectDirectory) {
  std::string project = std::filesystem::path(warehouse_).parent_path().string();
  CliRun run = Shoplytics("--project " + ShellQuote(project) +
                          " query 'SELECT count(*) AS n FROM marts.orders'");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, " n\n---\n 2\n(1 row)\n");
}

// In a dbt project the profile's warehouse is opened as a build opens it: the target's
// settings (here a time zone other than the default UTC) and DuckDB's block allocator.
TEST_F(QueryCli, InADbtProjectRunsWithTheProfilesSettingsAsABuildDoes) {
  const std::filesystem::path project = DbtProject("TimeZone: America/New_York");
  ASSERT_FALSE(project.empty());
  CliRun run = Shoplytics("--project " + ShellQuote(project.string()) +
                          " query --format csv \"SELECT current_setting('TimeZone') AS zone, "
                          "current_setting('block_allocator_memory') <> '0 bytes' AS kept, "
                          "count(*) AS n FROM marts.orders\"");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "zone,kept,n\nAmerica/New_York,true,2\n");
  // --warehouse names a file, not the project's profile: DuckDB's own defaults.
  CliRun plain = Query("SELECT current_setting('block_allocator_memory') AS kept", "--format csv");
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, "kept\n0 bytes\n");
}

TEST_F(QueryCli, AProfileSettingDuckDbRefusesIsNamedWithItsProfileAndTarget) {
  const std::filesystem::path project = DbtProject("no_such_setting: 1");
  ASSERT_FALSE(project.empty());
  CliRun run = Shoplytics("--project " + ShellQuote(project.string()) + " query 'SELECT 1'");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.err.find("profile 'shop' target 'dev', setting no_such_setting:"),
            std::string::npos)
      << run.err;
}

TEST_F(QueryCli, PrintsCsvWithRfc4180Quoting) {
  CliRun run =
      Query("SELECT order_id, customer FROM marts.orders ORDER BY order_id", "--format csv");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "order_id,customer\n1,\"O'Brien, Pat\"\n2,\n");
}

TEST_F(QueryCli, PrintsJsonWithProperTypes) {
  CliRun run = Query("SELECT * FROM marts.orders ORDER BY order_id", "--format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json json = nlohmann::json::parse(run.out);
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["order_id"], 1);
  EXPECT_EQ(json[0]["customer"], "O'Brien, Pat");
  EXPECT_DOUBLE_EQ(json[0]["net"].get<double>(), 12.5);
  EXPECT_EQ(json[0]["paid"], true);
  EXPECT_TRUE(json[1]["customer"].is_null());
}

TEST_F(QueryCli, GlobalJsonFlagSelectsJson) {
  CliRun run =
      Shoplytics("--json query --warehouse " + ShellQuote(warehouse_) + " 'SELECT 1 AS one'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out), nlohmann::json::parse(R"([{"one": 1}])"));
}

TEST_F(QueryCli, SqlErrorPrintsOneLineWithDuckDbsMessageAndExits1) {
  CliRun run = Query("SELECT * FROM marts.nope");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_TRUE(run.err.starts_with("shoplytics query: Catalog Error: Table with name nope"))
      << run.err;
  EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << run.err;  // exactly one line
}

TEST_F(QueryCli, WritesNeedTheWriteFlag) {
  CliRun refused = Query("INSERT INTO marts.orders VALUES (3, 'x', 1, true)");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("read-only"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--write"), std::string::npos) << refused.err;
  EXPECT_EQ(Query("SELECT count(*) AS n FROM marts.orders", "--format csv").out, "n\n2\n");

  CliRun allowed = Query("INSERT INTO marts.orders VALUES (3, 'x', 1, true)", "--write");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_EQ(Query("SELECT count(*) AS n FROM marts.orders", "--format csv").out, "n\n3\n");
}

TEST_F(QueryCli, MissingWarehouseSaysWhatToRunAndExits2) {
  CliRun run = Shoplytics("query --warehouse " + ShellQuote(File("none.duckdb")) + " 'SELECT 1'");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("none.duckdb does not exist"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("shoplytics extract"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(File("none.duckdb")));
}

TEST_F(QueryCli, HelpTeachesWithExamples) {
  CliRun run = Shoplytics("query --help");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("--write"), std::string::npos);
  EXPECT_NE(run.out.find("--format"), std::string::npos);
  EXPECT_NE(run.out.find("Examples:"), std::string::npos);
}

TEST_F(QueryCli, UnknownFormatIsUsageError) {
  CliRun run = Query("SELECT 1", "--format xml");
  EXPECT_EQ(run.exit_code, 2);
}

}  // namespace
}  // namespace shoplytics
