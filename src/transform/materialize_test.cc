#include "transform/materialize.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/files.h"
#include "duck_rows.h"

namespace shoplytics::transform {
namespace {

using warehouse::Connection;
using warehouse::Database;
using warehouse::QueryResult;
using Rows = std::vector<std::string>;

class MaterializeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::OpenInMemory().value());
    conn_ = std::move(Connection::Open(db_).value());
  }

  // Rows of `sql` as "a|b" strings, NULL as "NULL".
  Rows Query(const std::string& sql) { return testing::DuckRows(conn_, sql); }

  CompiledModel Model(Materialization materialized, std::string sql) {
    CompiledModel model;
    model.name = "orders";
    model.relation = {"analytics", "orders"};
    model.compiled_sql = std::move(sql);
    model.config.materialized = materialized;
    return model;
  }

  Result<MaterializeResult> Run(const CompiledModel& model) {
    return Materialize(adapter_, conn_, model);
  }

  std::string Kind() {
    std::vector<std::string> rows = Query(
        "SELECT table_type FROM information_schema.tables WHERE table_schema = 'analytics' "
        "AND table_name = 'orders'");
    return rows.empty() ? "none" : rows[0];
  }

  warehouse::DuckDbAdapter adapter_;
  Database db_;
  Connection conn_;
};

TEST_F(MaterializeTest, ParsesDbtSpellingsAndNamesTheAcceptedOnes) {
  EXPECT_EQ(ParseMaterialization("incremental").value(), Materialization::kIncremental);
  EXPECT_EQ(ParseMaterialization("ephemeral").value(), Materialization::kEphemeral);
  EXPECT_EQ(ParseIncrementalStrategy("delete+insert").value(), IncrementalStrategy::kDeleteInsert);
  EXPECT_EQ(ParseIncrementalStrategy("merge").value(), IncrementalStrategy::kMerge);
  EXPECT_EQ(ParseOnSchemaChange("sync_all_columns").value(), OnSchemaChange::kSyncAllColumns);
  Result<Materialization> bad = ParseMaterialization("materialized_view");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown materialization 'materialized_view' (expected one of: view, table, "
            "incremental, ephemeral)");
  EXPECT_FALSE(ParseOnSchemaChange("Ignore").ok());
}

