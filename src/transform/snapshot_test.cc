#include "transform/snapshot.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/files.h"
#include "duck_rows.h"

namespace shoplytics::transform {
namespace {

using warehouse::Connection;
using warehouse::Database;
using warehouse::QueryResult;
using warehouse::Timestamp;
using Rows = std::vector<std::string>;

// Noon of January `day`, 2024: the snapshot's run times.
Timestamp Noon(int day) {
  using namespace std::chrono;
  return Timestamp(sys_days(year(2024) / January / day) + hours(12));
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::OpenInMemory().value());
    conn_ = std::move(Connection::Open(db_).value());
    Exec("CREATE SCHEMA raw");
    Exec(
        "CREATE TABLE raw.customers AS SELECT * FROM (VALUES "
        "(1, 'a', TIMESTAMP '2024-01-01 10:00:00'), (2, 'b', TIMESTAMP '2024-01-01 10:00:00')) "
        "t(id, name, updated_at)");
  }

  void Exec(const std::string& sql) {
    Status status = conn_.Execute(sql);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  Rows Query(const std::string& sql) { return testing::DuckRows(conn_, sql); }

  CompiledSnapshot Snapshot(SnapshotStrategy strategy, HardDeletes hard_deletes) {
    CompiledSnapshot snapshot;
    snapshot.name = "customers_snapshot";
    snapshot.relation = {"snapshots", "customers_snapshot"};
    snapshot.compiled_sql = "SELECT * FROM raw.customers";
    snapshot.config.strategy = strategy;
    snapshot.config.unique_key = {"id"};
    snapshot.config.updated_at = "updated_at";
    snapshot.config.check_cols = {"name"};
    snapshot.config.hard_deletes = hard_deletes;
    return snapshot;
  }

  SnapshotResult Run(const CompiledSnapshot& snapshot, int day) {
    Result<SnapshotResult> result = RunSnapshot(adapter_, conn_, snapshot, Noon(day));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    ExpectVersionsConsistent();
    return result.ok() ? *result : SnapshotResult{};
  }

  // id|name|valid_from|valid_to, oldest first.
  Rows Versions(const std::string& extra = "") {
    return Query(
        "SELECT id, name, strftime(dbt_valid_from, '%d %H:%M'), "
        "coalesce(strftime(dbt_valid_to, '%d %H:%M'), 'current')" +
        extra + " FROM snapshots.customers_snapshot ORDER BY id, dbt_valid_from");
  }

  // Versions of a key never overlap, and a key has at most one current version (exactly
  // one when the source holds it).
  void ExpectVersionsConsistent() {
    EXPECT_EQ(Query("SELECT count(*) FROM (SELECT dbt_valid_to, lead(dbt_valid_from) OVER "
                    "(PARTITION BY " +
                    key_ +
                    " ORDER BY dbt_valid_from, dbt_valid_to NULLS LAST) "
                    "AS next FROM snapshots.customers_snapshot) WHERE next IS NOT NULL AND "
                    "(dbt_valid_to IS NULL OR dbt_valid_to > next)"),
              (Rows{"0"}));
    EXPECT_EQ(Query("SELECT count(*) FROM (SELECT " + key_ +
                    " FROM snapshots.customers_snapshot "
                    "WHERE dbt_valid_to IS NULL GROUP BY ALL HAVING count(*) > 1)"),
              (Rows{"0"}));
    EXPECT_EQ(Query("SELECT count(*) FROM (SELECT DISTINCT " + key_ + " FROM (" + source_ +
                    ")) LEFT JOIN (SELECT " + key_ +
                    ", count(*) AS n FROM "
                    "snapshots.customers_snapshot WHERE dbt_valid_to IS NULL GROUP BY ALL) "
                    "USING (" +
                    key_ + ") WHERE n IS DISTINCT FROM 1"),
              (Rows{"0"}));
  }

  // Day 2: 1 changes, 2 is deleted, 3 is new.
  void ChangeOnDay2() {
    Exec(
        "UPDATE raw.customers SET name = 'a2', updated_at = TIMESTAMP '2024-01-02 09:00:00' "
        "WHERE id = 1");
    Exec("DELETE FROM raw.customers WHERE id = 2");
    Exec("INSERT INTO raw.customers VALUES (3, 'c', TIMESTAMP '2024-01-02 09:00:00')");
  }
  // Day 4: 2 comes back.
  void RestoreOnDay4() {
    Exec("INSERT INTO raw.customers VALUES (2, 'b4', TIMESTAMP '2024-01-04 08:00:00')");
  }

  warehouse::DuckDbAdapter adapter_;
  Database db_;
  Connection conn_;
  std::string key_ = "id";                              // the snapshot's unique key
  std::string source_ = "SELECT * FROM raw.customers";  // the snapshot's query
};

TEST_F(SnapshotTest, ParsesStrategiesAndHardDeletes) {
  EXPECT_EQ(ParseSnapshotStrategy("check").value(), SnapshotStrategy::kCheck);
  EXPECT_EQ(ParseHardDeletes("new_record").value(), HardDeletes::kNewRecord);
  EXPECT_EQ(ParseHardDeletes("delete").status().message(),
            "unknown hard_deletes 'delete' (expected one of: ignore, invalidate, new_record)");
}

TEST_F(SnapshotTest, FirstRunHasDbtsColumnsAndHash) {
  SnapshotResult result = Run(Snapshot(SnapshotStrategy::kTimestamp, HardDeletes::kIgnore), 1);
  EXPECT_TRUE(result.first_run);
  EXPECT_EQ(result.rows_inserted, 2);
  EXPECT_EQ(
      Query("SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE "
            "table_name = 'customers_snapshot' ORDER BY ordinal_position"),
      (Rows{"id INTEGER", "name VARCHAR", "updated_at TIMESTAMP", "dbt_scd_id VARCHAR",
            "dbt_updated_at TIMESTAMP", "dbt_valid_from TIMESTAMP", "dbt_valid_to TIMESTAMP"}));
  EXPECT_EQ(Query("SELECT dbt_scd_id = md5('1|2024-01-01 10:00:00'), dbt_updated_at FROM "
                  "snapshots.customers_snapshot WHERE id = 1"),
            (Rows{"true|2024-01-01 10:00:00"}));
}

TEST_F(SnapshotTest, TimestampIgnoringHardDeletes) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kTimestamp, HardDeletes::kIgnore);
  Run(snapshot, 1);
  EXPECT_EQ(Versions(), (Rows{"1|a|01 10:00|current", "2|b|01 10:00|current"}));
  ChangeOnDay2();
  SnapshotResult second = Run(snapshot, 2);
  EXPECT_FALSE(second.first_run);
  EXPECT_EQ(second.rows_inserted, 2);
  EXPECT_EQ(second.rows_closed, 1);
  EXPECT_EQ(Versions(), (Rows{"1|a|01 10:00|02 09:00", "1|a2|02 09:00|current",
                              "2|b|01 10:00|current", "3|c|02 09:00|current"}));
  SnapshotResult unchanged = Run(snapshot, 3);
  EXPECT_EQ(unchanged.rows_inserted, 0);
  EXPECT_EQ(unchanged.rows_closed, 0);
  RestoreOnDay4();
  Run(snapshot, 4);
  EXPECT_EQ(Versions(),
            (Rows{"1|a|01 10:00|02 09:00", "1|a2|02 09:00|current", "2|b|01 10:00|04 08:00",
                  "2|b4|04 08:00|current", "3|c|02 09:00|current"}));
}

