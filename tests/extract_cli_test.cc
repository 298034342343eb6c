// End to end: init a project, generate a shop, serve its Stripe side and catalog from the
// sandbox, and `shoplytics extract` all five default sources through the binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "common/files.h"
#include "pg_fixture.h"
#include "sandbox/sandbox.h"
#include "seed/calendar.h"
#include "seed/generator.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"

namespace shoplytics {
namespace {

namespace fs = std::filesystem;
using testing::RunShoplytics;
using testing::ShellQuote;

class ExtractCli : public testing::PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    auto dir = TempDir::Create("extractcli");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    project_ = (dir_->path() / "project").string();
    auto init = RunShoplytics("init " + ShellQuote(project_), dir_->path().string());
    ASSERT_EQ(init.exit_code, 0) << init.err;
    seed::ShopParams p;
    ASSERT_TRUE(seed::ParseDate("2025-01-01", &p.start_day));
    p.months = 2;
    p.orders_per_month = 600;
    p.products = 80;
    p.clickstream_days = 3;
    auto gen = seed::GenerateShop({p, dsn(), project_ + "/data", false}, nullptr);
    ASSERT_TRUE(gen.ok()) << gen.status().ToString();
    sandbox::ServerOptions so;
    so.dsn = dsn();
    so.files_dir = project_ + "/data";
    auto server = sandbox::Server::Start(so);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    sandbox_ = std::move(server).value();
    env_ = "SHOPLYTICS_SOURCE_DSN=" + ShellQuote(dsn()) +
           " STRIPE_API_KEY=sk_test_extract STRIPE_API_BASE=" + sandbox_->url() +
           " CATALOG_API_BASE=" + sandbox_->url();
  }

  testing::CliRun Extract(const std::string& flags = "") {
    return RunShoplytics("--project " + ShellQuote(project_) + " --json extract " + flags,
                         dir_->path().string(), env_);
  }

  int64_t WarehouseCount(const std::string& sql) {
    auto db = warehouse::Database::Open(project_ + "/warehouse.duckdb");
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    auto conn = warehouse::Connection::Open(*db);
    auto r = conn->Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    auto v = r->GetInt64(0, 0);
    return v.ok() ? *v : -1;
  }

  int64_t SourceCount(const std::string& table) {
    auto conn = Connect();
    auto r = conn.Query("SELECT count(*) FROM " + table);
    EXPECT_TRUE(r.ok());
    return *r->GetInt64(0, 0);
  }

  std::unique_ptr<TempDir> dir_;
  std::string project_;
  std::unique_ptr<sandbox::Server> sandbox_;
  std::string env_;
};

TEST_F(ExtractCli, LoadsAllFiveDefaultSourcesThenRunsIncrementallyAndRebuildsFromTheLake) {
  auto first = Extract();
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  auto j = nlohmann::json::parse(first.out);
  EXPECT_EQ(j["status"], "ok") << first.out;
  for (const char* t : {"shop.customers", "shop.orders", "shop.order_items", "shop.products",
                        "shop.inventory", "stripe.charges", "stripe.refunds",
                        "stripe.balance_transactions"}) {
    std::string raw = std::string("raw.") + t;
    raw[raw.find('.', 4)] = '_';
    EXPECT_EQ(WarehouseCount("SELECT count(*) FROM " + raw), SourceCount(t)) << t;
  }
  EXPECT_GT(WarehouseCount("SELECT count(*) FROM raw.catalog_products"), 0);
  EXPECT_GT(WarehouseCount("SELECT count(*) FROM raw.marketing_spend"), 0);
  EXPECT_GT(WarehouseCount("SELECT count(*) FROM raw.clickstream_events"), 0);
  EXPECT_TRUE(fs::exists(project_ + "/lake/shop/orders"));

  // Nothing changed: the incremental run reads little and changes nothing.
  const int64_t orders = WarehouseCount("SELECT count(*) FROM raw.shop_orders");
  auto second = Extract();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(WarehouseCount("SELECT count(*) FROM raw.shop_orders"), orders);
  for (const auto& t : nlohmann::json::parse(second.out)["tables"]) {
    if (t["source"] == "shop" && t["table"] == "orders") {
      EXPECT_LT(t["rows"].get<int64_t>(), orders / 2) << t;
    }
  }

  // The lake alone rebuilds raw.
  auto rebuilt = Extract("--from-lake");
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_GT(nlohmann::json::parse(rebuilt.out)["rebuilt_batches"].get<int64_t>(), 0);
  EXPECT_EQ(WarehouseCount("SELECT count(*) FROM raw.shop_orders"), orders);
  EXPECT_EQ(WarehouseCount("SELECT count(*) FROM raw.stripe_charges"), SourceCount("stripe.charges"));
}

TEST_F(ExtractCli, AnUnknownSourceIsAUsageErrorNamingTheKnownOnes) {
  auto run = Extract("--source nope");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("nope"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("clickstream"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace shoplytics
