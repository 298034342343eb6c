#include "sources/stripe_source.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sources/internal/api_common.h"
#include "sources/internal/json_staging.h"
#include "sources/internal/parallel.h"
#include "sources/raw_store.h"
#include "warehouse/connection.h"

namespace shoplytics::sources {

namespace {

using internal::JsonColumn;
using internal::JsonKind;
using nlohmann::json;

struct ObjectSpec {
  std::string name;  // "charges": the list endpoint and the raw table
  std::vector<JsonColumn> columns;
};

std::vector<JsonColumn> WithCommon(std::vector<JsonColumn> columns) {
  columns.push_back({"created", "TIMESTAMPTZ", JsonKind::kEpoch, "/created"});
  columns.push_back({"created_epoch", "BIGINT", JsonKind::kInt, "/created"});
  columns.push_back({"livemode", "BOOLEAN", JsonKind::kBool, "/livemode"});
  columns.push_back({"raw_json", "VARCHAR", JsonKind::kRaw, ""});
  return columns;
}

const std::vector<ObjectSpec>& ObjectSpecs() {
  static const std::vector<ObjectSpec> kSpecs = {
      {"charges",
       WithCommon({
           {"id", "VARCHAR", JsonKind::kString, "/id"},
           {"amount", "BIGINT", JsonKind::kInt, "/amount"},
           {"amount_captured", "BIGINT", JsonKind::kInt, "/amount_captured"},
           {"amount_refunded", "BIGINT", JsonKind::kInt, "/amount_refunded"},
           {"currency", "VARCHAR", JsonKind::kString, "/currency"},
           {"status", "VARCHAR", JsonKind::kString, "/status"},
           {"paid", "BOOLEAN", JsonKind::kBool, "/paid"},
           {"captured", "BOOLEAN", JsonKind::kBool, "/captured"},
           {"refunded", "BOOLEAN", JsonKind::kBool, "/refunded"},
           {"disputed", "BOOLEAN", JsonKind::kBool, "/disputed"},
           {"failure_code", "VARCHAR", JsonKind::kString, "/failure_code"},
           {"customer", "VARCHAR", JsonKind::kString, "/customer"},
           {"description", "VARCHAR", JsonKind::kString, "/description"},
           {"order_id", "BIGINT", JsonKind::kIntText, "/metadata/order_id"},
           {"card_brand", "VARCHAR", JsonKind::kString, "/payment_method_details/card/brand"},
           {"card_last4", "VARCHAR", JsonKind::kString, "/payment_method_details/card/last4"},
           {"balance_transaction", "VARCHAR", JsonKind::kString, "/balance_transaction"},
       })},
      {"refunds", WithCommon({
                      {"id", "VARCHAR", JsonKind::kString, "/id"},
                      {"charge", "VARCHAR", JsonKind::kString, "/charge"},
                      {"amount", "BIGINT", JsonKind::kInt, "/amount"},
                      {"currency", "VARCHAR", JsonKind::kString, "/currency"},
                      {"status", "VARCHAR", JsonKind::kString, "/status"},
                      {"reason", "VARCHAR", JsonKind::kString, "/reason"},
                      {"balance_transaction", "VARCHAR", JsonKind::kString, "/balance_transaction"},
                      {"order_id", "BIGINT", JsonKind::kIntText, "/metadata/order_id"},
                  })},
      {"disputes",
       WithCommon({
           {"id", "VARCHAR", JsonKind::kString, "/id"},
           {"charge", "VARCHAR", JsonKind::kString, "/charge"},
           {"amount", "BIGINT", JsonKind::kInt, "/amount"},
           {"currency", "VARCHAR", JsonKind::kString, "/currency"},
           {"status", "VARCHAR", JsonKind::kString, "/status"},
           {"reason", "VARCHAR", JsonKind::kString, "/reason"},
           {"evidence_due_by", "TIMESTAMPTZ", JsonKind::kEpoch, "/evidence_details/due_by"},
           {"order_id", "BIGINT", JsonKind::kIntText, "/metadata/order_id"},
       })},
      {"balance_transactions",
       WithCommon({
           {"id", "VARCHAR", JsonKind::kString, "/id"},
           {"amount", "BIGINT", JsonKind::kInt, "/amount"},
           {"fee", "BIGINT", JsonKind::kInt, "/fee"},
           {"net", "BIGINT", JsonKind::kInt, "/net"},
           {"currency", "VARCHAR", JsonKind::kString, "/currency"},
           {"type", "VARCHAR", JsonKind::kString, "/type"},
           {"reporting_category", "VARCHAR", JsonKind::kString, "/reporting_category"},
           {"source", "VARCHAR", JsonKind::kString, "/source"},
           {"status", "VARCHAR", JsonKind::kString, "/status"},
           {"description", "VARCHAR", JsonKind::kString, "/description"},
           {"available_on", "TIMESTAMPTZ", JsonKind::kEpoch, "/available_on"},
       })},
  };
  return kSpecs;
}

struct StripeSettings {
  std::string source;
  Secret api_key;
  std::string base_url;
  std::vector<const ObjectSpec*> objects;
  int64_t lookback_seconds = 3 * 86'400;
  int64_t page_size = 100;
  int64_t pages_per_batch = 500;
};

Result<StripeSettings> ParseSettings(const SourceConfig& config) {
  const ConfigNode& node = config.node;
  RETURN_IF_ERROR(node.CheckKeys({"type", "description", "api_key", "base_url", "objects",
                                  "lookback", "page_size", "pages_per_batch"}));
  StripeSettings s;
  s.source = config.name;
  ASSIGN_OR_RETURN(s.api_key, node.GetSecret("api_key"));
  if (s.api_key.empty()) return node.Child("api_key").Error("the API key is empty");
  ASSIGN_OR_RETURN(s.base_url, node.GetString("base_url", "https://api.stripe.com"));
  while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
  if (s.base_url.empty()) s.base_url = "https://api.stripe.com";
  std::vector<std::string> names;
  if (node.Child("objects").IsSet()) {
    ASSIGN_OR_RETURN(names, node.GetStringList("objects"));
  } else {
    for (const ObjectSpec& spec : ObjectSpecs()) names.push_back(spec.name);
  }
  for (const std::string& name : names) {
    auto it = std::find_if(ObjectSpecs().begin(), ObjectSpecs().end(),
                           [&](const ObjectSpec& o) { return o.name == name; });
    if (it == ObjectSpecs().end()) {
      return node.Child("objects").Error("unknown Stripe object '" + name +
                                         "': choose from charges, refunds, disputes, "
                                         "balance_transactions");
    }
    s.objects.push_back(&*it);
  }
  ASSIGN_OR_RETURN(std::string lookback, node.GetString("lookback", "3d"));
  Result<int64_t> seconds = ParseDurationSeconds(lookback);
  if (!seconds.ok()) return node.Child("lookback").Error(seconds.status().message());
  s.lookback_seconds = *seconds;
  ASSIGN_OR_RETURN(s.page_size, node.GetInt("page_size", 100));
  if (s.page_size < 1 || s.page_size > 100) {
    return node.Child("page_size").Error("must be between 1 and 100");
  }
  ASSIGN_OR_RETURN(s.pages_per_batch, node.GetInt("pages_per_batch", 500));
  if (s.pages_per_batch < 1) return node.Child("pages_per_batch").Error("must be at least 1");
  return s;
}

// Pulls one object's list into raw.
class ObjectPuller {
 public:
  ObjectPuller(const StripeSettings& s, const ObjectSpec& spec, const ExtractContext& ctx,
               const ApiClientOptions& api, warehouse::Connection& conn, RawStore& store,
               HttpClient& http)
      : s_(s), spec_(spec), ctx_(ctx), api_(api), conn_(conn), store_(store), http_(http) {
    report_.ref = {s.source, spec.name};
  }

