// Integration tests of the PostgreSQL connector: a tiny generated shop in the private
// PostgreSQL, extracted into a DuckDB warehouse file, compared table by table.
#include "sources/postgres_source.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common/files.h"
#include "config/project_config.h"
#include "pg_fixture.h"
#include "seed/calendar.h"
#include "seed/generator.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"

namespace shoplytics {
namespace {

namespace fs = std::filesystem;
using sources::ExtractContext;
using sources::TableReport;
using testing::PostgresTest;

const char* const kTables[] = {"customers", "products", "inventory", "orders", "order_items"};
const std::map<std::string, std::string> kKeys = {{"customers", "customer_id"},
                                                  {"products", "product_id"},
                                                  {"inventory", "inventory_id"},
                                                  {"orders", "order_id"},
                                                  {"order_items", "order_item_id"}};

class PostgresSourceTest : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    auto dir = TempDir::Create("pgx");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    seed::ShopParams p;
    p.seed = 11;
    ASSERT_TRUE(seed::ParseDate("2024-10-01", &p.start_day));
    p.months = 2;
    p.orders_per_month = 400;
    p.products = 60;
    p.clickstream_days = 1;
    auto report = seed::GenerateShop({p, dsn(), (dir_->path() / "files").string(), false}, nullptr);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    pg_ = Connect();
  }

  void TearDown() override {
    pg_ = pg::Connection();
    PostgresTest::TearDown();
  }

  fs::path WarehousePath() const { return dir_->path() / "warehouse.duckdb"; }
  fs::path LakeDir() const { return dir_->path() / "lake"; }

  Result<SourceConfig> Config(const std::string& extra) {
    const std::string yaml =
        "sources:\n"
        "  shop:\n"
        "    type: postgres\n"
        "    dsn: ${SHOPLYTICS_SOURCE_DSN}\n" +
        extra;
    const std::string dsn_value = dsn();
    ASSIGN_OR_RETURN(ProjectConfig project,
                     ParseProjectConfig(yaml, dir_->path(), "shoplytics.yml",
                                        [dsn_value](std::string_view name) {
                                          return name == "SHOPLYTICS_SOURCE_DSN"
                                                     ? std::optional<std::string>(dsn_value)
                                                     : std::nullopt;
                                        }));
    return *project.FindSource("shop");
  }

  Result<std::vector<TableReport>> Extract(const std::string& extra = "", bool full = false) {
    ASSIGN_OR_RETURN(SourceConfig source, Config(extra));
    ASSIGN_OR_RETURN(warehouse::Database db, warehouse::Database::Open(WarehousePath().string()));
    ExtractContext ctx;
    ctx.db = &db;
    ctx.project_dir = dir_->path();
    ctx.lake_dir = LakeDir();
    ctx.full_refresh = full;
    ctx.threads = 2;
    return sources::ExtractPostgres(source, ctx);
  }

  std::vector<TableReport> MustExtract(const std::string& extra = "") {
    auto reports = Extract(extra);
    EXPECT_TRUE(reports.ok()) << reports.status().ToString();
    if (!reports.ok()) return {};
    for (const TableReport& r : *reports) {
      EXPECT_TRUE(r.error.ok()) << r.ref.Display() << ": " << r.error.ToString();
    }
    return *reports;
  }

  static const TableReport* Find(const std::vector<TableReport>& reports, std::string_view t) {
    for (const TableReport& r : reports) {
      if (r.ref.table == t) return &r;
    }
    return nullptr;
  }

