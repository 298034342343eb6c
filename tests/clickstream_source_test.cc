// Integration tests of the clickstream (JSONL) loader: event files written into a temp
// project, loaded into a temp DuckDB warehouse file, checked in raw.*, meta.* and the lake.
#include "sources/clickstream_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/files.h"
#include "config/project_config.h"
#include "pg_fixture.h"
#include "seed/calendar.h"
#include "seed/generator.h"
#include "sources/csv_source.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"

namespace shoplytics {
namespace {

namespace fs = std::filesystem;
using sources::ExtractContext;
using sources::TableReport;
using ::testing::HasSubstr;

std::string Event(const std::string& id, const std::string& time, const std::string& extra = "") {
  return "{\"event_id\":\"" + id + "\",\"event_type\":\"page_view\",\"event_time\":\"" + time +
         "\",\"session_id\":\"s_1\",\"anonymous_id\":\"a_1\",\"page\":\"/\",\"device\":"
         "\"mobile\",\"channel\":\"organic\",\"country\":\"DE\"" +
         extra + "}\n";
}

class ClickstreamSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("jsonlsrc");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    fs::create_directories(dir_->path() / "data");
  }

  void Write(const std::string& name, const std::string& content) {
    ASSERT_TRUE(WriteFileAtomically(dir_->path() / "data" / name, content).ok());
  }