  TableReport Run() {
    const auto start = std::chrono::steady_clock::now();
    report_.error = Pull().WithContext("source " + s_.source + ", " + spec_.name);
    report_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report_;
  }

 private:
  Status Pull() {
    std::optional<int64_t> since;
    if (!ctx_.full_refresh) {
      ASSIGN_OR_RETURN(std::optional<Cursor> cursor, store_.LoadCursor(report_.ref));
      if (cursor && !cursor->value.empty()) {
        int64_t value = 0;
        const auto [end, ec] = std::from_chars(cursor->value.data(),
                                               cursor->value.data() + cursor->value.size(), value);
        if (ec != std::errc() || end != cursor->value.data() + cursor->value.size()) {
          return DataLossError("stored cursor '" + cursor->value +
                               "' is not Unix seconds; rerun with --full-refresh");
        }
        max_created_ = value;
        since = value - s_.lookback_seconds;
      }
    }
    ASSIGN_OR_RETURN(
        internal::JsonStaging staging,
        internal::JsonStaging::Create(conn_, "_stage_" + report_.ref.RawName(), spec_.columns));
    Status st = PullPages(staging, since);
    Status dropped = staging.Drop();
    RETURN_IF_ERROR(st);
    return dropped;
  }

  Status PullPages(internal::JsonStaging& staging, std::optional<int64_t> since) {
    std::string starting_after;
    int64_t pages = 0;
    for (;;) {
      std::string url =
          s_.base_url + "/v1/" + spec_.name + "?limit=" + std::to_string(s_.page_size);
      if (since) url += "&created%5Bgte%5D=" + std::to_string(*since);
      if (!starting_after.empty()) url += "&starting_after=" + internal::UrlEncode(starting_after);
      ASSIGN_OR_RETURN(json page,
                       internal::GetJson(http_, url, BearerHeaders(), api_,
                                         "stripe GET /v1/" + spec_.name, &report_.bytes));
      if (!page.is_object() || !page.contains("data") || !page["data"].is_array()) {
        return DataLossError("GET /v1/" + spec_.name + ": the answer is not a list object");
      }
      const json& data = page["data"];
      for (const json& object : data) {
        RETURN_IF_ERROR(staging.Append(object));
        if (object.contains("created") && object["created"].is_number_integer()) {
          max_created_ = std::max(max_created_.value_or(std::numeric_limits<int64_t>::min()),
                                  object["created"].get<int64_t>());
        }
      }
      report_.rows += static_cast<int64_t>(data.size());
      if (ctx_.progress) ctx_.progress(report_.ref, report_.rows, -1);
      const bool has_more = page.value("has_more", false);
      if (!has_more || data.empty()) break;
      const json& last = data.back();
      if (!last.contains("id") || !last["id"].is_string()) {
        return DataLossError("GET /v1/" + spec_.name + ": an object without an id");
      }
      starting_after = last["id"].get<std::string>();
      if (++pages % s_.pages_per_batch == 0) RETURN_IF_ERROR(Commit(staging, /*last=*/false));
    }
    return Commit(staging, /*last=*/true);
  }