TEST_F(MaterializeTest, ViewIsCreatedInANewSchemaAndReplaced) {
  Result<MaterializeResult> first = Run(Model(Materialization::kView, "SELECT 1 AS id"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->rows_affected.has_value());
  EXPECT_EQ(Kind(), "VIEW");
  ASSERT_TRUE(Run(Model(Materialization::kView, "SELECT 2 AS id UNION ALL SELECT 3")).ok());
  EXPECT_EQ(Query("SELECT id FROM analytics.orders ORDER BY id"), (Rows{"2", "3"}));
}

TEST_F(MaterializeTest, TableIsBuiltAndRebuiltWithItsRowCount) {
  Result<MaterializeResult> first =
      Run(Model(Materialization::kTable, "SELECT range AS id FROM range(3)"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->rows_affected, 3);
  EXPECT_EQ(Kind(), "BASE TABLE");
  Result<MaterializeResult> second =
      Run(Model(Materialization::kTable, "SELECT 'x' AS name UNION ALL SELECT 'y'"));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->rows_affected, 2);
  EXPECT_EQ(Query("SELECT * FROM analytics.orders ORDER BY 1"), (Rows{"x", "y"}));
}

TEST_F(MaterializeTest, FailingTableRebuildKeepsTheOldTableAndNoTempTable) {
  ASSERT_TRUE(Run(Model(Materialization::kTable, "SELECT 41 AS v")).ok());
  for (std::string bad : {"SELECT nope FROM missing_table", "SELECT 'x'::INTEGER AS v"}) {
    Result<MaterializeResult> result = Run(Model(Materialization::kTable, bad));
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(result.status().message().find("model orders (analytics.orders)"), std::string::npos)
        << result.status().message();
    EXPECT_EQ(Query("SELECT v FROM analytics.orders"), (Rows{"41"}));
    EXPECT_EQ(Query("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE "
                    "'%shoplytics_tmp'"),
              (Rows{"0"}));
  }
}

TEST_F(MaterializeTest, ReaderSeesTheOldTableUntilTheSwapCommits) {
  ASSERT_TRUE(Run(Model(Materialization::kTable, "SELECT 1 AS v")).ok());
  Connection reader = std::move(Connection::Open(db_).value());
  ASSERT_TRUE(reader.Execute("BEGIN").ok());
  EXPECT_EQ(reader.Query("SELECT sum(v) FROM analytics.orders")->GetInt64(0, 0).value_or(-1), 1);
  ASSERT_TRUE(Run(Model(Materialization::kTable, "SELECT 2 AS v")).ok());
  EXPECT_EQ(reader.Query("SELECT sum(v) FROM analytics.orders")->GetInt64(0, 0).value_or(-1), 1);
  ASSERT_TRUE(reader.Execute("COMMIT").ok());
  EXPECT_EQ(reader.Query("SELECT sum(v) FROM analytics.orders")->GetInt64(0, 0).value_or(-1), 2);
}

TEST_F(MaterializeTest, ConcurrentReaderNeverSeesAMissingOrPartialTable) {
  ASSERT_TRUE(Run(Model(Materialization::kTable, "SELECT range AS v FROM range(1000)")).ok());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::vector<std::string> anomalies;
  std::thread reader_thread([&] {
    Connection reader = std::move(Connection::Open(db_).value());
    while (!done.load()) {
      Result<QueryResult> r = reader.Query("SELECT count(*) FROM analytics.orders");
      if (!r.ok()) {
        anomalies.push_back(r.status().ToString());
        continue;
      }
      int64_t count = r->GetInt64(0, 0).value_or(-1);
      if (count != 1000 && count != 2000) anomalies.push_back(std::to_string(count));
      ++reads;
    }
  });
  for (int i = 0; i < 30; ++i) {
    std::string sql = "SELECT range AS v FROM range(" + std::to_string(i % 2 ? 1000 : 2000) + ")";
    Result<MaterializeResult> rebuilt = Run(Model(Materialization::kTable, sql));
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  }
  done = true;
  reader_thread.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_TRUE(anomalies.empty()) << anomalies.size() << " anomalies, first: " << anomalies[0];
}

TEST_F(MaterializeTest, ParallelBuildsIntoOneNewSchemaAllSucceed) {
  constexpr int kThreads = 4;
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Connection conn = std::move(Connection::Open(db_).value());
      CompiledModel model = Model(i % 2 ? Materialization::kTable : Materialization::kView,
                                  "SELECT " + std::to_string(i) + " AS v");
      model.relation.identifier = "m" + std::to_string(i);
      Result<MaterializeResult> result = Materialize(adapter_, conn, model);
      if (!result.ok()) errors[i] = result.status().ToString();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(errors[i], "") << "model m" << i;
  EXPECT_EQ(Query("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                  "'analytics'"),
            (Rows{"4"}));
}

TEST(MaterializeCrash, KillDuringATableBuildLeavesTheOldTableAndARerunCompletes) {
  TempDir dir = std::move(TempDir::Create("materialize-test").value());
  const std::string path = (dir.path() / "warehouse.duckdb").string();
  warehouse::DuckDbAdapter adapter;
  CompiledModel model;
  model.name = "daily";
  model.relation = {"marts", "daily"};
  model.config.materialized = Materialization::kTable;
  {
    Database db = std::move(Database::Open(path).value());
    Connection conn = std::move(Connection::Open(db).value());
    model.compiled_sql = "SELECT range AS v FROM range(1000)";
    ASSERT_TRUE(Materialize(adapter, conn, model).ok());
  }
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Rebuilds with a query that runs for minutes, and says when it starts.
    close(ready[0]);
    Result<Database> db = Database::Open(path);
    if (!db.ok()) _exit(1);
    Result<Connection> conn = Connection::Open(*db);
    if (!conn.ok()) _exit(1);
    CompiledModel slow = model;
    slow.compiled_sql =
        "SELECT a.range AS v FROM range(200000) a, range(200000) b WHERE a.range + b.range = -1";
    char byte = 'y';
    if (write(ready[1], &byte, 1) != 1) _exit(3);
    Result<MaterializeResult> ignored = Materialize(adapter, *conn, slow);
    _exit(ignored.ok() ? 0 : 2);
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int child_status = 0;
  waitpid(child, &child_status, 0);
  ASSERT_TRUE(WIFSIGNALED(child_status)) << "the build finished before it was killed";

  Database db = std::move(Database::Open(path).value());
  Connection conn = std::move(Connection::Open(db).value());
  Result<QueryResult> old = conn.Query("SELECT count(*), sum(v) FROM marts.daily");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->GetInt64(0, 0).value_or(-1), 1000);
  EXPECT_EQ(old->GetInt64(1, 0).value_or(-1), 499500);
  model.compiled_sql = "SELECT 7 AS v";
  Result<MaterializeResult> rerun = Materialize(adapter, conn, model);
  ASSERT_TRUE(rerun.ok()) << rerun.status().ToString();
  EXPECT_EQ(conn.Query("SELECT sum(v) FROM marts.daily")->GetInt64(0, 0).value_or(-1), 7);
}

// The compression of `column` in every stored segment of `table` (in a file, after a
// checkpoint), e.g. "ZSTD"; several joined by '+'.
std::string StoredCompression(Connection& conn, const std::string& table,
                              const std::string& column) {
  Result<QueryResult> result = conn.Query(
      "SELECT string_agg(DISTINCT compression, '+' ORDER BY compression) FROM "
      "pragma_storage_info('" +
      table + "') WHERE column_name = '" + column + "' AND segment_type = 'VARCHAR'");
  if (!result.ok()) return result.status().ToString();
  Result<std::string> text = result->GetString(0, 0);
  return text.ok() ? *text : text.status().ToString();
}

// A warehouse in a file: DuckDB compresses only what it stores on disk.
class MaterializeCompression : public ::testing::Test {
 protected:
  MaterializeCompression()
      : dir(std::move(TempDir::Create("materialize-test").value())),
        db(std::move(Database::Open((dir.path() / "warehouse.duckdb").string()).value())),
        conn(std::move(Connection::Open(db).value())) {}

  TempDir dir;
  Database db;
  Connection conn;
  warehouse::DuckDbAdapter adapter;
  CompiledModel model;
};

TEST_F(MaterializeCompression, ReadsAMapOfColumnToMethodFromMeta) {
  using nlohmann::json;
  EXPECT_TRUE(ColumnCompressionOf(json()).value().empty());
  EXPECT_TRUE(ColumnCompressionOf(json{{"owner", "finance"}}).value().empty());
  EXPECT_EQ(ColumnCompressionOf(json{{"column_compression", {{"order_number", "zstd"}}}}).value(),
            (ColumnCompression{{"order_number", "zstd"}}));
  EXPECT_TRUE(ColumnCompressionOf(json{{"column_compression", nullptr}}).value().empty());
  for (const json& bad : {json("zstd"), json::array({"order_number"}), json{{"order_number", 1}}}) {
    Result<ColumnCompression> parsed = ColumnCompressionOf(json{{"column_compression", bad}});
    ASSERT_FALSE(parsed.ok()) << bad.dump();
    EXPECT_EQ(parsed.status().message(),
              "meta.column_compression: expected a map of column name to compression method, "
              "e.g. {'order_number': 'zstd'}");
  }
}

TEST_F(MaterializeCompression, TablesStoreTheNamedColumnsSoAndIncrementalRowsFollow) {
  model.name = "lines";
  model.relation = {"marts", "lines"};
  model.config.materialized = Materialization::kIncremental;
  model.config.unique_key = {"id"};
  // Named as the SELECT spells it or not: names compare case-insensitively.
  model.config.column_compression = {{"Order_Number", "zstd"}};
  auto rows_from = [](int from) {
    return "SELECT range AS id, 'order-' || range AS order_number, 'paid' AS status, "
           "[range, 1] AS pair, CAST(range AS DECIMAL(18, 2)) AS amount FROM range(" +
           std::to_string(from) + ", " + std::to_string(from + 300000) + ")";
  };
  model.compiled_sql = rows_from(0);
  Result<MaterializeResult> built = Materialize(adapter, conn, model);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->rows_affected, 300000);
  ASSERT_TRUE(conn.Execute("CHECKPOINT").ok());
  EXPECT_EQ(StoredCompression(conn, "marts.lines", "order_number"), "ZSTD");
  EXPECT_NE(StoredCompression(conn, "marts.lines", "status"), "ZSTD");
  // The declared table has the SELECT's columns and types, nested and decimal ones too.
  EXPECT_EQ(testing::DuckRows(conn,
                              "SELECT column_name || ' ' || data_type FROM duckdb_columns() "
                              "WHERE table_name = 'lines' ORDER BY column_index"),
            (Rows{"id BIGINT", "order_number VARCHAR", "status VARCHAR", "pair BIGINT[]",
                  "amount DECIMAL(18,2)"}));

  model.compiled_sql = rows_from(300000);
  Result<MaterializeResult> more = Materialize(adapter, conn, model);
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  EXPECT_FALSE(more->full_build);
  ASSERT_TRUE(conn.Execute("CHECKPOINT").ok());
  EXPECT_EQ(StoredCompression(conn, "marts.lines", "order_number"), "ZSTD");
  EXPECT_EQ(testing::DuckRows(conn,
                              "SELECT count(*), count(DISTINCT order_number), "
                              "max(order_number) FROM marts.lines"),
            (Rows{"600000|600000|order-99999"}));
}

