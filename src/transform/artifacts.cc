#include "transform/artifacts.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <mutex>
#include <random>
#include <set>
#include <system_error>

#include "common/digest.h"
#include "common/files.h"

namespace shoplytics::transform {
namespace {

using nlohmann::json;

json StringOrNull(std::string_view value) {
  return value.empty() ? json(nullptr) : json(std::string(value));
}

json ConfigStringOrNull(const NodeConfig& config, std::string_view key) {
  return StringOrNull(config.GetString(key));
}

// dbt's hook entries: {"sql", "transaction", "index"}.
json Hooks(const std::vector<std::string>& hooks) {
  json out = json::array();
  for (const std::string& sql : hooks) {
    out.push_back({{"sql", sql}, {"transaction", true}, {"index", nullptr}});
  }
  return out;
}

// The defaults dbt writes for every key of a resource type's config that no layer set.
json ConfigDefaults(ResourceType type) {
  json defaults = {{"enabled", true},     {"alias", nullptr},      {"schema", nullptr},
                   {"database", nullptr}, {"tags", json::array()}, {"meta", json::object()},
                   {"group", nullptr}};
  switch (type) {
    case ResourceType::kTest:
      defaults.update({{"materialized", "test"},
                       {"severity", "ERROR"},
                       {"store_failures", nullptr},
                       {"store_failures_as", nullptr},
                       {"where", nullptr},
                       {"limit", nullptr},
                       {"fail_calc", "count(*)"},
                       {"warn_if", "!= 0"},
                       {"error_if", "!= 0"}});
      return defaults;
    case ResourceType::kSeed:
      defaults.update({{"materialized", "seed"},
                       {"delimiter", ","},
                       {"quote_columns", nullptr},
                       {"unique_key", nullptr}});
      break;
    case ResourceType::kSnapshot:
      defaults.update({{"materialized", "snapshot"},
                       {"strategy", nullptr},
                       {"unique_key", nullptr},
                       {"target_schema", nullptr},
                       {"target_database", nullptr},
                       {"updated_at", nullptr},
                       {"check_cols", nullptr}});
      break;
    default:
      defaults.update({{"materialized", "view"}, {"access", "protected"}, {"unique_key", nullptr}});
      break;
  }
  defaults.update({{"incremental_strategy", nullptr},
                   {"persist_docs", json::object()},
                   {"quoting", json::object()},
                   {"column_types", json::object()},
                   {"full_refresh", nullptr},
                   {"on_schema_change", "ignore"},
                   {"on_configuration_change", "apply"},
                   {"grants", json::object()},
                   {"packages", json::array()},
                   {"docs", {{"show", true}, {"node_color", nullptr}}},
                   {"contract", {{"enforced", false}, {"alias_types", true}}}});
  return defaults;
}

// The node's config over dbt's defaults, hooks spelt "pre-hook"/"post-hook" as dbt
// spells them in the manifest.
json ConfigJson(const Node& node) {
  json config = ConfigDefaults(node.resource_type);
  for (const auto& [key, value] : node.config.values().items()) {
    if (key == "pre_hook" || key == "post_hook") continue;
    config[key] = value;
  }
  config["tags"] = node.config.tags();
  if (node.resource_type != ResourceType::kTest) {
    config["pre-hook"] = Hooks(node.config.pre_hooks());
    config["post-hook"] = Hooks(node.config.post_hooks());
  }
  return config;
}

json MetaOf(const Node& node) {
  const json& meta = node.config.Get("meta");
  return meta.is_object() ? meta : json::object();
}

json ColumnsJson(const Node& node) {
  json columns = json::object();
  for (const Column& column : node.columns) {
    columns[column.name] = {
        {"name", column.name},          {"description", column.description},
        {"meta", json::object()},       {"data_type", StringOrNull(column.data_type)},
        {"constraints", json::array()}, {"quote", nullptr},
        {"tags", json::array()}};
  }
  return columns;
}

// "models/schema.yml:12" (file and line, as the loader records it) becomes dbt's
// "shop://models/schema.yml".
json PatchPath(const Node& node) {
  if (node.patch_path.empty()) return nullptr;
  std::string file = node.patch_path;
  const size_t colon = file.rfind(':');
  if (colon != std::string::npos &&
      file.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
    file.resize(colon);
  }
  return node.package_name + "://" + file;
}

// dbt's checksum: SHA-256 of the SQL, or of the file for seeds.
json Checksum(const Node& node) {
  if (node.resource_type != ResourceType::kSeed) {
    return {{"name", "sha256"}, {"checksum", Sha256Hex(node.raw_code)}};
  }
  Result<std::string> contents = ReadFile(node.seed_file);
  if (!contents.ok()) return {{"name", "none"}, {"checksum", ""}};
  return {{"name", "sha256"}, {"checksum", Sha256Hex(*contents)}};
}

// Where a node lives: from the compiler when it knows, else from the config.
struct Location {
  json database;
  json schema;
  json alias;
  json relation_name;
};

Location LocationOf(const Node& node, const CompiledNodeInfo* info) {
  if (info != nullptr) {
    return {StringOrNull(info->database), StringOrNull(info->schema), StringOrNull(info->alias),
            StringOrNull(info->relation_name)};
  }
  return {ConfigStringOrNull(node.config, "database"), ConfigStringOrNull(node.config, "schema"),
          node.config.GetString("alias", node.name), nullptr};
}

// refs and sources as the compiler found them or, for a node it did not see, as its
// depends_on implies.
void AddRefsAndSources(const Project& project, const Node& node, const CompiledNodeInfo* info,
                       json& out) {
  json refs = json::array();
  json sources = json::array();
  if (info != nullptr) {
    for (const std::vector<std::string>& ref : info->refs) {
      if (ref.empty()) continue;
      refs.push_back({{"name", ref.back()},
                      {"package", ref.size() > 1 ? json(ref.front()) : json(nullptr)},
                      {"version", nullptr}});
    }
    for (const auto& [source_name, table] : info->sources) sources.push_back({source_name, table});
  } else {
    for (const std::string& id : node.depends_on) {
      const Node* parent = project.Find(id);
      if (parent == nullptr) continue;
      if (parent->resource_type == ResourceType::kSource) {
        sources.push_back({parent->source_name, parent->name});
      } else if (node.resource_type != ResourceType::kTest || !node.test_metadata) {
        refs.push_back({{"name", parent->name}, {"package", nullptr}, {"version", nullptr}});
      }
    }
  }
  out["refs"] = std::move(refs);
  out["sources"] = std::move(sources);
}

std::vector<std::string> DependsOnMacros(const Node& node, const CompiledNodeInfo* info) {
  std::set<std::string> macros;
  if (info != nullptr) macros.insert(info->macros.begin(), info->macros.end());
  if (node.test_metadata) {
    const std::string& ns = node.test_metadata->namespace_name;
    macros.insert(
        fmt::format("macro.{}.test_{}", ns.empty() ? "dbt" : ns, node.test_metadata->name));
  }
  return {macros.begin(), macros.end()};
}

std::vector<std::string> DependsOnNodes(const Node& node) {
  std::vector<std::string> nodes;
  std::set<std::string> seen;
  for (const std::string& id : node.depends_on) {
    if (seen.insert(id).second) nodes.push_back(id);
  }
  return nodes;
}

// The fields every node of `nodes` has.
json BaseNode(const Node& node, const Location& location, double created_at) {
  return {{"database", location.database},
          {"schema", location.schema},
          {"name", node.name},
          {"resource_type", ResourceTypeName(node.resource_type)},
          {"package_name", node.package_name},
          {"path", node.path},
          {"original_file_path", node.original_file_path},
          {"unique_id", node.unique_id},
          {"fqn", node.fqn},
          {"alias", location.alias},
          {"checksum", Checksum(node)},
          {"config", ConfigJson(node)},
          {"tags", node.config.tags()},
          {"description", node.description},
          {"columns", ColumnsJson(node)},
          {"meta", MetaOf(node)},
          {"group", nullptr},
          {"docs", {{"show", true}, {"node_color", nullptr}}},
          {"patch_path", PatchPath(node)},
          {"build_path", nullptr},
          {"unrendered_config", json::object()},
          {"created_at", created_at},
          {"relation_name", location.relation_name},
          {"raw_code", node.raw_code}};
}

// The fields of compiled resources: models, snapshots and tests.
}  // namespace

void SetCompiledFields(const Project& project, const Node& node, const std::string* compiled_code,
                       json& out) {
  const bool compiled = compiled_code != nullptr;
  out["compiled"] = compiled;
  if (compiled) {
    // Generic tests have no file of their own: dbt files them under their properties
    // file, as <properties file>/<test name>.sql.
    const std::string file = node.test_metadata ? node.original_file_path + "/" + node.name + ".sql"
                                                : node.original_file_path;
    out["compiled_path"] =
        fmt::format("{}/compiled/{}/{}", project.paths().target_path, node.package_name, file);
    out["compiled_code"] = *compiled_code;
  } else {
    out["compiled_path"] = nullptr;
  }
  out["extra_ctes_injected"] = compiled;
}

namespace {

void AddCompiledFields(const Project& project, const Node& node, const CompiledNodeInfo* info,
                       json& out) {
  out["language"] = "sql";
  AddRefsAndSources(project, node, info, out);
  out["metrics"] = json::array();
  out["depends_on"] = {{"macros", DependsOnMacros(node, info)}, {"nodes", DependsOnNodes(node)}};
  SetCompiledFields(project, node,
                    info != nullptr && info->compiled_code ? &*info->compiled_code : nullptr, out);
  out["extra_ctes"] = json::array();
  out["contract"] = {{"enforced", false}, {"alias_types", true}, {"checksum", nullptr}};
}

// The tested resource's key in its properties file: "models.orders", "sources.shop".
json FileKeyName(const Project& project, const Node& node) {
  if (!node.test_metadata) return nullptr;
  const Node* attached = project.Find(node.attached_node);
  if (attached == nullptr) return nullptr;
  switch (attached->resource_type) {
    case ResourceType::kSource:
      return "sources." + attached->source_name;
    case ResourceType::kSeed:
      return "seeds." + attached->name;
    case ResourceType::kSnapshot:
      return "snapshots." + attached->name;
    default:
      return "models." + attached->name;
  }
}

void AddTestFields(const Project& project, const Node& node, json& out) {
  if (node.test_metadata) {
    const TestMetadata& metadata = *node.test_metadata;
    out["test_metadata"] = {
        {"name", metadata.name},
        {"kwargs", metadata.kwargs.is_object() ? metadata.kwargs : json::object()},
        {"namespace", StringOrNull(metadata.namespace_name)}};
  }
  out["column_name"] = StringOrNull(node.column_name);
  out["attached_node"] = StringOrNull(node.attached_node);
  out["file_key_name"] = FileKeyName(project, node);
}

void AddModelFields(json& out) {
  out["access"] = "protected";
  out["constraints"] = json::array();
  out["version"] = nullptr;
  out["latest_version"] = nullptr;
  out["deprecation_date"] = nullptr;
}

json NodeJson(const Project& project, const Node& node, const CompiledNodeInfo* info,
              double created_at) {
  json out = BaseNode(node, LocationOf(node, info), created_at);
  switch (node.resource_type) {
    case ResourceType::kSeed:
      out["root_path"] = project.root().generic_string();
      out["depends_on"] = {{"macros", json::array()}};
      break;
    case ResourceType::kModel:
      AddCompiledFields(project, node, info, out);
      AddModelFields(out);
      break;
    case ResourceType::kTest:
      AddCompiledFields(project, node, info, out);
      AddTestFields(project, node, out);
      break;
    default:
      AddCompiledFields(project, node, info, out);
      break;
  }
  return out;
}

json ThresholdJson(const std::optional<FreshnessAfter>& threshold) {
  if (!threshold) return {{"count", nullptr}, {"period", nullptr}};
  return {{"count", threshold->count}, {"period", threshold->period}};
}

// A source's relation: "database"."schema"."identifier", without the database when the
// source names none.
std::string SourceRelation(const Node& node) {
  std::string relation;
  if (!node.database.empty()) relation = fmt::format("\"{}\".", node.database);
  return relation + fmt::format("\"{}\".\"{}\"", node.schema, node.identifier);
}

json SourceJson(const Node& node, const CompiledNodeInfo* info, double created_at) {
  const std::string relation =
      info != nullptr && !info->relation_name.empty() ? info->relation_name : SourceRelation(node);
  return {
      {"database", StringOrNull(info != nullptr ? info->database : node.database)},
      {"schema", info != nullptr ? info->schema : node.schema},
      {"name", node.name},
      {"resource_type", "source"},
      {"package_name", node.package_name},
      {"path", node.path},
      {"original_file_path", node.original_file_path},
      {"unique_id", node.unique_id},
      {"fqn", node.fqn},
      {"source_name", node.source_name},
      {"source_description", ""},
      {"loader", ""},
      {"identifier", node.identifier},
      {"quoting",
       {{"database", nullptr}, {"schema", nullptr}, {"identifier", nullptr}, {"column", nullptr}}},
      {"loaded_at_field", StringOrNull(node.loaded_at_field)},
      {"freshness",
       {{"warn_after", ThresholdJson(node.freshness.warn_after)},
        {"error_after", ThresholdJson(node.freshness.error_after)},
        {"filter", StringOrNull(node.freshness.filter)}}},
      {"external", nullptr},
      {"description", node.description},
      {"columns", ColumnsJson(node)},
      {"meta", MetaOf(node)},
      {"source_meta", json::object()},
      {"tags", node.config.tags()},
      {"config", {{"enabled", true}, {"event_time", nullptr}}},
      {"patch_path", nullptr},
      {"unrendered_config", json::object()},
      {"relation_name", relation},
      {"created_at", created_at}};
}

json MacroJson(const MacroInfo& macro, double created_at) {
  const size_t slash = macro.original_file_path.find('/');
  return {{"name", macro.name},
          {"resource_type", "macro"},
          {"package_name", macro.package_name},
          {"path", slash == std::string::npos ? macro.original_file_path
                                              : macro.original_file_path.substr(slash + 1)},
          {"original_file_path", macro.original_file_path},
          {"unique_id", macro.unique_id},
          {"macro_sql", macro.macro_sql},
          {"depends_on", {{"macros", json::array()}}},
          {"description", ""},
          {"meta", json::object()},
          {"docs", {{"show", true}, {"node_color", nullptr}}},
          {"patch_path", nullptr},
          {"arguments", json::array()},
          {"created_at", created_at},
          {"supported_languages", nullptr}};
}

json DocsJson(const std::string& project_name, const std::map<std::string, std::string>& docs) {
  json out = json::object();
  for (const auto& [name, text] : docs) {
    const std::string id = fmt::format("doc.{}.{}", project_name, name);
    out[id] = {{"name", name},
               {"resource_type", "doc"},
               {"package_name", project_name},
               {"path", ""},
               {"original_file_path", ""},
               {"unique_id", id},
               {"block_contents", text}};
  }
  return out;
}

// parent_map and child_map: every node and source of the project and the graph, each
// with its sorted direct parents or children.
void AddMaps(const Project& project, const Graph& graph, json& manifest) {
  std::set<std::string> ids = graph.nodes();
  for (const auto& [id, node] : project.nodes()) ids.insert(id);
  json parents = json::object();
  json children = json::object();
  for (const std::string& id : ids) {
    parents[id] = graph.Parents(id);
    children[id] = graph.Children(id);
  }
  manifest["parent_map"] = std::move(parents);
  manifest["child_map"] = std::move(children);
}

double EpochSecondsNow() {
  using std::chrono::duration;
  return duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json RunResultJson(const NodeResult& result) {
  json timing = json::array();
  for (const TimingEntry& entry : result.timing) {
    timing.push_back({{"name", entry.name},
                      {"started_at", entry.started_at},
                      {"completed_at", entry.completed_at}});
  }
  // dbt writes an empty adapter_response for nodes that did not run.
  json adapter_response = json::object();
  if (result.status != RunStatus::kSkipped) {
    adapter_response["_message"] = result.message.empty() ? "OK" : result.message;
    if (result.rows_affected) adapter_response["rows_affected"] = *result.rows_affected;
  }
  const bool is_test = result.unique_id.starts_with("test.");
  return {{"status", RunStatusName(result.status)},
          {"timing", std::move(timing)},
          {"thread_id", fmt::format("Thread-{}", result.thread_index + 1)},
          {"execution_time", result.execution_time},
          {"adapter_response", std::move(adapter_response)},
          {"message", StringOrNull(result.message)},
          {"failures", is_test && result.failures ? json(*result.failures) : json(nullptr)},
          {"unique_id", result.unique_id},
          {"compiled", !result.compiled_code.empty()},
          {"compiled_code", StringOrNull(result.compiled_code)},
          {"relation_name", StringOrNull(result.relation_name)},
          {"batch_results", nullptr}};
}

}  // namespace

std::string NewInvocationId() {
  // One engine for the process, seeded once from the OS: invocation ids only need to be
  // unique, not secret.
  static std::mutex mu;
  static std::mt19937_64 engine{std::random_device{}()};
  uint64_t high, low;
  {
    std::lock_guard lock(mu);
    high = engine();
    low = engine();
  }
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;    // variant 10xx
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xFFFF,
                     high & 0xFFFF, low >> 48, low & 0xFFFFFFFFFFFFULL);
}

std::string IsoTimestampNow() {
  const auto now = std::chrono::system_clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     micros % 1000000);
}

