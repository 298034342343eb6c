#include "warehouse/connection.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/logging.h"

namespace shoplytics::warehouse {
namespace {

class WarehouseConnection : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Database> db = Database::OpenInMemory();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    Result<Connection> conn = Connection::Open(db_);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(*conn);
    ASSERT_TRUE(
        conn_.Execute("CREATE TABLE orders (order_id BIGINT, total DOUBLE, note VARCHAR)").ok());
    ASSERT_TRUE(
        conn_.Execute("INSERT INTO orders VALUES (1, 9.5, 'first'), (2, NULL, NULL), (3, 1.25, '')")
            .ok());
  }

  Database db_;
  Connection conn_;
};

struct ErrorCase {
  std::string sql;
  StatusCode code;
  std::vector<std::string> mentions;  // substrings the message must contain
};

TEST_F(WarehouseConnection, SqlErrorsBecomeStatusesNamingTheProblemAndTheSql) {
  const std::vector<ErrorCase> cases = {
      {"SELEC 1", StatusCode::kInvalidArgument, {"Parser Error", "SELEC", "(SQL: SELEC 1)"}},
      {"SELECT * FROM no_such_table",
       StatusCode::kInvalidArgument,
       {"Catalog Error", "no_such_table", "SQL: SELECT * FROM no_such_table"}},
      {"SELECT missing_col FROM orders",
       StatusCode::kInvalidArgument,
       {"Binder Error", "missing_col"}},
      {"SELECT 'abc'::INTEGER", StatusCode::kInvalidArgument, {"Conversion Error", "abc"}},
      {"CREATE TABLE orders (x INT)", StatusCode::kInvalidArgument, {"orders", "already exists"}},
  };
  for (const ErrorCase& c : cases) {
    Status status = conn_.Execute(c.sql);
    EXPECT_EQ(status.code(), c.code) << c.sql << " -> " << status.ToString();
    for (const std::string& m : c.mentions) {
      EXPECT_NE(status.message().find(m), std::string::npos)
          << c.sql << ": message lacks '" << m << "': " << status.message();
    }
    EXPECT_EQ(status.message().find('\n'), std::string::npos) << status.message();
  }
}

TEST_F(WarehouseConnection, LongSqlIsTruncatedInMessages) {
  std::string sql = "SELECT * FROM missing_table WHERE " + std::string(1000, 'x') + " = 1";
  Status status = conn_.Execute(sql);
  ASSERT_FALSE(status.ok());
  EXPECT_LT(status.message().size(), 700u) << status.message();
  EXPECT_NE(status.message().find("SQL: SELECT * FROM missing_table WHERE xxx"), std::string::npos);
  EXPECT_NE(status.message().find("...)"), std::string::npos) << status.message();
}

TEST_F(WarehouseConnection, QueryExposesColumnsTypesAndValues) {
  Result<QueryResult> r = conn_.Query("SELECT * FROM orders ORDER BY order_id");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->column_count(), 3u);
  ASSERT_EQ(r->row_count(), 3u);
  EXPECT_EQ(r->column_name(0), "order_id");
  EXPECT_EQ(r->column_type(0), DUCKDB_TYPE_BIGINT);
  EXPECT_EQ(r->column_type(1), DUCKDB_TYPE_DOUBLE);
  EXPECT_EQ(r->column_type_name(2), "VARCHAR");
  EXPECT_EQ(r->GetInt64(0, 2).value_or(-1), 3);
  EXPECT_DOUBLE_EQ(r->GetDouble(1, 0).value_or(-1), 9.5);
  EXPECT_EQ(r->GetString(2, 0).value_or("?"), "first");
  EXPECT_EQ(r->GetString(2, 2).value_or("?"), "");  // empty string is not NULL
  EXPECT_FALSE(r->IsNull(2, 2).value_or(true));
  EXPECT_TRUE(r->IsNull(2, 1).value_or(false));
}

TEST_F(WarehouseConnection, ReadingNullOrOutOfRangeCellsIsAnErrorNamingTheCell) {
  Result<QueryResult> r = conn_.Query("SELECT * FROM orders ORDER BY order_id");
  ASSERT_TRUE(r.ok());
  Result<double> null_total = r->GetDouble(1, 1);
  ASSERT_FALSE(null_total.ok());
  EXPECT_NE(null_total.status().message().find("\"total\" row 1"), std::string::npos)
      << null_total.status().message();
  EXPECT_NE(null_total.status().message().find("NULL"), std::string::npos);
  EXPECT_FALSE(r->GetString(2, 1).ok());
  EXPECT_FALSE(r->GetInt64(0, 3).ok());
  EXPECT_FALSE(r->GetInt64(7, 0).ok());
  Result<int64_t> not_a_number = r->GetInt64(2, 0);
  ASSERT_FALSE(not_a_number.ok());
  EXPECT_NE(not_a_number.status().message().find("first"), std::string::npos);
}

