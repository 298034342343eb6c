// Integration tests of the synthetic shop generator against the private PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/files.h"
#include "common/hash.h"
#include "pg_fixture.h"
#include "seed/calendar.h"
#include "seed/generator.h"
#include "seed/schema.h"

namespace shoplytics {
namespace {

namespace fs = std::filesystem;
using testing::PostgresTest;

seed::ShopParams TinyParams(const char* start = "2024-10-01") {
  seed::ShopParams p;
  p.seed = 7;
  EXPECT_TRUE(seed::ParseDate(start, &p.start_day));
  p.months = 3;
  p.orders_per_month = 900;
  p.products = 150;
  p.clickstream_days = 4;
  return p;
}

class GeneratorTest : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    auto dir = TempDir::Create("gen");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
  }

  seed::GenerateReport Generate(const seed::ShopParams& p, const std::string& dsn,
                                const std::string& out) {
    auto report = seed::GenerateShop({p, dsn, out, false}, nullptr);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : seed::GenerateReport{};
  }

  // Content checksum of every source table, ordered by key.
  std::map<std::string, std::string> TableChecksums(const std::string& dsn) {
    auto conn = pg::Connection::Open(dsn);
    EXPECT_TRUE(conn.ok());
    std::map<std::string, std::string> sums;
    for (const seed::TableDef& t : seed::SourceTables()) {
      auto r = conn->Query(std::string("SELECT md5(string_agg(t::text, '|' ORDER BY ") + t.key +
                           ")) FROM " + t.name + " t");
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      sums[t.name] = std::string(r->Get(0, 0));
    }
    return sums;
  }

  std::map<std::string, std::string> FileChecksums(const std::string& dir) {
    std::map<std::string, std::string> sums;
    for (const auto& e : fs::directory_iterator(dir)) {
      auto data = ReadFile(e.path().string());
      EXPECT_TRUE(data.ok());
      sums[e.path().filename().string()] = HashToHex(Hash64(*data));
    }
    return sums;
  }

  int64_t Scalar(pg::Connection& conn, const std::string& sql) {
    auto r = conn.Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok()) return -1;
    auto v = r->GetInt64(0, 0);
    EXPECT_TRUE(v.ok()) << sql;
    return v.ok() ? *v : -1;
  }

  std::string out(const std::string& name) {
    const std::string d = dir_->path().string() + "/" + name;
    fs::create_directories(d);
    return d;
  }

  std::unique_ptr<TempDir> dir_;
};

TEST_F(GeneratorTest, SameSeedGivesIdenticalDataAndAnotherSeedDoesNot) {
  auto other_db = server().CreateDatabase(testing::UniqueDatabaseName());
  ASSERT_TRUE(other_db.ok()) << other_db.status().ToString();
  const seed::ShopParams p = TinyParams();
  Generate(p, dsn(), out("a"));
  Generate(p, *other_db, out("b"));
  const auto a = TableChecksums(dsn());
  EXPECT_EQ(a, TableChecksums(*other_db));
  EXPECT_EQ(FileChecksums(out("a")), FileChecksums(out("b")));

  seed::ShopParams q = p;
  q.seed = 8;
  Generate(q, *other_db, out("b"));
  const auto c = TableChecksums(*other_db);
  EXPECT_NE(a.at("shop.orders"), c.at("shop.orders"));
  EXPECT_NE(a.at("stripe.charges"), c.at("stripe.charges"));
  EXPECT_NE(FileChecksums(out("a")), FileChecksums(out("b")));
}