  int64_t PgScalar(const std::string& sql) {
    auto r = pg_.Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok() || r->rows() == 0) return -1;
    auto v = r->GetInt64(0, 0);
    return v.ok() ? *v : -1;
  }

  void PgExec(const std::string& sql) {
    Status s = pg_.Execute(sql);
    ASSERT_TRUE(s.ok()) << sql << ": " << s.ToString();
  }

  // One canonical text per row (timestamps as epoch microseconds, booleans as 0/1), hashed
  // in key order: the same expression on both sides.
  struct Sums {
    int64_t rows = 0;
    int64_t distinct_keys = 0;
    std::string md5;
  };

  std::vector<std::pair<std::string, std::string>> SourceColumns(const std::string& table) {
    auto r = pg_.Query(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
        "'shop' AND table_name = $1 ORDER BY ordinal_position",
        {table});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::pair<std::string, std::string>> cols;
    for (int i = 0; r.ok() && i < r->rows(); ++i) {
      cols.emplace_back(std::string(r->Get(i, 0)), std::string(r->Get(i, 1)));
    }
    return cols;
  }

  std::string RowText(const std::vector<std::pair<std::string, std::string>>& cols, bool duck) {
    std::string expr = "concat_ws('|'";
    for (const auto& [name, type] : cols) {
      std::string v;
      if (type.starts_with("timestamp")) {
        v = duck ? "epoch_us(" + name + ")::VARCHAR"
                 : "(extract(epoch from " + name + ") * 1000000)::bigint::text";
      } else if (type == "boolean") {
        v = duck ? name + "::INTEGER::VARCHAR" : name + "::int::text";
      } else {
        v = duck ? name + "::VARCHAR" : name + "::text";
      }
      expr += ", coalesce(" + v + ", 'NULL')";
    }
    return expr + ")";
  }

  Sums SourceSums(const std::string& table) {
    const std::string key = kKeys.at(table);
    auto r = pg_.Query("SELECT count(*), count(DISTINCT " + key + "), coalesce(md5(string_agg(" +
                       RowText(SourceColumns(table), false) + ", E'\\n' ORDER BY " + key +
                       ")), '') FROM shop." + table);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    return {*r->GetInt64(0, 0), *r->GetInt64(0, 1), std::string(r->Get(0, 2))};
  }

  Sums RawSums(warehouse::Connection& duck, const std::string& table) {
    const std::string key = kKeys.at(table);
    auto r = duck.Query("SELECT count(*), count(DISTINCT " + key + "), coalesce(md5(string_agg(" +
                        RowText(SourceColumns(table), true) + ", chr(10) ORDER BY " + key +
                        ")), '') FROM raw.shop_" + table);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    Sums s;
    s.rows = *r->GetInt64(0, 0);
    s.distinct_keys = *r->GetInt64(1, 0);
    s.md5 = *r->GetString(2, 0);
    return s;
  }

  // Every table of raw equals its source table: counts, no duplicate keys, content.
  void ExpectRawEqualsSource() {
    auto db = warehouse::Database::Open(WarehousePath().string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto duck = warehouse::Connection::Open(*db);
    ASSERT_TRUE(duck.ok());
    for (const char* t : kTables) {
      const Sums src = SourceSums(t);
      const Sums raw = RawSums(*duck, t);
      EXPECT_GT(src.rows, 0) << t;
      EXPECT_EQ(raw.rows, src.rows) << t;
      EXPECT_EQ(raw.distinct_keys, raw.rows) << t << ": duplicate keys in raw";
      EXPECT_EQ(raw.md5, src.md5) << t << ": content differs";
    }
  }

  Result<std::string> DuckString(const std::string& sql) {
    ASSIGN_OR_RETURN(warehouse::Database db, warehouse::Database::Open(WarehousePath().string()));
    ASSIGN_OR_RETURN(warehouse::Connection duck, warehouse::Connection::Open(db));
    ASSIGN_OR_RETURN(warehouse::QueryResult r, duck.Query(sql));
    if (r.row_count() == 0) return std::string("<no rows>");
    ASSIGN_OR_RETURN(bool null, r.IsNull(0, 0));
    if (null) return std::string("<null>");
    return r.GetString(0, 0);
  }

  std::unique_ptr<TempDir> dir_;
  pg::Connection pg_;
};

