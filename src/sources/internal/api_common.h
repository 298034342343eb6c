// What the API connectors (Stripe, http_json) share: a GET that retries and parses JSON,
// URL encoding, and the lake partition of a batch.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sources/http_client.h"

namespace shoplytics::sources::internal {

// GETs `url` with retries (api.retry) and parses the body. A non-2xx answer is the Status
// of StatusForResponse; a body that is not JSON kDataLoss. `what` names the request in
// messages ("stripe GET /v1/charges"); *bytes grows by the body's size.
Result<nlohmann::json> GetJson(HttpClient& http, const std::string& url,
                               const std::vector<std::string>& headers, const ApiClientOptions& api,
                               const std::string& what, int64_t* bytes);

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string UrlEncode(std::string_view text);

// Today's date in UTC, YYYY-MM-DD.
std::string TodayUtc();

}  // namespace shoplytics::sources::internal