TEST_F(SnapshotTest, TimestampInvalidatingHardDeletes) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kTimestamp, HardDeletes::kInvalidate);
  Run(snapshot, 1);
  ChangeOnDay2();
  SnapshotResult second = Run(snapshot, 2);
  EXPECT_EQ(second.rows_closed, 2);
  EXPECT_EQ(Versions(), (Rows{"1|a|01 10:00|02 09:00", "1|a2|02 09:00|current",
                              "2|b|01 10:00|02 12:00", "3|c|02 09:00|current"}));
  EXPECT_EQ(Run(snapshot, 3).rows_closed, 0);  // a deleted key is closed once
  RestoreOnDay4();
  Run(snapshot, 4);
  EXPECT_EQ(Versions(),
            (Rows{"1|a|01 10:00|02 09:00", "1|a2|02 09:00|current", "2|b|01 10:00|02 12:00",
                  "2|b4|04 08:00|current", "3|c|02 09:00|current"}));
}

TEST_F(SnapshotTest, TimestampWithNewRecordHardDeletes) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kTimestamp, HardDeletes::kNewRecord);
  Run(snapshot, 1);
  EXPECT_EQ(Versions(", dbt_is_deleted"),
            (Rows{"1|a|01 10:00|current|False", "2|b|01 10:00|current|False"}));
  ChangeOnDay2();
  SnapshotResult second = Run(snapshot, 2);
  EXPECT_EQ(second.rows_inserted, 3);  // 1's new version, 3, and 2's deletion record
  EXPECT_EQ(second.rows_closed, 2);
  EXPECT_EQ(Versions(", dbt_is_deleted"),
            (Rows{"1|a|01 10:00|02 09:00|False", "1|a2|02 09:00|current|False",
                  "2|b|01 10:00|02 12:00|False", "2|b|02 12:00|current|True",
                  "3|c|02 09:00|current|False"}));
  SnapshotResult third = Run(snapshot, 3);  // no second deletion record
  EXPECT_EQ(third.rows_inserted, 0);
  EXPECT_EQ(third.rows_closed, 0);
  RestoreOnDay4();
  Run(snapshot, 4);
  EXPECT_EQ(Versions(", dbt_is_deleted"),
            (Rows{"1|a|01 10:00|02 09:00|False", "1|a2|02 09:00|current|False",
                  "2|b|01 10:00|02 12:00|False", "2|b|02 12:00|04 08:00|True",
                  "2|b4|04 08:00|current|False", "3|c|02 09:00|current|False"}));
  EXPECT_EQ(Query("SELECT count(*) FROM snapshots.customers_snapshot WHERE dbt_scd_id = "
                  "md5('2|2024-01-02 12:00:00')"),
            (Rows{"1"}));
}