TEST_F(PostgresSourceTest, FullLoadEqualsSourceTableByTable) {
  const std::vector<TableReport> reports = MustExtract();
  ASSERT_EQ(reports.size(), 5u);  // every table of schema shop, discovered
  for (const char* t : kTables) {
    const TableReport* r = Find(reports, t);
    ASSERT_NE(r, nullptr) << t;
    EXPECT_EQ(r->rows, PgScalar(std::string("SELECT count(*) FROM shop.") + t)) << t;
    EXPECT_EQ(r->inserted, r->rows) << t;
    EXPECT_GT(r->bytes, 0) << t;
  }
  ExpectRawEqualsSource();
  // The cursor is the last (updated_at, key) read, in UTC with microseconds.
  auto r = pg_.Query(
      "SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00', "
      "order_id::text FROM shop.orders ORDER BY updated_at DESC, order_id DESC LIMIT 1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto cursor = DuckString(
      "SELECT cursor_value || ' ' || cursor_key FROM meta.cursors WHERE \"table\" = 'orders'");
  ASSERT_TRUE(cursor.ok()) << cursor.status().ToString();
  EXPECT_EQ(*cursor, std::string(r->Get(0, 0)) + " " + std::string(r->Get(0, 1)));
  // Each batch is in the lake too.
  EXPECT_TRUE(fs::exists(LakeDir() / "shop" / "orders"));
}

// A full read is not sorted by PostgreSQL: the extractor keeps the greatest
// (updated_at, key) of rows that arrive in any order, over many batches.
TEST_F(PostgresSourceTest, FullLoadInManyBatchesKeepsTheGreatestCursor) {
  // Reorder the heap so that the physical order is not the cursor's order.
  PgExec("UPDATE shop.orders SET status = status WHERE order_id % 3 = 0");
  MustExtract("    batch_rows: 50\n");
  ExpectRawEqualsSource();
  auto batches = DuckString("SELECT count(*) FROM meta.batches WHERE \"table\" = 'orders'");
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  EXPECT_GT(std::stoi(*batches), 5);
  auto r = pg_.Query(
      "SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00', "
      "order_id::text FROM shop.orders ORDER BY updated_at DESC, order_id DESC LIMIT 1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto cursor = DuckString(
      "SELECT cursor_value || ' ' || cursor_key FROM meta.cursors WHERE \"table\" = 'orders'");
  ASSERT_TRUE(cursor.ok()) << cursor.status().ToString();
  EXPECT_EQ(*cursor, std::string(r->Get(0, 0)) + " " + std::string(r->Get(0, 1)));
}

TEST_F(PostgresSourceTest, IncrementalAfterAdvanceReadsOnlyChangedRows) {
  MustExtract();
  auto cursor = DuckString("SELECT cursor_value FROM meta.cursors WHERE \"table\" = 'orders'");
  ASSERT_TRUE(cursor.ok()) << cursor.status().ToString();
  auto advanced = seed::AdvanceShop(dsn(), (dir_->path() / "files").string(), 3, nullptr);
  ASSERT_TRUE(advanced.ok()) << advanced.status().ToString();

  const int64_t orders = PgScalar("SELECT count(*) FROM shop.orders");
  const int64_t changed = PgScalar("SELECT count(*) FROM shop.orders WHERE updated_at >= '" +
                                   *cursor + "'::timestamptz - interval '1 hour'");
  const std::vector<TableReport> reports = MustExtract();
  const TableReport* r = Find(reports, "orders");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->rows, changed);
  EXPECT_GT(r->rows, 0);
  EXPECT_LT(r->rows * 4, orders) << "an incremental run read most of the table";
  EXPECT_GT(r->inserted, 0);  // new orders in the three days
  ExpectRawEqualsSource();

  // Nothing changed since: a run reads only the lookback window again and changes nothing.
  const std::vector<TableReport> again = MustExtract();
  EXPECT_EQ(Find(again, "orders")->inserted, 0);
  ExpectRawEqualsSource();
}

