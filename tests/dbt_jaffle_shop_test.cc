// End-to-end: the jaffle-shop project under tests/projects/jaffle_shop (seeds -> staging
// views -> two tables, 20 schema tests and a singular test) built by the shoplytics
// binary as a user runs it, with its artifacts and its warehouse checked.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.h"
#include "common/files.h"
#include "duck_rows.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"

namespace shoplytics {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::CliRun;
using testing::DuckRows;
using testing::RunShoplytics;
using testing::ShellQuote;

class JaffleShop : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<TempDir> dir = TempDir::Create("jaffle");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    project_ = dir_->path() / "jaffle_shop";
    fs::copy(fs::path(SHOPLYTICS_SOURCE_DIR) / "tests/projects/jaffle_shop", project_,
             fs::copy_options::recursive);
  }

  CliRun Run(const std::string& args) {
    return RunShoplytics(args + " --project-dir " + ShellQuote(project_.string()),
                         dir_->path().string());
  }

  json ReadJson(const std::string& relative) {
    Result<std::string> text = ReadFile(project_ / relative);
    EXPECT_TRUE(text.ok()) << relative;
    return text.ok() ? json::parse(*text, nullptr, false) : json();
  }

  std::vector<std::string> Rows(const std::string& sql) {
    warehouse::DatabaseOptions options;
    options.read_only = true;
    Result<warehouse::Database> db =
        warehouse::Database::Open((project_ / "jaffle_shop.duckdb").string(), options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return {};
    Result<warehouse::Connection> conn = warehouse::Connection::Open(*db);
    EXPECT_TRUE(conn.ok());
    return DuckRows(*conn, sql);
  }

  std::unique_ptr<TempDir> dir_;
  fs::path project_;
};

TEST_F(JaffleShop, BuildsWithEveryTestPassing) {
  CliRun build = Run("build");
  // 3 seeds, 5 models, 20 schema tests and 1 singular test.
  EXPECT_EQ(build.exit_code, 0) << build.out << build.err;
  EXPECT_NE(build.out.find("Done. PASS=29 WARN=0 ERROR=0 SKIP=0 TOTAL=29"), std::string::npos)
      << build.out;
  EXPECT_NE(build.out.find("OK loaded seed file main.raw_customers"), std::string::npos);
  EXPECT_NE(build.out.find("OK created sql view model main.stg_orders"), std::string::npos);
  EXPECT_NE(build.out.find("OK created sql table model main.customers"), std::string::npos);
  EXPECT_NE(build.out.find("PASS relationships_orders_customer_id__customer_id__ref_customers_"),
            std::string::npos)
      << build.out;

  EXPECT_EQ(Rows("select count(*) from main.customers"), std::vector<std::string>{"30"});
  EXPECT_EQ(Rows("select count(*) from main.orders"), std::vector<std::string>{"60"});
  EXPECT_EQ(Rows("select table_type from information_schema.tables where table_name = "
                 "'stg_orders'"),
            std::vector<std::string>{"VIEW"});
  // The payment pivot adds up.
  EXPECT_EQ(Rows("select count(*) from main.orders where amount <> credit_card_amount + "
                 "coupon_amount + bank_transfer_amount + gift_card_amount"),
            std::vector<std::string>{"0"});

  json manifest = ReadJson("target/manifest.json");
  ASSERT_TRUE(manifest.is_object());
  const json& orders = manifest["nodes"]["model.jaffle_shop.orders"];
  EXPECT_EQ(orders["config"]["materialized"], "table");
  EXPECT_NE(orders["description"].get<std::string>().find("basic information about orders"),
            std::string::npos);
  std::vector<std::string> parents = orders["depends_on"]["nodes"];
  EXPECT_EQ(parents, (std::vector<std::string>{"model.jaffle_shop.stg_orders",
                                               "model.jaffle_shop.stg_payments"}));
  EXPECT_NE(orders["compiled_code"].get<std::string>().find("coupon_amount"), std::string::npos);

  json results = ReadJson("target/run_results.json");
  ASSERT_EQ(results["results"].size(), 29u);
  for (const json& result : results["results"]) {
    EXPECT_TRUE(result["status"] == "success" || result["status"] == "pass") << result.dump();
  }
  EXPECT_TRUE(fs::exists(project_ / "target/compiled/jaffle_shop/models/orders.sql"));
}