TEST_F(SnapshotTest, CheckStrategyVersionsOnlyCheckedColumnsAtTheSnapshotTime) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kCheck, HardDeletes::kIgnore);
  Run(snapshot, 1);
  EXPECT_EQ(Versions(), (Rows{"1|a|01 12:00|current", "2|b|01 12:00|current"}));
  Exec("UPDATE raw.customers SET name = 'a2' WHERE id = 1");
  Exec("UPDATE raw.customers SET updated_at = TIMESTAMP '2024-01-02 00:00:00' WHERE id = 2");
  SnapshotResult second = Run(snapshot, 2);
  EXPECT_EQ(second.rows_inserted, 1);
  EXPECT_EQ(Versions(),
            (Rows{"1|a|01 12:00|02 12:00", "1|a2|02 12:00|current", "2|b|01 12:00|current"}));
  EXPECT_EQ(Query("SELECT count(*) FROM snapshots.customers_snapshot WHERE dbt_scd_id = "
                  "md5('1|2024-01-02 12:00:00')"),
            (Rows{"1"}));
  Exec("UPDATE raw.customers SET name = NULL WHERE id = 2");  // NULL is a change
  Run(snapshot, 3);
  EXPECT_EQ(Versions(), (Rows{"1|a|01 12:00|02 12:00", "1|a2|02 12:00|current",
                              "2|b|01 12:00|03 12:00", "2|NULL|03 12:00|current"}));
}

TEST_F(SnapshotTest, CheckAllColumnsSeesEveryColumn) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kCheck, HardDeletes::kIgnore);
  snapshot.config.check_cols.clear();
  snapshot.config.check_all_columns = true;
  Run(snapshot, 1);
  Exec("UPDATE raw.customers SET updated_at = TIMESTAMP '2024-01-02 00:00:00' WHERE id = 2");
  EXPECT_EQ(Run(snapshot, 2).rows_inserted, 1);
  EXPECT_EQ(Versions(),
            (Rows{"1|a|01 12:00|current", "2|b|01 12:00|02 12:00", "2|b|02 12:00|current"}));
}

TEST_F(SnapshotTest, CheckStrategyInvalidatesAndReinsertsADeletedKey) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kCheck, HardDeletes::kInvalidate);
  Run(snapshot, 1);
  Exec("DELETE FROM raw.customers WHERE id = 2");
  Run(snapshot, 2);
  Exec("INSERT INTO raw.customers VALUES (2, 'b', TIMESTAMP '2024-01-01 10:00:00')");
  Run(snapshot, 3);
  EXPECT_EQ(Versions(),
            (Rows{"1|a|01 12:00|current", "2|b|01 12:00|02 12:00", "2|b|03 12:00|current"}));
}