TEST_F(MaterializeCompression, AColumnTheSelectLacksOrABadMethodIsNamedAndChangesNothing) {
  model.name = "daily";
  model.relation = {"marts", "daily"};
  model.config.materialized = Materialization::kTable;
  model.compiled_sql = "SELECT 1 AS day, 'x' AS label";
  ASSERT_TRUE(Materialize(adapter, conn, model).ok());

  model.compiled_sql = "SELECT 2 AS day, 'y' AS label";
  model.config.column_compression = {{"labels", "zstd"}};
  Result<MaterializeResult> missing = Materialize(adapter, conn, model);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            "model daily (marts.daily): meta.column_compression names column 'labels', which "
            "the SELECT does not return (it returns: day, label)");

  model.config.column_compression = {{"label", "zstd; DROP TABLE marts.daily"}};
  Result<MaterializeResult> injected = Materialize(adapter, conn, model);
  ASSERT_FALSE(injected.ok());
  EXPECT_NE(injected.status().message().find("a compression method is a word"), std::string::npos)
      << injected.status().message();

  // zstd stores text only: DuckDB's own error, with the model named.
  model.config.column_compression = {{"day", "zstd"}};
  Result<MaterializeResult> mistyped = Materialize(adapter, conn, model);
  ASSERT_FALSE(mistyped.ok());
  EXPECT_NE(mistyped.status().message().find("model daily (marts.daily)"), std::string::npos);
  EXPECT_NE(mistyped.status().message().find("ZSTD"), std::string::npos)
      << mistyped.status().message();
  EXPECT_EQ(testing::DuckRows(conn, "SELECT day, label FROM marts.daily"), (Rows{"1|x"}));
}

