// The Stripe and catalog connectors against the sandbox serving a generated shop.
#include "sources/stripe_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "config/project_config.h"
#include "sandbox_fixture.h"
#include "sources/catalog_source.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"

namespace shoplytics {
namespace {

using sources::ApiClientOptions;
using sources::ExtractContext;
using sources::TableReport;
using std::chrono::milliseconds;

// Records the waits and sleeps a fraction of each, so retries after Retry-After: 1 still
// reach the next rate-limit window without the test waiting whole seconds.
class ScaledSleeper : public sources::Sleeper {
 public:
  explicit ScaledSleeper(int divisor) : divisor_(divisor) {}
  void Sleep(milliseconds delay) override {
    ++sleeps;
    if (divisor_ > 0) std::this_thread::sleep_for(delay / divisor_);
  }
  int sleeps = 0;

 private:
  int divisor_;
};

const char* const kObjects[] = {"charges", "refunds", "disputes", "balance_transactions"};

class StripeSourceTest : public testing::SandboxShopTest {
 protected:
  void SetUp() override {
    SandboxShopTest::SetUp();
    if (HasFatalFailure()) return;
    auto db = warehouse::Database::OpenInMemory();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto conn = warehouse::Connection::Open(db_);
    ASSERT_TRUE(conn.ok());
    conn_ = std::move(conn).value();
  }

  void TearDown() override {
    conn_ = warehouse::Connection();
    SandboxShopTest::TearDown();
  }

  SourceConfig Config(const std::string& yaml, const std::string& key = "sk_test_local") {
    std::string base = sandbox_ ? sandbox_->url() : "http://127.0.0.1:1";
    EnvLookup env = [key, base](std::string_view name) -> std::optional<std::string> {
      if (name == "STRIPE_API_KEY") return key;
      if (name == "STRIPE_API_BASE" || name == "CATALOG_API_BASE") return base;
      return std::nullopt;
    };
    auto config = ParseProjectConfig("sources:\n" + yaml, dir_->path(), "shoplytics.yml", env);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    config_ = std::move(config).value();
    return config_.sources.at(0);
  }

  SourceConfig Stripe(const std::string& extra = "", const std::string& key = "sk_test_local") {
    return Config(
        "  stripe:\n    type: stripe\n    api_key: ${STRIPE_API_KEY}\n"
        "    base_url: ${STRIPE_API_BASE:-https://api.stripe.com}\n" +
            extra,
        key);
  }

  ExtractContext Context() {
    ExtractContext ctx;
    ctx.db = &db_;
    ctx.project_dir = dir_->path();
    ctx.lake_dir = dir_->path() / "lake";
    return ctx;
  }

  ApiClientOptions Api(sources::Sleeper* sleeper, int max_attempts = 8) {
    ApiClientOptions api;
    api.retry.sleeper = sleeper;
    api.retry.policy.max_attempts = max_attempts;
    api.retry.policy.base_delay = milliseconds(10);
    api.retry.policy.max_delay = milliseconds(1000);
    api.timeout = std::chrono::seconds(10);
    return api;
  }

  std::vector<TableReport> Pull(const SourceConfig& config, sources::Sleeper* sleeper,
                                int max_attempts = 8) {
    auto reports = sources::ExtractStripe(config, Context(), Api(sleeper, max_attempts));
    EXPECT_TRUE(reports.ok()) << reports.status().ToString();
    if (!reports.ok()) return {};
    for (const TableReport& r : *reports) {
      EXPECT_TRUE(r.error.ok()) << r.ref.Display() << ": " << r.error.ToString();
    }
    return *reports;
  }

  int64_t DuckInt(const std::string& sql) {
    auto r = conn_.Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok()) return -1;
    auto v = r->GetInt64(0, 0);
    EXPECT_TRUE(v.ok()) << sql;
    return v.ok() ? *v : -1;
  }