TEST_F(PostgresSourceTest, LateCommitWithOlderTimestampInsideLookbackIsCaptured) {
  MustExtract();
  // Rows that committed after the run although their updated_at is older than the cursor
  // (a long transaction): 10 minutes old is inside the 1h lookback, 2 hours old is not.
  PgExec(
      "UPDATE shop.orders SET status = 'late_commit', updated_at = (SELECT max(updated_at) "
      "FROM shop.orders) - interval '10 minutes' WHERE order_id = (SELECT min(order_id) FROM "
      "shop.orders)");
  PgExec(
      "UPDATE shop.orders SET status = 'too_late', updated_at = (SELECT max(updated_at) "
      "FROM shop.orders) - interval '2 hours' WHERE order_id = (SELECT max(order_id) FROM "
      "shop.orders)");
  MustExtract();
  auto late = DuckString(
      "SELECT status FROM raw.shop_orders WHERE order_id = (SELECT min(order_id) FROM "
      "raw.shop_orders)");
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(*late, "late_commit");
  auto too_late = DuckString(
      "SELECT status FROM raw.shop_orders WHERE order_id = (SELECT max(order_id) FROM "
      "raw.shop_orders)");
  ASSERT_TRUE(too_late.ok()) << too_late.status().ToString();
  EXPECT_NE(*too_late, "too_late") << "the lookback window is 1h, not unbounded";

  // A longer lookback catches it.
  MustExtract("    lookback: 3h\n");
  ExpectRawEqualsSource();
}

TEST_F(PostgresSourceTest, KilledMidTableThenRerunGivesExactEquality) {
  const std::string config =
      "    batch_rows: 40\n"
      "    threads: 1\n"
      "    tables: [order_items, orders, customers, products, inventory]\n";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto reports = Extract(config);
    _exit(reports.ok() ? 0 : 3);
  }
  // Wait until a few batches of order_items have committed (each commit renames its lake
  // file into place), then kill -9 the extraction in the middle of the table.
  const fs::path items = LakeDir() / "shop" / "order_items";
  int committed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (committed < 3 && std::chrono::steady_clock::now() < deadline) {
    committed = 0;
    std::error_code ec;
    if (fs::exists(items, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(items, ec)) {
        if (e.path().extension() == ".parquet") ++committed;
      }
    }
    if (committed < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(child, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_GE(committed, 3);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "the extraction finished before it was killed";

  auto before = DuckString("SELECT count(*) FROM raw.shop_order_items");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_LT(std::stoll(*before), PgScalar("SELECT count(*) FROM shop.order_items"));

  const std::vector<TableReport> reports = MustExtract(config);
  ASSERT_EQ(reports.size(), 5u);
  ExpectRawEqualsSource();
}

TEST_F(PostgresSourceTest, AddedSourceColumnAppearsInRaw) {
  MustExtract();
  PgExec("ALTER TABLE shop.orders ADD COLUMN gift_note text");
  PgExec(
      "UPDATE shop.orders SET gift_note = 'happy birthday', updated_at = (SELECT "
      "max(updated_at) FROM shop.orders) + interval '1 second' WHERE order_id = 7");
  const std::vector<TableReport> reports = MustExtract();
  const TableReport* r = Find(reports, "orders");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->added_columns, std::vector<std::string>{"gift_note"});
  auto note = DuckString("SELECT gift_note FROM raw.shop_orders WHERE order_id = 7");
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_EQ(*note, "happy birthday");
}

TEST_F(PostgresSourceTest, IncompatibleTypeChangeStopsOnlyThatTable) {
  MustExtract();
  PgExec("ALTER TABLE shop.inventory ALTER COLUMN quantity_on_hand TYPE text");
  PgExec(
      "UPDATE shop.inventory SET updated_at = updated_at + interval '1 day'; "
      "UPDATE shop.orders SET status = 'changed', updated_at = (SELECT max(updated_at) FROM "
      "shop.orders) + interval '1 second' WHERE order_id = 3");
  auto reports = Extract();
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  const TableReport* inventory = Find(*reports, "inventory");
  ASSERT_NE(inventory, nullptr);
  EXPECT_EQ(inventory->error.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(inventory->error.message().find("quantity_on_hand"), std::string::npos)
      << inventory->error.ToString();
  EXPECT_TRUE(Find(*reports, "orders")->error.ok());
  auto status = DuckString("SELECT status FROM raw.shop_orders WHERE order_id = 3");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, "changed");
}

TEST_F(PostgresSourceTest, HardDeletesAreFoundByKeyReconciliation) {
  const std::string config =
      "    tables:\n"
      "      customers:\n"
      "      products:\n"
      "      inventory:\n"
      "      orders:\n"
      "      order_items:\n"
      "        reconcile_deletes: true\n";
  MustExtract(config);
  PgExec("DELETE FROM shop.order_items WHERE order_item_id IN (2, 5, 9)");
  const std::vector<TableReport> reports = MustExtract(config);
  EXPECT_EQ(Find(reports, "order_items")->deleted, 3);
  EXPECT_EQ(Find(reports, "orders")->deleted, 0);
  ExpectRawEqualsSource();
}

// Integer keys are compared by fingerprints of ranges of 2^10 keys first: deletes in a
// few ranges, among many, of int4, int8 and int2 keys, are all found; a run without
// deletes finds none.
TEST_F(PostgresSourceTest, HardDeletesAcrossKeyRangesAreFoundByFingerprints) {
  PgExec(
      "CREATE TABLE shop.wide (id int8 PRIMARY KEY, v int4, updated_at timestamptz NOT NULL "
      "DEFAULT '2025-01-01'); INSERT INTO shop.wide (id, v) SELECT i * 977, i FROM "
      "generate_series(1, 2000) i;"
      "CREATE TABLE shop.narrow (id int4 PRIMARY KEY, updated_at timestamptz NOT NULL "
      "DEFAULT '2025-01-01'); INSERT INTO shop.narrow (id) SELECT i * 331 FROM "
      "generate_series(-900, 900) i;"
      "CREATE TABLE shop.tiny (id int2 PRIMARY KEY, updated_at timestamptz NOT NULL "
      "DEFAULT '2025-01-01'); INSERT INTO shop.tiny (id) SELECT i FROM "
      "generate_series(-300, 300) i");
  const std::string config =
      "    tables:\n"
      "      wide: {reconcile_deletes: true}\n"
      "      narrow: {reconcile_deletes: true}\n"
      "      tiny: {reconcile_deletes: true}\n";
  MustExtract(config);
  std::vector<TableReport> reports = MustExtract(config);
  for (const TableReport& r : reports) EXPECT_EQ(r.deleted, 0) << r.ref.table;
  // Two ranges of wide, negative ranges of narrow, and tiny; a new row elsewhere does not
  // hide them.
  PgExec("DELETE FROM shop.wide WHERE id IN (977, 1954, 1311134, 1312111)");
  PgExec("DELETE FROM shop.narrow WHERE id IN (-297900, -331)");
  PgExec("DELETE FROM shop.tiny WHERE id = -7");
  PgExec("INSERT INTO shop.wide (id, v, updated_at) VALUES (5, 5, now())");
  reports = MustExtract(config);
  EXPECT_EQ(Find(reports, "wide")->deleted, 4);
  EXPECT_EQ(Find(reports, "narrow")->deleted, 2);
  EXPECT_EQ(Find(reports, "tiny")->deleted, 1);
  for (const char* t : {"wide", "narrow", "tiny"}) {
    auto raw = DuckString(std::string("SELECT count(*) || '/' || sum(id) FROM raw.shop_") + t);
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    auto r = pg_.Query(std::string("SELECT count(*) || '/' || sum(id) FROM shop.") + t);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*raw, std::string(r->Get(0, 0))) << t;
  }
}