json BuildManifest(const Project& project, const Graph& graph,
                   const std::map<std::string, CompiledNodeInfo>& compiled,
                   const std::vector<MacroInfo>& macros,
                   const std::map<std::string, std::string>& docs,
                   const InvocationInfo& invocation) {
  const double created_at = EpochSecondsNow();
  json manifest;
  manifest["metadata"] = {{"dbt_schema_version", kManifestSchemaVersion},
                          {"dbt_version", kDbtVersion},
                          {"generated_at", invocation.generated_at},
                          {"invocation_id", invocation.invocation_id},
                          {"env", json::object()},
                          {"project_name", project.name()},
                          {"project_id", Md5Hex(project.name())},
                          {"user_id", nullptr},
                          {"send_anonymous_usage_stats", false},
                          {"adapter_type", "duckdb"}};
  json nodes = json::object();
  json sources = json::object();
  for (const auto& [id, node] : project.nodes()) {
    auto it = compiled.find(id);
    const CompiledNodeInfo* info = it == compiled.end() ? nullptr : &it->second;
    if (node.resource_type == ResourceType::kSource) {
      sources[id] = SourceJson(node, info, created_at);
    } else {
      nodes[id] = NodeJson(project, node, info, created_at);
    }
  }
  manifest["nodes"] = std::move(nodes);
  manifest["sources"] = std::move(sources);
  json macros_json = json::object();
  for (const MacroInfo& macro : macros) macros_json[macro.unique_id] = MacroJson(macro, created_at);
  manifest["macros"] = std::move(macros_json);
  manifest["docs"] = DocsJson(project.name(), docs);
  for (const char* empty : {"exposures", "metrics", "groups", "selectors", "disabled", "group_map",
                            "saved_queries", "semantic_models", "unit_tests"}) {
    manifest[empty] = json::object();
  }
  AddMaps(project, graph, manifest);
  return manifest;
}