  std::set<std::string> DuckStrings(const std::string& sql) {
    auto r = conn_.Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    std::set<std::string> out;
    if (!r.ok()) return out;
    for (uint64_t i = 0; i < r->row_count(); ++i) out.insert(*r->GetString(0, i));
    return out;
  }

  // raw.stripe_<object> holds each source object once, and no other.
  void ExpectRawEqualsSource(const std::string& object) {
    SCOPED_TRACE(object);
    const std::string raw = "raw.stripe_" + object;
    EXPECT_EQ(DuckInt("SELECT count(*) FROM " + raw),
              DuckInt("SELECT count(DISTINCT id) FROM " + raw));
    EXPECT_EQ(DuckStrings("SELECT id FROM " + raw), PgStrings("SELECT id FROM stripe." + object));
  }

  warehouse::Database db_;
  warehouse::Connection conn_;
  ProjectConfig config_;
};

TEST_F(StripeSourceTest, FullPullEqualsTheStripeTables) {
  StartSandbox();
  ScaledSleeper sleeper(0);
  std::vector<TableReport> reports = Pull(Stripe(), &sleeper);
  ASSERT_EQ(reports.size(), 4u);
  for (const TableReport& r : reports) {
    ExpectRawEqualsSource(r.ref.table);
    EXPECT_EQ(r.rows, PgCount("SELECT count(*) FROM stripe." + r.ref.table));
    EXPECT_EQ(r.inserted, r.rows);
    EXPECT_GT(r.bytes, 0);
  }
  // Flattened values match the source.
  EXPECT_EQ(DuckInt("SELECT sum(amount) FROM raw.stripe_charges"),
            PgCount("SELECT sum(amount) FROM stripe.charges"));
  EXPECT_EQ(DuckInt("SELECT sum(order_id) FROM raw.stripe_charges"),
            PgCount("SELECT sum(order_id) FROM stripe.charges"));
  EXPECT_EQ(DuckInt("SELECT count(*) FROM raw.stripe_charges WHERE refunded"),
            PgCount("SELECT count(*) FROM stripe.charges WHERE refunded"));
  EXPECT_EQ(DuckInt("SELECT sum(fee) FROM raw.stripe_balance_transactions"),
            PgCount("SELECT sum(fee) FROM stripe.balance_transactions"));
  EXPECT_EQ(DuckInt("SELECT sum(net) FROM raw.stripe_balance_transactions"),
            PgCount("SELECT sum(net) FROM stripe.balance_transactions"));
  EXPECT_EQ(DuckInt("SELECT count(*) FROM raw.stripe_refunds r WHERE charge IS NULL"), 0);
  EXPECT_EQ(DuckInt("SELECT count(*) FROM raw.stripe_charges WHERE created <> "
                    "to_timestamp(created_epoch) OR json_extract_string(raw_json, '$.id') <> id"),
            0);
  // The cursor is the newest object's `created`.
  EXPECT_EQ(DuckInt("SELECT cursor_value::BIGINT FROM meta.cursors WHERE source = 'stripe' AND "
                    "\"table\" = 'charges'"),
            PgCount("SELECT max(created) FROM stripe.charges"));
  EXPECT_TRUE(std::filesystem::exists(dir_->path() / "lake" / "stripe" / "charges"));
}

TEST_F(StripeSourceTest, SecondPullAfterAdvanceBringsNewAndChangedObjects) {
  StartSandbox();
  ScaledSleeper sleeper(0);
  // A lookback that covers the whole shop: every changed object is re-read.
  SourceConfig config = Stripe("    lookback: 90d\n");
  Pull(config, &sleeper);
  auto advanced = seed::AdvanceShop(dsn(), files_dir(), 3, nullptr);
  ASSERT_TRUE(advanced.ok()) << advanced.status().ToString();
  ASSERT_GT(PgCount("SELECT count(*) FROM stripe.charges"),
            DuckInt("SELECT count(*) FROM raw.stripe_charges"));
  std::vector<TableReport> second = Pull(config, &sleeper);
  for (const char* object : kObjects) ExpectRawEqualsSource(object);
  const char* charge_state =
      "SELECT id || '|' || amount_refunded || '|' || refunded || '|' || disputed FROM ";
  EXPECT_EQ(DuckStrings(std::string(charge_state) + "raw.stripe_charges"),
            PgStrings(std::string(charge_state) + "stripe.charges"));
  EXPECT_EQ(DuckStrings("SELECT id || '|' || status FROM raw.stripe_disputes"),
            PgStrings("SELECT id || '|' || status FROM stripe.disputes"));
}

TEST_F(StripeSourceTest, IncrementalPullReadsOnlyTheLookbackWindow) {
  StartSandbox();
  ScaledSleeper sleeper(0);
  SourceConfig config = Stripe("    lookback: 1d\n");
  Pull(config, &sleeper);
  ASSERT_TRUE(seed::AdvanceShop(dsn(), files_dir(), 2, nullptr).ok());
  std::vector<TableReport> second = Pull(config, &sleeper);
  ASSERT_EQ(second.size(), 4u);
  EXPECT_LT(second[0].rows, PgCount("SELECT count(*) FROM stripe.charges") / 4);
  EXPECT_GT(second[0].inserted, 0);
  // Objects created since the last pull all arrive, once.
  for (const char* object : kObjects) ExpectRawEqualsSource(object);
}

TEST_F(StripeSourceTest, RateLimitStormStillGivesACompletePull) {
  sandbox::ServerOptions options;
  options.rate_limit = 5;
  StartSandbox(options);
  ScaledSleeper sleeper(5);  // Retry-After: 1 waits 200 ms
  // Small pages and one commit per object: the pages of an object come in a burst, well
  // above 5/s however slow the machine.
  Pull(Stripe("    page_size: 25\n    pages_per_batch: 100\n"), &sleeper, /*max_attempts=*/40);
  for (const char* object : kObjects) ExpectRawEqualsSource(object);
  EXPECT_GT(sandbox_->stats().rate_limited, 0);
  EXPECT_GT(sleeper.sleeps, 0);
}

TEST_F(StripeSourceTest, TwentyPercentFailuresStillGiveACompletePull) {
  sandbox::ServerOptions options;
  options.fail_rate = 0.2;
  StartSandbox(options);
  ScaledSleeper sleeper(0);
  Pull(Stripe("    page_size: 20\n    pages_per_batch: 3\n"), &sleeper, /*max_attempts=*/20);
  for (const char* object : kObjects) ExpectRawEqualsSource(object);
  const sandbox::ServerStats stats = sandbox_->stats();
  EXPECT_GT(stats.failed, 0);
  EXPECT_GT(stats.dropped, 0);
}

// A pull cut short keeps the old cursor, so the rerun reads what the first one missed.
TEST_F(StripeSourceTest, InterruptedPullIsCompletedByTheRerun) {
  sandbox::ServerOptions options;
  options.fail_rate = 0.3;
  StartSandbox(options);
  ScaledSleeper sleeper(0);
  SourceConfig config = Stripe("    page_size: 20\n    pages_per_batch: 1\n");
  auto first = sources::ExtractStripe(config, Context(), Api(&sleeper, /*max_attempts=*/1));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  int failed = 0;
  for (const TableReport& r : *first) {
    if (r.error.ok()) continue;
    ++failed;
    EXPECT_TRUE(r.error.IsRetryable()) << r.error.ToString();
    EXPECT_NE(r.error.message().find("source stripe, " + r.ref.table), std::string::npos)
        << r.error.message();
    EXPECT_EQ(
        DuckInt("SELECT count(*) FROM meta.cursors WHERE source = 'stripe' AND \"table\" = '" +
                r.ref.table + "'"),
        0);
  }
  ASSERT_GT(failed, 0);
  StartSandbox();  // on a new port
  Pull(Stripe("    page_size: 20\n    pages_per_batch: 1\n"), &sleeper);
  for (const char* object : kObjects) ExpectRawEqualsSource(object);
}

TEST_F(StripeSourceTest, WrongKeyIsAClearError) {
  sandbox::ServerOptions options;
  options.api_key = "sk_test_right_key";
  StartSandbox(options);
  ScaledSleeper sleeper(0);
  auto reports = sources::ExtractStripe(Stripe("", "sk_test_wrong_key"), Context(), Api(&sleeper));
  ASSERT_FALSE(reports.ok());
  EXPECT_EQ(reports.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(reports.status().message().find("HTTP 401"), std::string::npos)
      << reports.status().message();
  EXPECT_NE(reports.status().message().find("Invalid API Key"), std::string::npos);
  EXPECT_NE(reports.status().message().find("source stripe"), std::string::npos);
  EXPECT_EQ(reports.status().message().find("sk_test_wrong_key"), std::string::npos);
  EXPECT_EQ(sleeper.sleeps, 0);
}

TEST_F(StripeSourceTest, ConfigErrorsNameTheLineAndKey) {
  auto r = sources::ExtractStripe(Stripe("    objects: [charges, payouts]\n"), Context());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("shoplytics.yml:6: sources.stripe.objects"),
            std::string::npos)
      << r.status().message();
  auto bad = sources::ExtractStripe(Stripe("    lookback: soon\n"), Context());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("lookback"), std::string::npos);
}

