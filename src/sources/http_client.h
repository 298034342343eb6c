// HttpClient: a small HTTP GET client over libcurl for the API connectors (Stripe, catalog),
// and RetryPolicy: when and how long to wait before trying a request again.
//
// HttpClient::Get returns any HTTP response the server sent (a 404 or a 500 is a response,
// not an error); only transport failures are errors: a timeout is kDeadlineExceeded,
// anything else (refused, reset, a connection dropped mid-body, DNS) kUnavailable. The
// message names the URL. Request headers are never quoted in messages or logs, so an
// Authorization header (an API key) cannot leak.
//
// GetWithRetry adds the retry loop the connectors share: a transport error that may pass,
// 429 and 5xx are retried with exponential backoff and full jitter, honouring Retry-After
// (seconds) and Stripe-Should-Retry (true forces a retry, false forbids it); other 4xx are
// returned at once. Sleeping goes through a Sleeper so tests need not wait in real time.
//
// Thread-safety: an HttpClient is one CURL easy handle: one per thread. RetryPolicy and
// the free functions are pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace shoplytics::sources {

struct HttpRequest {
  std::string url;
  // "Name: value" lines. May hold secrets (Authorization): never logged.
  std::vector<std::string> headers;
  std::chrono::milliseconds timeout{30'000};  // the whole request
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;

  // The first header of that name (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

class HttpClient {
 public:
  // kInternal when libcurl cannot make a handle.
  static Result<HttpClient> Create();

  HttpClient() = default;
  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // One GET. See the file comment for what is an error.
  Result<HttpResponse> Get(const HttpRequest& request);

 private:
  explicit HttpClient(void* curl) : curl_(curl) {}
  void* curl_ = nullptr;  // CURL*, owned
};

// Sleeping, behind an interface so tests can record delays instead of waiting.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void Sleep(std::chrono::milliseconds delay) = 0;
};

// Sleeps for real (std::this_thread::sleep_for). Shared and stateless.
Sleeper& RealSleeper();

struct RetryPolicy {
  int max_attempts = 8;  // including the first
  std::chrono::milliseconds base_delay{500};
  std::chrono::milliseconds max_delay{30'000};  // caps backoff and Retry-After alike
};

// The backoff before retry number `retry` (0 for the first retry): full jitter, a delay
// uniform in [0, min(max_delay, base_delay * 2^retry)]; `unit_random` is in [0, 1).
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit_random);

// Retry-After as delta-seconds ("1", "2.5"); nullopt for anything else (an HTTP date,
// garbage, a negative number).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);

// Whether a response (or transport error) should be retried, and the least wait the
// server asked for (Retry-After), if any.
struct RetryDecision {
  bool retry = false;
  std::optional<std::chrono::milliseconds> retry_after;
};
RetryDecision DecideRetry(const Result<HttpResponse>& outcome);

struct RetryOptions {
  RetryPolicy policy;
  Sleeper* sleeper = nullptr;  // null: RealSleeper()
  // Called before each retry with the attempt that failed (1-based) and the wait; for logs.
  std::function<void(int attempt, const Status& why, std::chrono::milliseconds wait)> on_retry;
};

// GETs with retries (see the file comment). Returns the last response when it is not
// retryable or attempts ran out (the caller maps its status to an error), or the last
// transport error. `attempts`, when given, receives the number of requests made.
Result<HttpResponse> GetWithRetry(HttpClient& client, const HttpRequest& request,
                                  const RetryOptions& options, int* attempts = nullptr);

// How an API connector talks to its server; tests replace the sleeper and shorten delays.
struct ApiClientOptions {
  RetryOptions retry;
  std::chrono::milliseconds timeout{30'000};  // per request
};

// The Status for a non-2xx response, from an API's error JSON
// ({"error":{"type","message","code"}}) when there is one: 401/403 kPermissionDenied,
// 404 kNotFound, 429 kResourceExhausted, 5xx kUnavailable, other 4xx kInvalidArgument.
// `what` names the request ("stripe GET /v1/charges").
Status StatusForResponse(const HttpResponse& response, std::string_view what);

}  // namespace shoplytics::sources
