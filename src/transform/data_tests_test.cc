#include "transform/data_tests.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "duck_rows.h"

namespace shoplytics::transform {
namespace {

using warehouse::Connection;
using warehouse::Database;
using warehouse::QueryResult;
using warehouse::Timestamp;
using Rows = std::vector<std::string>;

class DataTestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::OpenInMemory().value());
    conn_ = std::move(Connection::Open(db_).value());
    Status status = conn_.Execute(
        "CREATE SCHEMA analytics;"
        "CREATE TABLE analytics.customers AS SELECT * FROM (VALUES (1), (2), (3)) t(id);"
        "CREATE TABLE analytics.orders AS SELECT * FROM (VALUES "
        "(1, 1, 'placed'), (2, 1, 'shipped'), (2, 2, 'shipped'), (3, 9, 'lost'),"
        "(4, NULL, 'returned'), (NULL, 3, NULL), (5, 8, 'placed'), (5, 8, 'placed')) "
        "t(order_id, customer_id, status)");
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  Rows Query(const std::string& sql) { return testing::DuckRows(conn_, sql); }

  DataTestResult Run(const std::string& sql, TestConfig config = {}) {
    DataTest test{"a_test", sql, config, "analytics", std::nullopt};
    Result<DataTestResult> result = RunDataTest(adapter_, conn_, test);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : DataTestResult{};
  }

  int64_t Failures(const std::string& sql) { return Run(sql).failures; }

  warehouse::DuckDbAdapter adapter_;
  Database db_;
  Connection conn_;
  const Relation orders_{"analytics", "orders"};
  const Relation customers_{"analytics", "customers"};

  // What a generic test over `model` reads, with dbt's `where` when given.
  TestedFrom From(const Relation& model, std::string_view where = "") const {
    return TestedFrom{TestedRelation(adapter_, model, where)};
  }
};

TEST_F(DataTestTest, GenericTestsCountTheirFailingRowsAsDbt) {
  struct Case {
    std::string what;
    std::string sql;
    int64_t failures;
  };
  const std::vector<Case> cases = {
      {"unique: order ids 2 and 5 repeat", UniqueTestSql(From(orders_), "order_id"), 2},
      {"unique on a clean column", UniqueTestSql(From(customers_), "id"), 0},
      {"not_null", NotNullTestSql(From(orders_), "customer_id"), 1},
      {"not_null with where", NotNullTestSql(From(orders_, "order_id < 4"), "customer_id"), 0},
      {"accepted_values: lost and returned",
       AcceptedValuesTestSql(adapter_, From(orders_), "status", {"placed", "shipped"}), 2},
      {"accepted_values, NULL is no failure",
       AcceptedValuesTestSql(adapter_, From(orders_), "status",
                             {"placed", "shipped", "lost", "returned"}),
       0},
      {"accepted_values unquoted",
       AcceptedValuesTestSql(adapter_, From(orders_), "order_id", {"1", "2", "3"}, false), 2},
      {"accepted_values with where",
       AcceptedValuesTestSql(adapter_, From(orders_, "status <> 'lost'"), "status",
                             {"placed", "shipped"}),
       1},
      {"relationships: customers 9, 8, 8",
       RelationshipsTestSql(adapter_, From(orders_), "customer_id", customers_, "id"), 3},
      {"relationships with where",
       RelationshipsTestSql(adapter_, From(orders_, "order_id <> 5"), "customer_id", customers_,
                            "id"),
       1},
      {"singular", "select * from analytics.orders where order_id > 4", 2},
  };
  for (const Case& c : cases) EXPECT_EQ(Failures(c.sql), c.failures) << c.what << "\n" << c.sql;
}

TEST_F(DataTestTest, GeneratesDbtsSql) {
  EXPECT_EQ(UniqueTestSql(From(orders_, "status = 'placed'"), "order_id"),
            "select order_id as unique_field, count(*) as n_records\n"
            "from (select * from \"analytics\".\"orders\" where status = 'placed') dbt_subquery\n"
            "where order_id is not null\ngroup by order_id\nhaving count(*) > 1");
  EXPECT_EQ(AcceptedValuesTestSql(adapter_, From(orders_), "status", {"it's", "b"}),
            "with all_values as (\n  select status as value_field, count(*) as n_records\n"
            "  from \"analytics\".\"orders\"\n  group by status\n)\nselect *\nfrom all_values\n"
            "where value_field not in ('it''s', 'b')");
}