TEST_F(PostgresSourceTest, SoftDeletesAreCarriedAsRows) {
  MustExtract();
  PgExec(
      "UPDATE shop.customers SET (deleted_at, updated_at) = (SELECT max(updated_at) + "
      "interval '1 second', max(updated_at) + interval '1 second' FROM shop.customers) "
      "WHERE customer_id = 4");
  MustExtract();
  auto deleted = DuckString(
      "SELECT deleted_at IS NOT NULL FROM raw.shop_customers WHERE "
      "customer_id = 4");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, "true");
  ExpectRawEqualsSource();
}

TEST_F(PostgresSourceTest, ColumnTypesMapToDuckDbTypesWithTheirValues) {
  PgExec(
      "CREATE TABLE shop.typed (region text, id int4, small int2, big int8, flag bool, "
      "name varchar(200000), code char(3), price numeric(12,2), ratio numeric, f4 real, "
      "f8 double precision, at_local timestamp, at_utc timestamptz, day date, doc jsonb, "
      "tags text[], updated_at timestamptz NOT NULL, PRIMARY KEY (region, id))");
  PgExec(
      "INSERT INTO shop.typed VALUES ('eu', 1, -32768, 9223372036854775807, true, 'é ünï', "
      "'ab', 1234567890.12, 3.14159265358979323846, 1.5, -2.25, '1999-12-31 23:59:59.999999', "
      "'2024-02-29 12:00:00.000001+02', '1970-01-01', '{\"a\": [1, 2]}', '{x,y}', "
      "'2025-01-01 00:00:00+00'), ('eu', 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      "NULL, NULL, NULL, NULL, NULL, NULL, '2025-01-01 00:00:00+00'), ('us', 1, 0, 0, false, "
      "repeat('x', 100000), 'c', -0.01, 0, 0, 0, '2038-01-19 03:14:08', "
      "'0001-01-01 00:00:00+00', '2099-12-31', 'null', '{}', '2025-01-02 00:00:00+00')");
  const std::vector<TableReport> reports = MustExtract("    tables: [typed]\n");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].rows, 3);

  auto types = DuckString(
      "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
      "FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = "
      "'shop_typed' AND column_name NOT LIKE '\\_%' ESCAPE '\\'");
  ASSERT_TRUE(types.ok()) << types.status().ToString();
  EXPECT_EQ(*types,
            "region VARCHAR, id INTEGER, small INTEGER, big BIGINT, flag BOOLEAN, name VARCHAR, "
            "code VARCHAR, price DECIMAL(12,2), ratio VARCHAR, f4 DOUBLE, f8 DOUBLE, at_local "
            "TIMESTAMP, at_utc TIMESTAMP WITH TIME ZONE, day DATE, doc VARCHAR, tags VARCHAR, "
            "updated_at TIMESTAMP WITH TIME ZONE");

  auto row = DuckString(
      "SELECT concat_ws('|', small, big, flag, name, code, price, ratio, f4, f8, "
      "strftime(at_local, '%Y-%m-%d %H:%M:%S.%f'), epoch_us(at_utc), day, doc, tags) "
      "FROM raw.shop_typed WHERE region = 'eu' AND id = 1");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(*row,
            "-32768|9223372036854775807|true|é ünï|ab |1234567890.12|3.14159265358979323846|"
            "1.5|-2.25|1999-12-31 23:59:59.999999|1709200800000001|1970-01-01|{\"a\": [1, 2]}|"
            "{x,y}");
  auto nulls = DuckString(
      "SELECT count(*) FROM raw.shop_typed WHERE id = 2 AND small IS NULL AND big IS NULL AND "
      "flag IS NULL AND name IS NULL AND price IS NULL AND ratio IS NULL AND at_utc IS NULL "
      "AND day IS NULL AND doc IS NULL AND tags IS NULL");
  ASSERT_TRUE(nulls.ok()) << nulls.status().ToString();
  EXPECT_EQ(*nulls, "1");
  auto wide = DuckString(
      "SELECT length(name) || ' ' || price || ' ' || day || ' ' || epoch_us(at_utc) FROM "
      "raw.shop_typed WHERE region = 'us'");
  ASSERT_TRUE(wide.ok()) << wide.status().ToString();
  EXPECT_EQ(*wide, "100000 -0.01 2099-12-31 -62135596800000000");
}

