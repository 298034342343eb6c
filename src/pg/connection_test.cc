#include "pg/connection.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "pg_fixture.h"

namespace shoplytics::pg {
namespace {

using ::shoplytics::testing::PostgresTest;

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    const ::shoplytics::Status _s = (expr);                 \
    ASSERT_TRUE(_s.ok()) << #expr << ": " << _s.ToString(); \
  } while (0)

template <typename T>
T ValueOrDie(Result<T> result) {
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (!result.ok()) std::abort();
  return std::move(result).value();
}

TEST(PgRedactDsn, HidesPasswordsInEveryForm) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"host=h port=5 user=u password=secret123 dbname=d",
       "host=h port=5 user=u password=*** dbname=d"},
      {"password='sec ret\\' 123' host=h", "password=*** host=h"},
      {"host=h password = secret123", "host=h password=***"},
      {"host=h dbname=d", "host=h dbname=d"},
      {"postgresql://u:secret123@h:5432/d", "postgresql://u:***@h:5432/d"},
      {"postgres://u:secret123@h/d?sslmode=disable&password=secret123",
       "postgres://u:***@h/d?sslmode=disable&password=***"},
      {"postgresql://u@h/d?password=secret123", "postgresql://u@h/d?password=***"},
      {"postgresql://h/d", "postgresql://h/d"},
  };
  for (const auto& [dsn, redacted] : cases) EXPECT_EQ(RedactDsn(dsn), redacted) << dsn;
}

TEST(PgSqlState, MapsClassesToStatusCodes) {
  const std::vector<std::pair<std::string, StatusCode>> cases = {
      {"08006", StatusCode::kUnavailable},
      {"08001", StatusCode::kUnavailable},
      {"57P01", StatusCode::kUnavailable},
      {"40001", StatusCode::kAborted},
      {"40P01", StatusCode::kAborted},
      {"55P03", StatusCode::kAborted},
      {"28P01", StatusCode::kPermissionDenied},
      {"42501", StatusCode::kPermissionDenied},
      {"42601", StatusCode::kInvalidArgument},
      {"42P01", StatusCode::kInvalidArgument},
      {"22P02", StatusCode::kInvalidArgument},
      {"42P07", StatusCode::kAlreadyExists},
      {"23505", StatusCode::kFailedPrecondition},
      {"25P02", StatusCode::kFailedPrecondition},
      {"3D000", StatusCode::kNotFound},
      {"53100", StatusCode::kResourceExhausted},
      {"57014", StatusCode::kCancelled},
      {"0A000", StatusCode::kUnimplemented},
      {"XX000", StatusCode::kInternal},
      {"", StatusCode::kInternal},
  };
  for (const auto& [sqlstate, code] : cases) {
    EXPECT_EQ(StatusCodeForSqlState(sqlstate), code) << sqlstate;
  }
}

TEST(PgConnection, UnreachableServerIsUnavailableAndTheMessageHasNoPassword) {
  for (const std::string dsn :
       {"host=127.0.0.1 port=1 user=postgres password=secret123 dbname=x connect_timeout=5",
        "postgresql://postgres:secret123@127.0.0.1:1/x?connect_timeout=5"}) {
    Result<Connection> conn = Connection::Open(dsn);
    ASSERT_FALSE(conn.ok());
    EXPECT_EQ(conn.status().code(), StatusCode::kUnavailable) << conn.status().ToString();
    EXPECT_EQ(conn.status().message().find("secret123"), std::string::npos)
        << conn.status().message();
    EXPECT_NE(conn.status().message().find("127.0.0.1"), std::string::npos)
        << conn.status().message();
  }
}

TEST(PgConnection, MalformedDsnIsInvalidArgumentWithoutThePassword) {
  Result<Connection> conn = Connection::Open("host=h password='secret123");
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), StatusCode::kInvalidArgument) << conn.status().ToString();
  EXPECT_EQ(conn.status().message().find("secret123"), std::string::npos);
}

