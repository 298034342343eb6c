// End to end through the binary: a tiny shop generated into PostgreSQL, `init`, `extract`
// of all five default sources (the sandbox serving Stripe and the catalog), `build` of the
// default project. Headline numbers of the warehouse are checked against independent SQL on
// the source database; after two more days of shop, an incremental build must equal a
// --full-refresh build table by table, for every table of the marts and staging schemas.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "common/files.h"
#include "duck_rows.h"
#include "pg_fixture.h"
#include "sandbox/sandbox.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"

namespace shoplytics {
namespace {

namespace fs = std::filesystem;
using testing::RunShoplytics;
using testing::ShellQuote;

// The schemas an incremental build must reproduce exactly (snapshots record when they ran,
// so they differ between two builds by design).
const std::vector<std::string> kComparedSchemas = {"staging", "intermediate", "marts"};

class ProjectE2E : public testing::PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    auto dir = TempDir::Create("projecte2e");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    project_ = (dir_->path() / "project").string();
    auto init = RunShoplytics("init " + ShellQuote(project_), scratch());
    ASSERT_EQ(init.exit_code, 0) << init.err;
    auto gen = Generate("--scale tiny --start 2025-01-01");
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    sandbox::ServerOptions so;
    so.dsn = dsn();
    so.files_dir = project_ + "/data";
    auto server = sandbox::Server::Start(so);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    sandbox_ = std::move(server).value();
    env_ = "SHOPLYTICS_SOURCE_DSN=" + ShellQuote(dsn()) +
           " STRIPE_API_KEY=sk_test_project_e2e STRIPE_API_BASE=" + sandbox_->url() +
           " CATALOG_API_BASE=" + sandbox_->url();
  }

  std::string scratch() const { return dir_->path().string(); }

  testing::CliRun Generate(const std::string& flags) {
    return RunShoplytics("generate " + flags + " --source-dsn " + ShellQuote(dsn()) + " --out " +
                             ShellQuote(project_ + "/data"),
                         scratch());
  }

  // Extracts every source; fails the test unless all of them loaded.
  void Extract() {
    auto run =
        RunShoplytics("--project " + ShellQuote(project_) + " --json extract", scratch(), env_);
    ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
    EXPECT_EQ(nlohmann::json::parse(run.out)["status"], "ok") << run.out;
  }

  // `shoplytics build` of `project`; fails the test unless every node passed.
  void Build(const std::string& project, const std::string& flags = "") {
    auto run = RunShoplytics("--json build --project-dir " + ShellQuote(project) + " " + flags,
                             scratch(), env_);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    auto j = nlohmann::json::parse(run.out);
    EXPECT_EQ(j["error"], 0) << run.err;
    EXPECT_EQ(j["skip"], 0) << run.err;
    EXPECT_EQ(j["warn"], 0) << run.err;
    EXPECT_GT(j["pass"].get<int>(), 0) << run.err;
  }

  std::vector<std::string> SourceRows(const std::string& sql) {
    pg::Connection conn = Connect();
    return PostgresRows(conn, sql);
  }