TEST_F(GeneratorTest, KeepsReferentialIntegrityAcrossShopStripeAndFiles) {
  const auto report = Generate(TinyParams(), dsn(), out("f"));
  auto conn = Connect();
  // Declared keys: every table has its primary key, and the OLTP tables their foreign keys.
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON "
                         "n.oid = c.connamespace WHERE contype = 'p' AND nspname IN "
                         "('shop', 'stripe')"),
            9);
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON "
                         "n.oid = c.connamespace WHERE contype = 'f' AND nspname = 'shop'"),
            4);
  // Stripe's side matches the orders.
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM stripe.charges c LEFT JOIN shop.orders o "
                         "USING (order_id) WHERE o.order_id IS NULL OR c.amount <> o.total_cents"),
            0);
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM stripe.refunds r LEFT JOIN stripe.charges c "
                         "ON c.id = r.charge WHERE c.id IS NULL OR r.amount > c.amount"),
            0);
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM stripe.balance_transactions b WHERE NOT EXISTS "
                         "(SELECT 1 FROM stripe.charges WHERE id = b.source) AND NOT EXISTS "
                         "(SELECT 1 FROM stripe.refunds WHERE id = b.source) AND NOT EXISTS "
                         "(SELECT 1 FROM stripe.disputes WHERE id = b.source)"),
            0);
  // Every paid order has exactly one successful charge; returned orders have a refund.
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM shop.orders o WHERE paid_at IS NOT NULL AND "
                         "(SELECT count(*) FROM stripe.charges c WHERE c.order_id = o.order_id "
                         "AND c.status = 'succeeded') <> 1"),
            0);
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM shop.orders o WHERE status = 'returned' AND NOT "
                         "EXISTS (SELECT 1 FROM stripe.refunds r WHERE r.order_id = o.order_id)"),
            0);
  // Order totals add up from their lines.
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM shop.orders o WHERE subtotal_cents <> (SELECT "
                         "sum(quantity * unit_price_cents) FROM shop.order_items i WHERE "
                         "i.order_id = o.order_id) OR total_cents <> subtotal_cents - "
                         "discount_cents + shipping_cents + tax_cents"),
            0);
  // Orders are placed by customers who had signed up.
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM shop.orders o JOIN shop.customers c USING "
                         "(customer_id) WHERE c.created_at > o.created_at"),
            0);

  // Purchases in the clickstream are real orders, with their totals.
  int64_t purchases = 0;
  for (const auto& e : fs::directory_iterator(out("f"))) {
    if (e.path().extension() != ".jsonl") continue;
    auto data = ReadFile(e.path().string());
    ASSERT_TRUE(data.ok());
    size_t pos = 0;
    while ((pos = data->find("\"order_id\":", pos)) != std::string::npos) {
      pos += 11;
      const int64_t id = std::stoll(data->substr(pos, 20));
      const size_t rev = data->find("\"revenue_cents\":", pos) + 16;
      const int64_t revenue = std::stoll(data->substr(rev, 20));
      EXPECT_EQ(Scalar(conn, "SELECT total_cents FROM shop.orders WHERE order_id = " +
                                 std::to_string(id)),
                revenue);
      if (++purchases > 50) break;
    }
  }
  EXPECT_GT(purchases, 0);
  EXPECT_GT(report.events, 0);

  // Campaign conversions in the marketing file equal the orders tagged with the campaign.
  auto perf = ReadFile(out("f") + "/campaign_performance.csv");
  ASSERT_TRUE(perf.ok());
  int64_t conversions = 0;
  size_t line_start = perf->find('\n') + 1;
  while (line_start < perf->size()) {
    const size_t end = perf->find('\n', line_start);
    const std::string line = perf->substr(line_start, end - line_start);
    std::vector<std::string> cols;
    size_t p = 0, q;
    while ((q = line.find(',', p)) != std::string::npos) {
      cols.push_back(line.substr(p, q - p));
      p = q + 1;
    }
    conversions += std::stoll(cols.at(6));
    line_start = end + 1;
  }
  EXPECT_EQ(conversions, Scalar(conn, "SELECT count(*) FROM shop.orders WHERE utm_campaign IS "
                                      "NOT NULL"));
}

