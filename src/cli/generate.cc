// shoplytics generate: a deterministic synthetic shop in PostgreSQL and files.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/generate.h"

#include "cli/command.h"
#include "common/progress.h"
#include "common/strings.h"
#include "pg/connection.h"
#include "pg/local_server.h"
#include "seed/calendar.h"
#include "seed/generator.h"

namespace shoplytics::cli {

namespace {

struct GenerateFlags {
  std::string source_dsn;
  std::string out_dir;
  std::string scale = "small";
  uint64_t seed = 42;
  int64_t orders_per_month = 0;
  int months = 0;
  int products = 0;
  int clickstream_days = -1;
  std::string start;
  int advance = 0;
  bool force = false;
};

constexpr const char* kFooter = R"(
Scales (--scale): tiny   600 orders/month x 3 months (tests)
                  small  10K orders/month x 12 months (the demo; the default)
                  medium 100K orders/month x 12 months
                  full   500K orders/month x 24 months (12M orders, ~30M lines)
--orders-per-month, --months and --products override the scale's values.

Where it writes:
  PostgreSQL  schema shop (customers, products, inventory, orders, order_items),
              schema stripe (charges, refunds, disputes, balance_transactions; served by
              'shoplytics sandbox' with Stripe's API semantics) and
              shoplytics_generator.state (what --advance continues). The schemas are
              replaced; a shop schema made by anything else is left alone unless --force.
              Without --source-dsn or SHOPLYTICS_SOURCE_DSN, a private PostgreSQL under
              <project>/.shoplytics/pg is started (or reused) and left running.
  --out DIR   marketing_spend.csv, campaign_performance.csv, products.json (FakeStore's
              shape) and clickstream events-YYYY-MM-DD.jsonl.

Clickstream: about 50 events per order (a 5% session conversion rate), so it covers only
the most recent --clickstream-days days of the period: all 92 days at tiny, 14 at small,
5 at medium, 2 at full (about 1.6M events a day at full scale).

The same --seed and parameters give the same data, byte for byte. --start defaults to
--months before today (UTC): the shop's history ends at today's midnight.

Examples:
  shoplytics generate --scale tiny --out /tmp/shop
  shoplytics generate --source-dsn "host=127.0.0.1 port=5432 dbname=shop" --scale full
  shoplytics generate --advance 3          # three more days: new orders, status changes,
                                           # refunds, customer edits and deletions, prices)";

int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kUnavailable:
    case StatusCode::kPermissionDenied:
    case StatusCode::kNotFound:
      return kExitUsage;
    default:
      return kExitFailed;
  }
}

int Fail(const Status& st) {
  std::fprintf(stderr, "shoplytics generate: %s\n", st.message().c_str());
  return ExitCodeFor(st);
}

Result<seed::ShopParams> ResolveParams(const GenerateFlags& f) {
  seed::ShopParams p;
  const int64_t today = static_cast<int64_t>(std::time(nullptr)) / seed::kSecondsPerDay;
  if (!seed::ParamsForScale(f.scale, today, &p)) {
    return InvalidArgumentError("unknown --scale '" + f.scale +
                                "': choose tiny, small, medium or full");
  }
  p.seed = f.seed;
  if (f.orders_per_month > 0) p.orders_per_month = f.orders_per_month;
  if (f.products > 0) p.products = f.products;
  if (f.clickstream_days >= 0) p.clickstream_days = f.clickstream_days;
  if (f.months > 0) {
    p.months = f.months;
    p.start_day = seed::StartDayEndingAt(today, p.months);
  }
  if (p.months > 120) return InvalidArgumentError("--months must be at most 120");
  if (p.orders_per_month > 5'000'000) {
    return InvalidArgumentError("--orders-per-month must be at most 5000000");
  }
  if (!f.start.empty() && !seed::ParseDate(f.start, &p.start_day)) {
    return InvalidArgumentError("--start '" + f.start + "' is not a date like 2025-01-31");
  }
  return p;
}

// The DSN to write to: the flag or environment, else the project's private server.
Result<std::string> ResolveDsn(const GenerateFlags& f, const GlobalOptions& g,
                               std::unique_ptr<pg::LocalServer>* server) {
  if (!f.source_dsn.empty()) return f.source_dsn;
  pg::LocalServerOptions options;
  options.data_dir = g.project_dir + "/.shoplytics/pg";
  options.keep_running = true;
  Result<std::unique_ptr<pg::LocalServer>> started = pg::LocalServer::Start(options);
  if (!started.ok()) {
    return started.status().WithContext("starting the private PostgreSQL in " +
                                        options.data_dir);
  }
  *server = std::move(started).value();
  return (*server)->dsn();
}

void PrintReport(const seed::GenerateReport& r, const std::string& dsn, const std::string& out,
                 bool json) {
  if (json) {
    nlohmann::json j;
    j["dsn"] = pg::RedactDsn(dsn);
    j["out_dir"] = out;
    j["start"] = seed::FormatDate(r.start_time / seed::kSecondsPerDay);
    j["end"] = seed::FormatDate(r.end_time / seed::kSecondsPerDay);
    for (const auto& t : r.tables) j["tables"][t.table] = {{"rows", t.rows}, {"bytes", t.bytes}};
    j["events"] = r.events;
    j["event_files"] = r.event_files;
    j["marketing_rows"] = r.marketing_rows;
    j["orders_updated"] = r.orders_updated;
    j["customers_updated"] = r.customers_updated;
    j["prices_changed"] = r.prices_changed;
    j["rows"] = r.total_rows();
    j["load_seconds"] = r.load_seconds;
    j["index_seconds"] = r.index_seconds;
    j["seconds"] = r.total_seconds;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("Shop from %s to %s (UTC) in %s\n",
              seed::FormatDate(r.start_time / seed::kSecondsPerDay).c_str(),
              seed::FormatDate(r.end_time / seed::kSecondsPerDay).c_str(),
              pg::RedactDsn(dsn).c_str());
  for (const auto& t : r.tables) {
    std::printf("  %-30s %12s rows\n", t.table.c_str(), HumanCount(t.rows).c_str());
  }
  if (r.orders_updated || r.customers_updated || r.prices_changed) {
    std::printf("  updated: %lld orders, %lld customers, %lld prices\n",
                static_cast<long long>(r.orders_updated),
                static_cast<long long>(r.customers_updated),
                static_cast<long long>(r.prices_changed));
  }
  std::printf("Files in %s: %lld marketing rows, %lld clickstream events in %lld files, "
              "products.json\n",
              out.c_str(), static_cast<long long>(r.marketing_rows),
              static_cast<long long>(r.events), static_cast<long long>(r.event_files));
  std::printf("%s rows in %.1fs (load %.1fs, keys and indexes %.1fs, %s rows/s)\n",
              HumanCount(r.total_rows()).c_str(), r.total_seconds, r.load_seconds,
              r.index_seconds,
              HumanCount(static_cast<int64_t>(r.total_rows() / std::max(r.total_seconds, 1e-3)))
                  .c_str());
  std::printf("Next: 'shoplytics generate --advance 3' moves the shop on three days.\n");
}

int Run(const GenerateFlags& f, const GlobalOptions& g) {
  Result<seed::ShopParams> params = ResolveParams(f);
  if (!params.ok()) return Fail(params.status());
  std::unique_ptr<pg::LocalServer> server;
  Result<std::string> dsn = ResolveDsn(f, g, &server);
  if (!dsn.ok()) return Fail(dsn.status());
  const std::string out = f.out_dir.empty() ? g.project_dir + "/data" : f.out_dir;
  Result<seed::GenerateReport> report =
      f.advance > 0 ? AdvanceWithProgress(*dsn, out, f.advance)
                    : GenerateWithProgress({*params, *dsn, out, f.force});
  if (!report.ok()) return Fail(report.status());
  PrintReport(*report, *dsn, out, g.json);
  return kExitOk;
}

}  // namespace

Result<seed::GenerateReport> GenerateWithProgress(const seed::GenerateOptions& options) {
  ProgressOptions po;
  po.label = "generate";
  po.unit = "days";
  ProgressBar bar(po);
  Result<seed::GenerateReport> report =
      seed::GenerateShop(options, [&](int64_t done, int64_t total, int64_t) {
        bar.SetTotal(total);
        bar.Add(done - bar.done());
      });
  bar.Finish();
  return report;
}

Result<seed::GenerateReport> AdvanceWithProgress(const std::string& dsn,
                                                 const std::string& out_dir, int days) {
  ProgressOptions po;
  po.label = "advance";
  po.unit = "tables";
  ProgressBar bar(po);
  Result<seed::GenerateReport> report =
      seed::AdvanceShop(dsn, out_dir, days, [&](int64_t done, int64_t total, int64_t) {
        bar.SetTotal(total);
        bar.Add(done - bar.done());
      });
  bar.Finish();
  return report;
}

void RegisterGenerate(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<GenerateFlags>();
  CLI::App* sub = app.add_subcommand(
      "generate",
      "Generate a synthetic shop's source data: PostgreSQL OLTP tables, Stripe objects, "
      "marketing CSVs, clickstream JSONL and a catalog, deterministic for a --seed");
  sub->footer(kFooter);
  sub->add_option("--source-dsn", flags->source_dsn, "PostgreSQL DSN to write the shop into")
      ->envname("SHOPLYTICS_SOURCE_DSN");
  sub->add_option("--out", flags->out_dir, "Folder for the file sources (default: <project>/data)")
      ->envname("SHOPLYTICS_FILES");
  sub->add_option("--scale", flags->scale, "tiny, small, medium or full")
      ->check(CLI::IsMember({"tiny", "small", "medium", "full"}));
  sub->add_option("--seed", flags->seed, "Random seed (same seed, same data)");
  sub->add_option("--orders-per-month", flags->orders_per_month, "Average orders per month")
      ->check(CLI::PositiveNumber);
  sub->add_option("--months", flags->months, "Months of history")->check(CLI::PositiveNumber);
  sub->add_option("--products", flags->products, "Products in the catalog")
      ->check(CLI::PositiveNumber);
  sub->add_option("--start", flags->start, "First day of orders, YYYY-MM-DD (UTC)");
  sub->add_option("--clickstream-days", flags->clickstream_days,
                  "Days of clickstream, counted back from the end")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--advance", flags->advance,
                  "Continue the existing shop by DAYS days instead of generating anew")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--force", flags->force, "Replace a shop schema that generate did not make");
  sub->callback([flags, &ctx] { ctx.exit_code = Run(*flags, ctx.globals); });
}

}  // namespace shoplytics::cli