TEST_F(MaterializeTest, SwitchingBetweenViewAndTableReplacesTheRelation) {
  ASSERT_TRUE(Run(Model(Materialization::kView, "SELECT 1 AS v")).ok());
  EXPECT_EQ(Kind(), "VIEW");
  Result<MaterializeResult> table = Run(Model(Materialization::kTable, "SELECT 2 AS v"));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(Kind(), "BASE TABLE");
  EXPECT_EQ(Query("SELECT v FROM analytics.orders"), (Rows{"2"}));
  ASSERT_TRUE(Run(Model(Materialization::kView, "SELECT 3 AS v")).ok());
  EXPECT_EQ(Kind(), "VIEW");
  EXPECT_EQ(Query("SELECT v FROM analytics.orders"), (Rows{"3"}));
  Result<MaterializeResult> incremental =
      Run(Model(Materialization::kIncremental, "SELECT 4 AS v"));
  ASSERT_TRUE(incremental.ok()) << incremental.status().ToString();
  EXPECT_TRUE(incremental->full_build);
  EXPECT_EQ(Kind(), "BASE TABLE");
  EXPECT_EQ(Query("SELECT v FROM analytics.orders"), (Rows{"4"}));
}

TEST_F(MaterializeTest, ADownstreamViewReadsTheRebuiltTable) {
  ASSERT_TRUE(Run(Model(Materialization::kTable, "SELECT 1 AS v")).ok());
  CompiledModel view = Model(Materialization::kView, "SELECT v * 10 AS w FROM analytics.orders");
  view.relation.identifier = "orders_x10";
  ASSERT_TRUE(Run(view).ok());
  ASSERT_TRUE(Run(Model(Materialization::kTable, "SELECT 2 AS v UNION ALL SELECT 3")).ok());
  EXPECT_EQ(Query("SELECT w FROM analytics.orders_x10 ORDER BY w"), (Rows{"20", "30"}));
}