json BuildRunResults(const std::vector<NodeResult>& results, double elapsed_seconds,
                     const InvocationInfo& invocation) {
  json results_json = json::array();
  for (const NodeResult& result : results) results_json.push_back(RunResultJson(result));
  return {{"metadata",
           {{"dbt_schema_version", kRunResultsSchemaVersion},
            {"dbt_version", kDbtVersion},
            {"generated_at", invocation.generated_at},
            {"invocation_id", invocation.invocation_id},
            {"env", json::object()}}},
          {"results", std::move(results_json)},
          {"elapsed_time", elapsed_seconds},
          {"args", invocation.args.is_object() ? invocation.args : json::object()}};
}

std::map<std::string, double> ReadNodeSeconds(const std::filesystem::path& path) {
  std::map<std::string, double> seconds;
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return seconds;
  json parsed = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed["results"].is_array()) return seconds;
  for (const json& result : parsed["results"]) {
    if (!result.is_object()) continue;
    auto id = result.find("unique_id");
    auto time = result.find("execution_time");
    if (id == result.end() || !id->is_string() || time == result.end() || !time->is_number()) {
      continue;
    }
    seconds[id->get<std::string>()] = time->get<double>();
  }
  return seconds;
}

Status WriteJsonFile(const std::filesystem::path& path, const nlohmann::json& json) {
  if (path.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
    if (error) {
      return InternalError(
          fmt::format("creating directory {}: {}", path.parent_path().string(), error.message()));
    }
  }
  // Replacing bad UTF-8 instead of throwing: a model's SQL may hold Latin-1 bytes, and
  // losing a character in an artifact beats losing the artifact.
  const std::string text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return WriteFileAtomically(path, text);
}

}  // namespace shoplytics::transform