TEST_F(SnapshotTest, CheckStrategyRecordsADeletionAndTheKeysReturn) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kCheck, HardDeletes::kNewRecord);
  Run(snapshot, 1);
  Exec("DELETE FROM raw.customers WHERE id = 2");
  Run(snapshot, 2);
  Exec("INSERT INTO raw.customers VALUES (2, 'b', TIMESTAMP '2024-01-01 10:00:00')");
  Run(snapshot, 3);
  EXPECT_EQ(Versions(", dbt_is_deleted"),
            (Rows{"1|a|01 12:00|current|False", "2|b|01 12:00|02 12:00|False",
                  "2|b|02 12:00|03 12:00|True", "2|b|03 12:00|current|False"}));
}

TEST_F(SnapshotTest, CompositeUniqueKey) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kTimestamp, HardDeletes::kInvalidate);
  snapshot.compiled_sql = "SELECT id, name, updated_at, 'eu' AS region FROM raw.customers";
  snapshot.config.unique_key = {"id", "region"};
  key_ = "id, region";
  source_ = snapshot.compiled_sql;
  Run(snapshot, 1);
  snapshot.compiled_sql =
      "SELECT id, name, updated_at, region FROM (SELECT *, 'eu' AS region FROM raw.customers "
      "UNION ALL SELECT 1, 'us', TIMESTAMP '2024-01-02 00:00:00', 'us')";
  source_ = snapshot.compiled_sql;
  Run(snapshot, 2);
  EXPECT_EQ(Query("SELECT id, region, name, dbt_valid_to IS NULL FROM "
                  "snapshots.customers_snapshot ORDER BY ALL"),
            (Rows{"1|eu|a|true", "1|us|us|true", "2|eu|b|true"}));
  EXPECT_EQ(Query("SELECT count(*) FROM snapshots.customers_snapshot WHERE dbt_scd_id = "
                  "md5('1|us|2024-01-02 00:00:00')"),
            (Rows{"1"}));
}

TEST_F(SnapshotTest, NewSourceColumnsAreAddedToTheSnapshot) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kTimestamp, HardDeletes::kIgnore);
  Run(snapshot, 1);
  Exec("ALTER TABLE raw.customers ADD COLUMN email VARCHAR");
  Exec(
      "UPDATE raw.customers SET email = 'a@x', updated_at = TIMESTAMP '2024-01-02 00:00:00' "
      "WHERE id = 1");
  Run(snapshot, 2);
  EXPECT_EQ(Query("SELECT id, email, dbt_valid_to IS NULL FROM snapshots.customers_snapshot "
                  "ORDER BY id, dbt_valid_from"),
            (Rows{"1|NULL|false", "1|a@x|true", "2|NULL|true"}));
}

TEST_F(SnapshotTest, BadConfigsAndDuplicateKeysAreNamedAndChangeNothing) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kTimestamp, HardDeletes::kIgnore);
  Run(snapshot, 1);
  Exec("INSERT INTO raw.customers VALUES (1, 'dup', TIMESTAMP '2024-01-05 00:00:00')");
  Result<SnapshotResult> duplicate = RunSnapshot(adapter_, conn_, snapshot, Noon(5));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().message(),
            "snapshot customers_snapshot (snapshots.customers_snapshot): unique_key (id) is not "
            "unique in the snapshot query: 1 appears 2 times");

  CompiledSnapshot missing = snapshot;
  missing.config.updated_at = "changed_at";
  EXPECT_EQ(RunSnapshot(adapter_, conn_, missing, Noon(5)).status().message(),
            "snapshot customers_snapshot (snapshots.customers_snapshot): the snapshot query has "
            "no column 'changed_at'");
  CompiledSnapshot no_key = snapshot;
  no_key.config.unique_key.clear();
  EXPECT_EQ(RunSnapshot(adapter_, conn_, no_key, Noon(5)).status().code(),
            StatusCode::kInvalidArgument);
  CompiledSnapshot broken = snapshot;
  broken.compiled_sql = "SELECT * FROM raw.nowhere";
  EXPECT_FALSE(RunSnapshot(adapter_, conn_, broken, Noon(5)).ok());

  EXPECT_EQ(Versions(), (Rows{"1|a|01 10:00|current", "2|b|01 10:00|current"}));
  EXPECT_EQ(Query("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE "
                  "'%shoplytics%'"),
            (Rows{"0"}));
}