TEST_F(DataTestTest, SeverityWarnIfAndErrorIfDecideTheStatus) {
  struct Case {
    Severity severity;
    std::string warn_if, error_if;
    int64_t failures;
    TestStatus status;
  };
  const std::vector<Case> cases = {
      {Severity::kError, "!=0", "!=0", 0, TestStatus::kPass},
      {Severity::kError, "!=0", "!=0", 3, TestStatus::kError},
      {Severity::kWarn, "!=0", "!=0", 3, TestStatus::kWarn},
      {Severity::kWarn, "!=0", "!=0", 0, TestStatus::kPass},
      {Severity::kError, "!=0", ">10", 3, TestStatus::kWarn},
      {Severity::kError, "!=0", ">10", 11, TestStatus::kError},
      {Severity::kError, ">5", ">10", 3, TestStatus::kPass},
      {Severity::kError, ">= 3", "> 3", 3, TestStatus::kWarn},
      {Severity::kError, "<>0", "=3", 3, TestStatus::kError},
      {Severity::kError, "==2", "<1", 2, TestStatus::kWarn},
      {Severity::kError, "!=0", "<=0", 0, TestStatus::kError},
      {Severity::kWarn, "!=0", ">1", 11, TestStatus::kWarn},  // warn never errors
  };
  for (const Case& c : cases) {
    TestConfig config;
    config.severity = c.severity;
    config.warn_if = c.warn_if;
    config.error_if = c.error_if;
    std::string sql = "select * from range(" + std::to_string(c.failures) + ")";
    DataTestResult result = Run(sql, config);
    EXPECT_EQ(result.failures, c.failures);
    EXPECT_EQ(TestStatusName(result.status), TestStatusName(c.status))
        << c.warn_if << " / " << c.error_if << " with " << c.failures;
  }
}

TEST_F(DataTestTest, ParsesSeverityAndRejectsBadThresholds) {
  EXPECT_EQ(ParseSeverity("ERROR").value(), Severity::kError);
  EXPECT_EQ(ParseSeverity("warn").value(), Severity::kWarn);
  EXPECT_FALSE(ParseSeverity("fatal").ok());
  for (std::string bad : {"", "10", "> ten", ">1; drop table x", "=>1", "> 1.5"}) {
    EXPECT_FALSE(Threshold::Parse(bad).ok()) << bad;
  }
  TestConfig config;
  config.error_if = "more than 3";
  Result<DataTestResult> result = RunDataTest(
      adapter_, conn_, DataTest{"my_test", "select 1", config, "analytics", std::nullopt});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "test my_test: bad threshold 'more than 3' (expected an operator and an integer, "
            "e.g. '!=0' or '>10')");
}

TEST_F(DataTestTest, StoreFailuresKeepsTheFailingRowsInTheAuditSchema) {
  TestConfig config;
  config.store_failures = true;
  DataTest test{"accepted_values_orders_status__placed__shipped",
                AcceptedValuesTestSql(adapter_, From(orders_), "status", {"placed", "shipped"}),
                config, "analytics", std::nullopt};
  Result<DataTestResult> result = RunDataTest(adapter_, conn_, test);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->failures, 2);
  EXPECT_EQ(result->status, TestStatus::kError);
  ASSERT_TRUE(result->stored_failures.has_value());
  EXPECT_EQ(result->stored_failures->schema, "analytics_dbt_test__audit");
  EXPECT_EQ(Query("SELECT * FROM analytics_dbt_test__audit."
                  "accepted_values_orders_status__placed__shipped ORDER BY 1"),
            (Rows{"lost|1", "returned|1"}));
  // A passing rerun replaces the stored rows.
  ASSERT_TRUE(
      conn_.Execute("DELETE FROM analytics.orders WHERE status IN ('lost', 'returned')").ok());
  result = RunDataTest(adapter_, conn_, test);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, TestStatus::kPass);
  EXPECT_EQ(Query("SELECT count(*) FROM analytics_dbt_test__audit."
                  "accepted_values_orders_status__placed__shipped"),
            (Rows{"0"}));
}