TEST_F(PostgresSourceTest, WithoutLookbackRowsSharingTheCursorValueAreNeitherLostNorReread) {
  // Every row has the same updated_at: the key alone orders them, and batches of 33 end in
  // the middle of that timestamp.
  PgExec(
      "CREATE TABLE shop.ties (id int8 PRIMARY KEY, v int4, updated_at timestamptz NOT NULL); "
      "INSERT INTO shop.ties SELECT i, i, '2025-01-01' FROM generate_series(1, 100) i");
  const std::string config =
      "    lookback: 0\n"
      "    batch_rows: 33\n"
      "    tables: [ties]\n";
  std::vector<TableReport> reports = MustExtract(config);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].rows, 100);
  // Late rows at the same timestamp: the keyset (updated_at, id) reads exactly them.
  PgExec("INSERT INTO shop.ties SELECT i, i, '2025-01-01' FROM generate_series(101, 105) i");
  reports = MustExtract(config);
  EXPECT_EQ(reports[0].rows, 5);
  auto sum = DuckString("SELECT sum(v) || ' ' || count(*) FROM raw.shop_ties");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(*sum, "5565 105");
}

TEST_F(PostgresSourceTest, CompositeKeyWithoutLookbackRereadsOnlyTheCursorTimestamp) {
  PgExec(
      "CREATE TABLE shop.pairs (a int4, b text, v int4, updated_at timestamptz NOT NULL, "
      "PRIMARY KEY (a, b)); INSERT INTO shop.pairs SELECT i % 7, 'k' || i, i, "
      "'2025-01-01'::timestamptz + (i / 10) * interval '1 minute' FROM generate_series(1, "
      "499) i");
  const std::string config =
      "    lookback: 0\n"
      "    batch_rows: 33\n"
      "    tables: [pairs]\n";  // primary key (a, b) discovered
  std::vector<TableReport> reports = MustExtract(config);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].rows, 499);
  auto cursor = DuckString(
      "SELECT cursor_value || ' ' || cursor_key FROM meta.cursors WHERE \"table\" = 'pairs'");
  ASSERT_TRUE(cursor.ok()) << cursor.status().ToString();
  EXPECT_EQ(*cursor, "2025-01-01 00:49:00.000000+00 6,k496");  // (a, b) of the last row
  PgExec("UPDATE shop.pairs SET v = -v, updated_at = '2025-02-01' WHERE a = 3 AND v < 100");
  reports = MustExtract(config);
  // The rows updated, and the ten at the cursor's timestamp (i = 490..499) again.
  EXPECT_EQ(reports[0].rows,
            PgScalar("SELECT count(*) FROM shop.pairs WHERE a = 3 AND v < 0") + 10);
  auto sum = DuckString("SELECT sum(v) || ' ' || count(*) FROM raw.shop_pairs");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(*sum, std::to_string(PgScalar("SELECT sum(v) FROM shop.pairs")) + " 499");
}

