// The sandbox serves the generated Stripe objects with Stripe's list semantics.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sandbox_fixture.h"
#include "sources/http_client.h"

namespace shoplytics {
namespace {

using nlohmann::json;
using sources::HttpClient;
using sources::HttpResponse;

class SandboxTest : public testing::SandboxShopTest {
 protected:
  void SetUp() override {
    SandboxShopTest::SetUp();
    if (HasFatalFailure()) return;
    StartSandbox();
    auto client = HttpClient::Create();
    ASSERT_TRUE(client.ok());
    client_ = std::move(client).value();
  }

  void TearDown() override {
    client_ = HttpClient();
    SandboxShopTest::TearDown();
  }

  HttpResponse Get(const std::string& path_and_query, const std::string& key = "sk_test_abc") {
    std::vector<std::string> headers;
    if (!key.empty()) headers.push_back("Authorization: Bearer " + key);
    auto r = client_.Get({sandbox_->url() + path_and_query, headers, std::chrono::seconds(10)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }

  json GetJson(const std::string& path_and_query, long want_status = 200) {
    HttpResponse r = Get(path_and_query);
    EXPECT_EQ(r.status, want_status) << path_and_query << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  static std::vector<std::pair<int64_t, std::string>> Keys(const json& list) {
    std::vector<std::pair<int64_t, std::string>> keys;
    for (const json& o : list["data"]) keys.emplace_back(o["created"], o["id"]);
    return keys;
  }

  HttpClient client_;
};

TEST_F(SandboxTest, ListsNewestFirstWithDefaultLimitOfTen) {
  json page = GetJson("/v1/charges");
  EXPECT_EQ(page["object"], "list");
  EXPECT_EQ(page["url"], "/v1/charges");
  EXPECT_EQ(page["has_more"], true);
  auto keys = Keys(page);
  ASSERT_EQ(keys.size(), 10u);
  for (size_t i = 1; i < keys.size(); ++i) EXPECT_GT(keys[i - 1], keys[i]) << i;
  EXPECT_EQ(keys[0].first, PgCount("SELECT max(created) FROM stripe.charges"));
}

TEST_F(SandboxTest, RendersChargesInStripesShape) {
  json charge = GetJson("/v1/charges?limit=1")["data"][0];
  for (const char* field :
       {"id", "object", "amount", "amount_captured", "amount_refunded", "currency", "status",
        "paid", "captured", "refunded", "disputed", "failure_code", "customer", "description",
        "metadata", "payment_method_details", "balance_transaction", "created", "livemode"}) {
    EXPECT_TRUE(charge.contains(field)) << field;
  }
  EXPECT_EQ(charge["object"], "charge");
  EXPECT_EQ(charge["livemode"], false);
  EXPECT_TRUE(charge["metadata"]["order_id"].is_string());
  EXPECT_TRUE(charge["payment_method_details"]["card"]["last4"].is_string());
  const std::string id = charge["id"];
  EXPECT_EQ(std::to_string(PgCount("SELECT order_id FROM stripe.charges WHERE id = '" + id + "'")),
            charge["metadata"]["order_id"].get<std::string>());
  EXPECT_EQ(GetJson("/v1/refunds?limit=1")["data"][0]["object"], "refund");
  // A month-long shop may have no dispute yet: add one.
  pg::Connection conn = Connect();
  ASSERT_TRUE(conn.Execute("INSERT INTO stripe.disputes VALUES ('dp_test', '" + id +
                           "', 100, 'usd', 'needs_response', 'fraudulent', 1900000000, 7, "
                           "1800000000)")
                  .ok());
  json dispute = GetJson("/v1/disputes?limit=1")["data"][0];
  EXPECT_EQ(dispute["object"], "dispute");
  EXPECT_EQ(dispute["id"], "dp_test");
  EXPECT_EQ(dispute["charge"], id);
  EXPECT_EQ(dispute["evidence_details"]["due_by"], 1900000000);
  EXPECT_EQ(dispute["metadata"]["order_id"], "7");
  json bt = GetJson("/v1/balance_transactions?limit=1")["data"][0];
  EXPECT_EQ(bt["object"], "balance_transaction");
  EXPECT_EQ(bt["net"].get<int64_t>(), bt["amount"].get<int64_t>() - bt["fee"].get<int64_t>());
}

TEST_F(SandboxTest, StartingAfterWalksTheWholeListOnce) {
  for (const char* object : {"charges", "refunds", "disputes", "balance_transactions"}) {
    std::vector<std::pair<int64_t, std::string>> all;
    std::string after;
    for (int guard = 0; guard < 1000; ++guard) {
      json page = GetJson(std::string("/v1/") + object + "?limit=100" +
                          (after.empty() ? "" : "&starting_after=" + after));
      auto keys = Keys(page);
      all.insert(all.end(), keys.begin(), keys.end());
      if (!page["has_more"].get<bool>()) break;
      after = keys.back().second;
    }
    const std::string table = std::string("stripe.") + object;
    EXPECT_EQ(static_cast<int64_t>(all.size()), PgCount("SELECT count(*) FROM " + table)) << object;
    for (size_t i = 1; i < all.size(); ++i) ASSERT_GT(all[i - 1], all[i]) << object << " " << i;
  }
}

TEST_F(SandboxTest, EndingBeforeReturnsThePageBefore) {
  json first = GetJson("/v1/charges?limit=3");
  json second =
      GetJson("/v1/charges?limit=3&starting_after=" + first["data"][2]["id"].get<std::string>());
  EXPECT_EQ(second["data"].size(), 3u);
  EXPECT_GT(Keys(first).back(), Keys(second).front());
  json back =
      GetJson("/v1/charges?limit=3&ending_before=" + second["data"][0]["id"].get<std::string>());
  EXPECT_EQ(Keys(back), Keys(first));
  EXPECT_EQ(back["has_more"], false);  // nothing is newer than the first page
}

TEST_F(SandboxTest, CreatedFiltersSelectByEpochSeconds) {
  const int64_t mid = PgCount(
      "SELECT created FROM stripe.charges ORDER BY created LIMIT 1 OFFSET "
      "(SELECT count(*) / 2 FROM stripe.charges)");
  const std::string t = std::to_string(mid);
  struct Case {
    std::string query, where;
  } cases[] = {{"created%5Bgte%5D=" + t, "created >= " + t},
               {"created%5Bgt%5D=" + t, "created > " + t},
               {"created%5Blt%5D=" + t, "created < " + t},
               {"created%5Blte%5D=" + t, "created <= " + t},
               {"created=" + t, "created = " + t},
               {"created%5Bgt%5D=" + std::to_string(mid - 86400) + "&created%5Blt%5D=" + t,
                "created > " + std::to_string(mid - 86400) + " AND created < " + t}};
  for (const Case& c : cases) {
    std::set<std::string> ids;
    std::string after;
    for (int guard = 0; guard < 100; ++guard) {
      json page = GetJson("/v1/charges?limit=100&" + c.query +
                          (after.empty() ? "" : "&starting_after=" + after));
      for (const json& o : page["data"]) ids.insert(o["id"].get<std::string>());
      if (!page["has_more"].get<bool>()) break;
      after = page["data"].back()["id"];
    }
    EXPECT_EQ(ids, PgStrings("SELECT id FROM stripe.charges WHERE " + c.where)) << c.query;
  }
}

TEST_F(SandboxTest, RefusesRequestsWithoutAValidKey) {
  for (const std::string key : {"", "pk_live_nope", "sk_test_"}) {
    HttpResponse r = Get("/v1/charges", key);
    EXPECT_EQ(r.status, 401) << key;
    json body = json::parse(r.body, nullptr, false);
    EXPECT_EQ(body["error"]["type"], "invalid_request_error") << r.body;
    EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
  }
}

TEST_F(SandboxTest, AcceptsOnlyTheConfiguredKeyWhenOneIsSet) {
  sandbox::ServerOptions options;
  options.api_key = "sk_test_right";
  StartSandbox(options);
  EXPECT_EQ(Get("/v1/charges", "sk_test_wrong").status, 401);
  EXPECT_EQ(Get("/v1/charges", "sk_test_right").status, 200);
}

TEST_F(SandboxTest, UnknownCursorIs400ResourceMissing) {
  json body = GetJson("/v1/charges?starting_after=ch_nope", 400);
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_EQ(body["error"]["code"], "resource_missing");
  EXPECT_EQ(body["error"]["param"], "starting_after");
  EXPECT_EQ(GetJson("/v1/refunds?ending_before=re_nope", 400)["error"]["param"], "ending_before");
}

TEST_F(SandboxTest, RejectsBadParameters) {
  EXPECT_EQ(GetJson("/v1/charges?limit=0", 400)["error"]["param"], "limit");
  EXPECT_EQ(GetJson("/v1/charges?limit=101", 400)["error"]["param"], "limit");
  EXPECT_EQ(GetJson("/v1/charges?limit=ten", 400)["error"]["param"], "limit");
  EXPECT_EQ(GetJson("/v1/charges?created%5Bgte%5D=yesterday", 400)["error"]["param"],
            "created[gte]");
  EXPECT_EQ(GetJson("/v1/nothing", 404)["error"]["type"], "invalid_request_error");
}

TEST_F(SandboxTest, ServesTheCatalogInFakeStoresShape) {
  json products = GetJson("/products");
  ASSERT_TRUE(products.is_array());
  ASSERT_EQ(products.size(), 30u);
  const json& p = products[0];
  for (const char* field : {"id", "title", "price", "description", "category", "image"}) {
    EXPECT_TRUE(p.contains(field)) << field;
  }
  EXPECT_TRUE(p["rating"]["rate"].is_number());
  EXPECT_TRUE(p["rating"]["count"].is_number_integer());
  const int64_t id = p["id"];
  EXPECT_EQ(GetJson("/products/" + std::to_string(id)), p);
  EXPECT_EQ(GetJson("/products/999999", 404)["error"]["code"], "resource_missing");
}

TEST_F(SandboxTest, RateLimitAnswers429WithRetryAfter) {
  sandbox::ServerOptions options;
  options.rate_limit = 1;
  StartSandbox(options);
  int limited = 0;
  for (int i = 0; i < 5; ++i) {
    HttpResponse r = Get("/v1/charges?limit=1");
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(r.Header("Retry-After"), "1");
      EXPECT_EQ(json::parse(r.body)["error"]["code"], "rate_limit");
    } else {
      EXPECT_EQ(r.status, 200);
    }
  }
  // Five requests span at most two one-second windows: at most two get through.
  EXPECT_GE(limited, 3);
  EXPECT_EQ(sandbox_->stats().rate_limited, limited);
}

TEST_F(SandboxTest, FailRateInjects500sAndDroppedConnections) {
  sandbox::ServerOptions options;
  options.fail_rate = 1.0;
  StartSandbox(options);
  for (int i = 0; i < 10; ++i) {
    auto r = client_.Get({sandbox_->url() + "/v1/charges",
                          {"Authorization: Bearer sk_test_abc"},
                          std::chrono::seconds(10)});
    if (r.ok()) {
      EXPECT_EQ(r->status, 500);
      EXPECT_EQ(r->Header("Stripe-Should-Retry"), "true");
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
    }
  }
  const sandbox::ServerStats stats = sandbox_->stats();
  EXPECT_EQ(stats.failed + stats.dropped, 10);
  EXPECT_GT(stats.failed, 0);
  EXPECT_GT(stats.dropped, 0);
}

using SandboxCliTest = testing::SandboxShopTest;

// `shoplytics sandbox --port 0` prints its URL, serves, and exits 0 on SIGTERM.
TEST_F(SandboxCliTest, ServesOnAFreePortUntilSigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    execl(SHOPLYTICS_BINARY, "shoplytics", "sandbox", "--port", "0", "--source-dsn", dsn().c_str(),
          "--files", files_dir().c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* child_out = fdopen(out[0], "r");
  char line[512] = {0};
  // The child exits (closing the pipe) if it cannot start, so this cannot hang.
  const bool got_line = std::fgets(line, sizeof(line), child_out) != nullptr;
  std::smatch url;
  const std::string text = line;
  const bool has_url = std::regex_search(text, url, std::regex("http://127\\.0\\.0\\.1:[0-9]+"));
  if (got_line && has_url) {
    auto client = HttpClient::Create();
    ASSERT_TRUE(client.ok());
    auto r = client->Get({url.str() + "/v1/charges?limit=1",
                          {"Authorization: Bearer sk_test_cli"},
                          std::chrono::seconds(10)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
  }
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  std::fclose(child_out);
  EXPECT_TRUE(got_line);
  EXPECT_TRUE(has_url) << text;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace shoplytics