TEST(PgConnection, MovedFromAndDefaultConnectionsFailCleanly) {
  Connection closed;
  EXPECT_FALSE(closed.is_open());
  EXPECT_EQ(closed.Execute("SELECT 1").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(closed.Query("SELECT 1").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(closed.BeginCopyIn("COPY t FROM STDIN").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(closed.QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(closed.QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(closed.server_version(), 0);
  QueryResult empty;
  EXPECT_EQ(empty.rows(), 0);
  EXPECT_EQ(empty.affected_rows(), 0);
}

class PgConnectionTest : public PostgresTest {};

TEST_F(PgConnectionTest, ParametersCarryNastyStringsAndNullUnchanged) {
  Connection conn = Connect();
  ASSERT_OK(conn.Execute("CREATE TABLE t (id int, v text)"));
  const std::vector<std::optional<std::string>> values = {"it's",
                                                          "\"double\"",
                                                          "back\\slash",
                                                          "ünïcødé ✓ 日本語 🚀",
                                                          "",
                                                          "'; DROP TABLE t; --",
                                                          "$1 $2",
                                                          "line\nbreak\ttab\r",
                                                          std::nullopt,
                                                          "NULL",
                                                          "\\N"};
  for (size_t i = 0; i < values.size(); ++i) {
    auto inserted =
        conn.Query("INSERT INTO t VALUES ($1::int, $2)", {std::to_string(i), values[i]});
    ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
    EXPECT_EQ(inserted->affected_rows(), 1);
  }
  QueryResult rows = ValueOrDie(conn.Query("SELECT id, v FROM t ORDER BY id"));
  ASSERT_EQ(rows.rows(), static_cast<int>(values.size()));
  EXPECT_EQ(rows.column_name(1), "v");
  for (int i = 0; i < rows.rows(); ++i) {
    EXPECT_EQ(ValueOrDie(rows.GetInt64(i, 0)), i);
    const auto& want = values[static_cast<size_t>(i)];
    EXPECT_EQ(rows.IsNull(i, 1), !want.has_value()) << i;
    if (want) {
      EXPECT_EQ(rows.Get(i, 1), *want) << i;
    }
  }
  QueryResult matched =
      ValueOrDie(conn.Query("SELECT count(*) FROM t WHERE v = $1", {std::string("it's")}));
  EXPECT_EQ(ValueOrDie(matched.GetInt64(0, 0)), 1);
}

TEST_F(PgConnectionTest, SqlErrorsCarryTheSqlStateCodeAndServerMessage) {
  Connection conn = Connect();
  Status syntax = conn.Execute("SELEC 1");
  EXPECT_EQ(syntax.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(syntax.message().find("syntax error"), std::string::npos) << syntax.message();
  EXPECT_NE(syntax.message().find("42601"), std::string::npos) << syntax.message();
  EXPECT_NE(syntax.message().find("SELEC 1"), std::string::npos) << syntax.message();

  Status missing = conn.Query("SELECT * FROM no_such_table").status();
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("\"no_such_table\" does not exist"), std::string::npos)
      << missing.message();

  ASSERT_OK(conn.Execute("CREATE TABLE u (k int PRIMARY KEY)"));
  ASSERT_OK(conn.Execute("INSERT INTO u VALUES (1)"));
  Status duplicate = conn.Query("INSERT INTO u VALUES ($1::int)", {std::string("1")}).status();
  EXPECT_EQ(duplicate.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(duplicate.message().find("23505"), std::string::npos) << duplicate.message();
  EXPECT_NE(duplicate.message().find("Key (k)=(1) already exists"), std::string::npos)
      << duplicate.message();

  EXPECT_EQ(conn.Execute("CREATE TABLE u (k int)").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(conn.Query("SELECT 1/0").status().code(), StatusCode::kInvalidArgument);
  // The connection is still usable after errors.
  EXPECT_EQ(ValueOrDie(conn.Query("SELECT 1")).Get(0, 0), "1");
}

TEST_F(PgConnectionTest, LongSqlIsTruncatedInMessages) {
  Connection conn = Connect();
  std::string sql = "SELECT * FROM missing_table WHERE " + std::string(500, 'x') + " = 1";
  Status status = conn.Execute(sql);
  ASSERT_FALSE(status.ok());
  EXPECT_LT(status.message().size(), 400u) << status.message();
  EXPECT_NE(status.message().find("..."), std::string::npos);
}

TEST_F(PgConnectionTest, UnknownRoleIsPermissionDeniedAndMissingDatabaseNotFound) {
  std::string dsn = server().DsnFor(database());
  Result<Connection> role = Connection::Open(dsn + " user=no_such_role password=secret123");
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(role.status().code(), StatusCode::kPermissionDenied) << role.status().ToString();
  EXPECT_EQ(role.status().message().find("secret123"), std::string::npos);
  Result<Connection> db = Connection::Open(server().DsnFor("no_such_database"));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kNotFound) << db.status().ToString();
}

TEST_F(PgConnectionTest, TerminatedSessionIsUnavailable) {
  Connection victim = Connect();
  Connection admin = Connect();
  QueryResult pid = ValueOrDie(victim.Query("SELECT pg_backend_pid()"));
  ASSERT_OK(
      admin.Query("SELECT pg_terminate_backend($1::int)", {std::string(pid.Get(0, 0))}).status());
  Status status = victim.Query("SELECT 1").status();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_TRUE(status.IsRetryable());
}

TEST_F(PgConnectionTest, SetsApplicationNameAndQuietNotices) {
  Connection conn = Connect();
  EXPECT_EQ(ValueOrDie(conn.Query("SHOW application_name")).Get(0, 0), "shoplytics");
  EXPECT_EQ(ValueOrDie(conn.Query("SHOW client_min_messages")).Get(0, 0), "warning");
  EXPECT_GE(conn.server_version(), 100000);
}

TEST_F(PgConnectionTest, QuotingMakesOddNamesAndValuesSafe) {
  Connection conn = Connect();
  const std::string table = "we\"ird tåble";
  const std::string value = "it's a \\ back'slash";
  ASSERT_OK(conn.Execute("CREATE TABLE " + conn.QuoteIdentifier(table) + " (v text)"));
  ASSERT_OK(conn.Execute("INSERT INTO " + conn.QuoteIdentifier(table) + " VALUES (" +
                         conn.QuoteLiteral(value) + ")"));
  QueryResult rows = ValueOrDie(conn.Query("SELECT v FROM " + conn.QuoteIdentifier(table)));
  ASSERT_EQ(rows.rows(), 1);
  EXPECT_EQ(rows.Get(0, 0), value);
}

TEST_F(PgConnectionTest, GetInt64NamesTheColumnOfABadValue) {
  Connection conn = Connect();
  QueryResult rows = ValueOrDie(conn.Query("SELECT 'abc' AS amount, NULL::int AS n, 42 AS ok"));
  Result<int64_t> bad = rows.GetInt64(0, 0);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("amount"), std::string::npos);
  EXPECT_EQ(rows.GetInt64(0, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValueOrDie(rows.GetInt64(0, 2)), 42);
  EXPECT_FALSE(rows.GetInt64(5, 0).ok());
}

TEST_F(PgConnectionTest, CopyInOfManyRowsArrivesWhole) {
  Connection conn = Connect();
  ASSERT_OK(conn.Execute("CREATE TABLE t (id bigint, name text)"));
  CopyIn copy = ValueOrDie(conn.BeginCopyIn("COPY t (id, name) FROM STDIN"));
  constexpr int kRows = 100'000;
  for (int i = 1; i <= kRows; ++i) {
    ASSERT_OK(copy.Write(std::to_string(i) + "\tname " + std::to_string(i) + "\n"));
  }
  EXPECT_EQ(ValueOrDie(copy.Finish()), kRows);
  QueryResult rows = ValueOrDie(conn.Query("SELECT count(*), sum(id) FROM t"));
  EXPECT_EQ(ValueOrDie(rows.GetInt64(0, 0)), kRows);
  EXPECT_EQ(ValueOrDie(rows.GetInt64(0, 1)), int64_t{kRows} * (kRows + 1) / 2);
  // A second Finish is an error, not a crash.
  EXPECT_EQ(copy.Finish().status().code(), StatusCode::kFailedPrecondition);
}

// Regression: a COPY begun on a Connection that is then moved (into the object that owns
// both) used to keep a pointer to the moved-from Connection and crash.
TEST_F(PgConnectionTest, CopyKeepsWorkingWhenItsConnectionIsMoved) {
  Connection conn = Connect();
  ASSERT_OK(conn.Execute("CREATE TABLE t (id int)"));
  CopyIn copy = ValueOrDie(conn.BeginCopyIn("COPY t FROM STDIN"));
  Connection owner = std::move(conn);
  ASSERT_OK(copy.Write("1\n2\n"));
  EXPECT_EQ(ValueOrDie(copy.Finish()), 2);
  CopyOut out = ValueOrDie(owner.BeginCopyOut("COPY t TO STDOUT"));
  Connection owner2 = std::move(owner);
  EXPECT_EQ(*ValueOrDie(out.Next()), "1\n");
  EXPECT_EQ(*ValueOrDie(out.Next()), "2\n");
  EXPECT_FALSE(ValueOrDie(out.Next()).has_value());
  EXPECT_EQ(ValueOrDie(owner2.Query("SELECT 3")).Get(0, 0), "3");
}

TEST_F(PgConnectionTest, BadRowFailsFinishWithItsLineNumber) {
  Connection conn = Connect();
  ASSERT_OK(conn.Execute("CREATE TABLE t (id int, name text)"));
  CopyIn copy = ValueOrDie(conn.BeginCopyIn("COPY t FROM STDIN"));
  ASSERT_OK(copy.Write("1\ta\n2\tb\n"));
  ASSERT_OK(copy.Write("three\tc\n"));
  ASSERT_OK(copy.Write("4\td\n"));
  Result<int64_t> rows = copy.Finish();
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument) << rows.status().ToString();
  EXPECT_NE(rows.status().message().find("line 3"), std::string::npos) << rows.status().message();
  EXPECT_NE(rows.status().message().find("three"), std::string::npos);
  EXPECT_NE(rows.status().message().find("COPY t FROM STDIN"), std::string::npos);
  EXPECT_EQ(ValueOrDie(ValueOrDie(conn.Query("SELECT count(*) FROM t")).GetInt64(0, 0)), 0);
}

TEST_F(PgConnectionTest, BadRowEarlyInALargeCopyIsReportedWithItsLine) {
  Connection conn = Connect();
  ASSERT_OK(conn.Execute("CREATE TABLE t (id int, name text)"));
  CopyIn copy = ValueOrDie(conn.BeginCopyIn("COPY t FROM STDIN"));
  Status failed;
  for (int i = 1; i <= 400'000 && failed.ok(); ++i) {
    failed =
        copy.Write(i == 10 ? std::string("x\tbad\n") : std::to_string(i) + "\tsome padding text\n");
  }
  if (failed.ok()) failed = copy.Finish().status();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), StatusCode::kInvalidArgument) << failed.ToString();
  EXPECT_NE(failed.message().find("line 10"), std::string::npos) << failed.message();
  EXPECT_EQ(ValueOrDie(conn.Query("SELECT 1")).Get(0, 0), "1");
}

TEST_F(PgConnectionTest, AbandonedCopyInIsAbortedAndTheConnectionStaysUsable) {
  Connection conn = Connect();
  ASSERT_OK(conn.Execute("CREATE TABLE t (id int)"));
  {
    CopyIn copy = ValueOrDie(conn.BeginCopyIn("COPY t FROM STDIN"));
    ASSERT_OK(copy.Write("1\n2\n"));
    CopyIn moved = std::move(copy);
    EXPECT_EQ(copy.Write("3\n").code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(ValueOrDie(ValueOrDie(conn.Query("SELECT count(*) FROM t")).GetInt64(0, 0)), 0);
}

TEST_F(PgConnectionTest, CopyOutRoundTripsThroughCopyIn) {
  Connection conn = Connect();
  ASSERT_OK(conn.Execute("CREATE TABLE src (id int, v text, n numeric(12,2))"));
  ASSERT_OK(conn.Execute("CREATE TABLE dst (LIKE src)"));
  const std::vector<std::optional<std::string>> values = {
      "plain", "tab\there", "new\nline", "back\\slash", "quote'\"", "ünï 日本", std::nullopt, ""};
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_OK(conn.Query("INSERT INTO src VALUES ($1::int, $2, $1::numeric / 7)",
                         {std::to_string(i), values[i]})
                  .status());
  }
  std::string data;
  int chunks = 0;
  {
    CopyOut out = ValueOrDie(conn.BeginCopyOut("COPY src TO STDOUT"));
    for (;;) {
      std::optional<std::string_view> chunk = ValueOrDie(out.Next());
      if (!chunk) break;
      data.append(*chunk);
      ++chunks;
    }
    EXPECT_FALSE(ValueOrDie(out.Next()).has_value());
  }
  EXPECT_EQ(chunks, static_cast<int>(values.size()));
  CopyIn in = ValueOrDie(conn.BeginCopyIn("COPY dst FROM STDIN"));
  ASSERT_OK(in.Write(data));
  EXPECT_EQ(ValueOrDie(in.Finish()), static_cast<int64_t>(values.size()));
  QueryResult diff = ValueOrDie(
      conn.Query("SELECT (SELECT count(*) FROM (SELECT * FROM src EXCEPT SELECT * FROM dst) a) + "
                 "(SELECT count(*) FROM (SELECT * FROM dst EXCEPT SELECT * FROM src) b)"));
  EXPECT_EQ(ValueOrDie(diff.GetInt64(0, 0)), 0);
}

TEST_F(PgConnectionTest, AbandonedCopyOutLeavesTheConnectionUsable) {
  Connection conn = Connect();
  {
    CopyOut out =
        ValueOrDie(conn.BeginCopyOut("COPY (SELECT generate_series(1, 1000000)) TO STDOUT"));
    EXPECT_EQ(*ValueOrDie(out.Next()), "1\n");
    EXPECT_EQ(*ValueOrDie(out.Next()), "2\n");
    CopyOut moved = std::move(out);
    EXPECT_EQ(*ValueOrDie(moved.Next()), "3\n");
    EXPECT_FALSE(ValueOrDie(out.Next()).has_value());
  }
  EXPECT_EQ(ValueOrDie(conn.Query("SELECT 7")).Get(0, 0), "7");
}

TEST_F(PgConnectionTest, CopyErrorsAreReportedAndLeaveTheConnectionUsable) {
  Connection conn = Connect();
  EXPECT_EQ(conn.BeginCopyIn("SELECT 1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(conn.BeginCopyIn("COPY missing FROM STDIN").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(conn.BeginCopyOut("COPY (SELECT 1) TO STDOUT").ok(), true);
  // The CopyOut above was dropped unread; the connection recovers.
  EXPECT_EQ(conn.Query("COPY (SELECT 1) TO STDOUT").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(conn.Execute("COPY (SELECT 1) TO STDOUT").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValueOrDie(conn.Query("SELECT 8")).Get(0, 0), "8");
}

TEST_F(PgConnectionTest, TransactionDestroyedWithoutCommitRollsBack) {
  Connection conn = Connect();
  ASSERT_OK(conn.Execute("CREATE TABLE t (id int)"));
  {
    Transaction tx = ValueOrDie(Transaction::Begin(conn));
    ASSERT_OK(conn.Execute("INSERT INTO t VALUES (1)"));
  }
  EXPECT_EQ(ValueOrDie(ValueOrDie(conn.Query("SELECT count(*) FROM t")).GetInt64(0, 0)), 0);
  {
    Transaction tx = ValueOrDie(Transaction::Begin(conn, "repeatable read"));
    ASSERT_OK(conn.Execute("INSERT INTO t VALUES (2)"));
    ASSERT_OK(tx.Commit());
    EXPECT_EQ(tx.Commit().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(ValueOrDie(ValueOrDie(conn.Query("SELECT count(*) FROM t")).GetInt64(0, 0)), 1);
}

TEST_F(PgConnectionTest, CommitAfterAFailedStatementIsAborted) {
  Connection conn = Connect();
  ASSERT_OK(conn.Execute("CREATE TABLE t (id int)"));
  Transaction tx = ValueOrDie(Transaction::Begin(conn));
  ASSERT_OK(conn.Execute("INSERT INTO t VALUES (1)"));
  EXPECT_FALSE(conn.Execute("SELECT * FROM missing").ok());
  Status commit = tx.Commit();
  EXPECT_EQ(commit.code(), StatusCode::kAborted) << commit.ToString();
  EXPECT_EQ(ValueOrDie(ValueOrDie(conn.Query("SELECT count(*) FROM t")).GetInt64(0, 0)), 0);
}

TEST_F(PgConnectionTest, InvalidIsolationLevelIsRejectedBeforeReachingSql) {
  Connection conn = Connect();
  Result<Transaction> tx = Transaction::Begin(conn, "SERIALIZABLE; DROP TABLE x");
  EXPECT_EQ(tx.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PgConnectionTest, MovedFromObjectsAreSafe) {
  Connection a = Connect();
  ASSERT_OK(a.Execute("CREATE TABLE t (id int)"));
  Connection b = std::move(a);
  EXPECT_FALSE(a.is_open());
  EXPECT_TRUE(b.is_open());
  EXPECT_EQ(a.Execute("SELECT 1").code(), StatusCode::kFailedPrecondition);
  Connection c;
  c = std::move(b);
  ASSERT_TRUE(c.is_open());

  QueryResult r1 = ValueOrDie(c.Query("SELECT 1"));
  QueryResult r2 = std::move(r1);
  EXPECT_EQ(r1.rows(), 0);
  EXPECT_TRUE(r1.IsNull(0, 0));
  EXPECT_EQ(r2.Get(0, 0), "1");
  r1 = std::move(r2);
  EXPECT_EQ(r1.Get(0, 0), "1");

  {
    Transaction tx = ValueOrDie(Transaction::Begin(c));
    ASSERT_OK(c.Execute("INSERT INTO t VALUES (1)"));
    Transaction moved = std::move(tx);
    EXPECT_EQ(tx.Commit().code(), StatusCode::kFailedPrecondition);
    ASSERT_OK(moved.Commit());
  }
  EXPECT_EQ(ValueOrDie(ValueOrDie(c.Query("SELECT count(*) FROM t")).GetInt64(0, 0)), 1);
}

}  // namespace
}  // namespace shoplytics::pg
