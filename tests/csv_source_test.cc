// Integration tests of the CSV loader: files written into a temp project, loaded into a
// temp DuckDB warehouse file, checked in raw.* and meta.*.
#include "sources/csv_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/files.h"
#include "config/project_config.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"

namespace shoplytics {
namespace {

namespace fs = std::filesystem;
using sources::ExtractContext;
using sources::TableReport;
using ::testing::HasSubstr;

constexpr char kSpendTable[] =
    "      spend:\n"
    "        glob: \"marketing_spend*.csv\"\n"
    "        columns: {date: date, channel: varchar, campaign_id: bigint, campaign_name: "
    "varchar, spend: \"decimal(18,2)\", currency: varchar}\n"
    "        primary_key: [date, campaign_id]\n";

class CsvSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("csvsrc");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    fs::create_directories(dir_->path() / "files");
  }

  void Write(const std::string& name, const std::string& content) {
    ASSERT_TRUE(WriteFileAtomically(dir_->path() / "files" / name, content).ok());
  }

  Result<std::vector<TableReport>> Extract(const std::string& tables) {
    const std::string yaml =
        "sources:\n"
        "  marketing:\n"
        "    type: csv\n"
        "    path: ${SHOPLYTICS_FILES:-data}\n"
        "    tables:\n" +
        tables;
    ASSIGN_OR_RETURN(
        ProjectConfig project,
        ParseProjectConfig(yaml, dir_->path(), "shoplytics.yml", [](std::string_view name) {
          return name == "SHOPLYTICS_FILES" ? std::optional<std::string>("files") : std::nullopt;
        }));
    ASSIGN_OR_RETURN(warehouse::Database db, warehouse::Database::Open(WarehousePath()));
    ExtractContext ctx;
    ctx.db = &db;
    ctx.project_dir = dir_->path();
    ctx.lake_dir = dir_->path() / "lake";
    return sources::ExtractCsv(*project.FindSource("marketing"), ctx);
  }

  // Extracts and expects one table report without error.
  TableReport MustExtract(const std::string& tables) {
    auto reports = Extract(tables);
    EXPECT_TRUE(reports.ok()) << reports.status().ToString();
    if (!reports.ok() || reports->size() != 1) return {};
    EXPECT_TRUE((*reports)[0].error.ok()) << (*reports)[0].error.ToString();
    return (*reports)[0];
  }

  // Rows of a query as "a|b|c" strings.
  std::vector<std::string> Rows(const std::string& sql) {
    auto db = warehouse::Database::Open(WarehousePath());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return {};
    auto conn = warehouse::Connection::Open(*db);
    EXPECT_TRUE(conn.ok());
    auto r = conn->Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok()) return {};
    std::vector<std::string> rows;
    for (uint64_t i = 0; i < r->row_count(); ++i) {
      std::string row;
      for (uint64_t c = 0; c < r->column_count(); ++c) {
        if (c) row += "|";
        auto null = r->IsNull(c, i);
        auto v = r->GetString(c, i);
        row += (null.ok() && *null) ? "NULL" : (v.ok() ? *v : "?");
      }
      rows.push_back(row);
    }
    return rows;
  }

  std::string WarehousePath() const { return (dir_->path() / "warehouse.duckdb").string(); }

  std::unique_ptr<TempDir> dir_;
};

