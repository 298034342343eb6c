#include "warehouse/appender.h"

#include <gtest/gtest.h>

#include "warehouse/chunk_appender.h"

namespace shoplytics::warehouse {
namespace {

class WarehouseAppender : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::OpenInMemory().value());
    conn_ = std::move(Connection::Open(db_).value());
    ASSERT_TRUE(conn_.Execute("CREATE SCHEMA raw").ok());
    ASSERT_TRUE(conn_
                    .Execute("CREATE TABLE raw.events (id BIGINT, amount DOUBLE, name VARCHAR, "
                             "paid BOOLEAN, ts TIMESTAMP, qty INTEGER)")
                    .ok());
  }
  QueryResult Query(const std::string& sql) {
    Result<QueryResult> r = conn_.Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : QueryResult();
  }
  Database db_;
  Connection conn_;
};

TEST_F(WarehouseAppender, RowByRowRoundTripsValuesAndNulls) {
  Result<Appender> app = Appender::Create(conn_, "raw", "events");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  EXPECT_EQ(app->column_count(), 6u);
  EXPECT_EQ(app->column_type(4), DUCKDB_TYPE_TIMESTAMP);
  const Timestamp when{std::chrono::sys_days{std::chrono::year{2023} / 12 / 31}};
  for (int64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(app->AppendInt64(i).ok());
    ASSERT_TRUE(app->AppendDouble(i * 1.5).ok());
    ASSERT_TRUE(
        (i == 1 ? app->AppendNull() : app->AppendString("it's \"n\" " + std::to_string(i))).ok());
    ASSERT_TRUE(app->AppendBool(i % 2 == 0).ok());
    ASSERT_TRUE(app->AppendTimestamp(when).ok());
    ASSERT_TRUE(app->AppendInt64(i * 10).ok());
    ASSERT_TRUE(app->EndRow().ok());
  }
  ASSERT_TRUE(app->Close().ok());
  ASSERT_TRUE(app->Close().ok());  // idempotent
  QueryResult r = Query(
      "SELECT count(*), sum(amount), count(name), sum(qty), "
      "min(ts)::VARCHAR, max(name) FROM raw.events");
  EXPECT_EQ(r.GetInt64(0, 0).value_or(0), 3);
  EXPECT_DOUBLE_EQ(r.GetDouble(1, 0).value_or(0), 4.5);
  EXPECT_EQ(r.GetInt64(2, 0).value_or(0), 2);
  EXPECT_EQ(r.GetInt64(3, 0).value_or(0), 30);
  EXPECT_EQ(r.GetString(4, 0).value_or(""), "2023-12-31 00:00:00");
  EXPECT_EQ(r.GetString(5, 0).value_or(""), "it's \"n\" 2");
}

TEST_F(WarehouseAppender, AppendingAWrongTypeIsInvalidArgumentNamingTheTable) {
  Result<Appender> app = Appender::Create(conn_, "raw", "events");
  ASSERT_TRUE(app.ok());
  ASSERT_TRUE(app->AppendInt64(1).ok());
  ASSERT_TRUE(app->AppendDouble(1).ok());
  ASSERT_TRUE(app->AppendString("x").ok());
  ASSERT_TRUE(app->AppendBool(true).ok());
  Status status = app->AppendString("not a timestamp");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_NE(status.message().find("raw.events"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("not a timestamp"), std::string::npos) << status.message();
}

TEST_F(WarehouseAppender, EndingAShortRowIsAnError) {
  Result<Appender> app = Appender::Create(conn_, "raw", "events");
  ASSERT_TRUE(app.ok());
  ASSERT_TRUE(app->AppendInt64(1).ok());
  Status status = app->EndRow();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("raw.events"), std::string::npos) << status.message();
}

TEST_F(WarehouseAppender, MissingTableIsInvalidArgumentNamingIt) {
  Result<Appender> app = Appender::Create(conn_, "raw", "no_such_table");
  ASSERT_FALSE(app.ok());
  EXPECT_EQ(app.status().code(), StatusCode::kInvalidArgument) << app.status().ToString();
  EXPECT_NE(app.status().message().find("no_such_table"), std::string::npos);
  EXPECT_FALSE(ChunkAppender::Create(conn_, "", "no_such_table").ok());
}

TEST_F(WarehouseAppender, MovedFromAppenderIsEmptyAndSafe) {
  Result<Appender> app = Appender::Create(conn_, "raw", "events");
  ASSERT_TRUE(app.ok());
  Appender moved = std::move(*app);
  EXPECT_EQ(app->column_count(), 0u);  // NOLINT(bugprone-use-after-move): contract under test
  EXPECT_FALSE(app->AppendInt64(1).ok());
  EXPECT_EQ(moved.column_count(), 6u);
}

class WarehouseChunkAppender : public WarehouseAppender {};