TEST_F(JaffleShop, RunSelectsAndSkipsDependentsOfAFailure) {
  ASSERT_EQ(Run("seed").exit_code, 0);
  // Break stg_payments: customers and orders read it and are skipped; stg_customers and
  // stg_orders still build.
  {
    std::ofstream out(project_ / "models/staging/stg_payments.sql");
    out << "select id as payment_id,\n  order_id,\n  no_such_column as amount\nfrom {{ "
           "ref('raw_payments') }}\n";
  }
  CliRun run = Run("run");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("Done. PASS=2 WARN=0 ERROR=1 SKIP=2 TOTAL=5"), std::string::npos)
      << run.out;
  // The error names the model, its file, the compiled line and DuckDB's message.
  EXPECT_NE(run.out.find("Runtime Error in model stg_payments (models/staging/stg_payments.sql)"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("no_such_column"), std::string::npos);
  EXPECT_NE(run.out.find("line 3 of the compiled SQL"), std::string::npos) << run.out;

  CliRun selected = Run("run -s stg_orders+ --exclude customers");
  EXPECT_EQ(selected.exit_code, 1) << selected.out;  // orders reads the broken stg_payments
  EXPECT_NE(selected.out.find("TOTAL=2"), std::string::npos) << selected.out;
}

TEST_F(JaffleShop, CompileListAndDocs) {
  CliRun compile = Run("compile -s orders");
  EXPECT_EQ(compile.exit_code, 0) << compile.out << compile.err;
  EXPECT_NE(compile.out.find("sum(case when payment_method = 'gift_card' then amount else 0 end)"),
            std::string::npos)
      << compile.out;
  EXPECT_NE(compile.out.find("\"main\".\"stg_orders\""), std::string::npos);
  // SQL for PostgreSQL: this project has no dialect macros, so the same SQL; a dialect we
  // do not know, and a build with another dialect than its warehouse's, are refused.
  CliRun for_postgres = Run("compile -s orders --full-refresh --dialect postgres");
  EXPECT_EQ(for_postgres.exit_code, 0) << for_postgres.out << for_postgres.err;
  EXPECT_NE(for_postgres.out.find("\"main\".\"stg_orders\""), std::string::npos);
  EXPECT_EQ(Run("compile --dialect oracle").exit_code, 2);
  EXPECT_EQ(Run("build --dialect postgres").exit_code, 2);

  CliRun ls = Run("ls --resource-type model --output name");
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out, "customers\norders\nstg_customers\nstg_orders\nstg_payments\n");
  CliRun tagged = Run("ls -s tag:staging --resource-type model --output name");
  EXPECT_EQ(tagged.out, "stg_customers\nstg_orders\nstg_payments\n");

  ASSERT_EQ(Run("build").exit_code, 0);
  CliRun docs = Run("docs generate");
  EXPECT_EQ(docs.exit_code, 0) << docs.out << docs.err;
  EXPECT_TRUE(fs::exists(project_ / "target/index.html"));
  json catalog = ReadJson("target/catalog.json");
  EXPECT_EQ(catalog["nodes"]["model.jaffle_shop.customers"]["columns"].size(), 7u)
      << catalog.dump();

  // query finds the warehouse through the profile.
  CliRun query = RunShoplytics("--project " + ShellQuote(project_.string()) +
                                   " query --format csv 'select count(*) as n from customers'",
                               dir_->path().string());
  EXPECT_EQ(query.exit_code, 0) << query.err;
  EXPECT_EQ(query.out, "n\n30\n");
}

TEST_F(JaffleShop, JsonSummaryAndBadVars) {
  // --json is a global flag: it precedes the command.
  CliRun seed = Run("--json seed");
  EXPECT_EQ(seed.exit_code, 0) << seed.err;
  json summary = json::parse(seed.out, nullptr, false);
  ASSERT_TRUE(summary.is_object()) << seed.out;
  EXPECT_EQ(summary["pass"], 3);
  EXPECT_EQ(summary["results"].size(), 3u);

  CliRun bad = Run("run --vars '[1, 2]'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--vars"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace shoplytics