TEST_F(MaterializeTest, HooksRunInsideTheBuildsTransaction) {
  ASSERT_TRUE(conn_.Execute("CREATE TABLE audit (event VARCHAR)").ok());
  CompiledModel model = Model(Materialization::kTable, "SELECT 1 AS v");
  model.config.pre_hooks = {"INSERT INTO audit VALUES ('pre')"};
  model.config.post_hooks = {"INSERT INTO audit VALUES ('post')",
                             "UPDATE analytics.orders SET v = v + 1"};
  Result<MaterializeResult> built = Run(model);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(Query("SELECT v FROM analytics.orders"), (Rows{"2"}));
  EXPECT_EQ(Query("SELECT event FROM audit ORDER BY event"), (Rows{"post", "pre"}));

  model.compiled_sql = "SELECT 10 AS v";
  model.config.post_hooks.push_back("SELECT * FROM no_such_table");
  Result<MaterializeResult> failed = Run(model);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("model orders (analytics.orders): post_hook 3 of 3: "),
            std::string::npos)
      << failed.status().message();
  EXPECT_EQ(Query("SELECT v FROM analytics.orders"), (Rows{"2"}));
  EXPECT_EQ(Query("SELECT count(*) FROM audit"), (Rows{"2"}));
}

TEST_F(MaterializeTest, FailingViewKeepsTheOldTable) {
  ASSERT_TRUE(Run(Model(Materialization::kTable, "SELECT 1 AS v")).ok());
  EXPECT_FALSE(Run(Model(Materialization::kView, "SELECT v FROM nowhere")).ok());
  EXPECT_EQ(Kind(), "BASE TABLE");
  EXPECT_EQ(Query("SELECT v FROM analytics.orders"), (Rows{"1"}));
}

TEST_F(MaterializeTest, EphemeralCreatesNothingAndGivesDbtsCte) {
  Result<MaterializeResult> result = Run(Model(Materialization::kEphemeral, "SELECT 1 AS v"));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->rows_affected.has_value());
  EXPECT_EQ(Kind(), "none");
  EXPECT_EQ(EphemeralCte("stg_orders", "select * from raw.orders"),
            "__dbt__cte__stg_orders as (\nselect * from raw.orders\n)");
}

class MaterializeIncremental : public MaterializeTest {
 protected:
  void SetUp() override {
    MaterializeTest::SetUp();
    ASSERT_TRUE(Run(Incremental("SELECT * FROM (VALUES (1, 'a', 10), (2, 'b', 20)) t(id, name, "
                                "amount)"))
                    .ok());
  }
  CompiledModel Incremental(std::string sql) {
    CompiledModel model = Model(Materialization::kIncremental, std::move(sql));
    model.config.unique_key = {"id"};
    return model;
  }
  Rows Table() { return Query("SELECT * FROM analytics.orders ORDER BY ALL"); }
};

TEST_F(MaterializeIncremental, FirstRunBuildsTheTable) {
  EXPECT_EQ(Table(), (Rows{"1|a|10", "2|b|20"}));
}

TEST_F(MaterializeIncremental, AppendAddsEveryRow) {
  CompiledModel model = Incremental("SELECT 2 AS id, 'b2' AS name, 21 AS amount");
  model.config.incremental_strategy = IncrementalStrategy::kAppend;
  Result<MaterializeResult> result = Run(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->rows_affected, 1);
  EXPECT_FALSE(result->full_build);
  EXPECT_EQ(Table(), (Rows{"1|a|10", "2|b|20", "2|b2|21"}));
}