TEST_F(CsvSourceTest, LoadsGoodRowsAndQuarantinesEachBadOneWithItsLineAndReason) {
  Write("marketing_spend.csv",
        "\xEF\xBB\xBF"
        "date,channel,campaign_id,campaign_name,spend,currency\r\n"
        "2025-01-01,google,1,\"Winter, sale\",10.50,USD\r\n"
        "2025-01-01,meta,2,\"multi\r\nline \"\"name\"\"\",3,USD\r\n"
        "2025-01-02,google,x1,bad number,1.00,USD\r\n"
        "2025-02-30,google,3,bad date,1.00,USD\r\n"
        "2025-01-02,google,4,too few\r\n"
        "2025-01-02,google,5,too many,1.00,USD,extra\r\n"
        "2025-01-02,google,6,bad\"quote,1.00,USD\r\n"
        "2025-01-02,google,,empty key,1.00,USD\r\n"
        "2025-01-02,google,7,bad decimal,1.2.3,USD\r\n"
        "2025-01-02,google,8,too precise,1.234,USD\r\n"
        "2025-01-02,google,99999999999999999999,overflow,1,USD\r\n"
        "2025-01-02,google,9,negative is fine,-5.25,USD\r\n"
        "\"2025-01-02\"x,google,10,after quote,1,USD\r\n"
        "2025-01-03,google,11,huge,12345678901234567.00,USD\r\n"
        "2025-01-03,tiktok,12,\"unterminated,1.00,USD\r\n"
        "2025-01-03,google,13,last good,0.1,USD");
  const TableReport report = MustExtract(kSpendTable);
  EXPECT_EQ(report.rows, 16);
  EXPECT_EQ(report.quarantined, 12);
  EXPECT_EQ(report.inserted, 4);

  EXPECT_EQ(Rows("SELECT date, campaign_id, campaign_name, spend, _source_line FROM "
                 "raw.marketing_spend ORDER BY _source_line"),
            (std::vector<std::string>{
                "2025-01-01|1|Winter, sale|10.50|2", "2025-01-01|2|multi\r\nline \"name\"|3.00|3",
                "2025-01-02|9|negative is fine|-5.25|14", "2025-01-03|13|last good|0.10|18"}));
  EXPECT_EQ(Rows("SELECT sum(spend) FROM raw.marketing_spend"), std::vector<std::string>{"8.35"});

  const std::vector<std::pair<int, std::string>> want = {
      {5, "column campaign_id: bad integer 'x1'"},
      {6, "column date: bad date '2025-02-30'"},
      {7, "expected 6 fields, got 4"},
      {8, "expected 6 fields, got 7"},
      {9, "stray quote in unquoted field 4"},
      {10, "empty key column campaign_id"},
      {11, "column spend: bad decimal '1.2.3'"},
      {12, "column spend: decimal '1.234' has more than 2 decimal places"},
      {13, "column campaign_id: bad integer '99999999999999999999'"},
      {15, "unexpected character after closing quote in field 1"},
      {16, "out of range for decimal(18,2)"},
      {17, "unterminated quoted field"},
  };
  const std::vector<std::string> rows = Rows(
      "SELECT line, reason, file FROM meta.quarantine WHERE source = 'marketing' AND \"table\" "
      "= 'spend' ORDER BY line");
  ASSERT_EQ(rows.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_THAT(rows[i], HasSubstr(std::to_string(want[i].first) + "|")) << rows[i];
    EXPECT_THAT(rows[i], HasSubstr(want[i].second)) << rows[i];
    EXPECT_THAT(rows[i], HasSubstr("|marketing_spend.csv")) << rows[i];
  }
  EXPECT_EQ(Rows("SELECT raw FROM meta.quarantine WHERE line = 7"),
            std::vector<std::string>{"2025-01-02,google,4,too few"});
  EXPECT_EQ(Rows("SELECT raw FROM meta.quarantine WHERE line = 17"),
            std::vector<std::string>{"2025-01-03,tiktok,12,\"unterminated,1.00,USD"});
}

TEST_F(CsvSourceTest, SkipsAFileWithTheSameChecksum) {
  Write("marketing_spend.csv",
        "date,channel,campaign_id,campaign_name,spend,currency\n"
        "2025-01-01,google,1,a,1.00,USD\n");
  EXPECT_EQ(MustExtract(kSpendTable).inserted, 1);
  const TableReport again = MustExtract(kSpendTable);
  EXPECT_EQ(again.skipped_files, 1);
  EXPECT_EQ(again.rows, 0);
  EXPECT_EQ(Rows("SELECT count(*) FROM raw.marketing_spend"), std::vector<std::string>{"1"});
  EXPECT_EQ(Rows("SELECT count(*) FROM meta.batches"), std::vector<std::string>{"1"});
}

