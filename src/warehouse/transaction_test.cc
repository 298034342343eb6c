#include "warehouse/transaction.h"

#include <gtest/gtest.h>

namespace shoplytics::warehouse {
namespace {

class WarehouseTransaction : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::OpenInMemory().value());
    conn_ = std::move(Connection::Open(db_).value());
    ASSERT_TRUE(conn_.Execute("CREATE TABLE t (i INT)").ok());
  }
  int64_t Rows() {
    Result<QueryResult> r = conn_.Query("SELECT count(*) FROM t");
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->GetInt64(0, 0).value_or(-1) : -1;
  }
  Database db_;
  Connection conn_;
};

TEST_F(WarehouseTransaction, DestroyingWithoutCommitRollsBack) {
  {
    Result<Transaction> txn = Transaction::Begin(conn_);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    ASSERT_TRUE(conn_.Execute("INSERT INTO t VALUES (1), (2)").ok());
    ASSERT_TRUE(conn_.Execute("CREATE TABLE made_inside (x INT)").ok());
    EXPECT_EQ(Rows(), 2);  // visible inside the transaction
  }
  EXPECT_EQ(Rows(), 0);
  EXPECT_FALSE(conn_.Execute("SELECT * FROM made_inside").ok());
  // The connection is usable, in autocommit again.
  ASSERT_TRUE(conn_.Execute("INSERT INTO t VALUES (3)").ok());
  EXPECT_EQ(Rows(), 1);
}

TEST_F(WarehouseTransaction, CommitKeepsChangesVisibleToOtherConnections) {
  Result<Connection> other = Connection::Open(db_);
  ASSERT_TRUE(other.ok());
  {
    Result<Transaction> txn = Transaction::Begin(conn_);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(conn_.Execute("INSERT INTO t VALUES (1)").ok());
    Result<QueryResult> before = other->Query("SELECT count(*) FROM t");
    EXPECT_EQ(before->GetInt64(0, 0).value_or(-1), 0);  // isolation
    ASSERT_TRUE(txn->Commit().ok());
    EXPECT_FALSE(txn->active());
    EXPECT_FALSE(txn->Commit().ok());  // a second commit is refused
  }
  Result<QueryResult> after = other->Query("SELECT count(*) FROM t");
  EXPECT_EQ(after->GetInt64(0, 0).value_or(-1), 1);
}

TEST_F(WarehouseTransaction, ExplicitRollbackAndMovedFromTransactionDoNothingMore) {
  Result<Transaction> txn = Transaction::Begin(conn_);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(conn_.Execute("INSERT INTO t VALUES (1)").ok());
  Transaction moved = std::move(*txn);
  EXPECT_FALSE(txn->active());  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_TRUE(moved.active());
  ASSERT_TRUE(moved.Rollback().ok());
  EXPECT_EQ(Rows(), 0);
  ASSERT_TRUE(conn_.Execute("INSERT INTO t VALUES (5)").ok());  // autocommitted
  // Destroying the rolled-back and moved-from transactions must not undo this row.
}

TEST_F(WarehouseTransaction, BeginInsideATransactionIsAnError) {
  Result<Transaction> outer = Transaction::Begin(conn_);
  ASSERT_TRUE(outer.ok());
  Result<Transaction> inner = Transaction::Begin(conn_);
  ASSERT_FALSE(inner.ok());
  EXPECT_NE(inner.status().message().find("transaction"), std::string::npos)
      << inner.status().message();
}

TEST_F(WarehouseTransaction, RowsAfterRollbackAndMoveSurvive) {
  {
    Result<Transaction> txn = Transaction::Begin(conn_);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Rollback().ok());
    ASSERT_TRUE(conn_.Execute("INSERT INTO t VALUES (5)").ok());
  }
  EXPECT_EQ(Rows(), 1);
}

}  // namespace
}  // namespace shoplytics::warehouse