  // Rows of `sql` on the project's warehouse, opened read-only for this one query (the
  // binary needs the file to itself).
  std::vector<std::string> WarehouseRows(const std::string& sql) {
    warehouse::DatabaseOptions options;
    options.read_only = true;
    auto db = warehouse::Database::Open(project_ + "/warehouse.duckdb", options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return {};
    auto conn = warehouse::Connection::Open(*db);
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    if (!conn.ok()) return {};
    // Staging derives dates from timestamps with time zone in the session's zone: the
    // source side of every comparison reads UTC.
    testing::DuckRows(*conn, "SET TimeZone = 'UTC'");
    return testing::DuckRows(*conn, sql);
  }

  // Customers per segment at the time of the last order: the versions of
  // marts.dim_customers valid then, against the segment rule computed independently on the
  // source (net spend over the trailing 365 days: totals of orders not cancelled, minus
  // their succeeded refunds issued by then; thresholds of dbt_project.yml's vars).
  void ExpectSegmentsMatchTheSource() {
    const std::vector<std::string> source = SourceRows(R"(
        WITH t AS (SELECT max(created_at) AS t FROM shop.orders),
        windowed AS (
          SELECT o.order_id, o.customer_id, o.total_cents FROM shop.orders o, t
          WHERE o.status <> 'cancelled' AND o.created_at > t.t - interval '365 days'
            AND o.created_at <= t.t),
        spend AS (
          SELECT c.customer_id,
                 coalesce((SELECT sum(w.total_cents) FROM windowed w
                           WHERE w.customer_id = c.customer_id), 0)
               - coalesce((SELECT sum(r.amount) FROM stripe.refunds r
                           JOIN windowed w ON w.order_id = r.order_id
                           WHERE w.customer_id = c.customer_id AND r.status = 'succeeded'
                             AND to_timestamp(r.created) <= t.t), 0) AS cents
          FROM shop.customers c, t WHERE c.created_at <= t.t)
        SELECT CASE WHEN cents >= 150000 THEN 'Platinum' WHEN cents >= 60000 THEN 'Gold'
                    WHEN cents >= 20000 THEN 'Silver' ELSE 'Bronze' END AS segment, count(*)
        FROM spend GROUP BY 1 ORDER BY 1)");
    EXPECT_GE(source.size(), 2u) << "the tiny shop should have more than one segment";
    EXPECT_EQ(WarehouseRows(R"(
        WITH t AS (SELECT max(ordered_at) AS t FROM staging.stg_shop__orders)
        SELECT segment, count(*) FROM marts.dim_customers, t
        WHERE valid_from <= t.t AND (valid_to IS NULL OR valid_to > t.t)
        GROUP BY 1 ORDER BY 1)"),
              source);
  }

  // marts.fct_daily_revenue against the source, for every day with orders: orders (every
  // status but cancelled, by UTC order date), gross, discounts and net merchandise revenue,
  // and the succeeded Stripe refunds of those orders, in cents.
  void ExpectDailyRevenueMatchesTheSource() {
    const std::vector<std::string> source = SourceRows(R"(
        WITH counted AS (
          SELECT order_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day
          FROM shop.orders WHERE status <> 'cancelled'),
        orders AS (SELECT day, count(*) AS orders FROM counted GROUP BY day),
        lines AS (
          SELECT day, sum(quantity * unit_price_cents) AS gross, sum(i.discount_cents) AS disc
          FROM counted JOIN shop.order_items i USING (order_id) GROUP BY day),
        refunds AS (
          SELECT day, sum(r.amount) AS refunds
          FROM counted JOIN stripe.refunds r USING (order_id)
          WHERE r.status = 'succeeded' GROUP BY day)
        SELECT day, orders, gross, disc, gross - disc, coalesce(refunds, 0)
        FROM orders JOIN lines USING (day) LEFT JOIN refunds USING (day) ORDER BY day)");
    EXPECT_GT(source.size(), 80u);
    EXPECT_EQ(WarehouseRows(R"(
        SELECT strftime(date_day, '%Y-%m-%d'), orders, cast(gross * 100 AS BIGINT),
               cast(discounts * 100 AS BIGINT), cast(net * 100 AS BIGINT),
               cast(refunds * 100 AS BIGINT)
        FROM marts.fct_daily_revenue WHERE orders > 0 ORDER BY date_day)"),
              source);
  }

  // Rows of `sql` on the project's warehouse, opened for writing for this one statement.
  std::vector<std::string> WarehouseWrite(const std::string& sql) {
    auto db = warehouse::Database::Open(project_ + "/warehouse.duckdb");
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return {};
    auto conn = warehouse::Connection::Open(*db);
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    if (!conn.ok()) return {};
    return testing::DuckRows(*conn, sql);
  }

  // Runs `shoplytics test` with `args` (a --select of one test, and vars) and expects that
  // one test to fail, with `failures` failing rows when that is not negative.
  void ExpectOneTestFails(const std::string& args, int failures = -1) {
    auto run = RunShoplytics("--json test --project-dir " + ShellQuote(project_) + " " + args,
                             scratch(), env_);
    EXPECT_NE(run.exit_code, 0) << args << run.out;
    const auto j = nlohmann::json::parse(run.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << run.out << run.err;
    ASSERT_EQ(j["results"].size(), 1u) << run.out;
    EXPECT_EQ(j["results"][0]["status"], "fail") << args << run.out;
    if (failures >= 0) {
      EXPECT_EQ(j["results"][0]["failures"], failures) << args << run.out;
    }
  }

  // biz_every_paid_order_has_a_charge finds a paid order whose only succeeded charge
  // failed, among the orders loaded since the staging view's build before the last (the
  // scoped form, which cuts the charges down first) and among every order (test_rows:
  // all). Leaves the warehouse as it found it.
  void ExpectAPaidOrderWithoutChargeFails() {
    const std::vector<std::string> failed = WarehouseWrite(R"(
        UPDATE raw.stripe_charges SET status = 'failed'
        WHERE id = (
            SELECT min(charges.id) FROM raw.stripe_charges AS charges
            JOIN staging.stg_shop__orders AS orders ON orders.order_id = charges.order_id
            WHERE charges.status = 'succeeded' AND orders.status = 'delivered'
              AND orders._loaded_at > (SELECT min(built_at) FROM meta.view_builds
                                       WHERE view_name = 'staging.stg_shop__orders')
              AND (SELECT count(*) FROM raw.stripe_charges AS other
                   WHERE other.order_id = charges.order_id AND other.status = 'succeeded') = 1)
        RETURNING id)");
    ASSERT_EQ(failed.size(), 1u);
    for (const std::string vars : {"", " --vars '{test_rows: all}'"}) {
      ASSERT_NO_FATAL_FAILURE(
          ExpectOneTestFails("--select biz_every_paid_order_has_a_charge" + vars, 1));
      // Scoped, the charges are cut down to the orders checked; unscoped, they are not.
      std::string sql;
      std::error_code walk;
      for (const auto& entry :
           fs::recursive_directory_iterator(project_ + "/target/compiled", walk)) {
        if (entry.path().filename() == "biz_every_paid_order_has_a_charge.sql") {
          sql = ReadFile(entry.path()).value_or("");
        }
      }
      EXPECT_EQ(sql.find("and order_id in (select order_id from paid_orders)") != std::string::npos,
                vars.empty())
          << vars << sql;
    }
    WarehouseWrite("UPDATE raw.stripe_charges SET status = 'succeeded' WHERE id = '" + failed[0] +
                   "'");
  }

  // biz_reconciliation_covers_orders_and_charges finds a cent of fee, and then a cent of
  // net, in a balance transaction that the mart does not hold. Leaves the warehouse as it
  // found it.
  void ExpectABalanceCentOffFails() {
    for (const std::string column : {"fee", "net"}) {
      const std::vector<std::string> changed = WarehouseWrite(
          "UPDATE raw.stripe_balance_transactions SET " + column + " = " + column +
          " + 1 WHERE id = (SELECT min(id) FROM raw.stripe_balance_transactions "
          "WHERE type = 'charge') RETURNING id");
      ASSERT_EQ(changed.size(), 1u);
      ASSERT_NO_FATAL_FAILURE(
          ExpectOneTestFails("--select biz_reconciliation_covers_orders_and_charges"))
          << column;
      WarehouseWrite("UPDATE raw.stripe_balance_transactions SET " + column + " = " + column +
                     " - 1 WHERE id = '" + changed[0] + "'");
    }
  }

  // `test` fails naming two keys, among the rows the last run wrote (compared key by key)
  // and among every row (test_rows: all), where its checksums differ first.
  void ExpectTwoKeysFail(const std::string& test) {
    for (const std::string vars : {"", " --vars '{test_rows: all}'"}) {
      ASSERT_NO_FATAL_FAILURE(ExpectOneTestFails("--select " + test + vars, 2)) << vars;
      EXPECT_EQ(CompiledStartingWith(test).find("-- Checksums that differ: 1") != std::string::npos,
                !vars.empty())
          << test << vars;
    }
  }

  // core_net_revenue_matches_orders finds a cent of net revenue, and then of refunds,
  // moved from a line of one order to a line of another (the totals unchanged).
  // Leaves the warehouse as it found it.
  void ExpectACentMovedBetweenOrdersFails() {
    const std::string newest =
        "(SELECT order_id, order_item_id FROM marts.fact_orders "
        "WHERE _refreshed_at = (SELECT max(_refreshed_at) FROM marts.fact_orders))";
    const std::vector<std::string> lines = WarehouseRows(
        "SELECT min(order_item_id) FROM " + newest + " AS newest WHERE order_id IN "
        "((SELECT min(order_id) FROM " + newest + " AS n), (SELECT max(order_id) FROM " + newest +
        " AS n)) GROUP BY order_id ORDER BY order_id");
    ASSERT_EQ(lines.size(), 2u);
    const std::string moved = "CASE WHEN order_item_id = " + lines[0] +
                              " THEN 0.01 ELSE -0.01 END WHERE order_item_id IN (" + lines[0] +
                              ", " + lines[1] + ")";
    for (const std::string column : {"net_revenue", "refunded_amount"}) {
      WarehouseWrite("UPDATE marts.fact_orders SET " + column + " = " + column + " + " + moved);
      ASSERT_NO_FATAL_FAILURE(ExpectTwoKeysFail("core_net_revenue_matches_orders")) << column;
      WarehouseWrite("UPDATE marts.fact_orders SET " + column + " = " + column + " - " + moved);
    }
  }

  // biz_ltv_matches_orders finds a cent of lifetime value moved from one customer the last
  // run of customer_ltv wrote to another (the total unchanged). Leaves the warehouse as it
  // found it.
  void ExpectACentMovedBetweenCustomersFails() {
    const std::vector<std::string> customers = WarehouseRows(
        "SELECT unnest([min(customer_id), max(customer_id)]) FROM marts.customer_ltv "
        "WHERE _refreshed_at = (SELECT max(_refreshed_at) FROM marts.customer_ltv)");
    ASSERT_EQ(customers.size(), 2u);
    ASSERT_NE(customers[0], customers[1]);
    const std::string cents = "CASE WHEN customer_id = " + customers[0] + " THEN 1 ELSE -1 END";
    const std::string moved = "lifetime_value_cents = lifetime_value_cents OP " + cents +
                              ", lifetime_value = lifetime_value OP 0.01 * " + cents +
                              " WHERE customer_id IN (" + customers[0] + ", " + customers[1] + ")";
    auto with = [&](const std::string& op) {
      std::string sql = moved;
      for (size_t at; (at = sql.find("OP")) != std::string::npos;) sql.replace(at, 2, op);
      return "UPDATE marts.customer_ltv SET " + sql;
    };
    WarehouseWrite(with("+"));
    ASSERT_NO_FATAL_FAILURE(ExpectTwoKeysFail("biz_ltv_matches_orders"));
    WarehouseWrite(with("-"));
  }

  // The compiled SQL of the first node whose file name starts with `prefix`.
  std::string CompiledStartingWith(const std::string& prefix) {
    std::error_code walk;
    for (const auto& entry :
         fs::recursive_directory_iterator(project_ + "/target/compiled", walk)) {
      if (entry.path().filename().string().starts_with(prefix)) {
        return ReadFile(entry.path()).value_or("");
      }
    }
    return "";
  }

  // scd2_one_current_version on dim_customers, scoped to the customers that can have
  // changed, finds a customer rewritten for its orders (not loaded again) whose current
  // version lost its flag. Leaves the
  // warehouse as it found it.
  void ExpectAVersionWithoutItsCurrentFlagFails() {
    const std::vector<std::string> broken = WarehouseWrite(R"(
        UPDATE marts.dim_customers SET is_current = false
        WHERE customer_sk = (
            SELECT min(customer_sk) FROM marts.dim_customers
            WHERE is_current
              AND _refreshed_at = (SELECT max(_refreshed_at) FROM marts.dim_customers)
              -- rewritten for its orders alone, not loaded again
              AND customer_id IN (
                  SELECT customer_id FROM staging.stg_shop__customers
                  WHERE _loaded_at <= (SELECT min(built_at) FROM meta.view_builds
                                       WHERE view_name = 'staging.stg_shop__customers')))
        RETURNING customer_sk)");
    ASSERT_EQ(broken.size(), 1u);
    ASSERT_NO_FATAL_FAILURE(
        ExpectOneTestFails("--select 'scd2_one_current_version_dim_customers*'", 1));
    const std::string sql = CompiledStartingWith("scd2_one_current_version_dim_customers");
    EXPECT_NE(sql.find("checked as ("), std::string::npos) << sql;
    WarehouseWrite("UPDATE marts.dim_customers SET is_current = true WHERE customer_sk = " +
                   broken[0]);
  }

  // PostgreSQL's type for a column type of the warehouse's raw tables and seeds; empty for
  // one this copy does not map.
  static std::string PostgresType(const std::string& duck) {
    if (duck == "VARCHAR") return "text";
    if (duck == "BIGINT" || duck == "INTEGER" || duck == "BOOLEAN" || duck == "DATE") return duck;
    if (duck == "DOUBLE") return "double precision";
    if (duck == "TIMESTAMP WITH TIME ZONE") return "timestamptz";
    if (duck == "TIMESTAMP") return "timestamp";
    if (duck.starts_with("DECIMAL(")) return "numeric" + duck.substr(7);
    return "";
  }

  // Copies the warehouse's schema.table, rows and column types, into the test's PostgreSQL
  // database under the same name, through a CSV file.
  void CopyTableToPostgres(pg::Connection& pg, const std::string& schema,
                           const std::string& table) {
    const std::string csv = scratch() + "/" + schema + "." + table + ".csv";
    const std::vector<std::string> columns = WarehouseRows(
        "SELECT column_name || '|' || data_type FROM information_schema.columns "
        "WHERE table_schema = '" +
        schema + "' AND table_name = '" + table + "' ORDER BY ordinal_position");
    WarehouseRows("COPY (SELECT * FROM \"" + schema + "\".\"" + table + "\") TO '" + csv +
                  "' (FORMAT csv, HEADER false)");
    ASSERT_FALSE(columns.empty()) << schema << "." << table;
    std::string ddl;
    for (const std::string& column : columns) {
      const size_t bar = column.find('|');
      const std::string type = PostgresType(column.substr(bar + 1));
      ASSERT_FALSE(type.empty()) << schema << "." << table << ": no PostgreSQL type for " << column;
      ddl += (ddl.empty() ? "" : ", ") + pg.QuoteIdentifier(column.substr(0, bar)) + " " + type;
    }
    const std::string name = pg.QuoteIdentifier(schema) + "." + pg.QuoteIdentifier(table);
    ASSERT_TRUE(pg.Execute("CREATE SCHEMA IF NOT EXISTS " + pg.QuoteIdentifier(schema) +
                           "; CREATE TABLE " + name + " (" + ddl + ")")
                    .ok());
    auto copy = pg.BeginCopyIn("COPY " + name + " FROM STDIN (FORMAT csv)");
    ASSERT_TRUE(copy.ok()) << copy.status().ToString();
    auto rows = ReadFile(csv);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    ASSERT_TRUE(copy->Write(*rows).ok()) << name;
    auto copied = copy->Finish();
    ASSERT_TRUE(copied.ok()) << name << ": " << copied.status().ToString();
  }

  // Runs one model, seed or snapshot of `manifest` (compiled for PostgreSQL) on `pg`, as a
  // first build would: a view or a table of its SELECT (an incremental model's first run is
  // a table), its post-hooks, a snapshot's first versions; a seed is copied from the
  // warehouse.
  void RunOnPostgres(pg::Connection& pg, const nlohmann::json& manifest,
                     const nlohmann::json& node) {
    const std::string type = node["resource_type"];
    const std::string schema = node["schema"];
    const std::string alias = node["alias"];
    const std::string id = node["unique_id"];
    if (type == "seed") {
      ASSERT_NO_FATAL_FAILURE(CopyTableToPostgres(pg, schema, alias));
      return;
    }
    const std::string name = pg.QuoteIdentifier(schema) + "." + pg.QuoteIdentifier(alias);
    const nlohmann::json& config = node["config"];
    const std::string compiled = node["compiled_code"];
    std::string sql = "CREATE SCHEMA IF NOT EXISTS " + pg.QuoteIdentifier(schema) + "; ";
    if (type == "snapshot") {
      // dbt's first snapshot run: every row, each valid from its updated_at (the check
      // strategy: now), with an id of its key and that time.
      const std::string key =
          config["unique_key"].is_array() ? config["unique_key"][0] : config["unique_key"];
      const std::string at =
          config["strategy"] == "timestamp"
              ? "src." + pg.QuoteIdentifier(config["updated_at"].get<std::string>())
              : "current_timestamp";
      sql += "CREATE TABLE " + name + " AS SELECT src.*, md5(cast(src." + pg.QuoteIdentifier(key) +
             " AS text) || '|' || cast(" + at + " AS text)) AS dbt_scd_id, " + at +
             " AS dbt_updated_at, " + at + " AS dbt_valid_from, nullif(" + at + ", " + at +
             ") AS dbt_valid_to FROM (" + compiled + ") AS src";
    } else if (config["materialized"] == "view") {
      sql += "CREATE VIEW " + name + " AS " + compiled;
    } else {
      sql += "CREATE TABLE " + name + " AS " + compiled;
    }
    Status created = pg.Execute(sql);
    ASSERT_TRUE(created.ok()) << id << " on PostgreSQL: " << created.ToString() << "\n" << sql;
    // Post-hooks, rendered as dbt would ({{ this }}, {{ ref('m') }}); record_view_build
    // writes the warehouse's own bookkeeping of staging views and stays out.
    for (const nlohmann::json& hook : config.value("post-hook", nlohmann::json::array())) {
      std::string text = hook["sql"];
      if (text.find("record_view_build") != std::string::npos) continue;
      for (size_t at; (at = text.find("{{ this }}")) != std::string::npos;)
        text.replace(at, 10, name);
      for (size_t at; (at = text.find("{{ ref('")) != std::string::npos;) {
        const size_t end = text.find("') }}", at);
        ASSERT_NE(end, std::string::npos) << id << ": " << text;
        const std::string parent_id = "model.shop_analytics." + text.substr(at + 8, end - at - 8);
        ASSERT_TRUE(manifest["nodes"].contains(parent_id)) << id << ": " << text;
        const nlohmann::json& parent = manifest["nodes"][parent_id];
        text.replace(at, end + 5 - at,
                     pg.QuoteIdentifier(parent["schema"].get<std::string>()) + "." +
                         pg.QuoteIdentifier(parent["alias"].get<std::string>()));
      }
      ASSERT_EQ(text.find("{{"), std::string::npos) << id << ": " << text;
      Status ran = pg.Execute(text);
      ASSERT_TRUE(ran.ok()) << id << " post-hook on PostgreSQL: " << ran.ToString() << "\n" << text;
    }
  }

  // Rows of `sql` on `pg` as "a|b" strings (NULL as "NULL").
  static std::vector<std::string> PostgresRows(pg::Connection& pg, const std::string& sql) {
    auto r = pg.Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    std::vector<std::string> rows;
    if (!r.ok()) return rows;
    for (int row = 0; row < r->rows(); ++row) {
      std::string line;
      for (int col = 0; col < r->columns(); ++col) {
        if (col > 0) line += "|";
        line += r->IsNull(row, col) ? "NULL" : std::string(r->Get(row, col));
      }
      rows.push_back(line);
    }
    return rows;
  }

  std::unique_ptr<TempDir> dir_;
  std::string project_;
  std::unique_ptr<sandbox::Server> sandbox_;
  std::string env_;
};

// Every table and view of kComparedSchemas in the database `catalog` attached to `conn`.
std::vector<std::string> ComparedRelations(warehouse::Connection& conn,
                                           const std::string& catalog) {
  std::string in;
  for (const std::string& s : kComparedSchemas) in += (in.empty() ? "'" : ", '") + s + "'";
  return testing::DuckRows(
      conn,
      "SELECT table_schema || '.' || table_name FROM information_schema.tables "
      "WHERE table_catalog = '" +
          catalog + "' AND table_schema IN (" + in + ") ORDER BY 1");
}

TEST_F(ProjectE2E, InitWritesEveryFileOfTheProjectTemplateNestedFoldersIncluded) {
  const fs::path source = fs::path(SHOPLYTICS_SOURCE_DIR) / "project";
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(source)) {
    if (!entry.is_regular_file()) continue;
    const fs::path relative = fs::relative(entry.path(), source);
    auto written = ReadFile(fs::path(project_) / relative);
    ASSERT_TRUE(written.ok()) << relative << ": " << written.status().ToString();
    EXPECT_EQ(*written, *ReadFile(entry.path())) << relative;
    ++files;
  }
  EXPECT_GT(files, 20);
  EXPECT_TRUE(fs::exists(project_ + "/models/staging/stg_shop__orders.sql"));
}

TEST_F(ProjectE2E, BuildsTheDefaultProjectAndItsNumbersMatchTheSource) {
  // An order with its product on two lines (a free second one, so that the order's total
  // stays its lines'): the product's order count counts that order once.
  const std::vector<std::string> doubled = SourceRows(R"(
      INSERT INTO shop.order_items
      SELECT (SELECT max(order_item_id) + 1 FROM shop.order_items), order_id, product_id, 1,
             0, 0, created_at, updated_at
      FROM shop.order_items
      WHERE order_item_id = (SELECT min(items.order_item_id) FROM shop.order_items AS items
                             JOIN shop.orders USING (order_id) WHERE status <> 'cancelled')
      RETURNING order_id)");
  ASSERT_EQ(doubled.size(), 1u);
  ASSERT_NO_FATAL_FAILURE(Extract());
  ASSERT_NO_FATAL_FAILURE(Build(project_));
  // Orders and units per product and day.
  const std::vector<std::string> product_days = SourceRows(
      "SELECT items.product_id, to_char(orders.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), "
      "count(DISTINCT items.order_id), sum(items.quantity) FROM shop.order_items AS items "
      "JOIN shop.orders USING (order_id) WHERE orders.status <> 'cancelled' GROUP BY 1, 2 "
      "ORDER BY 1, 2");
  EXPECT_GT(product_days.size(), 100u);
  EXPECT_EQ(WarehouseRows("SELECT product_id, strftime(order_date, '%Y-%m-%d'), order_count, "
                          "units_sold FROM intermediate.int_product_daily_sales "
                          "WHERE order_count > 0 ORDER BY 1, 2"),
            product_days);

  // Orders per status, and order totals per day.
  EXPECT_EQ(WarehouseRows("SELECT status, count(*) FROM staging.stg_shop__orders "
                          "GROUP BY 1 ORDER BY 1"),
            SourceRows("SELECT status, count(*) FROM shop.orders GROUP BY 1 ORDER BY 1"));
  const std::vector<std::string> per_day = SourceRows(
      "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*), sum(total_cents) "
      "FROM shop.orders GROUP BY 1 ORDER BY 1");
  EXPECT_GT(per_day.size(), 80u);
  EXPECT_EQ(WarehouseRows("SELECT strftime(order_date, '%Y-%m-%d'), count(*), sum(total_cents) "
                          "FROM staging.stg_shop__orders GROUP BY 1 ORDER BY 1"),
            per_day);
  // Customers: the warehouse keeps hard-deleted ones, marked deleted.
  EXPECT_EQ(WarehouseRows("SELECT count(*) FROM staging.stg_shop__customers WHERE NOT is_deleted"),
            SourceRows("SELECT count(*) FROM shop.customers WHERE deleted_at IS NULL"));
  // Stripe: refunds and charges, through the sandbox's API.
  EXPECT_EQ(WarehouseRows("SELECT count(*), sum(amount_cents) FROM staging.stg_stripe__refunds"),
            SourceRows("SELECT count(*), sum(amount) FROM stripe.refunds"));
  EXPECT_EQ(WarehouseRows("SELECT count(*), sum(amount_cents) FROM staging.stg_stripe__charges"),
            SourceRows("SELECT count(*), sum(amount) FROM stripe.charges"));
  EXPECT_EQ(WarehouseRows("SELECT count(*) FROM staging.stg_shop__order_items"),
            SourceRows("SELECT count(*) FROM shop.order_items"));
  ExpectDailyRevenueMatchesTheSource();
  ExpectSegmentsMatchTheSource();
  // Unique text is stored as the models' meta.column_compression says, and dbt_scd_id so.
  EXPECT_EQ(WarehouseRows("SELECT column_name, string_agg(DISTINCT compression, '+') FROM "
                          "pragma_storage_info('marts.payments_reconciliation') WHERE "
                          "segment_type = 'VARCHAR' AND column_name IN ('reconciliation_key', "
                          "'order_status') GROUP BY ALL ORDER BY ALL"),
            (std::vector<std::string>{"order_status|DICT_FSST", "reconciliation_key|ZSTD"}));
  EXPECT_EQ(WarehouseRows("SELECT DISTINCT compression FROM "
                          "pragma_storage_info('snapshots.orders_snapshot') WHERE "
                          "segment_type = 'VARCHAR' AND column_name = 'dbt_scd_id'"),
            (std::vector<std::string>{"ZSTD"}));
}

// Portability: the project is plain SQL, with adapter.dispatch macros where the dialects
// differ. Compiled for PostgreSQL, every model, snapshot and test of a full build runs on a
// real PostgreSQL over a copy of the raw tables, every test passes there, and the marts'
// numbers are DuckDB's.
TEST_F(ProjectE2E, CompiledForPostgresItRunsThereAndGivesTheSameNumbers) {
  // Compiles for PostgreSQL into `target`; returns its manifest. run_query reads the DuckDB
  // warehouse as it is then.
  auto compile = [&](const std::string& target, const std::string& flags) {
    auto run =
        RunShoplytics("compile --project-dir " + ShellQuote(project_) +
                          " --dialect postgres --target-path " + ShellQuote(target) + " " + flags,
                      scratch(), env_);
    EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
    auto text = ReadFile(target + "/manifest.json");
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    return nlohmann::json::parse(text.value_or("{}"));
  };
  ASSERT_NO_FATAL_FAILURE(Extract());
  // A first build compiles each node just before it runs: the snapshots while they do not
  // exist yet (every row), the models once their parents are built (their run_query reads
  // them). So the snapshots are compiled before the build, the rest after it.
  const nlohmann::json first_snapshots =
      compile(scratch() + "/postgres_snapshots",
              "--select resource_type:snapshot --indirect-selection empty");
  ASSERT_NO_FATAL_FAILURE(Build(project_));
  nlohmann::json manifest = compile(scratch() + "/postgres_target", "--full-refresh");
  ASSERT_TRUE(manifest.contains("nodes"));
  int snapshots = 0;
  for (auto& [id, node] : manifest["nodes"].items()) {
    if (node["resource_type"] != "snapshot") continue;
    ++snapshots;
    node["compiled_code"] = first_snapshots["nodes"][id]["compiled_code"];
    // every row: none of the "loaded since the newest snapshot row" filter of later runs
    EXPECT_EQ(node["compiled_code"].get<std::string>().find("_loaded_at >"), std::string::npos)
        << id;
  }
  EXPECT_EQ(snapshots, 3);
  const nlohmann::json& nodes = manifest["nodes"];
  // The dialects' own SQL: PostgreSQL's surrogate keys, from md5's hex digits.
  EXPECT_NE(nodes["model.shop_analytics.dim_customers"]["compiled_code"].get<std::string>().find(
                "::bit(64)::bigint"),
            std::string::npos);

  pg::Connection pg = Connect();
  ASSERT_TRUE(pg.is_open());
  ASSERT_TRUE(pg.Execute("SET TimeZone = 'UTC'").ok());
  std::set<std::string> copied;
  for (const auto& [id, source] : manifest["sources"].items()) {
    const std::string schema = source["schema"];
    const std::string table = source["identifier"];
    if (!copied.insert(schema + "." + table).second) continue;
    ASSERT_NO_FATAL_FAILURE(CopyTableToPostgres(pg, schema, table));
  }
  // Models, seeds and snapshots in dependency order, then the tests.
  std::vector<std::string> order;
  std::set<std::string> visited;
  std::function<void(const std::string&)> visit = [&](const std::string& id) {
    if (!nodes.contains(id) || nodes[id]["resource_type"] == "test") return;
    if (!visited.insert(id).second) return;
    for (const auto& parent : nodes[id]["depends_on"].value("nodes", nlohmann::json::array())) {
      visit(parent.get<std::string>());
    }
    order.push_back(id);
  };
  for (const auto& [id, node] : nodes.items()) visit(id);
  EXPECT_GT(order.size(), 30u);
  for (const std::string& id : order)
    ASSERT_NO_FATAL_FAILURE(RunOnPostgres(pg, manifest, nodes[id]));
  int tests = 0;
  for (const auto& [id, node] : nodes.items()) {
    if (node["resource_type"] != "test") continue;
    ++tests;
    const std::string sql = node["compiled_code"];
    EXPECT_EQ(PostgresRows(pg, "SELECT count(*) FROM (" + sql + ") AS dbt_internal_test"),
              std::vector<std::string>{"0"})
        << id << " fails on PostgreSQL:\n"
        << sql;
  }
  EXPECT_GE(tests, 150);
  // The daily build's SQL too: compiled as an incremental run (the warehouse now holds every
  // relation), each incremental model's and snapshot's SELECT and each test plans on
  // PostgreSQL over the tables the full build left there.
  const nlohmann::json daily = compile(scratch() + "/postgres_daily", "");
  int incremental = 0;
  for (const auto& [id, node] : daily["nodes"].items()) {
    const std::string type = node["resource_type"];
    const bool writes_increments =
        type == "snapshot" || node["config"]["materialized"] == "incremental";
    if (type != "test" && !writes_increments) continue;
    const std::string sql = node["compiled_code"];
    if (writes_increments && sql != nodes[id]["compiled_code"]) ++incremental;
    auto plan = pg.Query("EXPLAIN " + sql);
    EXPECT_TRUE(plan.ok()) << id << " (incremental) on PostgreSQL: " << plan.status().ToString()
                           << "\n"
                           << sql;
  }
  EXPECT_GE(incremental, 12);

  // The same numbers on both (rows sorted here: the two order text differently).
  for (const std::string sql : {
           "SELECT count(*), cast(sum(net_revenue) AS varchar), cast(sum(margin) AS varchar), "
           "cast(sum(refunded_amount) AS varchar), cast(sum(shipping_allocated) AS varchar) "
           "FROM marts.fact_orders",
           "SELECT count(*), cast(sum(net) AS varchar), cast(sum(orders) AS varchar), "
           "cast(sum(new_customers) AS varchar), cast(sum(refunds) AS varchar) "
           "FROM marts.fct_daily_revenue",
           "SELECT mismatch_category, count(*) FROM marts.payments_reconciliation GROUP BY 1",
           "SELECT count(*), count(DISTINCT customer_id) FROM marts.dim_customers WHERE is_current",
           // segments at the last order (the history up to it is the same in both builds)
           "SELECT segment, count(*), cast(sum(trailing_365d_net_spend) AS varchar) "
           "FROM marts.dim_customers WHERE valid_from <= (SELECT max(ordered_at) FROM "
           "marts.fact_orders) AND (valid_to IS NULL OR valid_to > (SELECT max(ordered_at) "
           "FROM marts.fact_orders)) GROUP BY 1",
           "SELECT count(*), cast(sum(lifetime_value) AS varchar) FROM marts.customer_ltv",
           "SELECT count(*), cast(sum(units_sold) AS varchar) FROM marts.product_performance",
           "SELECT count(*), cast(sum(active_customers) AS varchar), cast(sum(revenue) AS varchar) "
           "FROM marts.cohort_retention",
           "SELECT count(*), cast(sum(sessions) AS varchar), cast(sum(purchases) AS varchar) "
           "FROM marts.funnel_daily",
           "SELECT count(*), cast(sum(spend) AS varchar), cast(sum(attributed_orders) AS varchar) "
           "FROM marts.marketing_performance",
           "SELECT count(*) FROM marts.dim_date",
       }) {
    std::vector<std::string> on_postgres = PostgresRows(pg, sql);
    std::vector<std::string> on_duckdb = WarehouseRows(sql);
    std::sort(on_postgres.begin(), on_postgres.end());
    std::sort(on_duckdb.begin(), on_duckdb.end());
    EXPECT_EQ(on_postgres, on_duckdb) << sql;
  }
}

TEST_F(ProjectE2E, AnIncrementalBuildAfterTwoDaysEqualsAFullRefreshTableByTable) {
  auto compiled_in = [&](const std::string& project, const std::string& file_name) {
    std::error_code walk;
    for (const auto& entry :
         fs::recursive_directory_iterator(project + "/target/compiled", walk)) {
      if (entry.path().filename() == file_name) return ReadFile(entry.path()).value_or("");
    }
    return std::string();
  };
  auto compiled = [&](const std::string& file_name) { return compiled_in(project_, file_name); };
  // int_product_daily_sales reads fact_orders' lines.
  const std::string from_fact = "from \"marts\".\"fact_orders\"";
  ASSERT_NO_FATAL_FAILURE(Extract());
  ASSERT_NO_FATAL_FAILURE(Build(project_));
  // A full build wrote every row of fact_orders: its tests read the table, unfiltered.
  const std::string scoped_marker = "where _refreshed_at >= cast('";
  std::string fact_test = compiled("core_net_revenue_matches_orders.sql");
  ASSERT_NE(fact_test.find("\"fact_orders\""), std::string::npos) << fact_test;
  EXPECT_EQ(fact_test.find(scoped_marker), std::string::npos) << fact_test;
  // It compared the checksums of every order first, which matched.
  EXPECT_NE(fact_test.find("-- Checksums that differ: 0"), std::string::npos) << fact_test;
  // Nor do they cut the orders and the customer versions down to the fact's.
  const std::string orders_cut = "where order_id in (select order_id from fact)) as orders";
  EXPECT_EQ(fact_test.find(orders_cut), std::string::npos) << fact_test;
  const std::string versions_cut = "where customer_sk in (select customer_sk from facts)";
  std::string keys_test = compiled("core_fact_keys_point_to_valid_versions.sql");
  ASSERT_NE(keys_test.find("\"dim_customers\""), std::string::npos) << keys_test;
  EXPECT_EQ(keys_test.find(versions_cut), std::string::npos) << keys_test;
  // biz_ltv_matches_orders reads every order then, with no filter by the mart's customers.
  const std::string ltv_filter = "and customer_id in (select customer_id from ltv)";
  std::string ltv_test = compiled("biz_ltv_matches_orders.sql");
  ASSERT_NE(ltv_test.find("\"customer_ltv\""), std::string::npos) << ltv_test;
  EXPECT_EQ(ltv_test.find(ltv_filter), std::string::npos) << ltv_test;
  EXPECT_NE(ltv_test.find("-- Checksums that differ: 0"), std::string::npos) << ltv_test;
  // scd2_one_current_version checks every customer after a full build.
  const std::string scd2_test = CompiledStartingWith("scd2_one_current_version_dim_customers");
  ASSERT_NE(scd2_test.find("\"dim_customers\""), std::string::npos) << scd2_test;
  EXPECT_EQ(scd2_test.find("checked as ("), std::string::npos) << scd2_test;
  auto advanced = Generate("--advance 2");
  ASSERT_EQ(advanced.exit_code, 0) << advanced.err;
  // A guest order joins an account: the shop's largest counted order moves to another
  // customer. Both customers' histories and rollups change, the old one's by losing it.
  const std::vector<std::string> moved = SourceRows(R"(
      UPDATE shop.orders SET
          customer_id = (SELECT min(customer_id) FROM shop.customers
                         WHERE customer_id <> orders.customer_id),
          updated_at = (SELECT max(updated_at) FROM shop.orders) + interval '1 second'
      WHERE order_id = (SELECT order_id FROM shop.orders WHERE status <> 'cancelled'
                        ORDER BY total_cents DESC, order_id LIMIT 1)
      RETURNING order_id)");
  ASSERT_EQ(moved.size(), 1u);
  // The oldest delivered order is cancelled (no refund follows, only its status says it
  // no longer counts), and the next one's shipping and total go up by a dollar: both change
  // their customer's spend, which the customer models must see without any other change.
  const std::vector<std::string> edited = SourceRows(R"(
      WITH picked AS (
          SELECT order_id, row_number() OVER (ORDER BY order_id) AS n FROM shop.orders
          WHERE status = 'delivered' ORDER BY order_id LIMIT 2)
      UPDATE shop.orders SET
          status = CASE WHEN picked.n = 1 THEN 'cancelled' ELSE status END,
          cancelled_at = CASE WHEN picked.n = 1 THEN updated_at ELSE cancelled_at END,
          shipping_cents = shipping_cents + CASE WHEN picked.n = 2 THEN 100 ELSE 0 END,
          total_cents = total_cents + CASE WHEN picked.n = 2 THEN 100 ELSE 0 END,
          updated_at = (SELECT max(updated_at) FROM shop.orders) + interval '1 second'
      FROM picked WHERE orders.order_id = picked.order_id
      RETURNING orders.order_id)");
  ASSERT_EQ(edited.size(), 2u);
  const std::string edited_orders = moved[0] + ", " + edited[0] + ", " + edited[1];
  // A free line of a product the order already has (a gift of a second one): the order's
  // totals do not change, and int_product_daily_sales must count the order once for it.
  const std::vector<std::string> gifted = SourceRows(R"(
      INSERT INTO shop.order_items (order_item_id, order_id, product_id, quantity,
                                    unit_price_cents, discount_cents, created_at, updated_at)
      SELECT (SELECT max(order_item_id) + 1 FROM shop.order_items), items.order_id,
             items.product_id, 1, 0, 0, items.created_at,
             (SELECT max(updated_at) FROM shop.order_items) + interval '1 second'
      FROM shop.order_items AS items
      JOIN shop.orders AS orders ON orders.order_id = items.order_id
      WHERE orders.status = 'delivered'
        AND orders.order_id NOT IN ()" + edited_orders + R"()
      ORDER BY items.order_id DESC, items.order_item_id LIMIT 1
      RETURNING order_id || '|' || product_id)");
  ASSERT_EQ(gifted.size(), 1u);
  ASSERT_NO_FATAL_FAILURE(Extract());
  // payments_reconciliation finds what changed by order where it can, and a charge by its
  // id only when that fails: here a refund loaded now, on the oldest charge, names no
  // order, and that charge is far older than the balance transactions loaded since, so
  // only the search among every charge finds it. The full refresh below must agree.
  const std::vector<std::string> refunded = WarehouseWrite(R"(
      INSERT INTO raw.stripe_refunds (id, charge, amount, currency, status, reason,
                                      order_id, created, created_epoch, livemode, raw_json,
                                      _batch_id, _loaded_at)
      SELECT 're_e2e_old_charge', id, 100, currency, 'succeeded', 'requested_by_customer',
             NULL, created + INTERVAL 1 HOUR, epoch(created) + 3600, false, '{}', 'e2e', now()
      FROM raw.stripe_charges
      WHERE status = 'succeeded' AND amount_captured > 100
        AND id NOT IN (SELECT charge FROM raw.stripe_refunds)
        AND order_id NOT IN ()" + edited_orders + R"()
      ORDER BY created, id LIMIT 1
      RETURNING charge)");
  ASSERT_EQ(refunded.size(), 1u);
  // A payment retried: an order gets a second charge, a failed one whose id sorts first.
  // payments_reconciliation groups only the orders with several charges; this one must
  // count both and name the first, here and in the full refresh below.
  const std::vector<std::string> retried = WarehouseWrite(R"(
      INSERT INTO raw.stripe_charges
      SELECT * REPLACE ('ch_0000_e2e_retry' AS id, 'failed' AS status, 0 AS amount_captured,
                        0 AS amount_refunded, false AS captured, false AS paid,
                        false AS refunded, false AS disputed, 'card_declined' AS failure_code,
                        CAST(NULL AS VARCHAR) AS balance_transaction,
                        created - INTERVAL 1 MINUTE AS created, 'e2e' AS _batch_id,
                        now() AS _loaded_at)
      FROM raw.stripe_charges
      WHERE status = 'succeeded' AND order_id IS NOT NULL
        AND order_id NOT IN ()" + edited_orders + R"()
        AND id <> ')" + refunded[0] + R"('
      ORDER BY created DESC, id LIMIT 1
      RETURNING order_id)");
  ASSERT_EQ(retried.size(), 1u);
  // A charge with a second balance transaction of its own (an adjustment of 7 cents in
  // fees): payments_reconciliation joins balance transactions to charges without grouping
  // them first, so its order has two rows there; both must count, and the charge once.
  const std::vector<std::string> adjusted = WarehouseWrite(R"(
      INSERT INTO raw.stripe_balance_transactions
      SELECT * REPLACE ('txn_e2e_adjustment' AS id, 0 AS amount, 7 AS fee, -7 AS net,
                        'adjustment' AS type, 'e2e' AS _batch_id, now() AS _loaded_at)
      FROM raw.stripe_balance_transactions
      WHERE type = 'charge' AND source IN (
        SELECT id FROM raw.stripe_charges
        WHERE status = 'succeeded' AND order_id IS NOT NULL
          AND order_id NOT IN ()" + edited_orders + ", " + retried[0] + R"()
          AND id <> ')" + refunded[0] + R"('
          AND id NOT IN (SELECT charge FROM raw.stripe_refunds)
          AND id NOT IN (SELECT charge FROM raw.stripe_disputes))
      ORDER BY created, id LIMIT 1
      RETURNING source)");
  ASSERT_EQ(adjusted.size(), 1u);
  const std::string adjusted_order =
      "(SELECT order_id FROM raw.stripe_charges WHERE id = '" + adjusted[0] + "')";
  const std::vector<std::string> fees_before = WarehouseRows(
      "SELECT charge_count, fees + 0.07, stripe_net - 0.07, captured_amount "
      "FROM marts.payments_reconciliation WHERE order_id = " + adjusted_order);
  ASSERT_EQ(fees_before.size(), 1u);
  // A charge of no shop order with two balance transactions of its own (30 and 5 cents of
  // fees): one charge_without_order row, its fees added up, the charge counted once.
  WarehouseWrite(R"(
      INSERT INTO raw.stripe_charges
      SELECT * REPLACE ('ch_e2e_orphan' AS id, CAST(NULL AS BIGINT) AS order_id,
                        'txn_e2e_orphan_1' AS balance_transaction, 'e2e' AS _batch_id,
                        now() AS _loaded_at)
      FROM raw.stripe_charges
      WHERE status = 'succeeded'
      ORDER BY id LIMIT 1
      RETURNING id)");
  WarehouseWrite(R"(
      INSERT INTO raw.stripe_balance_transactions
      SELECT bt.* REPLACE ('txn_e2e_orphan_' || n AS id,
                           CASE n WHEN 1 THEN 30 ELSE 5 END AS fee,
                           'ch_e2e_orphan' AS source, 'e2e' AS _batch_id, now() AS _loaded_at)
      FROM (SELECT * FROM raw.stripe_balance_transactions WHERE type = 'charge' LIMIT 1) AS bt,
           range(1, 3) AS numbers(n)
      RETURNING id)");
  // The customer models run on their own first, before their snapshots catch up (`run`
  // runs no snapshot): the build's runs must still find the customers the snapshots add or
  // change then (dim_customers the new customers, int_customer_first_orders the customer
  // the moved order left), and fact_orders sees the customers of two dim_customers runs.
  auto dim_alone = RunShoplytics("--json run --project-dir " + ShellQuote(project_) +
                                     " --select dim_customers int_customer_first_orders "
                                     "int_customer_monthly_orders customer_ltv",
                                 scratch(), env_);
  ASSERT_EQ(dim_alone.exit_code, 0) << dim_alone.out << dim_alone.err;
  // int_product_daily_sales rebuilt alone now, before fact_orders has seen the new loads
  // (the gifted line among them): the build below must recompute the days whose fact
  // lines it changes then, or the gift check and the comparison with the full refresh
  // fail.
  auto sales_alone = RunShoplytics("--json run --project-dir " + ShellQuote(project_) +
                                       " --full-refresh --select int_product_daily_sales",
                                   scratch(), env_);
  ASSERT_EQ(sales_alone.exit_code, 0) << sales_alone.out << sales_alone.err;
  {
    const std::string sales = compiled("int_product_daily_sales.sql");
    EXPECT_NE(sales.find(from_fact), std::string::npos) << sales;
  }
  ASSERT_NO_FATAL_FAILURE(Build(project_));  // incremental
  EXPECT_EQ(WarehouseRows("SELECT refunded_amount FROM marts.payments_reconciliation "
                          "WHERE charge_id = '" + refunded[0] + "' AND refunded_amount > 0"),
            std::vector<std::string>{"1.00"});
  {
    const std::string gift_order = gifted[0].substr(0, gifted[0].find('|'));
    const std::string gift_product = gifted[0].substr(gifted[0].find('|') + 1);
    const std::string day = "(SELECT order_date FROM staging.stg_shop__orders WHERE order_id = " +
                            gift_order + ")";
    EXPECT_EQ(WarehouseRows("SELECT count(*) FROM staging.stg_shop__order_items WHERE order_id = " +
                            gift_order + " AND product_id = " + gift_product),
              std::vector<std::string>{"2"});
    EXPECT_EQ(WarehouseRows("SELECT order_count FROM intermediate.int_product_daily_sales "
                            "WHERE product_id = " + gift_product + " AND order_date = " + day),
              WarehouseRows("SELECT count(DISTINCT items.order_id) "
                            "FROM staging.stg_shop__order_items AS items "
                            "JOIN staging.stg_shop__orders AS orders USING (order_id) "
                            "WHERE items.product_id = " + gift_product +
                            " AND orders.status <> 'cancelled' AND orders.order_date = " + day));
  }
  EXPECT_EQ(WarehouseRows("SELECT charge_count, succeeded_charges, failed_charges, charge_id "
                          "FROM marts.payments_reconciliation WHERE order_id = " + retried[0]),
            std::vector<std::string>{"2|1|1|ch_0000_e2e_retry"});
  EXPECT_EQ(WarehouseRows("SELECT charge_count, fees, stripe_net, captured_amount "
                          "FROM marts.payments_reconciliation WHERE order_id = " + adjusted_order),
            fees_before);
  EXPECT_EQ(WarehouseRows("SELECT count(*), min(charge_count), min(fees), min(mismatch_category) "
                          "FROM marts.payments_reconciliation WHERE charge_id = 'ch_e2e_orphan'"),
            std::vector<std::string>{"1|1|0.35|charge_without_order"});
  // It tested a staging view's newly loaded rows only (see below).
  const std::string compiled_test = compiled("unique_stg_shop__orders_order_id.sql");
  EXPECT_NE(compiled_test.find("where _loaded_at > cast('"), std::string::npos) << compiled_test;
  // fact_orders' tests checked the lines it merged.
  fact_test = compiled("core_net_revenue_matches_orders.sql");
  EXPECT_NE(fact_test.find(scoped_marker), std::string::npos) << fact_test;
  EXPECT_NE(fact_test.find(orders_cut), std::string::npos) << fact_test;
  keys_test = compiled("core_fact_keys_point_to_valid_versions.sql");
  EXPECT_NE(keys_test.find(scoped_marker), std::string::npos) << keys_test;
  EXPECT_NE(keys_test.find(versions_cut), std::string::npos) << keys_test;
  ltv_test = compiled("biz_ltv_matches_orders.sql");
  EXPECT_NE(ltv_test.find(ltv_filter), std::string::npos) << ltv_test;
  // fact_orders looked for lines of rewritten customers only from the earliest moment
  // dim_customers says it changed (_changed_from), which the full refresh below checks.
  const std::string fact_model = compiled("fact_orders.sql");
  EXPECT_NE(fact_model.find("and existing.ordered_at >= cast('"), std::string::npos) << fact_model;
  // The incremental build's tests checked the rows it wrote; every row passes them too.
  auto all_rows = RunShoplytics(
      "--json test --project-dir " + ShellQuote(project_) + " --vars '{test_rows: all}'", scratch(),
      env_);
  ASSERT_EQ(all_rows.exit_code, 0) << all_rows.err;
  // Over every order, core_net_revenue_matches_orders compared checksums first: they matched.
  EXPECT_NE(compiled("core_net_revenue_matches_orders.sql").find("-- Checksums that differ: 0"),
            std::string::npos);
  ASSERT_NO_FATAL_FAILURE(ExpectAPaidOrderWithoutChargeFails());
  ASSERT_NO_FATAL_FAILURE(ExpectAVersionWithoutItsCurrentFlagFails());
  ASSERT_NO_FATAL_FAILURE(ExpectABalanceCentOffFails());
  ASSERT_NO_FATAL_FAILURE(ExpectACentMovedBetweenOrdersFails());
  ASSERT_NO_FATAL_FAILURE(ExpectACentMovedBetweenCustomersFails());

  // The full refresh runs in a copy of the whole project, warehouse included; it ranks raw
  // keys again (dedupe_raw), which must change nothing.
  const std::string full = scratch() + "/full_refresh";
  std::error_code ec;
  fs::copy(project_, full, fs::copy_options::recursive, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_NO_FATAL_FAILURE(Build(full, "--full-refresh --vars '{dedupe_raw: true}'"));
  {
    const std::string sales = compiled_in(full, "int_product_daily_sales.sql");
    EXPECT_NE(sales.find(from_fact), std::string::npos) << sales;
  }

  // The incremental build also picked up the new days.
  EXPECT_EQ(WarehouseRows("SELECT count(*) FROM staging.stg_shop__orders"),
            SourceRows("SELECT count(*) FROM shop.orders"));

  // A staging view's tests checked the raw rows loaded since its build before the last
  // (meta.view_builds keeps its two builds): the second extract's rows, some but not all.
  EXPECT_EQ(WarehouseRows("SELECT count(*) FROM meta.view_builds "
                          "WHERE view_name = 'staging.stg_shop__orders'"),
            std::vector<std::string>{"2"});
  const std::vector<std::string> scoped = WarehouseRows(
      "SELECT count(*) > 0 AND count(*) < (SELECT count(*) FROM staging.stg_shop__orders) "
      "FROM staging.stg_shop__orders WHERE _loaded_at > (SELECT min(built_at) FROM "
      "meta.view_builds WHERE view_name = 'staging.stg_shop__orders')");
  EXPECT_EQ(scoped, std::vector<std::string>{"true"});
  ExpectDailyRevenueMatchesTheSource();

  warehouse::DatabaseOptions options;
  options.read_only = true;
  auto db = warehouse::Database::Open(project_ + "/warehouse.duckdb", options);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto conn = warehouse::Connection::Open(*db);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto attached = conn->Query("ATTACH '" + full + "/warehouse.duckdb' AS full_refresh (READ_ONLY)");
  ASSERT_TRUE(attached.ok()) << attached.status().ToString();
  const std::vector<std::string> relations = ComparedRelations(*conn, "warehouse");
  // A staging view per raw table (and the seeds), and a relation per model of
  // models/marts (none is ephemeral), whatever marts the project has.
  int marts = 0;
  for (const auto& entry : fs::recursive_directory_iterator(project_ + "/models/marts", ec)) {
    marts += entry.path().extension() == ".sql" ? 1 : 0;
  }
  EXPECT_GE(std::count_if(relations.begin(), relations.end(),
                          [](const std::string& r) { return r.starts_with("staging."); }),
            13);
  EXPECT_EQ(std::count_if(relations.begin(), relations.end(),
                          [](const std::string& r) { return r.starts_with("marts."); }),
            marts);
  EXPECT_EQ(ComparedRelations(*conn, "full_refresh"), relations);
  for (const std::string& relation : relations) {
    const std::string incremental = "warehouse." + relation;
    const std::string refreshed = "full_refresh." + relation;
    EXPECT_EQ(testing::DuckRows(*conn, "SELECT count(*) FROM " + incremental),
              testing::DuckRows(*conn, "SELECT count(*) FROM " + refreshed))
        << relation;
    // _refreshed_at says when a row was written, and dim_customers' _changed_from,
    // _changed_since and _snapshot_loaded_to what the run that wrote it changed and saw:
    // they differ by design.
    const std::vector<std::string> bookkeeping = testing::DuckRows(
        *conn,
        "SELECT string_agg(column_name, ', ' ORDER BY column_name) FROM "
        "information_schema.columns WHERE table_catalog = 'warehouse' AND table_schema || '.' "
        "|| table_name = '" +
            relation + "' AND column_name IN ('_refreshed_at', '_changed_from', '_changed_since', "
            "'_snapshot_loaded_to')");
    const std::string columns = bookkeeping.empty() || bookkeeping[0].empty() ||
                                        bookkeeping[0] == "NULL"
                                    ? "*"
                                    : "* EXCLUDE (" + bookkeeping[0] + ")";
    for (const auto& [a, b] :
         {std::pair{incremental, refreshed}, std::pair{refreshed, incremental}}) {
      EXPECT_EQ(testing::DuckRows(*conn, "SELECT count(*) FROM (SELECT " + columns + " FROM " + a +
                                             " EXCEPT ALL SELECT " + columns + " FROM " + b + ")"),
                std::vector<std::string>{"0"})
          << "rows of " << a << " missing from " << b;
    }
  }
}

}  // namespace
}  // namespace shoplytics