TEST_F(GeneratorTest, HasARealisticStatusMixAndLinesPerOrder) {
  Generate(TinyParams(), dsn(), out("s"));
  auto conn = Connect();
  const double orders = Scalar(conn, "SELECT count(*) FROM shop.orders");
  auto share = [&](const char* status) {
    return Scalar(conn, std::string("SELECT count(*) FROM shop.orders WHERE status = '") +
                            status + "'") /
           orders;
  };
  EXPECT_GT(share("delivered"), 0.7);
  EXPECT_GT(share("cancelled"), 0.02);
  EXPECT_LT(share("cancelled"), 0.10);
  EXPECT_GT(share("returned"), 0.02);
  EXPECT_LT(share("returned"), 0.12);
  // Orders of the last days are still on their way.
  EXPECT_GT(share("shipped") + share("paid") + share("placed"), 0.0);
  const double lines = Scalar(conn, "SELECT count(*) FROM shop.order_items") / orders;
  EXPECT_GT(lines, 2.2);
  EXPECT_LT(lines, 2.8);
  // updated_at is the last change, never before creation.
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM shop.orders WHERE updated_at < created_at OR "
                         "updated_at < coalesce(delivered_at, created_at)"),
            0);
  // A Pareto spread: the top fifth of buyers place more than half of the orders.
  EXPECT_GT(Scalar(conn, "WITH c AS (SELECT customer_id, count(*) n FROM shop.orders GROUP BY 1), "
                         "r AS (SELECT n, ntile(5) OVER (ORDER BY n DESC) q FROM c) "
                         "SELECT (100 * sum(n) FILTER (WHERE q = 1) / sum(n))::bigint FROM r"),
            50);
  // Soft-deleted customers exist; some customers changed email.
  EXPECT_GT(Scalar(conn, "SELECT count(*) FROM shop.customers WHERE deleted_at IS NOT NULL"), 0);
  EXPECT_GT(Scalar(conn, "SELECT count(*) FROM shop.customers WHERE email LIKE '%.new@%'"), 0);
}

TEST_F(GeneratorTest, OrdersShowWeeklyAndHolidaySeasonality) {
  Generate(TinyParams("2024-09-01"), dsn(), out("w"));
  auto conn = Connect();
  // Black Friday 2024 (Nov 29) beats every ordinary day of September.
  const int64_t black_friday = Scalar(
      conn, "SELECT count(*) FROM shop.orders WHERE created_at::date = '2024-11-29'");
  const int64_t best_september = Scalar(
      conn, "SELECT max(n) FROM (SELECT count(*) n FROM shop.orders WHERE created_at < "
            "'2024-10-01' GROUP BY created_at::date) d");
  EXPECT_GT(black_friday, 2 * best_september / 1);
  // November's weeks outsell September's.
  EXPECT_GT(Scalar(conn, "SELECT count(*) FROM shop.orders WHERE created_at >= '2024-11-04' AND "
                         "created_at < '2024-11-18'"),
            Scalar(conn, "SELECT count(*) FROM shop.orders WHERE created_at >= '2024-09-09' AND "
                         "created_at < '2024-09-23'"));
  // Sundays outsell Saturdays.
  EXPECT_GT(Scalar(conn, "SELECT count(*) FROM shop.orders WHERE extract(isodow FROM created_at) = 7"),
            Scalar(conn, "SELECT count(*) FROM shop.orders WHERE extract(isodow FROM created_at) = 6"));
}

