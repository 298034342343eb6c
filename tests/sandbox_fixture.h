// SandboxShopTest: a PostgresTest with a small generated shop (Stripe objects in schema
// `stripe`, products.json in files_dir()) and helpers to start the sandbox on a free port.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "common/files.h"
#include "pg_fixture.h"
#include "sandbox/sandbox.h"
#include "seed/calendar.h"
#include "seed/generator.h"

namespace shoplytics::testing {

class SandboxShopTest : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    if (HasFatalFailure()) return;
    auto dir = TempDir::Create("sandbox");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    seed::ShopParams p;
    p.seed = 11;
    ASSERT_TRUE(seed::ParseDate("2024-10-01", &p.start_day));
    p.months = 1;
    p.orders_per_month = 400;
    p.products = 30;
    p.clickstream_days = 1;
    auto report = seed::GenerateShop({p, dsn(), files_dir(), false}, nullptr);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
  }

  void TearDown() override {
    sandbox_.reset();
    PostgresTest::TearDown();
  }

  std::string files_dir() const { return dir_->path().string(); }

  // Starts (or restarts) the sandbox with these options (dsn and files filled in).
  sandbox::Server& StartSandbox(sandbox::ServerOptions options = {}) {
    sandbox_.reset();
    options.dsn = dsn();
    options.files_dir = files_dir();
    if (options.seed == 0) options.seed = 1;
    auto server = sandbox::Server::Start(options);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (server.ok()) sandbox_ = std::move(server).value();
    return *sandbox_;
  }

  int64_t PgCount(const std::string& sql) {
    pg::Connection conn = Connect();
    auto r = conn.Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok()) return -1;
    auto v = r->GetInt64(0, 0);
    return v.ok() ? *v : -1;
  }

  std::set<std::string> PgStrings(const std::string& sql) {
    pg::Connection conn = Connect();
    auto r = conn.Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    std::set<std::string> out;
    if (!r.ok()) return out;
    for (int i = 0; i < r->rows(); ++i) out.insert(std::string(r->Get(i, 0)));
    return out;
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<sandbox::Server> sandbox_;
};

}  // namespace shoplytics::testing
