#include "sources/http_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

namespace shoplytics::sources {
namespace {

using std::chrono::milliseconds;

class RecordingSleeper : public Sleeper {
 public:
  void Sleep(milliseconds delay) override { delays.push_back(delay); }
  std::vector<milliseconds> delays;
};

TEST(HttpBackoff, GrowsExponentiallyUpToTheCap) {
  RetryPolicy p;
  p.base_delay = milliseconds(100);
  p.max_delay = milliseconds(1000);
  // unit_random just below 1 gives the ceiling of each step.
  EXPECT_EQ(BackoffDelay(p, 0, 0.9999).count(), 99);
  EXPECT_EQ(BackoffDelay(p, 1, 0.9999).count(), 199);
  EXPECT_EQ(BackoffDelay(p, 2, 0.9999).count(), 399);
  EXPECT_EQ(BackoffDelay(p, 3, 0.9999).count(), 799);
  EXPECT_EQ(BackoffDelay(p, 4, 0.9999).count(), 999);
  EXPECT_EQ(BackoffDelay(p, 60, 0.9999).count(), 999);
}

TEST(HttpBackoff, FullJitterSpansZeroToTheCeiling) {
  RetryPolicy p;
  p.base_delay = milliseconds(100);
  EXPECT_EQ(BackoffDelay(p, 2, 0.0).count(), 0);
  EXPECT_EQ(BackoffDelay(p, 2, 0.5).count(), 200);
}

TEST(HttpRetryAfter, ParsesDeltaSeconds) {
  struct Case {
    const char* text;
    std::optional<int64_t> ms;
  } cases[] = {
      {"1", 1000}, {" 2 ", 2000}, {"0.5", 500}, {"0", 0},
      {"-1", {}},  {"", {}},      {"soon", {}}, {"Wed, 21 Oct 2015 07:28:00 GMT", {}},
      {"1s", {}},
  };
  for (const Case& c : cases) {
    std::optional<milliseconds> got = ParseRetryAfter(c.text);
    if (c.ms) {
      ASSERT_TRUE(got.has_value()) << c.text;
      EXPECT_EQ(got->count(), *c.ms) << c.text;
    } else {
      EXPECT_FALSE(got.has_value()) << c.text;
    }
  }
}

HttpResponse Response(long status, std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

TEST(HttpRetryDecision, RetriesRateLimitsServerErrorsAndTransportFailures) {
  EXPECT_TRUE(DecideRetry(Response(429)).retry);
  EXPECT_TRUE(DecideRetry(Response(500)).retry);
  EXPECT_TRUE(DecideRetry(Response(503)).retry);
  EXPECT_TRUE(DecideRetry(Result<HttpResponse>(UnavailableError("reset"))).retry);
  EXPECT_TRUE(DecideRetry(Result<HttpResponse>(DeadlineExceededError("timeout"))).retry);
  EXPECT_FALSE(DecideRetry(Response(200)).retry);
  EXPECT_FALSE(DecideRetry(Response(400)).retry);
  EXPECT_FALSE(DecideRetry(Response(401)).retry);
  EXPECT_FALSE(DecideRetry(Response(404)).retry);
}

TEST(HttpRetryDecision, StripeShouldRetryOverridesTheStatus) {
  EXPECT_TRUE(DecideRetry(Response(409, {{"stripe-should-retry", "true"}})).retry);
  EXPECT_FALSE(DecideRetry(Response(503, {{"stripe-should-retry", "false"}})).retry);
  RetryDecision d = DecideRetry(Response(429, {{"retry-after", "3"}}));
  EXPECT_TRUE(d.retry);
  ASSERT_TRUE(d.retry_after.has_value());
  EXPECT_EQ(d.retry_after->count(), 3000);
}

TEST(HttpStatus, NamesTheApiErrorAndMapsTheCode) {
  HttpResponse r = Response(401);
  r.body = R"({"error":{"type":"invalid_request_error","message":"Invalid API Key provided"}})";
  Status st = StatusForResponse(r, "stripe GET /v1/charges");
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(st.message(),
            "stripe GET /v1/charges: HTTP 401 invalid_request_error: Invalid API Key provided");
  EXPECT_EQ(StatusForResponse(Response(429), "x").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusForResponse(Response(502), "x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(StatusForResponse(Response(400), "x").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(StatusForResponse(Response(204), "x").ok());
}

// A local server answering a scripted sequence of statuses.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    server_.Get("/x", [this](const httplib::Request& req, httplib::Response& res) {
      const size_t i = calls_++;
      last_auth_ = req.get_header_value("Authorization");
      res.status = i < statuses_.size() ? statuses_[i] : 200;
      if (res.status == 429) res.set_header("Retry-After", "2");
      res.set_content(res.status == 200 ? "ok" : R"({"error":{"type":"api_error","message":"no"}})",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/x"; }
  size_t calls() const { return calls_; }
  std::string last_auth() const { return last_auth_; }

 private:
  std::vector<int> statuses_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<size_t> calls_{0};
  std::string last_auth_;
};

TEST(HttpClientRetry, RetriesUntilSuccessHonouringRetryAfter) {
  ScriptedServer server({503, 429, 200});
  auto client = HttpClient::Create();
  ASSERT_TRUE(client.ok());
  RecordingSleeper sleeper;
  RetryOptions options;
  options.sleeper = &sleeper;
  options.policy.base_delay = milliseconds(10);
  int attempts = 0;
  Result<HttpResponse> r =
      GetWithRetry(*client, {server.url(), {"Authorization: Bearer sk_test_x"}, milliseconds(5000)},
                   options, &attempts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(server.last_auth(), "Bearer sk_test_x");
  ASSERT_EQ(sleeper.delays.size(), 2u);
  EXPECT_LE(sleeper.delays[0].count(), 10);    // jittered backoff
  EXPECT_EQ(sleeper.delays[1].count(), 2000);  // Retry-After: 2
}

TEST(HttpClientRetry, DoesNotRetryClientErrors) {
  ScriptedServer server({401, 200});
  auto client = HttpClient::Create();
  ASSERT_TRUE(client.ok());
  RecordingSleeper sleeper;
  RetryOptions options;
  options.sleeper = &sleeper;
  Result<HttpResponse> r = GetWithRetry(*client, {server.url(), {}, milliseconds(5000)}, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(server.calls(), 1u);
  EXPECT_TRUE(sleeper.delays.empty());
}

TEST(HttpClientRetry, GivesUpAfterMaxAttempts) {
  ScriptedServer server({500, 500, 500, 500});
  auto client = HttpClient::Create();
  ASSERT_TRUE(client.ok());
  RecordingSleeper sleeper;
  RetryOptions options;
  options.sleeper = &sleeper;
  options.policy.max_attempts = 3;
  Result<HttpResponse> r = GetWithRetry(*client, {server.url(), {}, milliseconds(5000)}, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(server.calls(), 3u);
  EXPECT_EQ(sleeper.delays.size(), 2u);
}

TEST(HttpClient, RefusedConnectionIsUnavailable) {
  auto client = HttpClient::Create();
  ASSERT_TRUE(client.ok());
  // Nothing listens on port 1 of the loopback.
  Result<HttpResponse> r = client->Get({"http://127.0.0.1:1/x?key=secret", {}, milliseconds(2000)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace shoplytics::sources