TEST_F(DataTestTest, LimitCapsTheCount) {
  TestConfig config;
  config.limit = 2;
  EXPECT_EQ(Run("select * from range(10)", config).failures, 2);
}

TEST_F(DataTestTest, BadSqlNamesTheTest) {
  Result<DataTestResult> result = RunDataTest(
      adapter_, conn_,
      DataTest{"not_null_orders_nope", "select * from nowhere", {}, "analytics", std::nullopt});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(result.status().message().starts_with("test not_null_orders_nope: "))
      << result.status().message();
}

TEST_F(DataTestTest, AProvenKeyCheckPassesWithoutRunningTheSqlAndAnUnprovenOneRunsIt) {
  // The SQL would fail: run only when the adapter cannot prove the test passes.
  const std::string unrun = "select * from a_table_that_does_not_exist";
  auto run = [&](std::optional<KeyCheck> check, TestConfig config = {}) {
    return RunDataTest(adapter_, conn_, DataTest{"t", unrun, config, "analytics", check});
  };
  const std::string customers = adapter_.QualifiedName("analytics", "customers");
  const std::string orders = adapter_.QualifiedName("analytics", "orders");
  KeyCheck unique_ids{KeyCheck::Kind::kUnique, customers, "id", "", ""};
  Result<DataTestResult> proven = run(unique_ids);
  ASSERT_TRUE(proven.ok()) << proven.status().ToString();
  EXPECT_EQ(proven->status, TestStatus::kPass);
  EXPECT_EQ(proven->failures, 0);
  // Thresholds still judge the count: 0 failures is an error under error_if '=0'.
  TestConfig inverted;
  inverted.error_if = "=0";
  inverted.warn_if = "=0";
  EXPECT_EQ(run(unique_ids, inverted)->status, TestStatus::kError);
  // Duplicates (order 2 and 5 twice): not proven, so the SQL runs, and fails to plan here.
  EXPECT_FALSE(run(KeyCheck{KeyCheck::Kind::kUnique, orders, "order_id", "", ""}).ok());
  // store_failures wants the failing rows' table: the SQL runs.
  TestConfig stored;
  stored.store_failures = true;
  EXPECT_FALSE(run(unique_ids, stored).ok());
  // Relationships: customer 1 and 2 are customers; 8 and 9 are not.
  KeyCheck known{KeyCheck::Kind::kRelationships,
                 TestedRelation(adapter_, orders_, "customer_id < 3"), "customer_id", customers,
                 "id"};
  Result<DataTestResult> contained = run(known);
  ASSERT_TRUE(contained.ok()) << contained.status().ToString();
  EXPECT_EQ(contained->status, TestStatus::kPass);
  known.from_sql = orders;
  EXPECT_FALSE(run(known).ok());
  // A check the adapter cannot run leaves the error to the test's own SQL, which names it.
  Result<DataTestResult> broken =
      RunDataTest(adapter_, conn_,
                  DataTest{"unique_customers_nope",
                           UniqueTestSql(From(customers_), "nope"),
                           {},
                           "analytics",
                           KeyCheck{KeyCheck::Kind::kUnique, customers, "nope", "", ""}});
  ASSERT_FALSE(broken.ok());
  EXPECT_TRUE(broken.status().message().starts_with("test unique_customers_nope: "));
}

// --- Freshness.

Timestamp At(int day, int hour, int minute = 0) {
  using namespace std::chrono;
  return Timestamp(sys_days(year(2024) / March / day) + hours(hour) + minutes(minute));
}