TEST_F(MaterializeIncremental, AppendIsTheDefaultWithoutUniqueKey) {
  CompiledModel model = Incremental("SELECT 1 AS id, 'a' AS name, 10 AS amount");
  model.config.unique_key.clear();
  ASSERT_TRUE(Run(model).ok());
  EXPECT_EQ(Table(), (Rows{"1|a|10", "1|a|10", "2|b|20"}));
}

TEST_F(MaterializeIncremental, DeleteInsertReplacesRowsByKeyAndIsTheDefaultWithUniqueKey) {
  Result<MaterializeResult> result =
      Run(Incremental("SELECT * FROM (VALUES (2, 'b2', 22), (3, 'c', 30)) t(id, name, amount)"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->rows_affected, 2);
  EXPECT_EQ(Table(), (Rows{"1|a|10", "2|b2|22", "3|c|30"}));
}

TEST_F(MaterializeIncremental, DeleteInsertWithACompositeKey) {
  CompiledModel model = Incremental(
      "SELECT * FROM (VALUES (1, 'a', 11), (1, 'z', 99), (2, 'a', 5)) t(id, name, amount)");
  model.config.unique_key = {"id", "name"};
  model.config.incremental_strategy = IncrementalStrategy::kDeleteInsert;
  ASSERT_TRUE(Run(model).ok());
  EXPECT_EQ(Table(), (Rows{"1|a|11", "1|z|99", "2|a|5", "2|b|20"}));
}

TEST_F(MaterializeIncremental, MergeUpdatesMatchedRowsAndInsertsNewOnes) {
  CompiledModel model =
      Incremental("SELECT * FROM (VALUES (1, 'a1', 15), (4, 'd', 40)) t(id, name, amount)");
  model.config.incremental_strategy = IncrementalStrategy::kMerge;
  Result<MaterializeResult> result = Run(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->rows_affected, 2);
  EXPECT_EQ(Table(), (Rows{"1|a1|15", "2|b|20", "4|d|40"}));
}

// A merge whose rows lack a column of the target (on_schema_change ignore) keeps that
// column's values in the matched rows, as MERGE does.
TEST_F(MaterializeIncremental, MergeKeepsTheColumnsTheRunDoesNotWrite) {
  CompiledModel model = Incremental("SELECT * FROM (VALUES (1, 'a1')) t(id, name)");
  model.config.incremental_strategy = IncrementalStrategy::kMerge;
  ASSERT_TRUE(Run(model).ok());
  EXPECT_EQ(Table(), (Rows{"1|a1|10", "2|b|20"}));
}

TEST_F(MaterializeIncremental, MergeUpdatesOnlyTheChosenColumns) {
  CompiledModel model =
      Incremental("SELECT * FROM (VALUES (1, 'a1', 15), (4, 'd', 40)) t(id, name, amount)");
  model.config.incremental_strategy = IncrementalStrategy::kMerge;
  model.config.merge_update_columns = {"name", "amount"};
  model.config.merge_exclude_columns = {"AMOUNT"};
  ASSERT_TRUE(Run(model).ok());
  EXPECT_EQ(Table(), (Rows{"1|a1|10", "2|b|20", "4|d|40"}));
  model.config.merge_update_columns = {"id"};  // keys only: matched rows stay as they are
  model.config.merge_exclude_columns = {"id"};
  model.compiled_sql = "SELECT 2 AS id, 'b2' AS name, 22 AS amount";
  ASSERT_TRUE(Run(model).ok());
  EXPECT_EQ(Table(), (Rows{"1|a1|10", "2|b|20", "4|d|40"}));
}

TEST_F(MaterializeIncremental, MergeAndDeleteInsertNeedAUniqueKey) {
  for (IncrementalStrategy strategy :
       {IncrementalStrategy::kMerge, IncrementalStrategy::kDeleteInsert}) {
    CompiledModel model = Incremental("SELECT 9 AS id, 'x' AS name, 0 AS amount");
    model.config.unique_key.clear();
    model.config.incremental_strategy = strategy;
    Result<MaterializeResult> result = Run(model);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(result.status().message().find("needs a unique_key"), std::string::npos);
  }
  EXPECT_EQ(Table(), (Rows{"1|a|10", "2|b|20"}));
}

TEST_F(MaterializeIncremental, FullRefreshRebuildsFromScratch) {
  CompiledModel model = Incremental("SELECT 7 AS id, 'g' AS name, 70 AS amount");
  model.config.full_refresh = true;
  Result<MaterializeResult> result = Run(model);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->full_build);
  EXPECT_EQ(result->rows_affected, 1);
  EXPECT_EQ(Table(), (Rows{"7|g|70"}));
}

