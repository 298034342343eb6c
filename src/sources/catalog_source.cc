#include "sources/catalog_source.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sources/internal/api_common.h"
#include "sources/internal/json_staging.h"
#include "sources/raw_store.h"
#include "warehouse/connection.h"

namespace shoplytics::sources {

namespace {

using internal::JsonColumn;
using internal::JsonKind;

struct CatalogSettings {
  std::string base_url;
  std::string path = "/products";
  std::string table = "products";
  std::string primary_key = "id";
  std::optional<Secret> api_key;
};

Result<CatalogSettings> ParseSettings(const ConfigNode& node) {
  RETURN_IF_ERROR(node.CheckKeys(
      {"type", "description", "base_url", "path", "table", "primary_key", "api_key"}));
  CatalogSettings s;
  ASSIGN_OR_RETURN(s.base_url, node.GetString("base_url"));
  while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
  if (s.base_url.empty()) return node.Child("base_url").Error("the URL is empty");
  ASSIGN_OR_RETURN(s.path, node.GetString("path", "/products"));
  if (s.path.empty() || s.path[0] != '/') s.path = "/" + s.path;
  ASSIGN_OR_RETURN(s.table, node.GetString("table", "products"));
  ASSIGN_OR_RETURN(s.primary_key, node.GetString("primary_key", "id"));
  ASSIGN_OR_RETURN(s.api_key, node.GetOptionalSecret("api_key"));
  return s;
}

std::vector<JsonColumn> ProductColumns() {
  return {
      {"id", "BIGINT", JsonKind::kInt, "/id"},
      {"title", "VARCHAR", JsonKind::kString, "/title"},
      {"price", "DECIMAL(18,2)", JsonKind::kNumber, "/price"},
      {"description", "VARCHAR", JsonKind::kString, "/description"},
      {"category", "VARCHAR", JsonKind::kString, "/category"},
      {"image", "VARCHAR", JsonKind::kString, "/image"},
      {"rating_rate", "DOUBLE", JsonKind::kNumber, "/rating/rate"},
      {"rating_count", "BIGINT", JsonKind::kInt, "/rating/count"},
      {"raw_json", "VARCHAR", JsonKind::kRaw, ""},
  };
}

Status Pull(const CatalogSettings& s, const ExtractContext& ctx, const ApiClientOptions& api,
            warehouse::Connection& conn, RawStore& store, TableReport& report) {
  HttpClient http;
  ASSIGN_OR_RETURN(http, HttpClient::Create());
  std::vector<std::string> headers = {"Accept: application/json"};
  if (s.api_key) headers.push_back("Authorization: Bearer " + s.api_key->reveal());
  ASSIGN_OR_RETURN(nlohmann::json items, internal::GetJson(http, s.base_url + s.path, headers, api,
                                                           "GET " + s.path, &report.bytes));
  if (!items.is_array()) return DataLossError("GET " + s.path + ": expected a JSON array");
  ASSIGN_OR_RETURN(
      internal::JsonStaging staging,
      internal::JsonStaging::Create(conn, "_stage_" + report.ref.RawName(), ProductColumns()));
  Status st = [&]() -> Status {
    for (const nlohmann::json& item : items) RETURN_IF_ERROR(staging.Append(item));
    report.rows = staging.rows();
    if (ctx.progress) ctx.progress(report.ref, report.rows, report.rows);
    RETURN_IF_ERROR(staging.Flush());
    BatchInfo batch;
    batch.ref = report.ref;
    batch.staging = staging.table();
    batch.key = {s.primary_key};
    batch.logical_date = internal::TodayUtc();
    ASSIGN_OR_RETURN(BatchResult result, store.CommitBatch(batch));
    report.inserted = result.inserted;
    report.unchanged = result.unchanged;
    report.added_columns = result.added_columns;
    return OkStatus();
  }();
  Status dropped = staging.Drop();
  RETURN_IF_ERROR(st);
  return dropped;
}

}  // namespace

Result<std::vector<TableReport>> ExtractHttpJson(const SourceConfig& config,
                                                 const ExtractContext& ctx) {
  return ExtractHttpJson(config, ctx, ApiClientOptions{});
}

Result<std::vector<TableReport>> ExtractHttpJson(const SourceConfig& config,
                                                 const ExtractContext& ctx,
                                                 const ApiClientOptions& api) {
  ASSIGN_OR_RETURN(CatalogSettings settings, ParseSettings(config.node));
  if (ctx.db == nullptr) return FailedPreconditionError("ExtractHttpJson: no warehouse given");
  ASSIGN_OR_RETURN(warehouse::Connection conn, warehouse::Connection::Open(*ctx.db));
  RawStore store(conn, ctx.lake_dir);
  RETURN_IF_ERROR(store.EnsureSchemas());
  TableReport report;
  report.ref = {config.name, settings.table};
  const auto start = std::chrono::steady_clock::now();
  report.error = Pull(settings, ctx, api, conn, store, report)
                     .WithContext("source " + config.name + ", " + settings.table);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (report.error.code() == StatusCode::kPermissionDenied) return report.error;
  return std::vector<TableReport>{std::move(report)};
}

}  // namespace shoplytics::sources