class DataTestFreshness : public DataTestTest {
 protected:
  void SetUp() override {
    DataTestTest::SetUp();
    ASSERT_TRUE(conn_
                    .Execute("CREATE SCHEMA raw; CREATE TABLE raw.events AS SELECT * FROM "
                             "(VALUES (TIMESTAMP '2024-03-01 08:00:00', 'web'), "
                             "(TIMESTAMP '2024-03-01 10:00:00', 'app')) t(loaded_at, channel)")
                    .ok());
    config_.warn_after = FreshnessThreshold{2, FreshnessPeriod::kHour};
    config_.error_after = FreshnessThreshold{1, FreshnessPeriod::kDay};
  }
  FreshnessResult Check(Timestamp now, std::string_view field = "loaded_at") {
    Result<FreshnessResult> result =
        CheckFreshness(adapter_, conn_, {"raw", "events"}, field, config_, now);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : FreshnessResult{};
  }
  FreshnessConfig config_;
};

TEST_F(DataTestFreshness, AgeAgainstWarnAfterAndErrorAfter) {
  struct Case {
    Timestamp now;
    TestStatus status;
    std::chrono::minutes age;
  };
  const std::vector<Case> cases = {
      {At(1, 11), TestStatus::kPass, std::chrono::minutes(60)},
      {At(1, 12), TestStatus::kPass, std::chrono::minutes(120)},  // not over 2 hours
      {At(1, 12, 1), TestStatus::kWarn, std::chrono::minutes(121)},
      {At(2, 10), TestStatus::kWarn, std::chrono::minutes(24 * 60)},
      {At(2, 10, 1), TestStatus::kError, std::chrono::minutes(24 * 60 + 1)},
  };
  for (const Case& c : cases) {
    FreshnessResult result = Check(c.now);
    EXPECT_EQ(TestStatusName(result.status), TestStatusName(c.status)) << c.age.count();
    EXPECT_EQ(result.age, c.age);
    ASSERT_TRUE(result.max_loaded_at.has_value());
    EXPECT_EQ(*result.max_loaded_at, At(1, 10));
    EXPECT_EQ(result.snapshotted_at, c.now);
  }
}

TEST_F(DataTestFreshness, FilterMinutePeriodAndMissingThresholds) {
  config_.filter = "channel = 'web'";
  config_.warn_after = FreshnessThreshold{30, FreshnessPeriod::kMinute};
  config_.error_after.reset();
  FreshnessResult result = Check(At(1, 9));
  EXPECT_EQ(result.status, TestStatus::kWarn);
  EXPECT_EQ(result.age, std::chrono::hours(1));
  config_.warn_after.reset();
  EXPECT_EQ(Check(At(9, 9)).status, TestStatus::kPass);
}

TEST_F(DataTestFreshness, DatesAndTimestampsWithTimeZoneWork) {
  EXPECT_EQ(*Check(At(2, 0), "CAST(loaded_at AS DATE)").max_loaded_at, At(1, 0));
  ASSERT_TRUE(conn_.Execute("SET TimeZone = 'UTC'").ok());
  EXPECT_EQ(*Check(At(2, 0), "CAST(loaded_at AS TIMESTAMPTZ)").max_loaded_at, At(1, 10));
}

TEST_F(DataTestFreshness, AnEmptyTableIsAsStaleAsItGets) {
  ASSERT_TRUE(conn_.Execute("DELETE FROM raw.events").ok());
  FreshnessResult result = Check(At(1, 10));
  EXPECT_EQ(result.status, TestStatus::kError);
  EXPECT_FALSE(result.max_loaded_at.has_value());
  config_ = {};
  EXPECT_EQ(Check(At(1, 10)).status, TestStatus::kPass);
}

TEST_F(DataTestFreshness, AMissingTableNamesIt) {
  Result<FreshnessResult> result =
      CheckFreshness(adapter_, conn_, {"raw", "nope"}, "loaded_at", config_, At(1, 1));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().message().starts_with("freshness of raw.nope: "))
      << result.status().message();
  EXPECT_EQ(ParseFreshnessPeriod("week").status().message(),
            "unknown freshness period 'week' (expected minute, hour or day)");
}

}  // namespace
}  // namespace shoplytics::transform