TEST_F(WarehouseChunkAppender, RoundTrips100kRowsWithCorrectSums) {
  Result<ChunkAppender> app = ChunkAppender::Create(conn_, "raw", "events");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  const int64_t n = 100000;
  const Timestamp epoch{};
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(app->SetInt64(0, i).ok());
    ASSERT_TRUE(app->SetDouble(1, static_cast<double>(i) / 4).ok());
    // Every 7th name is NULL: nulls must not leak into the next chunk after a reset.
    ASSERT_TRUE(
        (i % 7 == 0 ? app->SetNull(2) : app->SetString(2, "customer-" + std::to_string(i))).ok());
    ASSERT_TRUE(app->SetBool(3, i % 2 == 0).ok());
    ASSERT_TRUE(app->SetTimestamp(4, epoch + std::chrono::seconds(i)).ok());
    ASSERT_TRUE(app->SetInt64(5, i % 100).ok());
    ASSERT_TRUE(app->EndRow().ok());
  }
  ASSERT_TRUE(app->Close().ok());
  EXPECT_EQ(app->rows_appended(), static_cast<uint64_t>(n));
  QueryResult r = Query(
      "SELECT count(*), sum(id), sum(amount), count(name), sum(paid::INT), sum(qty), "
      "max(ts)::VARCHAR, sum(length(name)) FROM raw.events");
  EXPECT_EQ(r.GetInt64(0, 0).value_or(0), n);
  EXPECT_EQ(r.GetInt64(1, 0).value_or(0), n * (n - 1) / 2);
  EXPECT_DOUBLE_EQ(r.GetDouble(2, 0).value_or(0), static_cast<double>(n * (n - 1) / 2) / 4);
  const int64_t nulls = (n + 6) / 7;
  EXPECT_EQ(r.GetInt64(3, 0).value_or(0), n - nulls);
  EXPECT_EQ(r.GetInt64(4, 0).value_or(0), n / 2);
  EXPECT_EQ(r.GetInt64(5, 0).value_or(0), (n / 100) * (99 * 100 / 2));
  EXPECT_EQ(r.GetString(6, 0).value_or(""), "1970-01-02 03:46:39");
  int64_t name_chars = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (i % 7 != 0) name_chars += 9 + static_cast<int64_t>(std::to_string(i).size());
  }
  EXPECT_EQ(r.GetInt64(7, 0).value_or(0), name_chars);
}

TEST_F(WarehouseChunkAppender, SettersRefuseTheWrongTypeNamingTableAndColumn) {
  Result<ChunkAppender> app = ChunkAppender::Create(conn_, "raw", "events");
  ASSERT_TRUE(app.ok());
  Status wrong = app->SetString(0, "1");
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.message().find("raw.events"), std::string::npos) << wrong.message();
  EXPECT_NE(wrong.message().find("column 0 (BIGINT)"), std::string::npos) << wrong.message();
  EXPECT_FALSE(app->SetDouble(2, 1.0).ok());
  EXPECT_FALSE(app->SetInt64(5, int64_t{1} << 40).ok());  // INTEGER overflow
  EXPECT_FALSE(app->SetBool(9, true).ok());               // no such column
}

TEST_F(WarehouseChunkAppender, EndRowWithAnUnsetColumnIsAnError) {
  Result<ChunkAppender> app = ChunkAppender::Create(conn_, "raw", "events");
  ASSERT_TRUE(app.ok());
  ASSERT_TRUE(app->SetInt64(0, 1).ok());
  Status status = app->EndRow();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("column 1"), std::string::npos) << status.message();
}

TEST_F(WarehouseChunkAppender, UnsupportedColumnTypesAreRefusedAtCreate) {
  ASSERT_TRUE(conn_.Execute("CREATE TABLE money (net DECIMAL(18,2))").ok());
  Result<ChunkAppender> app = ChunkAppender::Create(conn_, "", "money");
  ASSERT_FALSE(app.ok());
  EXPECT_EQ(app.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(app.status().message().find("DECIMAL"), std::string::npos) << app.status().message();
}

TEST_F(WarehouseChunkAppender, DatesAndNullsRoundTripAcrossChunks) {
  ASSERT_TRUE(conn_.Execute("CREATE TABLE days (d DATE, n VARCHAR)").ok());
  Result<ChunkAppender> app = ChunkAppender::Create(conn_, "", "days");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  for (int32_t i = 0; i < 5000; ++i) {  // three chunks: the vectors are reset in between
    ASSERT_TRUE((i % 7 == 0 ? app->SetNull(0) : app->SetDate(0, 19723 + i)).ok());
    ASSERT_TRUE(app->SetString(1, std::to_string(i)).ok());
    ASSERT_TRUE(app->EndRow().ok());
  }
  EXPECT_FALSE(app->SetDate(1, 0).ok());  // a VARCHAR column
  ASSERT_TRUE(app->Close().ok());
  QueryResult r = Query(
      "SELECT count(d)::BIGINT, min(d)::VARCHAR, max(d)::VARCHAR, count(*) FILTER (WHERE "
      "d = DATE '2024-01-01' + n::INTEGER)::BIGINT FROM days");
  EXPECT_EQ(r.GetInt64(0, 0).value_or(0), 5000 - 715);
  EXPECT_EQ(r.GetString(1, 0).value_or(""), "2024-01-02");
  EXPECT_EQ(r.GetString(2, 0).value_or(""), "2037-09-08");
  EXPECT_EQ(r.GetInt64(3, 0).value_or(0), 5000 - 715);
}

TEST_F(WarehouseChunkAppender, RowsAppendedInsideARolledBackTransactionDisappear) {
  ASSERT_TRUE(conn_.Execute("CREATE TABLE ids (id BIGINT)").ok());
  ASSERT_TRUE(conn_.Execute("BEGIN").ok());
  Result<ChunkAppender> app = ChunkAppender::Create(conn_, "", "ids");
  ASSERT_TRUE(app.ok());
  for (int64_t i = 0; i < 5000; ++i) {
    ASSERT_TRUE(app->SetInt64(0, i).ok());
    ASSERT_TRUE(app->EndRow().ok());
  }
  ASSERT_TRUE(app->Close().ok());
  EXPECT_EQ(Query("SELECT count(*) FROM ids").GetInt64(0, 0).value_or(0), 5000);
  ASSERT_TRUE(conn_.Execute("ROLLBACK").ok());
  EXPECT_EQ(Query("SELECT count(*) FROM ids").GetInt64(0, 0).value_or(-1), 0);
}

}  // namespace
}  // namespace shoplytics::warehouse