// The first run writes the versions straight from the query and checks the keys in the
// new table: a duplicate leaves no table behind, and the next run is a first run again.
TEST_F(SnapshotTest, DuplicateKeysOnTheFirstRunLeaveNoTable) {
  CompiledSnapshot snapshot = Snapshot(SnapshotStrategy::kTimestamp, HardDeletes::kIgnore);
  Exec("INSERT INTO raw.customers VALUES (2, 'dup', TIMESTAMP '2024-01-01 11:00:00')");
  Result<SnapshotResult> duplicate = RunSnapshot(adapter_, conn_, snapshot, Noon(1));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().message(),
            "snapshot customers_snapshot (snapshots.customers_snapshot): unique_key (id) is not "
            "unique in the snapshot query: 2 appears 2 times");
  EXPECT_EQ(Query("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE "
                  "'customers_snapshot%'"),
            (Rows{"0"}));

  // The keys are proven distinct (a bitmap of integers); two NULL keys still fail.
  Exec("UPDATE raw.customers SET id = NULL WHERE name = 'dup'");
  Exec("INSERT INTO raw.customers VALUES (NULL, 'dup', TIMESTAMP '2024-01-01 11:00:00')");
  duplicate = RunSnapshot(adapter_, conn_, snapshot, Noon(1));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().message(),
            "snapshot customers_snapshot (snapshots.customers_snapshot): unique_key (id) is not "
            "unique in the snapshot query: NULL appears 2 times");

  Exec("DELETE FROM raw.customers WHERE name = 'dup'");
  SnapshotResult result = Run(snapshot, 1);
  EXPECT_TRUE(result.first_run);
  EXPECT_EQ(Versions(), (Rows{"1|a|01 10:00|current", "2|b|01 10:00|current"}));
}

}  // namespace
}  // namespace shoplytics::transform

namespace shoplytics::transform {
namespace {

TEST(SnapshotCompression, TheFirstRunStoresDbtScdIdAsZstdAndNamedColumnsAsConfigured) {
  TempDir dir = std::move(TempDir::Create("snapshot-test").value());
  Database db = std::move(Database::Open((dir.path() / "warehouse.duckdb").string()).value());
  Connection conn = std::move(Connection::Open(db).value());
  ASSERT_TRUE(
      conn.Execute("CREATE SCHEMA raw; CREATE TABLE raw.customers AS SELECT range AS id, "
                   "'c' || range || '@example.com' AS email, 'city ' || (range % 7) AS city, "
                   "TIMESTAMP '2024-01-01 10:00:00' AS updated_at FROM range(200000)")
          .ok());
  warehouse::DuckDbAdapter adapter;
  CompiledSnapshot snapshot;
  snapshot.name = "customers_snapshot";
  snapshot.relation = {"snapshots", "customers_snapshot"};
  snapshot.compiled_sql = "SELECT * FROM raw.customers";
  snapshot.config.unique_key = {"id"};
  snapshot.config.updated_at = "updated_at";
  snapshot.config.column_compression = {{"email", "zstd"}};
  Result<SnapshotResult> first = RunSnapshot(adapter, conn, snapshot, Noon(1));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->rows_inserted, 200000);
  ASSERT_TRUE(conn.Execute("CHECKPOINT").ok());
  EXPECT_EQ(testing::DuckRows(conn,
                              "SELECT column_name, string_agg(DISTINCT compression, '+') FROM "
                              "pragma_storage_info('snapshots.customers_snapshot') WHERE "
                              "segment_type = 'VARCHAR' GROUP BY ALL ORDER BY ALL"),
            (Rows{"city|DICT_FSST", "dbt_scd_id|ZSTD", "email|ZSTD"}));
  EXPECT_EQ(testing::DuckRows(conn,
                              "SELECT count(*) FROM snapshots.customers_snapshot WHERE "
                              "dbt_scd_id = md5(id || '|' || updated_at)"),
            (Rows{"200000"}));
}

}  // namespace
}  // namespace shoplytics::transform