TEST_F(WarehouseConnection, DecimalsAndTimestampsReadAsDuckDbText) {
  Result<QueryResult> r = conn_.Query(
      "SELECT 1234.50::DECIMAL(18,2) AS net, TIMESTAMP '2024-03-01 12:34:56' AS at, 42::HUGEINT AS "
      "h");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->column_type_name(0), "DECIMAL(18,2)");
  EXPECT_EQ(r->GetString(0, 0).value_or(""), "1234.50");
  EXPECT_DOUBLE_EQ(r->GetDouble(0, 0).value_or(0), 1234.5);
  EXPECT_EQ(r->GetString(1, 0).value_or(""), "2024-03-01 12:34:56");
  EXPECT_EQ(r->GetInt64(2, 0).value_or(0), 42);
}

TEST_F(WarehouseConnection, ChunksIterateALargeResult) {
  Result<QueryResult> r =
      conn_.Query("SELECT i, i / 2 AS half, 'row' || i AS name FROM range(100000) t(i)");
  ASSERT_TRUE(r.ok());
  int64_t rows = 0;
  int64_t sum = 0;
  double half_sum = 0;
  int chunks = 0;
  for (;;) {
    Result<DataChunk> chunk = r->NextChunk();
    ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
    if (chunk->empty()) break;
    ++chunks;
    for (uint64_t row = 0; row < chunk->size(); ++row) {
      sum += chunk->GetInt64(0, row).value_or(0);
      half_sum += chunk->GetDouble(1, row).value_or(0);
      ++rows;
    }
    Result<std::string_view> name = chunk->GetString(2, 0);
    ASSERT_TRUE(name.ok());
    EXPECT_TRUE(name->starts_with("row"));
    EXPECT_FALSE(chunk->GetString(0, 0).ok());  // BIGINT is not VARCHAR
  }
  EXPECT_EQ(rows, 100000);
  EXPECT_EQ(sum, int64_t{99999} * 100000 / 2);
  EXPECT_DOUBLE_EQ(half_sum, 99999.0 * 100000 / 4);
  EXPECT_GT(chunks, 1);
  // Once read by chunk, value access is refused rather than returning garbage.
  EXPECT_EQ(r->GetInt64(0, 0).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(WarehouseConnection, ValueAccessThenChunkAccessIsRefused) {
  Result<QueryResult> r = conn_.Query("SELECT 1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->GetInt64(0, 0).value_or(0), 1);
  EXPECT_EQ(r->NextChunk().status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(WarehouseConnection, ExecuteRunsSeveralStatements) {
  ASSERT_TRUE(conn_.Execute("CREATE TABLE a (i INT); INSERT INTO a VALUES (1), (2);").ok());
  Result<QueryResult> r = conn_.Query("SELECT sum(i) FROM a");
  EXPECT_EQ(r->GetInt64(0, 0).value_or(0), 3);
}

TEST_F(WarehouseConnection, MovedFromWrappersAreEmptyAndSafe) {
  Connection moved = std::move(conn_);
  EXPECT_FALSE(conn_.valid());  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(conn_.Execute("SELECT 1").code(), StatusCode::kFailedPrecondition);
  Result<QueryResult> r = moved.Query("SELECT 7");
  ASSERT_TRUE(r.ok());
  QueryResult taken = std::move(*r);
  EXPECT_EQ(r->column_count(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(taken.GetInt64(0, 0).value_or(0), 7);
  QueryResult assigned;
  assigned = std::move(taken);
  EXPECT_EQ(assigned.GetInt64(0, 0).value_or(0), 7);
  Result<PreparedStatement> p = moved.Prepare("SELECT $1::INT");
  ASSERT_TRUE(p.ok());
  PreparedStatement p2 = std::move(*p);
  EXPECT_EQ(p->parameter_count(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(p2.parameter_count(), 1u);
}

// --log-level debug: one line per statement, with its time and outcome, on one line.
TEST_F(WarehouseConnection, DebugLogTimesEveryStatement) {
  std::vector<std::string> lines;
  LoggerOptions options;
  options.level = LogLevel::kDebug;
  options.format = LogFormat::kJson;
  options.sink = [&lines](std::string_view line) { lines.emplace_back(line); };
  SetGlobalLogger(options);
  EXPECT_TRUE(conn_.Execute("SELECT count(*)\n  FROM orders").ok());
  EXPECT_FALSE(conn_.Execute("SELECT nope FROM orders").ok());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\"msg\":\"sql\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\"seconds\":"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\"ok\":true"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\"statement\":\"SELECT count(*) FROM orders\""), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("\"ok\":false"), std::string::npos) << lines[1];

  // Nothing at the default level.
  lines.clear();
  options.level = LogLevel::kInfo;
  SetGlobalLogger(options);
  EXPECT_TRUE(conn_.Execute("SELECT 1").ok());
  InitLogging(LogLevel::kInfo, LogFormat::kText);
  EXPECT_TRUE(lines.empty());
}

}  // namespace
}  // namespace shoplytics::warehouse
