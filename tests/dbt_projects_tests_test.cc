// End-to-end: `shoplytics test`, `build` and `source freshness` over tests/projects/dp_tests
// and dp_freshness: generic, custom generic and singular tests passing and failing,
// severity and warn_if / error_if, store_failures, build skipping the children of a model
// whose test fails, and freshness PASS / WARN / ERROR STALE with target/sources.json.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "dbt_project_fixture.h"

namespace shoplytics {
namespace {

using testing::CliRun;
using Strings = std::vector<std::string>;

class DbtProjectTests : public testing::DbtProjectFixture {
 protected:
  void SetUp() override {
    UseProject("dp_tests");
    CliRun seed = Run("seed");
    ASSERT_EQ(seed.exit_code, 0) << seed.out << seed.err;
  }

  // unique_id -> status, from target/run_results.json.
  std::map<std::string, std::string> Statuses() {
    std::map<std::string, std::string> statuses;
    nlohmann::json results = ReadJson("target/run_results.json");
    for (const nlohmann::json& result : results["results"]) {
      statuses[result["unique_id"].get<std::string>()] = result["status"].get<std::string>();
    }
    return statuses;
  }
};

TEST_F(DbtProjectTests, GenericCustomAndSingularTestsPass) {
  ASSERT_EQ(Run("run").exit_code, 0);
  CliRun test = Run("test -s stg_orders stg_customers");
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
  EXPECT_TRUE(Contains(test.out, "Done. PASS=8 WARN=0 ERROR=0 SKIP=0 TOTAL=8")) << test.out;
  for (const std::string name :
       {"unique_stg_customers_id", "not_null_stg_customers_id", "unique_stg_orders_order_id",
        "not_null_stg_orders_order_id", "accepted_values_stg_orders_status__placed__shipped",
        "relationships_stg_orders_customer_id__id__ref_stg_customers_",
        "is_positive_stg_orders_amount", "assert_orders_have_amounts"}) {
    EXPECT_TRUE(Contains(test.out, "PASS " + name)) << name << "\n" << test.out;
  }
  for (const auto& [id, status] : Statuses()) EXPECT_EQ(status, "pass") << id;
}

TEST_F(DbtProjectTests, FailingTestsCountRowsAndHonourSeverityAndThresholds) {
  ASSERT_EQ(Run("run").exit_code, 0);
  CliRun test = Run("test -s dirty_model");
  EXPECT_EQ(test.exit_code, 1) << test.out << test.err;
  EXPECT_TRUE(Contains(test.out, "Done. PASS=1 WARN=2 ERROR=6 SKIP=0 TOTAL=9")) << test.out;
  EXPECT_TRUE(Contains(test.out, "FAIL 1 unique_dirty_model_id")) << test.out;
  EXPECT_TRUE(Contains(test.out, "FAIL 1 not_null_dirty_model_customer_id")) << test.out;
  EXPECT_TRUE(Contains(test.out, "FAIL 1 accepted_values_dirty_model_status__placed__shipped"))
      << test.out;
  EXPECT_TRUE(
      Contains(test.out, "FAIL 1 relationships_dirty_model_customer_id__id__ref_customers_"))
      << test.out;
  EXPECT_TRUE(Contains(test.out, "FAIL 1 assert_dirty_ids_below_5")) << test.out;
  // severity: warn.
  EXPECT_TRUE(Contains(test.out, "WARN 1 is_positive_dirty_model_amount")) << test.out;
  // 3 failures: warn_if ">1" / error_if ">5" warns, error_if ">2" fails, and 1 failure
  // under warn_if ">1" passes.
  EXPECT_TRUE(Contains(test.out, "WARN 3 not_null_dirty_model_note")) << test.out;
  EXPECT_TRUE(Contains(test.out, "FAIL 3 not_null_dirty_model_code")) << test.out;
  EXPECT_TRUE(Contains(test.out, "PASS not_null_dirty_model_name")) << test.out;

  std::map<std::string, std::string> statuses = Statuses();
  EXPECT_EQ(statuses["test.dp_tests.unique_dirty_model_id"], "fail");
  EXPECT_EQ(statuses["test.dp_tests.not_null_dirty_model_note"], "warn");
  EXPECT_EQ(statuses["test.dp_tests.not_null_dirty_model_name"], "pass");

  // store_failures: the failing rows of the unique test, in <schema>_dbt_test__audit.
  EXPECT_EQ(Rows("select count(*) from main_dbt_test__audit.unique_dirty_model_id"), Strings{"1"});
  EXPECT_EQ(Rows("select unique_field from main_dbt_test__audit.unique_dirty_model_id"),
            Strings{"2"});
  // Tests without store_failures leave no table.
  EXPECT_EQ(Rows("select count(*) from information_schema.tables where table_schema = "
                 "'main_dbt_test__audit' and table_name = 'not_null_dirty_model_customer_id'"),
            Strings{"0"});

  // Only warnings: exit 0.
  CliRun warn_only = Run("test -s is_positive_dirty_model_amount not_null_dirty_model_note");
  EXPECT_EQ(warn_only.exit_code, 0) << warn_only.out << warn_only.err;
  EXPECT_TRUE(Contains(warn_only.out, "Done. PASS=0 WARN=2 ERROR=0 SKIP=0 TOTAL=2"))
      << warn_only.out;

  // --store-failures stores every selected test's rows.
  CliRun stored = Run("test -s not_null_dirty_model_customer_id --store-failures");
  EXPECT_EQ(stored.exit_code, 1) << stored.out << stored.err;
  EXPECT_EQ(Rows("select id from main_dbt_test__audit.not_null_dirty_model_customer_id"),
            Strings{"3"});
}

TEST_F(DbtProjectTests, BuildSkipsChildrenOfAModelWhoseTestFails) {
  CliRun build = Run("build -s dirty_model+");
  EXPECT_EQ(build.exit_code, 1) << build.out << build.err;
  EXPECT_TRUE(Contains(build.out, "OK created sql table model main.dirty_model")) << build.out;
  EXPECT_TRUE(Contains(build.out, "SKIP relation main.dirty_child")) << build.out;
  EXPECT_FALSE(Contains(build.out, "OK created sql table model main.dirty_child")) << build.out;
  EXPECT_EQ(Rows("select count(*) from information_schema.tables where table_name = "
                 "'dirty_child'"),
            Strings{"0"});
  EXPECT_EQ(Statuses()["model.dp_tests.dirty_child"], "skipped");

  // Everything upstream of clean_child passes, so it builds. Eager selection would add
  // dirty_model's relationships test to the customers seed (a parent is selected), which
  // fails; cautious leaves it out.
  CliRun eager = Run("build -s +clean_child");
  EXPECT_EQ(eager.exit_code, 1) << eager.out << eager.err;
  EXPECT_TRUE(
      Contains(eager.out, "FAIL 1 relationships_dirty_model_customer_id__id__ref_customers_"))
      << eager.out;
  CliRun clean = Run("build -s +clean_child --indirect-selection cautious");
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  // 2 seeds, 2 views, their 8 tests, the table.
  EXPECT_TRUE(Contains(clean.out, "Done. PASS=13 WARN=0 ERROR=0 SKIP=0 TOTAL=13")) << clean.out;
  EXPECT_TRUE(Contains(clean.out, "OK created sql table model main.clean_child")) << clean.out;
  EXPECT_EQ(Rows("select count(*) from main.clean_child"), Strings{"3"});
}

TEST_F(DbtProjectTests, SourceTestsWhereAndUnquotedAcceptedValues) {
  ASSERT_EQ(Run("run").exit_code, 0);
  WriteFile("models/sources.yml", R"(version: 2

sources:
  - name: raw
    schema: main
    tables:
      - name: orders
        columns:
          - name: order_id
            data_tests: [unique]
          - name: customer_id
            data_tests:
              - relationships:
                  to: source('raw', 'customers')
                  field: id
      - name: customers
)");
  WriteFile("models/more.yml", R"(version: 2

models:
  - name: clean_child
    columns:
      - name: order_id
        data_tests:
          - accepted_values:
              values: [10, 11]
              quote: false
              config:
                where: "order_id < 12"
)");
  CliRun test = Run("test -s source:raw clean_child");
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
  EXPECT_TRUE(Contains(test.out, "PASS source_unique_raw_orders_order_id")) << test.out;
  EXPECT_TRUE(Contains(
      test.out, "PASS source_relationships_raw_orders_customer_id__id__source_raw_customers_"))
      << test.out;
  // dbt names the test from the Python repr of its arguments: quote: false is "False".
  EXPECT_TRUE(Contains(test.out, "PASS accepted_values_clean_child_order_id__False__10__11"))
      << test.out;
  // Without the where, order 12 fails the unquoted values.
  WriteFile("models/more.yml", R"(version: 2

models:
  - name: clean_child
    columns:
      - name: order_id
        data_tests:
          - accepted_values:
              values: [10, 11]
              quote: false
)");
  CliRun unfiltered = Run("test -s clean_child");
  EXPECT_EQ(unfiltered.exit_code, 1) << unfiltered.out << unfiltered.err;
  EXPECT_TRUE(Contains(unfiltered.out, "FAIL 1 accepted_values_clean_child_order_id"))
      << unfiltered.out;
}

class DbtProjectFreshness : public testing::DbtProjectFixture {
 protected:
  void SetUp() override {
    UseProject("dp_freshness");
    Exec("create schema raw");
    for (const auto& [table, age] :
         std::map<std::string, std::string>{{"fresh_events", "5 minutes"},
                                            {"late_events", "3 hours"},
                                            {"stale_events", "3 days"},
                                            {"strict_events", "20 minutes"}}) {
      Exec("create table raw." + table + " as select (now() - interval '" + age +
           "')::timestamptz as loaded_at, 1 as id");
    }
  }
};

TEST_F(DbtProjectFreshness, PassWarnAndErrorStaleWithSourcesJson) {
  CliRun fresh = Run("source freshness");
  EXPECT_EQ(fresh.exit_code, 1) << fresh.out << fresh.err;
  EXPECT_TRUE(Contains(fresh.out, "PASS freshness of raw.fresh_events")) << fresh.out;
  EXPECT_TRUE(Contains(fresh.out, "WARN freshness of raw.late_events")) << fresh.out;
  EXPECT_TRUE(Contains(fresh.out, "ERROR STALE freshness of raw.stale_events")) << fresh.out;
  // The table's own thresholds (10 / 30 minutes) override the source's.
  EXPECT_TRUE(Contains(fresh.out, "WARN freshness of raw.strict_events")) << fresh.out;
  EXPECT_TRUE(Contains(fresh.out, "Done. PASS=1 WARN=2 ERROR=1 SKIP=0 TOTAL=4")) << fresh.out;

  nlohmann::json sources = ReadJson("target/sources.json");
  ASSERT_TRUE(sources["results"].is_array()) << sources.dump();
  std::map<std::string, nlohmann::json> by_id;
  for (const nlohmann::json& result : sources["results"]) {
    by_id[result["unique_id"].get<std::string>()] = result;
  }
  ASSERT_EQ(by_id.size(), 4u) << sources.dump();
  EXPECT_EQ(by_id["source.dp_freshness.raw.fresh_events"]["status"], "pass");
  EXPECT_EQ(by_id["source.dp_freshness.raw.late_events"]["status"], "warn");
  EXPECT_EQ(by_id["source.dp_freshness.raw.stale_events"]["status"], "error");
  EXPECT_EQ(by_id["source.dp_freshness.raw.strict_events"]["status"], "warn");
  const nlohmann::json& late = by_id["source.dp_freshness.raw.late_events"];
  EXPECT_TRUE(late.contains("max_loaded_at")) << late.dump();
  // About three hours old: between 2 and 4 hours whatever the machine's speed.
  ASSERT_TRUE(late["max_loaded_at_time_ago_in_s"].is_number()) << late.dump();
  EXPECT_GT(late["max_loaded_at_time_ago_in_s"].get<double>(), 2 * 3600.0);
  EXPECT_LT(late["max_loaded_at_time_ago_in_s"].get<double>(), 4 * 3600.0);
  EXPECT_EQ(late["criteria"]["warn_after"]["count"], 1) << late.dump();
  EXPECT_EQ(late["criteria"]["warn_after"]["period"], "hour") << late.dump();

  // Only the fresh table: exit 0.
  CliRun one = Run("source freshness -s source:raw.fresh_events");
  EXPECT_EQ(one.exit_code, 0) << one.out << one.err;
  EXPECT_TRUE(Contains(one.out, "Done. PASS=1 WARN=0 ERROR=0 SKIP=0 TOTAL=1")) << one.out;
}

TEST_F(DbtProjectFreshness, FilterDateColumnAndAMissingTable) {
  Exec(
      "create table raw.filtered as select * from (values (now() - interval 5 minute, 'new'), "
      "(now() - interval 3 hour, 'old')) t(loaded_at, kind)");
  Exec("create table raw.dated as select current_date - 3 as loaded_on");
  WriteFile("models/sources.yml", R"(version: 2

sources:
  - name: raw
    schema: raw
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 1, period: hour}
    tables:
      - name: filtered
        freshness:
          warn_after: {count: 1, period: hour}
          filter: "kind = 'old'"
      - name: dated
        loaded_at_field: loaded_on
        freshness:
          error_after: {count: 1, period: day}
      - name: missing_events
      - name: not_checked
        freshness: null
)");
  CliRun fresh = Run("source freshness");
  EXPECT_EQ(fresh.exit_code, 1) << fresh.out << fresh.err;
  // The filter keeps only the 3-hour-old row.
  EXPECT_TRUE(Contains(fresh.out, "WARN freshness of raw.filtered")) << fresh.out;
  EXPECT_TRUE(Contains(fresh.out, "ERROR STALE freshness of raw.dated")) << fresh.out;
  // A table that does not exist is a runtime error naming it (dbt: "ERROR freshness of").
  EXPECT_TRUE(Contains(fresh.out, "ERROR freshness of raw.missing_events")) << fresh.out;
  EXPECT_TRUE(Contains(fresh.out, "missing_events does not exist")) << fresh.out;
  EXPECT_FALSE(Contains(fresh.out, "not_checked")) << fresh.out;
  EXPECT_TRUE(Contains(fresh.out, "Done. PASS=0 WARN=1 ERROR=2 SKIP=0 TOTAL=3")) << fresh.out;
}

}  // namespace
}  // namespace shoplytics
