#include "sources/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "common/strings.h"

namespace shoplytics::sources {

namespace {

using std::chrono::milliseconds;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  if (StartsWith(line, "HTTP/")) {
    response->headers.clear();  // a new response (after a redirect or 100-continue)
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    response->headers.emplace_back(ToLower(Trim(line.substr(0, colon))),
                                   std::string(Trim(line.substr(colon + 1))));
  }
  return size * count;
}

// Curl's lists of headers, freed on scope exit.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
};

class RealSleeperImpl : public Sleeper {
 public:
  void Sleep(milliseconds delay) override { std::this_thread::sleep_for(delay); }
};

double UnitRandom() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// The request's URL without its query string, for messages.
std::string UrlForMessage(const std::string& url) { return url.substr(0, url.find('?')); }

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  const std::string lower = ToLower(name);
  for (const auto& [key, value] : headers) {
    if (key == lower) return value;
  }
  return std::nullopt;
}

Result<HttpClient> HttpClient::Create() {
  GlobalInitOnce();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return InternalError("libcurl could not create a handle");
  return HttpClient(curl);
}

HttpClient::HttpClient(HttpClient&& other) noexcept : curl_(std::exchange(other.curl_, nullptr)) {}

HttpClient& HttpClient::operator=(HttpClient&& other) noexcept {
  if (this != &other) {
    if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
    curl_ = std::exchange(other.curl_, nullptr);
  }
  return *this;
}

HttpClient::~HttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpResponse> HttpClient::Get(const HttpRequest& request) {
  if (curl_ == nullptr) return FailedPreconditionError("HttpClient used after a move");
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  HeaderList headers;
  for (const std::string& h : request.headers)
    headers.list = curl_slist_append(headers.list, h.c_str());
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(request.timeout.count(), 10'000)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // gzip only: brotli at a server's default quality costs tens of milliseconds per page.
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    std::string message = "GET " + UrlForMessage(request.url) + ": " +
                          (error[0] != 0 ? std::string(error) : curl_easy_strerror(code));
    if (code == CURLE_OPERATION_TIMEDOUT) return DeadlineExceededError(std::move(message));
    return UnavailableError(std::move(message));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

Sleeper& RealSleeper() {
  static RealSleeperImpl sleeper;
  return sleeper;
}

milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit_random) {
  const double cap = static_cast<double>(policy.max_delay.count());
  const double exp = static_cast<double>(policy.base_delay.count()) *
                     std::pow(2.0, static_cast<double>(std::clamp(retry, 0, 62)));
  const double ceiling = std::min(cap, exp);
  return milliseconds(static_cast<int64_t>(ceiling * std::clamp(unit_random, 0.0, 1.0)));
}

std::optional<milliseconds> ParseRetryAfter(std::string_view value) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  double seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || !(seconds >= 0) ||
      seconds > 86'400) {
    return std::nullopt;
  }
  return milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

RetryDecision DecideRetry(const Result<HttpResponse>& outcome) {
  RetryDecision decision;
  if (!outcome.ok()) {
    decision.retry = outcome.status().IsRetryable();
    return decision;
  }
  const HttpResponse& r = *outcome;
  if (std::optional<std::string> after = r.Header("retry-after")) {
    decision.retry_after = ParseRetryAfter(*after);
  }
  if (std::optional<std::string> should = r.Header("stripe-should-retry")) {
    const std::string v = ToLower(Trim(*should));
    if (v == "true") decision.retry = true;
    if (v == "true" || v == "false") return decision;
  }
  decision.retry = r.status == 429 || r.status >= 500;
  return decision;
}

Result<HttpResponse> GetWithRetry(HttpClient& client, const HttpRequest& request,
                                  const RetryOptions& options, int* attempts) {
  Sleeper& sleeper = options.sleeper != nullptr ? *options.sleeper : RealSleeper();
  const int max_attempts = std::max(1, options.policy.max_attempts);
  for (int attempt = 1;; ++attempt) {
    Result<HttpResponse> outcome = client.Get(request);
    if (attempts != nullptr) *attempts = attempt;
    const RetryDecision decision = DecideRetry(outcome);
    if (!decision.retry || attempt >= max_attempts) return outcome;
    milliseconds wait = BackoffDelay(options.policy, attempt - 1, UnitRandom());
    if (decision.retry_after) {
      wait = std::min(std::max(wait, *decision.retry_after), options.policy.max_delay);
    }
    if (options.on_retry) {
      options.on_retry(attempt,
                       outcome.ok()
                           ? StatusForResponse(*outcome, "GET " + UrlForMessage(request.url))
                           : outcome.status(),
                       wait);
    }
    sleeper.Sleep(wait);
  }
}

Status StatusForResponse(const HttpResponse& response, std::string_view what) {
  if (response.status >= 200 && response.status < 300) return OkStatus();
  std::string detail;
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const nlohmann::json& e = body["error"];
    if (e.contains("type") && e["type"].is_string()) detail += e["type"].get<std::string>();
    if (e.contains("code") && e["code"].is_string()) {
      detail += (detail.empty() ? "" : " ") + ("(" + e["code"].get<std::string>() + ")");
    }
    if (e.contains("message") && e["message"].is_string()) {
      detail += (detail.empty() ? "" : ": ") + e["message"].get<std::string>();
    }
  }
  if (detail.empty()) detail = response.body.substr(0, 200);
  std::string message =
      std::string(what) + ": HTTP " + std::to_string(response.status) + " " + detail;
  const long s = response.status;
  if (s == 401 || s == 403) return PermissionDeniedError(std::move(message));
  if (s == 404) return NotFoundError(std::move(message));
  if (s == 429) return ResourceExhaustedError(std::move(message));
  if (s >= 500) return UnavailableError(std::move(message));
  if (s == 408) return DeadlineExceededError(std::move(message));
  return InvalidArgumentError(std::move(message));
}

}  // namespace shoplytics::sources
