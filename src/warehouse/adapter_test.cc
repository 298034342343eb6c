#include "warehouse/adapter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shoplytics::warehouse {
namespace {

class WarehouseAdapter : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::OpenInMemory().value());
    conn_ = std::move(Connection::Open(db_).value());
  }
  int64_t Scalar(const std::string& sql) {
    Result<QueryResult> r = conn_.Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->GetInt64(0, 0).value_or(-1) : -1;
  }
  DuckDbAdapter adapter_;
  Database db_;
  Connection conn_;
};

TEST_F(WarehouseAdapter, QuotesIdentifiersAndLiterals) {
  struct Case {
    std::string in, identifier, literal;
  };
  const std::vector<Case> cases = {
      {"orders", "\"orders\"", "'orders'"}, {"my \"t\"", "\"my \"\"t\"\"\"", "'my \"t\"'"},
      {"it's", "\"it's\"", "'it''s'"},      {"", "\"\"", "''"},
      {"select", "\"select\"", "'select'"}, {"a.b", "\"a.b\"", "'a.b'"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(adapter_.QuoteIdentifier(c.in), c.identifier) << c.in;
    EXPECT_EQ(adapter_.QuoteLiteral(c.in), c.literal) << c.in;
  }
  EXPECT_EQ(adapter_.QualifiedName("raw", "shop orders"), "\"raw\".\"shop orders\"");
  EXPECT_EQ(adapter_.QualifiedName("", "t"), "\"t\"");
}

TEST_F(WarehouseAdapter, NastyNamesRoundTripThroughDuckDb) {
  const std::vector<std::string> names = {
      "my \"t\"", "it's", "select", "a.b", "Ünïcødé tåble", "semi;colon -- comment", "back\\slash"};
  for (const std::string& name : names) {
    ASSERT_TRUE(adapter_.CreateSchemaIfNotExists(conn_, name).ok()) << name;
    ASSERT_TRUE(adapter_.CreateSchemaIfNotExists(conn_, name).ok()) << "second time: " << name;
    std::string table = adapter_.QualifiedName(name, name);
    ASSERT_TRUE(conn_
                    .Execute("CREATE TABLE " + table + " AS SELECT " + adapter_.QuoteLiteral(name) +
                             " AS " + adapter_.QuoteIdentifier(name))
                    .ok())
        << name;
    Result<QueryResult> r =
        conn_.Query("SELECT " + adapter_.QuoteIdentifier(name) + " FROM " + table);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->column_name(0), name);
    EXPECT_EQ(r->GetString(0, 0).value_or(""), name);
  }
}

TEST_F(WarehouseAdapter, PublishCreatesThenReplacesTheTable) {
  ASSERT_TRUE(adapter_.CreateSchemaIfNotExists(conn_, "marts").ok());
  ASSERT_TRUE(adapter_.PublishTable(conn_, "marts", "daily", "SELECT 1 AS v").ok());
  EXPECT_EQ(Scalar("SELECT sum(v) FROM marts.daily"), 1);
  Status replaced =
      adapter_.PublishTable(conn_, "marts", "daily", "SELECT range AS v FROM range(5)");
  ASSERT_TRUE(replaced.ok()) << replaced.ToString();
  EXPECT_EQ(Scalar("SELECT sum(v) FROM marts.daily"), 10);
  EXPECT_EQ(Scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'"),
            1);
}

TEST_F(WarehouseAdapter, FailedPublishLeavesTheOldTableIntactAndNoTempTable) {
  ASSERT_TRUE(adapter_.CreateSchemaIfNotExists(conn_, "marts").ok());
  ASSERT_TRUE(adapter_.PublishTable(conn_, "marts", "daily", "SELECT 41 AS v").ok());
  const std::vector<std::string> bad_builds = {
      "SELECT nope FROM missing_table",  // fails while binding
      "SELECT 'x'::INTEGER AS v",        // fails while executing
  };
  for (const std::string& sql : bad_builds) {
    Status status = adapter_.PublishTable(conn_, "marts", "daily", sql);
    ASSERT_FALSE(status.ok()) << sql;
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
    EXPECT_NE(status.message().find("publishing \"marts\".\"daily\""), std::string::npos)
        << status.message();
    EXPECT_EQ(Scalar("SELECT sum(v) FROM marts.daily"), 41) << sql;
    EXPECT_EQ(Scalar("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE "
                     "'%__shoplytics_tmp'"),
              0);
  }
  // The connection is back in autocommit and publishing works again.
  ASSERT_TRUE(adapter_.PublishTable(conn_, "marts", "daily", "SELECT 7 AS v").ok());
  EXPECT_EQ(Scalar("SELECT sum(v) FROM marts.daily"), 7);
}