TEST_F(CsvSourceTest, AChangedFileReplacesItsRowsAndQuarantineEvenWithoutAKey) {
  const std::string table =
      "      perf:\n"
      "        glob: \"campaign_performance*.csv\"\n"
      "        columns: {date: date, campaign_id: bigint, clicks: bigint}\n";
  Write("campaign_performance.csv",
        "date,campaign_id,clicks\n2025-01-01,1,10\n2025-01-01,2,20\n2025-01-01,3,oops\n");
  Write("campaign_performance_old.csv", "clicks,campaign_id,date\n5,9,2024-12-31\n");
  TableReport first = MustExtract(table);
  EXPECT_EQ(first.inserted, 3);
  EXPECT_EQ(first.quarantined, 1);

  // Row 2 removed, row 1 changed, the bad row fixed: the file's old rows must all go.
  Write("campaign_performance.csv", "date,campaign_id,clicks\n2025-01-01,1,11\n2025-01-01,3,30\n");
  TableReport second = MustExtract(table);
  EXPECT_EQ(second.skipped_files, 1);
  EXPECT_EQ(second.inserted, 2);
  EXPECT_EQ(
      Rows("SELECT campaign_id, clicks, _source_file FROM raw.marketing_perf ORDER BY "
           "campaign_id"),
      (std::vector<std::string>{"1|11|campaign_performance.csv", "3|30|campaign_performance.csv",
                                "9|5|campaign_performance_old.csv"}));
  EXPECT_EQ(Rows("SELECT count(*) FROM meta.quarantine"), std::vector<std::string>{"0"});
  EXPECT_EQ(
      Rows("SELECT file, rows FROM meta.files ORDER BY file"),
      (std::vector<std::string>{"campaign_performance.csv|2", "campaign_performance_old.csv|1"}));
}

TEST_F(CsvSourceTest, AMissingDeclaredColumnIsAnErrorNamingFileAndColumn) {
  Write("marketing_spend.csv",
        "date,channel,campaign_id,campaign_name,currency\n"
        "2025-01-01,google,1,a,USD\n");
  auto reports = Extract(kSpendTable);
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 1u);
  const Status& error = (*reports)[0].error;
  EXPECT_EQ(error.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(error.message(), HasSubstr("marketing_spend.csv"));
  EXPECT_THAT(error.message(), HasSubstr("no column 'spend'"));
  EXPECT_EQ(Rows("SELECT count(*) FROM meta.files"), std::vector<std::string>{"0"});
}

TEST_F(CsvSourceTest, ConvertsDeclaredTypesExactly) {
  Write("t.csv",
        "id;flag;at_ts;at_tz;n;amount\n"
        "1;yes;2025-03-01T10:00:00;2025-03-01T10:00:00+02:00;-7;0.30\n"
        "2;f;2025-03-01 23:59:59.5;2025-03-01T23:00:00Z;;-0.1\n"
        "3;maybe;2025-03-01T10:00:00;2025-03-01T10:00:00Z;1;1\n"
        "4;t;2025-03-01T25:00:00;2025-03-01T10:00:00Z;1;1\n"
        "5;t;2025-03-01T10:00:00;2025-03-01T10:00:00Z;40000;1\n");
  const TableReport report = MustExtract(
      "      t:\n"
      "        glob: \"t.csv\"\n"
      "        delimiter: \";\"\n"
      "        columns: {id: bigint, flag: boolean, at_ts: timestamp, at_tz: timestamptz, "
      "n: smallint, amount: \"numeric(4, 2)\"}\n"
      "        primary_key: id\n");
  EXPECT_EQ(report.quarantined, 3);
  EXPECT_EQ(
      Rows("SELECT id, flag, at_ts, epoch(at_tz), n, amount FROM raw.marketing_t ORDER BY id"),
      (std::vector<std::string>{"1|true|2025-03-01 10:00:00|1740816000.0|-7|0.30",
                                "2|false|2025-03-01 23:59:59.5|1740870000.0|NULL|-0.10"}));
  EXPECT_EQ(Rows("SELECT line, reason FROM meta.quarantine ORDER BY line"),
            (std::vector<std::string>{"4|column flag: bad boolean 'maybe'",
                                      "5|column at_ts: bad timestamp '2025-03-01T25:00:00' "
                                      "(expected ISO-8601)",
                                      "6|column n: 40000 is out of range for SMALLINT"}));
}

TEST_F(CsvSourceTest, AnUnknownTypeIsAConfigErrorWithItsLine) {
  auto reports = Extract(
      "      t:\n"
      "        glob: \"t.csv\"\n"
      "        columns: {id: bigint, price: money}\n");
  ASSERT_FALSE(reports.ok());
  EXPECT_THAT(reports.status().message(), HasSubstr("shoplytics.yml:"));
  EXPECT_THAT(reports.status().message(), HasSubstr("unknown column type 'money'"));
}

}  // namespace
}  // namespace shoplytics