  TableReport MustExtract() {
    auto project = ParseProjectConfig(
        "sources:\n  clickstream:\n    type: jsonl\n    glob: \"events-*.jsonl\"\n"
        "    table: events\n",
        dir_->path(), "shoplytics.yml", [](std::string_view) { return std::nullopt; });
    EXPECT_TRUE(project.ok()) << project.status().ToString();
    if (!project.ok()) return {};
    auto db = warehouse::Database::Open(WarehousePath());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return {};
    ExtractContext ctx;
    ctx.db = &*db;
    ctx.project_dir = dir_->path();
    ctx.lake_dir = dir_->path() / "lake";
    auto reports = sources::ExtractJsonl(*project->FindSource("clickstream"), ctx);
    EXPECT_TRUE(reports.ok()) << reports.status().ToString();
    if (!reports.ok() || reports->size() != 1) return {};
    EXPECT_TRUE((*reports)[0].error.ok()) << (*reports)[0].error.ToString();
    return (*reports)[0];
  }

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

TEST_F(ClickstreamSourceTest, TruncatedFileLoadsCompleteLinesAndQuarantinesTheRest) {
  Write("events-2025-01-01.jsonl",
        Event("e1", "2025-01-01T10:00:00Z",
              ",\"customer_id\":42,\"order_id\":7,"
              "\"revenue_cents\":1999,\"utm_source\":\"google\"") +
            "not json at all\n" +
            "{\"event_type\":\"page_view\",\"event_time\":\"2025-01-01T10:00:00Z\"}\n" +
            Event("e4", "yesterday") +
            Event("e5", "2025-01-01T10:00:00Z", ",\"customer_id\":\"forty-two\"") + "\n" +
            "[1,2,3]\r\n" + Event("e8", "2025-01-01T11:30:00.250Z", ",\"customer_id\":null") +
            "{\"event_id\":\"e9\",\"event_type\":\"page_vi");
  const TableReport report = MustExtract();
  EXPECT_EQ(report.rows, 8);  // the blank line 6 is not a row
  EXPECT_EQ(report.quarantined, 6);
  EXPECT_EQ(report.inserted, 2);
  EXPECT_EQ(Rows("SELECT event_id, timezone('UTC', event_time), event_date, customer_id, order_id, "
                 "revenue_cents, utm_source, utm_medium, _source_line FROM raw.clickstream_events "
                 "ORDER BY event_id"),
            (std::vector<std::string>{
                "e1|2025-01-01 10:00:00|2025-01-01|42|7|1999|google|NULL|1",
                "e8|2025-01-01 11:30:00.25|2025-01-01|NULL|NULL|NULL|NULL|NULL|8"}));
  const std::vector<std::pair<int, std::string>> want = {
      {2, "not valid JSON"},
      {3, "missing event_id"},
      {4, "bad event_time 'yesterday'"},
      {5, "field customer_id: expected an integer"},
      {7, "not a JSON object"},
      {9, "not valid JSON"},
  };
  const std::vector<std::string> rows =
      Rows("SELECT line, reason, file FROM meta.quarantine ORDER BY line");
  ASSERT_EQ(rows.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_THAT(rows[i], HasSubstr(std::to_string(want[i].first) + "|" + want[i].second));
    EXPECT_THAT(rows[i], HasSubstr("|events-2025-01-01.jsonl"));
  }
  EXPECT_EQ(Rows("SELECT raw FROM meta.quarantine WHERE line = 9"),
            std::vector<std::string>{"{\"event_id\":\"e9\",\"event_type\":\"page_vi"});
}

TEST_F(ClickstreamSourceTest, DuplicatesAreDroppedByEventId) {
  Write("events-2025-01-01.jsonl", Event("e1", "2025-01-01T10:00:00Z") +
                                       Event("e2", "2025-01-01T10:00:01Z") +
                                       Event("e1", "2025-01-01T10:00:00Z"));
  Write("events-2025-01-02.jsonl",
        Event("e2", "2025-01-01T10:00:01Z") + Event("e3", "2025-01-02T08:00:00Z"));
  const TableReport report = MustExtract();
  EXPECT_EQ(report.rows, 5);
  EXPECT_EQ(Rows("SELECT event_id, count(*) FROM raw.clickstream_events GROUP BY ALL ORDER BY 1"),
            (std::vector<std::string>{"e1|1", "e2|1", "e3|1"}));
}

TEST_F(ClickstreamSourceTest, ALateEventInTheNextDaysFileLandsOnceOnItsOwnDate) {
  Write("events-2025-01-01.jsonl", Event("e1", "2025-01-01T10:00:00Z"));
  Write("events-2025-01-02.jsonl",
        Event("late", "2025-01-01T23:59:59Z") + Event("e2", "2025-01-02T00:00:01Z"));
  EXPECT_EQ(MustExtract().inserted, 3);

  // The generator's --advance appends the next day's events to that file: it is reloaded,
  // the unchanged one skipped, and the late event is still there once.
  Write("events-2025-01-02.jsonl", Event("late", "2025-01-01T23:59:59Z") +
                                       Event("e2", "2025-01-02T00:00:01Z") +
                                       Event("e3", "2025-01-02T12:00:00Z"));
  const TableReport second = MustExtract();
  EXPECT_EQ(second.skipped_files, 1);
  EXPECT_EQ(second.rows, 3);
  EXPECT_EQ(Rows("SELECT event_id, event_date, _source_file FROM raw.clickstream_events "
                 "ORDER BY event_time"),
            (std::vector<std::string>{
                "e1|2025-01-01|events-2025-01-01.jsonl", "late|2025-01-01|events-2025-01-02.jsonl",
                "e2|2025-01-02|events-2025-01-02.jsonl", "e3|2025-01-02|events-2025-01-02.jsonl"}));
  // Each batch is in the lake under its file's date.
  EXPECT_EQ(Rows("SELECT logical_date, rows FROM meta.batches ORDER BY created_at, rows"),
            (std::vector<std::string>{"2025-01-01|1", "2025-01-02|2", "2025-01-02|3"}));
  EXPECT_TRUE(fs::is_directory(dir_->path() / "lake/clickstream/events/dt=2025-01-02"));
}

TEST_F(ClickstreamSourceTest, AnUnchangedFileIsSkipped) {
  Write("events-2025-01-01.jsonl", Event("e1", "2025-01-01T10:00:00Z"));
  EXPECT_EQ(MustExtract().inserted, 1);
  const TableReport again = MustExtract();
  EXPECT_EQ(again.skipped_files, 1);
  EXPECT_EQ(again.rows, 0);
  EXPECT_EQ(Rows("SELECT count(*) FROM meta.batches"), std::vector<std::string>{"1"});
}

TEST_F(ClickstreamSourceTest, AKeyThatIsAnotherColumnIsAConfigError) {
  auto project =
      ParseProjectConfig("sources:\n  clickstream:\n    type: jsonl\n    key: page\n", dir_->path(),
                         "shoplytics.yml", [](std::string_view) { return std::nullopt; });
  ASSERT_TRUE(project.ok()) << project.status().ToString();
  auto db = warehouse::Database::Open(WarehousePath());
  ASSERT_TRUE(db.ok());
  ExtractContext ctx;
  ctx.db = &*db;
  ctx.project_dir = dir_->path();
  auto reports = sources::ExtractJsonl(*project->FindSource("clickstream"), ctx);
  ASSERT_FALSE(reports.ok());
  EXPECT_THAT(reports.status().message(), HasSubstr("shoplytics.yml:4: sources.clickstream.key"));
  EXPECT_THAT(reports.status().message(), HasSubstr("'page' cannot be the key"));
}

// The generator's own files, with the default project's source declarations: nothing is
// quarantined, every distinct event lands once, and the late events keep their own date.
class CsvAndClickstreamFromGeneratorTest : public testing::PostgresTest {};

TEST_F(CsvAndClickstreamFromGeneratorTest, LoadsTheGeneratorsFilesWithoutQuarantine) {
  auto dir = TempDir::Create("genfiles");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  const fs::path files = dir->path() / "data";
  seed::ShopParams p;
  p.seed = 5;
  ASSERT_TRUE(seed::ParseDate("2024-10-01", &p.start_day));
  p.months = 1;
  p.orders_per_month = 300;
  p.products = 40;
  p.clickstream_days = 3;
  auto generated = seed::GenerateShop({p, dsn(), files.string(), false}, nullptr);
  ASSERT_TRUE(generated.ok()) << generated.status().ToString();

  // What the files hold, counted independently of the loaders.
  std::set<std::string> event_ids;
  int64_t spend_rows = -1;
  for (const auto& entry : fs::directory_iterator(files)) {
    std::ifstream in(entry.path());
    std::string line;
    const std::string name = entry.path().filename().string();
    if (name == "marketing_spend.csv") {
      while (std::getline(in, line)) ++spend_rows;
    } else if (name.rfind("events-", 0) == 0) {
      while (std::getline(in, line)) event_ids.insert(line.substr(0, line.find("\",")));
    }
  }
  ASSERT_GT(spend_rows, 0);
  ASSERT_GT(event_ids.size(), 100u);

  auto project = ParseProjectConfig(
      "sources:\n"
      "  marketing:\n    type: csv\n    tables:\n"
      "      marketing_spend:\n        glob: marketing_spend*.csv\n"
      "        primary_key: [date, campaign_id]\n        columns:\n"
      "          date: date\n          channel: varchar\n          campaign_id: varchar\n"
      "          campaign_name: varchar\n          spend: decimal(18,2)\n"
      "          currency: varchar\n"
      "      campaign_performance:\n        glob: campaign_performance*.csv\n"
      "        primary_key: [date, campaign_id]\n        columns:\n"
      "          date: date\n          channel: varchar\n          campaign_id: varchar\n"
      "          campaign_name: varchar\n          impressions: bigint\n"
      "          clicks: bigint\n          conversions: bigint\n"
      "          conversion_value: decimal(18,2)\n"
      "  clickstream:\n    type: jsonl\n    glob: events-*.jsonl\n    table: events\n",
      dir->path(), "shoplytics.yml", [](std::string_view) { return std::nullopt; });
  ASSERT_TRUE(project.ok()) << project.status().ToString();
  {
    auto db = warehouse::Database::Open((dir->path() / "warehouse.duckdb").string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ExtractContext ctx;
    ctx.db = &*db;
    ctx.project_dir = dir->path();
    auto csv = sources::ExtractCsv(*project->FindSource("marketing"), ctx);
    ASSERT_TRUE(csv.ok()) << csv.status().ToString();
    auto jsonl = sources::ExtractJsonl(*project->FindSource("clickstream"), ctx);
    ASSERT_TRUE(jsonl.ok()) << jsonl.status().ToString();
    std::vector<TableReport> reports = *csv;
    reports.push_back((*jsonl)[0]);
    ASSERT_EQ(reports.size(), 3u);
    for (const TableReport& r : reports) {
      EXPECT_TRUE(r.error.ok()) << r.ref.Display() << ": " << r.error.ToString();
      EXPECT_EQ(r.quarantined, 0) << r.ref.Display();
      EXPECT_GT(r.inserted, 0) << r.ref.Display();
    }
    auto conn = warehouse::Connection::Open(*db);
    ASSERT_TRUE(conn.ok());
    auto count = [&](const std::string& sql) -> int64_t {
      auto r = conn->Query(sql);
      EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
      return r.ok() ? r->GetInt64(0, 0).value_or(-1) : -1;
    };
    EXPECT_EQ(count("SELECT count(*) FROM raw.marketing_marketing_spend"), spend_rows);
    EXPECT_EQ(count("SELECT count(*) FROM raw.clickstream_events"),
              static_cast<int64_t>(event_ids.size()));
    EXPECT_EQ(count("SELECT count(*) FROM meta.quarantine"), 0);
    // Late events: in a file dated after their own date.
    EXPECT_GT(count("SELECT count(*) FROM raw.clickstream_events WHERE CAST(event_date AS "
                    "VARCHAR) < substr(_source_file, 8, 10)"),
              0);
  }
}

}  // namespace
}  // namespace shoplytics