TEST_F(PostgresSourceTest, ProgressReportsRowsAndTotals) {
  auto source = Config("    tables: [orders, customers]\n");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto db = warehouse::Database::Open(WarehousePath().string());
  ASSERT_TRUE(db.ok());
  std::mutex mu;
  std::map<std::string, std::pair<int64_t, int64_t>> last;
  ExtractContext ctx;
  ctx.db = &*db;
  ctx.threads = 2;
  ctx.progress = [&](const sources::TableRef& ref, int64_t done, int64_t total) {
    std::lock_guard<std::mutex> lock(mu);
    last[ref.table] = {done, total};
  };
  auto reports = sources::ExtractPostgres(*source, ctx);
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  for (const TableReport& r : *reports) {
    EXPECT_EQ(last[r.ref.table].first, r.rows) << r.ref.table;
    EXPECT_GT(last[r.ref.table].second, 0) << r.ref.table;
  }
}

TEST_F(PostgresSourceTest, MissingTableOrColumnIsAnErrorNamingSourceTableAndLine) {
  struct Case {
    std::string config;
    std::string expected;
  };
  const Case cases[] = {
      {"    tables: [orders, nope]\n",
       "shoplytics.yml:5: sources.shop.tables[1]: source shop, "
       "table shop.nope: no such table"},
      {"    tables:\n      orders:\n        cursor: changed_at\n",
       "sources.shop.tables.orders: source shop, table shop.orders: cursor "
       "column changed_at does not exist"},
      {"    tables:\n      orders:\n        primary_key: [order_id, nope]\n",
       "sources.shop.tables.orders: source shop, table shop.orders: primary key column nope "
       "does not exist"},
      {"    lookback: soon\n", "sources.shop.lookback: expected a duration"},
  };
  for (const Case& c : cases) {
    auto reports = Extract(c.config);
    ASSERT_FALSE(reports.ok()) << c.config;
    EXPECT_EQ(reports.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(reports.status().message().find(c.expected), std::string::npos)
        << reports.status().message();
    EXPECT_TRUE(reports.status().message().starts_with("shoplytics.yml:"))
        << reports.status().message();
    EXPECT_EQ(reports.status().message().find(dsn()), std::string::npos);
  }
}

}  // namespace
}  // namespace shoplytics
