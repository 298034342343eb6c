#include "transform/seed_loader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/files.h"
#include "duck_rows.h"

namespace shoplytics::transform {
namespace {

using warehouse::Connection;
using warehouse::Database;
using warehouse::QueryResult;
using Rows = std::vector<std::string>;

class SeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::OpenInMemory().value());
    conn_ = std::move(Connection::Open(db_).value());
  }

  Rows Query(const std::string& sql) { return testing::DuckRows(conn_, sql); }

  SeedSpec Seed(const std::string& csv, std::map<std::string, std::string> types = {}) {
    SeedSpec seed;
    seed.name = "customers";
    seed.relation = {"raw", "customers"};
    seed.csv_path = dir_.path() / "customers.csv";
    EXPECT_TRUE(WriteFileAtomically(seed.csv_path, csv).ok());
    seed.column_types = std::move(types);
    return seed;
  }

  Rows Types() {
    return Query(
        "SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE "
        "table_schema = 'raw' AND table_name = 'customers' ORDER BY ordinal_position");
  }

  warehouse::DuckDbAdapter adapter_;
  Database db_;
  Connection conn_;
  TempDir dir_ = std::move(TempDir::Create("seed-test").value());
};

TEST_F(SeedTest, InfersTypesAndReturnsTheRowCount) {
  Result<int64_t> rows = LoadSeed(adapter_, conn_,
                                  Seed("id,name,signed_up,balance,zip\n"
                                       "1,Ann,2024-01-05,10.5,01234\n"
                                       "2,\"Bo, Jr.\",2024-02-01,0.25,98765\n"));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, 2);
  // A leading zero keeps a number-like column text, as zip codes need.
  EXPECT_EQ(Types(),
            (Rows{"id BIGINT", "name VARCHAR", "signed_up DATE", "balance DOUBLE", "zip VARCHAR"}));
  EXPECT_EQ(Query("SELECT * FROM raw.customers ORDER BY id"),
            (Rows{"1|Ann|2024-01-05|10.5|01234", "2|Bo, Jr.|2024-02-01|0.25|98765"}));
}

TEST_F(SeedTest, TypesAreInferredFromEveryRow) {
  std::string csv = "id,code\n";
  for (int i = 0; i < 30000; ++i) csv += std::to_string(i) + "," + std::to_string(i) + "\n";
  csv += "30000,A-1\n";  // past DuckDB's default sample of 20480 rows
  Result<int64_t> rows = LoadSeed(adapter_, conn_, Seed(csv));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, 30001);
  EXPECT_EQ(Types(), (Rows{"id BIGINT", "code VARCHAR"}));
}

TEST_F(SeedTest, ColumnTypesOverrideInference) {
  Result<int64_t> rows =
      LoadSeed(adapter_, conn_,
               Seed("id,zip,balance\n1,01234,10.5\n",
                    {{"id", "VARCHAR"}, {"zip", "INTEGER"}, {"balance", "DECIMAL(10,2)"}}));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(Types(), (Rows{"id VARCHAR", "zip INTEGER", "balance DECIMAL(10,2)"}));
  EXPECT_EQ(Query("SELECT * FROM raw.customers"), (Rows{"1|1234|10.50"}));
}

TEST_F(SeedTest, QuotedFieldsMayHoldCommasQuotesAndNewlines) {
  Result<int64_t> rows =
      LoadSeed(adapter_, conn_, Seed("id,note\n1,\"a, \"\"b\"\"\nc\"\n2,plain\n"));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, 2);
  EXPECT_EQ(Query("SELECT note FROM raw.customers ORDER BY id"), (Rows{"a, \"b\"\nc", "plain"}));
}

TEST_F(SeedTest, EachLoadReplacesTheTable) {
  ASSERT_TRUE(LoadSeed(adapter_, conn_, Seed("id\n1\n2\n3\n")).ok());
  Result<int64_t> rows = LoadSeed(adapter_, conn_, Seed("id,name\n9,Zed\n"));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, 1);
  EXPECT_EQ(Query("SELECT * FROM raw.customers"), (Rows{"9|Zed"}));
}

TEST_F(SeedTest, MalformedFilesNameTheFileAndLine) {
  struct Case {
    std::string csv;
    std::string error;  // after "seed customers: <path>:"
  };
  const std::vector<Case> cases = {
      {"a,b\n1,x\n2,y,z\n3,w\n", "3: expected 2 fields (as in the header), found 3"},
      {"a,b\n1,x\n2\n", "3: expected 2 fields (as in the header), found 1"},
      {"a,b\n1,\"multi\nline\"\n2,\"open\n3,w\n", "4: unterminated quoted field"},
      {"a,b\r\n1,x\r\n2,y,z\r\n", "3: expected 2 fields (as in the header), found 3"},
      {"", "1: no header row"},
  };
  for (const Case& c : cases) {
    SeedSpec seed = Seed(c.csv);
    Result<int64_t> rows = LoadSeed(adapter_, conn_, seed);
    ASSERT_FALSE(rows.ok()) << c.csv;
    EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(rows.status().message(), "seed customers: " + seed.csv_path.string() + ":" + c.error);
  }
}

TEST_F(SeedTest, AValueThatDoesNotConvertNamesTheLineAndColumn) {
  SeedSpec seed = Seed("a,b\n1,x\nfoo,y\n", {{"a", "INTEGER"}});
  Result<int64_t> rows = LoadSeed(adapter_, conn_, seed);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().message(),
            "seed customers: " + seed.csv_path.string() +
                ":3: Error when converting column \"a\". Could not convert string \"foo\" to "
                "'INTEGER'");
}

TEST_F(SeedTest, AFailedReloadKeepsTheOldTable) {
  ASSERT_TRUE(LoadSeed(adapter_, conn_, Seed("id\n1\n2\n")).ok());
  EXPECT_FALSE(LoadSeed(adapter_, conn_, Seed("id\n1\n2,3\n")).ok());
  EXPECT_FALSE(LoadSeed(adapter_, conn_, Seed("id\nx\n", {{"id", "INTEGER"}})).ok());
  EXPECT_EQ(Query("SELECT id FROM raw.customers ORDER BY id"), (Rows{"1", "2"}));
}

TEST_F(SeedTest, UnknownColumnTypeAndMissingFileAreNamed) {
  Result<int64_t> unknown = LoadSeed(adapter_, conn_, Seed("id\n1\n", {{"nope", "INTEGER"}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("nope"), std::string::npos)
      << unknown.status().message();
  SeedSpec missing = Seed("id\n1\n");
  missing.csv_path = dir_.path() / "absent.csv";
  Result<int64_t> absent = LoadSeed(adapter_, conn_, missing);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound);
  EXPECT_NE(absent.status().message().find("absent.csv"), std::string::npos);
}

}  // namespace
}  // namespace shoplytics::transform
