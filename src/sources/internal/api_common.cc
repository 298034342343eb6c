#include "sources/internal/api_common.h"

#include <cctype>
#include <chrono>
#include <cstdio>

#include "common/logging.h"

namespace shoplytics::sources::internal {

Result<nlohmann::json> GetJson(HttpClient& http, const std::string& url,
                               const std::vector<std::string>& headers, const ApiClientOptions& api,
                               const std::string& what, int64_t* bytes) {
  HttpRequest request{url, headers, api.timeout};
  RetryOptions retry = api.retry;
  if (!retry.on_retry) {
    // The request's headers (the API key) are never part of what is logged.
    retry.on_retry = [&what](int attempt, const Status& why, std::chrono::milliseconds wait) {
      LOG_WARN("{}: attempt {} failed ({}); retrying in {} ms", what, attempt, why.message(),
               wait.count());
    };
  }
  int attempts = 0;
  Result<HttpResponse> response = GetWithRetry(http, request, retry, &attempts);
  const std::string tries =
      attempts > 1 ? " (after " + std::to_string(attempts) + " attempts)" : "";
  if (!response.ok()) return response.status().WithContext(what + tries);
  if (bytes != nullptr) *bytes += static_cast<int64_t>(response->body.size());
  RETURN_IF_ERROR(StatusForResponse(*response, what + tries));
  nlohmann::json parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (parsed.is_discarded()) {
    return DataLossError(what + ": the answer is not JSON: " + response->body.substr(0, 120));
  }
  return parsed;
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string TodayUtc() {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd(today);
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace shoplytics::sources::internal
