#include "warehouse/prepared_statement.h"

#include <gtest/gtest.h>

#include "warehouse/connection.h"

namespace shoplytics::warehouse {
namespace {

class WarehousePreparedStatement : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Database> db = Database::OpenInMemory();
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    conn_ = std::move(Connection::Open(db_).value());
    ASSERT_TRUE(conn_
                    .Execute("CREATE TABLE t (i BIGINT, d DOUBLE, s VARCHAR, b BOOLEAN, "
                             "ts TIMESTAMP)")
                    .ok());
  }
  Database db_;
  Connection conn_;
};

TEST_F(WarehousePreparedStatement, BindsEveryTypeAndStringsNeedNoEscaping) {
  Result<PreparedStatement> insert = conn_.Prepare("INSERT INTO t VALUES ($1, $2, $3, $4, $5)");
  ASSERT_TRUE(insert.ok()) << insert.status().ToString();
  EXPECT_EQ(insert->parameter_count(), 5u);
  const std::string nasty = "O'Brien said \"hi\"; DROP TABLE t; -- \\ \n end";
  const Timestamp when{std::chrono::sys_days{std::chrono::year{2024} / 3 / 1} +
                       std::chrono::hours{12} + std::chrono::microseconds{5}};
  ASSERT_TRUE(insert->BindInt64(1, -9007199254740993).ok());
  ASSERT_TRUE(insert->BindDouble(2, 0.1).ok());
  ASSERT_TRUE(insert->BindString(3, nasty).ok());
  ASSERT_TRUE(insert->BindBool(4, true).ok());
  ASSERT_TRUE(insert->BindTimestamp(5, when).ok());
  ASSERT_TRUE(insert->Execute().ok());
  // Rebinding some parameters reuses the others.
  ASSERT_TRUE(insert->BindNull(3).ok());
  ASSERT_TRUE(insert->BindInt64(1, 2).ok());
  Result<QueryResult> second = insert->Execute();
  ASSERT_TRUE(second.ok()) << second.status().ToString();

  Result<QueryResult> r = conn_.Query("SELECT i, d, s, b, ts FROM t ORDER BY i");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->row_count(), 2u);
  EXPECT_EQ(r->GetInt64(0, 0).value_or(0), -9007199254740993);
  EXPECT_DOUBLE_EQ(r->GetDouble(1, 0).value_or(0), 0.1);
  EXPECT_EQ(r->GetString(2, 0).value_or(""), nasty);
  EXPECT_EQ(r->GetInt64(3, 0).value_or(0), 1);
  EXPECT_EQ(r->GetString(4, 0).value_or(""), "2024-03-01 12:00:00.000005");
  EXPECT_TRUE(r->IsNull(2, 1).value_or(false));
}

TEST_F(WarehousePreparedStatement, SelectsWithParameters) {
  ASSERT_TRUE(conn_.Execute("INSERT INTO t (i, s) VALUES (1, 'it''s'), (2, 'plain')").ok());
  Result<PreparedStatement> select = conn_.Prepare("SELECT i FROM t WHERE s = $1");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(select->BindString(1, "it's").ok());
  Result<QueryResult> r = select->Execute();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->row_count(), 1u);
  EXPECT_EQ(r->GetInt64(0, 0).value_or(0), 1);
}

TEST_F(WarehousePreparedStatement, BindingOutsideTheParametersIsAnErrorNamingTheIndex) {
  Result<PreparedStatement> select = conn_.Prepare("SELECT $1::INT + $2::INT");
  ASSERT_TRUE(select.ok());
  Status status = select->BindInt64(3, 1);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("$3"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("has 2 parameters"), std::string::npos) << status.message();
  EXPECT_FALSE(select->BindInt64(0, 1).ok());
}

TEST_F(WarehousePreparedStatement, PrepareErrorsNameTheProblemAndSql) {
  Result<PreparedStatement> bad = conn_.Prepare("SELECT * FROM nowhere WHERE x = $1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("nowhere"), std::string::npos);
  EXPECT_NE(bad.status().message().find("SQL: SELECT * FROM nowhere"), std::string::npos);
}

TEST_F(WarehousePreparedStatement, ExecutionErrorsAreStatuses) {
  Result<PreparedStatement> cast = conn_.Prepare("SELECT $1::INTEGER");
  ASSERT_TRUE(cast.ok());
  ASSERT_TRUE(cast->BindString(1, "not a number").ok());
  Result<QueryResult> r = cast->Execute();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find("not a number"), std::string::npos);
}

}  // namespace
}  // namespace shoplytics::warehouse