TEST_F(WarehouseAdapter, PublishIsAtomicForOtherConnections) {
  ASSERT_TRUE(adapter_.CreateSchemaIfNotExists(conn_, "marts").ok());
  ASSERT_TRUE(adapter_.PublishTable(conn_, "marts", "t", "SELECT 1 AS v").ok());
  Result<Connection> reader = Connection::Open(db_);
  ASSERT_TRUE(reader.ok());
  // A reader inside a snapshot keeps seeing the old table while the swap commits.
  ASSERT_TRUE(reader->Execute("BEGIN").ok());
  ASSERT_EQ(reader->Query("SELECT sum(v) FROM marts.t")->GetInt64(0, 0).value_or(-1), 1);
  ASSERT_TRUE(adapter_.PublishTable(conn_, "marts", "t", "SELECT 2 AS v").ok());
  EXPECT_EQ(reader->Query("SELECT sum(v) FROM marts.t")->GetInt64(0, 0).value_or(-1), 1);
  ASSERT_TRUE(reader->Execute("COMMIT").ok());
  EXPECT_EQ(reader->Query("SELECT sum(v) FROM marts.t")->GetInt64(0, 0).value_or(-1), 2);
}

// ProveDistinct / ProveContained: true only when the values prove the test passes; false
// (the test runs its SQL) for duplicates, orphans and what a bitmap or a hash cannot cover.
TEST_F(WarehouseAdapter, ProvesUniqueAndContainedKeysWithBitmapsAndUniqueTextWithHashes) {
  ASSERT_TRUE(
      conn_
          .Execute("CREATE TABLE t AS SELECT * FROM (VALUES "
                   "(1::TINYINT, -5, 'a', 10::UINTEGER, 1::UBIGINT, 0::BIGINT), "
                   "(2, 7, 'b', 12, 2, 9223372036854775807), (NULL, NULL, 'a', NULL, 3, "
                   "-9223372036854775808), (4, 7, 'c', 13, 4, 5)) v(i, dup, s, u, big, wide);"
                   "CREATE TABLE p AS SELECT * FROM (VALUES (1), (2), (3), (4), (100), (NULL)) "
                   "v(id);"
                   "CREATE TABLE empty (i INTEGER);"
                   "CREATE TABLE words AS SELECT * FROM (VALUES ('x'), (NULL), ('y'), (NULL)) "
                   "v(w)")
          .ok());
  struct Case {
    std::string column;
    bool distinct;
  };
  for (const Case& c : std::vector<Case>{
           {"i", true},          // NULLs are not values; TINYINT
           {"u", true},          // unsigned
           {"i * 3 - 1", true},  // an expression, as dbt allows
           {"dup", false},       // 7 twice
           {"s", false},         // 'a' twice: its hashes collide, the SQL decides
           {"s || i", true},     // text: distinct hashes (NULLs are not values)
           {"big", false},       // UBIGINT may not fit a BIGINT
           {"wide", true},       // a range wider than a bitmap covers: sorted
           {"CASE WHEN i IS NULL THEN 9223372036854775807 ELSE wide END", false},  // wide, twice
       }) {
    Result<bool> proven = adapter_.ProveDistinct(conn_, "t", c.column);
    ASSERT_TRUE(proven.ok()) << c.column << ": " << proven.status().ToString();
    EXPECT_EQ(*proven, c.distinct) << c.column;
  }
  // Many values, sorted in several passes: each kind once distinct, then with one repeat
  // (of the first value, placed last).
  ASSERT_TRUE(conn_
                  .Execute("CREATE TABLE many AS SELECT i, i * 4294967296 - 7 AS wide, "
                           "'key ' || i AS s FROM range(-100000, 100000) r(i);"
                           "CREATE TABLE repeated AS SELECT * FROM many UNION ALL "
                           "SELECT * FROM many WHERE i = -100000")
                  .ok());
  for (const std::string column : {"i", "wide", "s"}) {
    EXPECT_TRUE(adapter_.ProveDistinct(conn_, "many", column).value_or(false)) << column;
    EXPECT_FALSE(adapter_.ProveDistinct(conn_, "repeated", column).value_or(true)) << column;
  }
  EXPECT_TRUE(adapter_.ProveDistinct(conn_, "empty", "i").value_or(false));
  EXPECT_TRUE(adapter_.ProveDistinct(conn_, "words", "w").value_or(false));
  EXPECT_TRUE(
      adapter_.ProveDistinct(conn_, "(SELECT * FROM t WHERE dup = 7) AS w", "dup = 7").ok());
  EXPECT_FALSE(adapter_.ProveDistinct(conn_, "t", "no_such_column").ok());

  struct Contained {
    std::string from, column;
    bool contained;
  };
  for (const Contained& c : std::vector<Contained>{
           {"t", "i", true},  // 1, 2, 4 (and a NULL, never an orphan)
           {"(SELECT * FROM t WHERE i < 3) AS w", "i", true},
           {"t", "i + 1", false},  // 5 is not in p
           {"t", "dup", false},    // -5 and 7 are not
           {"t", "u", false},      // no parent value in 10..13: NULL bits
           {"t", "s", false},      // not an integer
           {"empty", "i", true},
       }) {
    Result<bool> proven = adapter_.ProveContained(conn_, c.from, c.column, "p", "id");
    ASSERT_TRUE(proven.ok()) << c.from << " " << c.column << ": " << proven.status().ToString();
    EXPECT_EQ(*proven, c.contained) << c.from << " " << c.column;
  }
  // A parent of another type: the SQL decides.
  EXPECT_FALSE(adapter_.ProveContained(conn_, "t", "i", "t", "s").value_or(true));
}

}  // namespace
}  // namespace shoplytics::warehouse