  std::vector<std::string> BearerHeaders() const {
    return {"Authorization: Bearer " + s_.api_key.reveal(), "Accept: application/json"};
  }

  Status Commit(internal::JsonStaging& staging, bool last) {
    RETURN_IF_ERROR(staging.Flush());
    BatchInfo batch;
    batch.ref = report_.ref;
    batch.staging = staging.table();
    batch.key = {"id"};
    if (last && max_created_) batch.cursor = Cursor{std::to_string(*max_created_), ""};
    batch.logical_date = internal::TodayUtc();
    ASSIGN_OR_RETURN(BatchResult result, store_.CommitBatch(batch));
    report_.inserted += result.inserted;
    report_.unchanged += result.unchanged;
    for (std::string& c : result.added_columns) report_.added_columns.push_back(std::move(c));
    return staging.Clear();
  }

  const StripeSettings& s_;
  const ObjectSpec& spec_;
  const ExtractContext& ctx_;
  const ApiClientOptions& api_;
  warehouse::Connection& conn_;
  RawStore& store_;
  HttpClient& http_;
  TableReport report_;
  std::optional<int64_t> max_created_;
};

}  // namespace

Result<int64_t> ParseDurationSeconds(std::string_view text) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string_view unit(end, text.data() + text.size() - end);
  if (ec != std::errc() || n < 0 || end == text.data()) {
    return InvalidArgumentError("'" + std::string(text) +
                                "' is not a duration like 3d, 12h, 30m or 45s");
  }
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86'400;
  return InvalidArgumentError("'" + std::string(text) +
                              "' is not a duration like 3d, 12h, 30m or 45s");
}

Result<std::vector<TableReport>> ExtractStripe(const SourceConfig& config,
                                               const ExtractContext& ctx) {
  return ExtractStripe(config, ctx, ApiClientOptions{});
}

Result<std::vector<TableReport>> ExtractStripe(const SourceConfig& config,
                                               const ExtractContext& ctx,
                                               const ApiClientOptions& api) {
  ASSIGN_OR_RETURN(StripeSettings settings, ParseSettings(config));
  if (ctx.db == nullptr) return FailedPreconditionError("ExtractStripe: no warehouse given");
  {
    ASSIGN_OR_RETURN(warehouse::Connection conn, warehouse::Connection::Open(*ctx.db));
    RETURN_IF_ERROR(RawStore(conn, ctx.lake_dir).EnsureSchemas());
  }
  // Objects are listed in parallel, each by one worker with its own warehouse connection
  // and HTTP client; a worker takes the next object when done with one.
  std::vector<TableReport> reports(settings.objects.size());
  RETURN_IF_ERROR(internal::RunWorkers(
      settings.objects.size(), ctx.threads,
      [&](const std::function<std::optional<size_t>()>& next) -> Status {
        ASSIGN_OR_RETURN(warehouse::Connection conn, warehouse::Connection::Open(*ctx.db));
        RawStore store(conn, ctx.lake_dir);
        ASSIGN_OR_RETURN(HttpClient http, HttpClient::Create());
        while (std::optional<size_t> i = next()) {
          // Each slot is written by exactly one worker and read after the workers end.
          reports[*i] =
              ObjectPuller(settings, *settings.objects[*i], ctx, api, conn, store, http).Run();
        }
        return OkStatus();
      }));
  // A refused key refuses every object: the source is unusable.
  for (const TableReport& report : reports) {
    if (report.error.code() == StatusCode::kPermissionDenied) return report.error;
  }
  return reports;
}

}  // namespace shoplytics::sources