TEST_F(GeneratorTest, AdvanceChangesWhatItShould) {
  seed::ShopParams p = TinyParams("2024-03-01");
  p.orders_per_month = 4000;
  p.months = 2;
  p.products = 400;
  const auto first = Generate(p, dsn(), out("a"));
  auto conn = Connect();
  const std::string old_end = "to_timestamp(" + std::to_string(first.end_time) + ")";
  const int64_t orders_before = Scalar(conn, "SELECT count(*) FROM shop.orders");
  const int64_t max_id_before = Scalar(conn, "SELECT max(order_id) FROM shop.orders");
  const int64_t refunds_before = Scalar(conn, "SELECT count(*) FROM stripe.refunds");
  const int64_t in_flight = Scalar(conn, "SELECT count(*) FROM shop.orders WHERE status IN "
                                         "('placed', 'paid', 'shipped')");
  ASSERT_GT(in_flight, 0);

  auto advanced = seed::AdvanceShop(dsn(), out("a"), 7, nullptr);
  ASSERT_TRUE(advanced.ok()) << advanced.status().ToString();
  EXPECT_EQ(advanced->end_time, first.end_time + 7 * seed::kSecondsPerDay);

  // New orders, all after the old end, with contiguous ids.
  const int64_t orders_after = Scalar(conn, "SELECT count(*) FROM shop.orders");
  EXPECT_GT(orders_after, orders_before);
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM shop.orders WHERE order_id > " +
                             std::to_string(max_id_before) + " AND created_at < " + old_end),
            0);
  EXPECT_EQ(Scalar(conn, "SELECT max(order_id) FROM shop.orders"), orders_after);
  // Old orders moved on: their status changed and updated_at is after the old end.
  EXPECT_GT(Scalar(conn, "SELECT count(*) FROM shop.orders WHERE created_at < " + old_end +
                             " AND updated_at > " + old_end),
            0);
  EXPECT_GT(advanced->orders_updated, 0);
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM shop.orders WHERE created_at < " + old_end +
                             " AND status IN ('placed', 'paid')"),
            0);
  // New refunds, and the charges they refund say so.
  EXPECT_GT(Scalar(conn, "SELECT count(*) FROM stripe.refunds"), refunds_before);
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM stripe.refunds r JOIN stripe.charges c ON c.id = "
                         "r.charge WHERE c.amount_refunded <> r.amount"),
            0);
  // Customer edits and deletions, and price changes.
  EXPECT_GT(Scalar(conn, "SELECT count(*) FROM shop.customers WHERE created_at < " + old_end +
                             " AND updated_at > " + old_end),
            0);
  EXPECT_GT(advanced->customers_updated, 0);
  EXPECT_GT(Scalar(conn, "SELECT count(*) FROM shop.products WHERE updated_at > " + old_end), 0);
  // Balances due by the new end are available.
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM stripe.balance_transactions WHERE status = "
                         "'pending' AND available_on <= " +
                             std::to_string(advanced->end_time)),
            0);
  // The files gained the new days.
  EXPECT_TRUE(fs::exists(out("a") + "/events-" +
                         seed::FormatDate(advanced->end_time / seed::kSecondsPerDay - 1) +
                         ".jsonl"));
  auto spend = ReadFile(out("a") + "/marketing_spend.csv");
  ASSERT_TRUE(spend.ok());
  EXPECT_NE(spend->find(seed::FormatDate(advanced->end_time / seed::kSecondsPerDay - 1)),
            std::string::npos);
}

TEST_F(GeneratorTest, AdvanceWithoutAGeneratedShopSaysWhatToRun) {
  auto advanced = seed::AdvanceShop(dsn(), out("x"), 1, nullptr);
  ASSERT_FALSE(advanced.ok());
  EXPECT_EQ(advanced.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(advanced.status().message().find("shoplytics generate"), std::string::npos);
}

TEST_F(GeneratorTest, RefusesToReplaceAShopSchemaItDidNotMake) {
  auto conn = Connect();
  ASSERT_TRUE(conn.Execute("CREATE SCHEMA shop; CREATE TABLE shop.orders (id int)").ok());
  auto report = seed::GenerateShop({TinyParams(), dsn(), out("r"), false}, nullptr);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("--force"), std::string::npos);
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM shop.orders"), 0);  // untouched
  EXPECT_TRUE(seed::GenerateShop({TinyParams(), dsn(), out("r"), true}, nullptr).ok());
}

}  // namespace
}  // namespace shoplytics
