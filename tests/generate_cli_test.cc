// End-to-end tests of `shoplytics generate` and `shoplytics demo` through the binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "common/files.h"
#include "pg_fixture.h"

namespace shoplytics {
namespace {

namespace fs = std::filesystem;
using testing::RunShoplytics;
using testing::ShellQuote;

class GenerateCli : public testing::PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    auto dir = TempDir::Create("gencli");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
  }
  std::string dir() const { return dir_->path().string(); }
  std::unique_ptr<TempDir> dir_;
};

int CountLines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

TEST_F(GenerateCli, GeneratesATinyShopAndReportsItAsJson) {
  auto run = RunShoplytics("--json generate --scale tiny --start 2025-01-01 --source-dsn " +
                               ShellQuote(dsn()) + " --out " + ShellQuote(dir() + "/files"),
                           dir());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["start"], "2025-01-01");
  EXPECT_EQ(j["end"], "2025-04-01");
  EXPECT_GT(j["tables"]["shop.orders"]["rows"].get<int64_t>(), 1000);
  EXPECT_GT(j["events"].get<int64_t>(), 0);
  EXPECT_TRUE(fs::exists(dir() + "/files/products.json"));
  EXPECT_TRUE(fs::exists(dir() + "/files/marketing_spend.csv"));
  EXPECT_TRUE(fs::exists(dir() + "/files/events-2025-03-31.jsonl"));

  auto advanced = RunShoplytics("--json generate --advance 2 --source-dsn " + ShellQuote(dsn()) +
                                    " --out " + ShellQuote(dir() + "/files"),
                                dir());
  ASSERT_EQ(advanced.exit_code, 0) << advanced.err;
  EXPECT_EQ(nlohmann::json::parse(advanced.out)["end"], "2025-04-03");
}

TEST_F(GenerateCli, BadArgumentsAreOneClearLineAndExit2) {
  struct Case {
    std::string args;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"generate --scale huge", "--scale"},
      {"generate --start 2025-02-30 --source-dsn " + ShellQuote(dsn()), "2025-02-30"},
      {"generate --months 0", "--months"},
      {"generate --months 500 --source-dsn " + ShellQuote(dsn()), "--months must be at most 120"},
      {"generate --source-dsn 'host=127.0.0.1 port=1 user=x password=hunter2 connect_timeout=2'",
       "127.0.0.1"},
      {"generate --advance 3 --source-dsn " + ShellQuote(dsn()), "shoplytics generate"},
  };
  for (const Case& c : cases) {
    auto run = RunShoplytics(c.args + " --out " + ShellQuote(dir() + "/f"), dir());
    EXPECT_EQ(run.exit_code, 2) << c.args << "\n" << run.err;
    EXPECT_NE(run.err.find(c.expected), std::string::npos) << c.args << "\n" << run.err;
    EXPECT_LE(CountLines(run.err), 2) << c.args << "\n" << run.err;  // one line (+ usage hint)
    EXPECT_EQ(run.err.find("hunter2"), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "") << c.args;
  }
}

TEST_F(GenerateCli, HelpExplainsScalesAndClickstreamLimits) {
  auto run = RunShoplytics("generate --help", dir());
  EXPECT_EQ(run.exit_code, 0);
  for (const char* text : {"--scale", "full", "500K", "--clickstream-days", "--advance", "--seed",
                           "--orders-per-month", "--months", "--start"}) {
    EXPECT_NE(run.out.find(text), std::string::npos) << text;
  }
}

TEST_F(GenerateCli, PendingCommandsExit2NamingTheMissingCapability) {
  for (const char* command : {"check", "serve --port 1", "pipeline run --date 2025-01-01"}) {
    auto run = RunShoplytics(command, dir());
    EXPECT_EQ(run.exit_code, 2) << command;
    EXPECT_NE(run.err.find("not built yet"), std::string::npos) << command;
    EXPECT_EQ(run.out, "") << command;
  }
}

// The newcomer's path: a private PostgreSQL under the project, a shop, its extraction, the
// project built (every test passing), a summary, a stop.
TEST(DemoCli, StartsAPrivateServerGeneratesAShopBuildsTheProjectAndStops) {
  auto dir = TempDir::Create("democli");
  ASSERT_TRUE(dir.ok());
  const std::string project = dir->path().string();
  // As root, PostgreSQL runs as the postgres user, who must be able to reach the project.
  fs::permissions(project, fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add);
  auto run =
      RunShoplytics("--project " + ShellQuote(project) + " --json demo --scale tiny", project);
  // Again: the server and the shop are reused, the extraction and the build incremental.
  auto again =
      RunShoplytics("--project " + ShellQuote(project) + " --json demo --scale tiny", project);
  auto stop = RunShoplytics("--project " + ShellQuote(project) + " demo --stop", project);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto j2 = nlohmann::json::parse(again.out);
  EXPECT_FALSE(j2["generated"].get<bool>());
  EXPECT_EQ(j2["build"]["error"], 0) << again.err;
  EXPECT_EQ(j2["build"]["total"], j2["build"]["pass"]) << again.err;
  auto j = nlohmann::json::parse(run.out);
  EXPECT_TRUE(j["generated"].get<bool>());
  EXPECT_GT(j["tables"]["shop.orders"].get<int64_t>(), 1000);
  EXPECT_GT(j["tables"]["stripe.charges"].get<int64_t>(), 1000);
  EXPECT_TRUE(fs::exists(project + "/demo/data/products.json"));
  EXPECT_GT(j["raw"]["raw.shop_orders"].get<int64_t>(), 1000);
  EXPECT_EQ(j["extract_status"], "ok") << run.out;
  EXPECT_EQ(j["build"]["exit_code"], 0) << run.err;
  EXPECT_EQ(j["build"]["error"], 0) << run.err;
  EXPECT_EQ(j["build"]["skip"], 0) << run.err;
  EXPECT_EQ(j["build"]["warn"], 0) << run.err;
  EXPECT_GT(j["build"]["pass"].get<int>(), 50) << run.out;  // staging, snapshots, marts, tests
  EXPECT_NE(run.err.find("Done. PASS="), std::string::npos) << run.err;  // dbt's lines: stderr
  EXPECT_TRUE(fs::exists(project + "/demo/target/run_results.json"));
  auto staged =
      RunShoplytics("--project " + ShellQuote(project + "/demo") +
                        " --json query \"SELECT count(*) AS n FROM staging.stg_shop__orders\"",
                    project);
  EXPECT_EQ(staged.exit_code, 0) << staged.err;
  EXPECT_NE(staged.out.find(std::to_string(j["raw"]["raw.shop_orders"].get<int64_t>())),
            std::string::npos)
      << staged.out;
  auto marts = RunShoplytics("--project " + ShellQuote(project + "/demo") +
                                 " query --format csv \"SELECT sum(orders) > 1000 AS revenue "
                                 "FROM marts.fct_daily_revenue\"",
                             project);
  EXPECT_EQ(marts.exit_code, 0) << marts.err;
  EXPECT_EQ(marts.out, "revenue\ntrue\n");
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_NE(stop.out.find("Stopped"), std::string::npos) << stop.out;
}

}  // namespace
}  // namespace shoplytics