TEST_F(MaterializeIncremental, FailingRunLeavesTheTableUntouched) {
  Result<MaterializeResult> result =
      Run(Incremental("SELECT 3 AS id, 'c' AS name, 'not a number'::INTEGER AS amount"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(Table(), (Rows{"1|a|10", "2|b|20"}));
  EXPECT_EQ(Query("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE "
                  "'%shoplytics_tmp'"),
            (Rows{"0"}));
}

// Against the first run's (id INTEGER, name, amount): drops amount, adds note, and
// widens id to BIGINT.
constexpr char kChangedSql[] = "SELECT * FROM (VALUES (3::BIGINT, 'c', 'new')) t(id, name, note)";

TEST_F(MaterializeIncremental, OnSchemaChangeIgnoreWritesOnlyTheKnownColumns) {
  ASSERT_TRUE(Run(Incremental(kChangedSql)).ok());
  EXPECT_EQ(Table(), (Rows{"1|a|10", "2|b|20", "3|c|NULL"}));
  EXPECT_EQ(Query("SELECT column_name FROM information_schema.columns WHERE table_name = "
                  "'orders' ORDER BY ordinal_position"),
            (Rows{"id", "name", "amount"}));
}

TEST_F(MaterializeIncremental, OnSchemaChangeFailNamesTheChangedColumns) {
  CompiledModel model = Incremental(kChangedSql);
  model.config.on_schema_change = OnSchemaChange::kFail;
  Result<MaterializeResult> result = Run(model);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(result.status().message(),
            "model orders (analytics.orders): on_schema_change is 'fail' and the columns of "
            "\"analytics\".\"orders\" changed: new columns: note VARCHAR; removed columns: "
            "amount; re-typed columns: id INTEGER -> BIGINT");
  EXPECT_EQ(Table(), (Rows{"1|a|10", "2|b|20"}));
}

TEST_F(MaterializeIncremental, OnSchemaChangeFailPassesWhenNothingChanged) {
  CompiledModel model = Incremental("SELECT 3 AS id, 'c' AS name, 30 AS amount");
  model.config.on_schema_change = OnSchemaChange::kFail;
  ASSERT_TRUE(Run(model).ok());
  EXPECT_EQ(Table(), (Rows{"1|a|10", "2|b|20", "3|c|30"}));
}

TEST_F(MaterializeIncremental, OnSchemaChangeAppendNewColumnsKeepsRemovedOnes) {
  CompiledModel model = Incremental(kChangedSql);
  model.config.on_schema_change = OnSchemaChange::kAppendNewColumns;
  ASSERT_TRUE(Run(model).ok());
  EXPECT_EQ(Query("SELECT id, name, amount, note FROM analytics.orders ORDER BY id"),
            (Rows{"1|a|10|NULL", "2|b|20|NULL", "3|c|NULL|new"}));
  EXPECT_EQ(Query("SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' "
                  "AND column_name = 'id'"),
            (Rows{"INTEGER"}));
}

TEST_F(MaterializeIncremental, OnSchemaChangeSyncAllColumnsAddsDropsAndRetypes) {
  CompiledModel model = Incremental(kChangedSql);
  model.config.on_schema_change = OnSchemaChange::kSyncAllColumns;
  model.config.incremental_strategy = IncrementalStrategy::kMerge;
  Result<MaterializeResult> result = Run(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Query("SELECT column_name, data_type FROM information_schema.columns WHERE "
                  "table_name = 'orders' ORDER BY column_name"),
            (Rows{"id|BIGINT", "name|VARCHAR", "note|VARCHAR"}));
  EXPECT_EQ(Query("SELECT id, name, note FROM analytics.orders ORDER BY id"),
            (Rows{"1|a|NULL", "2|b|NULL", "3|c|new"}));
}

}  // namespace
}  // namespace shoplytics::transform