TEST(StripeDuration, ParsesDaysHoursMinutesSeconds) {
  EXPECT_EQ(*sources::ParseDurationSeconds("3d"), 3 * 86400);
  EXPECT_EQ(*sources::ParseDurationSeconds("12h"), 12 * 3600);
  EXPECT_EQ(*sources::ParseDurationSeconds("30m"), 1800);
  EXPECT_EQ(*sources::ParseDurationSeconds("45s"), 45);
  EXPECT_EQ(*sources::ParseDurationSeconds("60"), 60);
  EXPECT_FALSE(sources::ParseDurationSeconds("3w").ok());
  EXPECT_FALSE(sources::ParseDurationSeconds("-1d").ok());
  EXPECT_FALSE(sources::ParseDurationSeconds("").ok());
}

TEST_F(StripeSourceTest, CatalogPullLoadsProductsWithRetries) {
  sandbox::ServerOptions options;
  options.fail_rate = 0.5;
  StartSandbox(options);
  ScaledSleeper sleeper(0);
  SourceConfig config = Config(
      "  catalog:\n    type: http_json\n    base_url: ${CATALOG_API_BASE}\n"
      "    path: /products\n    table: products\n    primary_key: id\n");
  for (int run = 0; run < 2; ++run) {
    auto reports = sources::ExtractHttpJson(config, Context(), Api(&sleeper, 30));
    ASSERT_TRUE(reports.ok()) << reports.status().ToString();
    ASSERT_EQ(reports->size(), 1u);
    const TableReport& r = reports->at(0);
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    EXPECT_EQ(r.rows, 30);
    EXPECT_EQ(r.inserted, run == 0 ? 30 : 0);
  }
  EXPECT_EQ(DuckInt("SELECT count(*) FROM raw.catalog_products"), 30);
  auto text = ReadFile(std::filesystem::path(files_dir()) / "products.json");
  ASSERT_TRUE(text.ok());
  int64_t cents = 0;
  for (const auto& p : nlohmann::json::parse(*text)) {
    cents += std::llround(p["price"].get<double>() * 100);
  }
  EXPECT_EQ(DuckInt("SELECT CAST(sum(price) * 100 AS BIGINT) FROM raw.catalog_products"), cents);
  EXPECT_EQ(DuckInt("SELECT count(*) FROM raw.catalog_products WHERE title IS NULL OR "
                    "rating_count IS NULL OR raw_json IS NULL"),
            0);
}

}  // namespace
}  // namespace shoplytics
