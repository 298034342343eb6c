#include "warehouse/result_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "warehouse/connection.h"

namespace shoplytics::warehouse {
namespace {

class WarehouseResultFormat : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(Database::OpenInMemory().value());
    conn_ = std::move(Connection::Open(db_).value());
  }
  std::string Format(const std::string& sql, ResultFormat format) {
    Result<QueryResult> r = conn_.Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "";
    std::ostringstream out;
    Status status = WriteResult(*r, format, out);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return out.str();
  }
  Database db_;
  Connection conn_;
};

TEST_F(WarehouseResultFormat, TableAlignsColumnsWithHeaderAndRowCount) {
  std::string out = Format(
      "SELECT * FROM (VALUES (1, 'ab', 2.50::DECIMAL(4,2)), (100, NULL, NULL)) t(id, name, net)",
      ResultFormat::kTable);
  EXPECT_EQ(out,
            " id  | name | net\n"
            "-----+------+------\n"
            "   1 | ab   | 2.50\n"
            " 100 | NULL | NULL\n"
            "(2 rows)\n");
}

TEST_F(WarehouseResultFormat, TableCountsUtf8CharactersNotBytes) {
  std::string out =
      Format("SELECT 'é' AS x, 'abc' AS y UNION ALL SELECT 'abc', 'z'", ResultFormat::kTable);
  EXPECT_EQ(out,
            " x   | y\n"
            "-----+-----\n"
            " é   | abc\n"
            " abc | z\n"
            "(2 rows)\n");
}

TEST_F(WarehouseResultFormat, TableOfNoRowsStillShowsHeaderAndCount) {
  std::string out = Format("SELECT 1 AS one WHERE false", ResultFormat::kTable);
  EXPECT_EQ(out, " one\n-----\n(0 rows)\n");
  EXPECT_EQ(Format("SELECT 1 AS a", ResultFormat::kTable), " a\n---\n 1\n(1 row)\n");
}

TEST_F(WarehouseResultFormat, CsvQuotesPerRfc4180) {
  std::string out = Format(
      "SELECT * FROM (VALUES (1, 'plain'), (2, 'a,b'), (3, 'say \"hi\"'), (4, 'two' || chr(10) || "
      "'lines'), (5, NULL), (6, '')) t(id, \"the, name\") ORDER BY id",
      ResultFormat::kCsv);
  EXPECT_EQ(out,
            "id,\"the, name\"\n"
            "1,plain\n"
            "2,\"a,b\"\n"
            "3,\"say \"\"hi\"\"\"\n"
            "4,\"two\nlines\"\n"
            "5,\n"
            "6,\n");
}

TEST(WarehouseCsvField, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("abc"), "abc");
  EXPECT_EQ(CsvField("a b"), "a b");
  EXPECT_EQ(CsvField("a\rb"), "\"a\rb\"");
  EXPECT_EQ(CsvField("\""), "\"\"\"\"");
}

TEST_F(WarehouseResultFormat, JsonUsesProperTypesInColumnOrder) {
  std::string out = Format(
      "SELECT 42::BIGINT AS z_id, 'O''Brien \"x\"' AS name, true AS paid, 12.34::DECIMAL(18,2) AS "
      "net, 0.5::DOUBLE AS ratio, NULL AS missing, DATE '2024-01-31' AS day, "
      "9223372036854775807 AS big, [1, 2]::VARCHAR AS list",
      ResultFormat::kJson);
  nlohmann::ordered_json json = nlohmann::ordered_json::parse(out);
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 1u);
  const auto& row = json[0];
  EXPECT_EQ(row.begin().key(), "z_id");  // column order, not sorted
  EXPECT_TRUE(row["z_id"].is_number_integer());
  EXPECT_EQ(row["z_id"], 42);
  EXPECT_EQ(row["name"], "O'Brien \"x\"");
  EXPECT_TRUE(row["paid"].is_boolean());
  EXPECT_EQ(row["paid"], true);
  EXPECT_TRUE(row["net"].is_number());
  EXPECT_DOUBLE_EQ(row["net"].get<double>(), 12.34);
  EXPECT_DOUBLE_EQ(row["ratio"].get<double>(), 0.5);
  EXPECT_TRUE(row["missing"].is_null());
  EXPECT_EQ(row["day"], "2024-01-31");
  EXPECT_EQ(row["big"].get<int64_t>(), 9223372036854775807);
  EXPECT_EQ(row["list"], "[1, 2]");
}

TEST_F(WarehouseResultFormat, EveryTypeIsShownAsDuckDbCastsItToText) {
  std::string out = Format(
      "SELECT TIMESTAMPTZ '2024-01-31 10:00:00.5+00' AS tz, [1, NULL] AS list, "
      "{'a': 1, 'b': 'x'} AS struct, MAP {'k': 2} AS map, [1, 2]::INTEGER[2] AS arr, "
      "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS uuid, 'b'::ENUM('a', 'b') AS enum, "
      "'a\\x00b'::BLOB AS blob, INTERVAL 3 DAY AS span, -7.5::DECIMAL(4,1) AS small, "
      "-12345678901.25::DECIMAL(30,2) AS wide, -3::HUGEINT AS huge, TIME '10:00:01' AS t",
      ResultFormat::kCsv);
  EXPECT_EQ(out,
            "tz,list,struct,map,arr,uuid,enum,blob,span,small,wide,huge,t\n"
            "2024-01-31 10:00:00.5+00,\"[1, NULL]\",\"{'a': 1, 'b': x}\",{k=2},\"[1, 2]\","
            "6ba7b810-9dad-11d1-80b4-00c04fd430c8,b,a\\x00b,3 days,-7.5,-12345678901.25,-3,"
            "10:00:01\n");
}

TEST_F(WarehouseResultFormat, TypesWithoutATextFormAskForACast) {
  Result<QueryResult> r = conn_.Query("SELECT '101'::BIT AS bits");
  ASSERT_TRUE(r.ok());
  std::ostringstream out;
  Status status = WriteResult(*r, ResultFormat::kTable, out);
  EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
  EXPECT_NE(status.message().find("\"bits\"::VARCHAR"), std::string::npos) << status.message();
}

TEST_F(WarehouseResultFormat, JsonOfNoRowsIsAnEmptyArray) {
  EXPECT_EQ(nlohmann::json::parse(Format("SELECT 1 WHERE false", ResultFormat::kJson)),
            nlohmann::json::array());
}

TEST(WarehouseResultFormatNames, ParsesTheThreeFormatsAndRejectsOthers) {
  EXPECT_EQ(ParseResultFormat("table").value_or(ResultFormat::kJson), ResultFormat::kTable);
  EXPECT_EQ(ParseResultFormat("csv").value_or(ResultFormat::kJson), ResultFormat::kCsv);
  EXPECT_EQ(ParseResultFormat("json").value_or(ResultFormat::kCsv), ResultFormat::kJson);
  Result<ResultFormat> bad = ParseResultFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("xml"), std::string::npos);
}

}  // namespace
}  // namespace shoplytics::warehouse
