#include "transform/project.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <regex>
#include <set>
#include <system_error>

#include "common/files.h"
#include "common/strings.h"

namespace shoplytics::transform {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Configs that dbt accepts without a '+' in dbt_project.yml.
// clang-format off
const std::set<std::string, std::less<>> kKnownConfigs = {
    "materialized", "schema", "database", "alias", "tags", "enabled", "pre_hook", "post_hook",
    "pre-hook", "post-hook", "unique_key", "incremental_strategy", "on_schema_change",
    "full_refresh", "persist_docs", "meta", "docs", "column_types", "quote_columns", "delimiter",
    "strategy", "updated_at", "check_cols", "hard_deletes", "target_schema", "target_database",
    "invalidate_hard_deletes", "snapshot_meta_column_names", "severity", "warn_if", "error_if",
    "store_failures", "where", "limit", "fail_calc", "contract", "grants", "sql_header",
    "batch_size", "lookback", "event_time", "begin", "group", "access"};
// clang-format on

// Keys whose values dbt concatenates across layers instead of overriding.
bool Accumulates(std::string_view key) {
  return key == "tags" || key == "pre_hook" || key == "post_hook";
}

std::string NormaliseConfigKey(std::string_view key) {
  if (!key.empty() && key.front() == '+') key.remove_prefix(1);
  if (key == "pre-hook") return "pre_hook";
  if (key == "post-hook") return "post_hook";
  return std::string(key);
}

std::string Lower(std::string_view text) { return ToLower(text); }

// A YAML scalar as the JSON value it reads as: booleans, integers, other numbers, text.
json ScalarToJson(const std::string& text) {
  const std::string lower = Lower(text);
  if (lower == "true") return true;
  if (lower == "false") return false;
  int64_t integer = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return integer;
  return text;
}

// Adds one config entry read from YAML to `layer`, checking the types callers rely on
// so that the error can name the file and line.
Status AddConfigEntry(json& layer, std::string_view raw_key, const ConfigNode& value) {
  const std::string key = NormaliseConfigKey(raw_key);
  if ((key == "enabled" || key == "full_refresh") && value.IsSet()) {
    ASSIGN_OR_RETURN(bool flag, value.AsBool());
    layer[key] = flag;
    return OkStatus();
  }
  if (Accumulates(key) && value.IsSet()) {
    ASSIGN_OR_RETURN(std::vector<std::string> list, value.AsStringList());
    layer[key] = list;
    return OkStatus();
  }
  ASSIGN_OR_RETURN(json converted, YamlToJson(value));
  layer[key] = std::move(converted);
  return OkStatus();
}

// A properties file's `config:` map: every key is a config.
Result<json> ConfigLayerFromYaml(const ConfigNode& config) {
  json layer = json::object();
  if (!config.IsSet()) return layer;
  if (!config.IsMap()) return config.Error("expected a map of configs");
  for (const std::string& key : config.Keys()) {
    RETURN_IF_ERROR(AddConfigEntry(layer, key, config.Child(key)));
  }
  return layer;
}

// Walks a dbt_project.yml tree (models:, seeds:, ...) along `fqn`, merging the configs of
// each level it passes, shallow first. Adds the paths of the levels it enters to `used`.
Status CollectTreeConfig(const ConfigNode& level, const std::vector<std::string>& fqn, size_t depth,
                         NodeConfig& config, std::set<std::string>& used) {
  if (!level.IsMap()) return OkStatus();
  json layer = json::object();
  const ConfigNode* next = nullptr;
  ConfigNode next_node;
  for (const std::string& key : level.Keys()) {
    const ConfigNode value = level.Child(key);
    const bool descends = depth < fqn.size() && key == fqn[depth] && value.IsMap();
    if (!key.empty() && key.front() == '+') {
      RETURN_IF_ERROR(AddConfigEntry(layer, key, value));
    } else if (descends) {
      next_node = value;
      next = &next_node;
      used.insert(value.path());
    } else if (kKnownConfigs.contains(key)) {
      RETURN_IF_ERROR(AddConfigEntry(layer, key, value));
    }
  }
  RETURN_IF_ERROR(MergeConfigLayer(config, layer));
  if (next != nullptr) return CollectTreeConfig(*next, fqn, depth + 1, config, used);
  return OkStatus();
}

// dbt's "configuration paths that do not apply to any resources": path levels of a tree
// that no node entered, usually a misspelt directory.
void FindUnusedConfigPaths(const ConfigNode& level, const std::set<std::string>& used,
                           std::vector<std::string>& warnings) {
  for (const std::string& key : level.Keys()) {
    const ConfigNode value = level.Child(key);
    if (key.starts_with('+') || !value.IsMap() || kKnownConfigs.contains(key)) continue;
    if (!used.contains(value.path())) {
      warnings.push_back(value.Where() + ": this config path matches no resource");
      continue;
    }
    FindUnusedConfigPaths(value, used, warnings);
  }
}

std::string ClosestHint(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(3, name.size() / 3) + 1;
  for (const std::string& candidate : candidates) {
    const size_t distance = EditDistance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

std::string GenericPath(const fs::path& path) { return path.lexically_normal().generic_string(); }

// Files under `dir` (relative to `root`) whose extension is in `extensions`, sorted so
// that loading is deterministic.
Result<std::vector<fs::path>> ListFiles(const fs::path& root, const std::string& dir,
                                        std::initializer_list<std::string_view> extensions) {
  std::vector<fs::path> files;
  const fs::path base = root / dir;
  std::error_code ec;
  if (!fs::is_directory(base, ec)) return files;
  for (auto it = fs::recursive_directory_iterator(base, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string ext = it->path().extension().string();
    if (std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) {
      files.push_back(it->path());
    }
  }
  if (ec) return InternalError(fmt::format("{}: cannot list: {}", GenericPath(base), ec.message()));
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::vector<std::string>> PathList(const ConfigNode& root, std::string_view key,
                                          std::vector<std::string> fallback) {
  const ConfigNode node = root.Child(key);
  if (!node.IsSet()) return fallback;
  return node.AsStringList();
}

// dbt's generic test name: <type>_<model>_<args...>, arguments sorted by name, each
// value flattened and reduced to [0-9A-Za-z_].
std::string GenericTestName(std::string_view type, std::string_view target, const json& kwargs) {
  std::vector<std::string> parts;
  auto add = [&parts](const json& value) {
    // Python's str(): True, False and None, as dbt spells them in the name.
    const std::string text = value.is_string()    ? value.get<std::string>()
                             : value.is_boolean() ? (value.get<bool>() ? "True" : "False")
                             : value.is_null()    ? "None"
                                                  : value.dump();
    std::string clean;  // each run of characters outside [0-9A-Za-z_] becomes one '_'
    bool in_run = false;
    for (char c : text) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
        clean += c;
        in_run = false;
      } else if (!in_run) {
        clean += '_';
        in_run = true;
      }
    }
    parts.push_back(std::move(clean));
  };

  for (const auto& [key, value] : kwargs.items()) {  // nlohmann::json sorts keys
    if (key == "model") continue;
    if (value.is_array()) {
      for (const json& item : value) add(item);
    } else if (value.is_object()) {
      for (const auto& [unused, item] : value.items()) add(item);
    } else {
      add(value);
    }
  }
  return fmt::format("{}_{}_{}", type, target, Join(parts, "__"));
}

// Configs a generic test may carry beside its arguments (dbt's legacy spelling).
// clang-format off
const std::set<std::string, std::less<>> kTestConfigKeys = {
    "severity", "warn_if", "error_if", "store_failures", "where", "limit", "fail_calc", "tags",
    "enabled", "meta", "database", "schema", "alias", "store_failures_as"};
// clang-format on

Result<FreshnessAfter> ParseThreshold(const ConfigNode& node) {
  RETURN_IF_ERROR(node.CheckKeys({"count", "period"}));
  FreshnessAfter threshold;
  ASSIGN_OR_RETURN(threshold.count, node.GetInt("count"));
  ASSIGN_OR_RETURN(threshold.period, node.GetString("period"));
  if (threshold.period != "minute" && threshold.period != "hour" && threshold.period != "day") {
    return node.Child("period").Error(
        fmt::format("expected minute, hour or day, got '{}'", threshold.period));
  }
  return threshold;
}

// Applies a `freshness:` node over `inherited`: null clears, a map overrides the keys it
// sets, missing keeps what was inherited.
Result<Freshness> ParseFreshness(const ConfigNode& node, Freshness inherited) {
  if (node.IsMissing()) return inherited;
  if (node.IsNull()) return Freshness{};
  if (!node.IsMap()) return node.Error("expected a map with warn_after and/or error_after");
  RETURN_IF_ERROR(node.CheckKeys({"warn_after", "error_after", "filter"}));
  Freshness out = inherited;
  for (std::string_view key : {"warn_after", "error_after"}) {
    const ConfigNode child = node.Child(key);
    std::optional<FreshnessAfter>& slot = key == "warn_after" ? out.warn_after : out.error_after;
    if (child.IsNull()) slot.reset();
    if (!child.IsSet()) continue;
    ASSIGN_OR_RETURN(slot, ParseThreshold(child));
  }
  ASSIGN_OR_RETURN(out.filter, node.GetString("filter", inherited.filter));
  return out;
}

}  // namespace

Result<json> YamlToJson(const ConfigNode& node) {
  switch (node.kind()) {
    case ConfigNode::Kind::kMissing:
    case ConfigNode::Kind::kNull:
      return json(nullptr);
    case ConfigNode::Kind::kScalar: {
      ASSIGN_OR_RETURN(std::string text, node.AsString());
      return ScalarToJson(text);
    }
    case ConfigNode::Kind::kList: {
      json out = json::array();
      for (const ConfigNode& item : node.Items()) {
        ASSIGN_OR_RETURN(json value, YamlToJson(item));
        out.push_back(std::move(value));
      }
      return out;
    }
    case ConfigNode::Kind::kMap: {
      json out = json::object();
      for (const std::string& key : node.Keys()) {
        ASSIGN_OR_RETURN(json value, YamlToJson(node.Child(key)));
        out[key] = std::move(value);
      }
      return out;
    }
  }
  return json(nullptr);
}

Status MergeConfigLayer(NodeConfig& config, const json& layer) {
  if (!layer.is_object()) return InvalidArgumentError("config: expected an object of configs");
  json& values = config.mutable_values();
  for (const auto& [raw_key, value] : layer.items()) {
    const std::string key = NormaliseConfigKey(raw_key);
    if ((key == "enabled" || key == "full_refresh") && !value.is_boolean() && !value.is_null()) {
      return InvalidArgumentError(
          fmt::format("config {}: expected a boolean, got {}", key, value.dump()));
    }
    if (Accumulates(key)) {
      std::vector<std::string> items = config.GetStringList(key);
      const json list = value.is_array() ? value : json::array({value});
      for (const json& item : list) {
        if (item.is_null()) continue;
        if (!item.is_string()) {
          return InvalidArgumentError(fmt::format(
              "config {}: expected a string or a list of strings, got {}", key, value.dump()));
        }
        const std::string text = item.get<std::string>();
        if (key == "tags" && std::find(items.begin(), items.end(), text) != items.end()) continue;
        items.push_back(text);
      }
      values[key] = items;
    } else if (key == "meta" && value.is_object() && values.contains("meta") &&
               values["meta"].is_object()) {
      values["meta"].update(value);
    } else {
      values[key] = value;
    }
  }
  return OkStatus();
}

// Builds a Project from the files; one instance per Project::Load.
class ProjectLoader {
 public:
  ProjectLoader(fs::path root, EnvLookup env) : root_(std::move(root)), env_(std::move(env)) {}

  Result<Project> Load() {
    RETURN_IF_ERROR(LoadProjectFile());
    RETURN_IF_ERROR(DiscoverModels());
    RETURN_IF_ERROR(DiscoverSeeds());
    RETURN_IF_ERROR(DiscoverSnapshots());
    RETURN_IF_ERROR(DiscoverSingularTests());
    RETURN_IF_ERROR(DiscoverMacros());
    RETURN_IF_ERROR(LoadPropertiesFiles());
    RETURN_IF_ERROR(ResolveTestDependencies());
    for (std::string_view tree :
         {"models", "seeds", "snapshots", "sources", "data_tests", "tests"}) {
      FindUnusedConfigPaths(project_.project_file_.Child(tree), used_config_paths_,
                            project_.warnings_);
    }
    DropDisabled();
    return std::move(project_);
  }

 private:
  struct PendingTest {
    std::string unique_id;
    std::string where;  // file:line of the test entry
  };

  std::string Rel(const fs::path& path) const {
    return GenericPath(path.lexically_relative(root_));
  }

  Result<ConfigNode> ParseFile(const fs::path& path) const {
    ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    return ParseYamlConfig(text, Rel(path), env_);
  }

  Status LoadProjectFile() {
    project_.root_ = root_;
    const fs::path file = root_ / "dbt_project.yml";
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      return NotFoundError(
          fmt::format("{}: no dbt_project.yml (is this a dbt project?)", GenericPath(root_)));
    }
    ASSIGN_OR_RETURN(ConfigNode yml, ParseFile(file));
    ASSIGN_OR_RETURN(project_.name_, yml.GetString("name"));
    ASSIGN_OR_RETURN(project_.version_, yml.GetString("version", ""));
    ASSIGN_OR_RETURN(project_.profile_, yml.GetString("profile", project_.name_));
    ProjectPaths& paths = project_.paths_;
    ASSIGN_OR_RETURN(paths.model_paths, PathList(yml, "model-paths", paths.model_paths));
    ASSIGN_OR_RETURN(paths.seed_paths, PathList(yml, "seed-paths", paths.seed_paths));
    ASSIGN_OR_RETURN(paths.snapshot_paths, PathList(yml, "snapshot-paths", paths.snapshot_paths));
    ASSIGN_OR_RETURN(paths.test_paths, PathList(yml, "test-paths", paths.test_paths));
    ASSIGN_OR_RETURN(paths.macro_paths, PathList(yml, "macro-paths", paths.macro_paths));
    ASSIGN_OR_RETURN(paths.target_path, yml.GetString("target-path", paths.target_path));
    project_.vars_ = yml.Child("vars");
    if (project_.vars_.IsSet() && !project_.vars_.IsMap()) {
      return project_.vars_.Error("expected a map of variables");
    }
    project_.project_file_ = yml;
    return OkStatus();
  }

  // Makes a node for a file under a resource path, with its config from the project tree.
  Result<Node> MakeFileNode(ResourceType type, const std::string& resource_dir,
                            const fs::path& file, std::string name) {
    Node node;
    node.resource_type = type;
    node.name = std::move(name);
    node.package_name = project_.name_;
    node.unique_id = fmt::format("{}.{}.{}", ResourceTypeName(type), project_.name_, node.name);
    node.original_file_path = Rel(file);
    node.path = GenericPath(file.lexically_relative(root_ / resource_dir));
    node.fqn.push_back(project_.name_);
    const fs::path parent = fs::path(node.path).parent_path();
    for (const fs::path& part : parent) node.fqn.push_back(part.string());
    node.fqn.push_back(node.name);
    RETURN_IF_ERROR(ApplyDefaultsAndTree(node));
    return node;
  }

  Status ApplyDefaultsAndTree(Node& node) {
    std::string_view tree;
    json defaults = json::object();
    switch (node.resource_type) {
      case ResourceType::kModel:
        tree = "models";
        defaults["materialized"] = "view";
        break;
      case ResourceType::kSeed:
        tree = "seeds";
        defaults["materialized"] = "seed";  // dbt's value; seeds load as tables
        break;
      case ResourceType::kSnapshot:
        tree = "snapshots";
        defaults["materialized"] = "snapshot";
        break;
      case ResourceType::kTest:
        tree = project_.project_file_.Child("data_tests").IsSet() ? "data_tests" : "tests";
        defaults["materialized"] = "test";
        defaults["severity"] = "ERROR";
        break;
      case ResourceType::kSource:
        tree = "sources";
        break;
    }
    defaults["enabled"] = true;
    RETURN_IF_ERROR(MergeConfigLayer(node.config, defaults));
    return CollectTreeConfig(project_.project_file_.Child(tree), node.fqn, 0, node.config,
                             used_config_paths_);
  }

  Status AddNodeChecked(Node node) {
    auto it = project_.nodes_.find(node.unique_id);
    if (it != project_.nodes_.end()) {
      return InvalidArgumentError(fmt::format(
          "{}: {} '{}' is defined twice (also in {})", node.original_file_path,
          ResourceTypeName(node.resource_type), node.name, it->second.original_file_path));
    }
    const std::string id = node.unique_id;
    project_.nodes_.emplace(id, std::move(node));
    return OkStatus();
  }

  Status DiscoverModels() {
    for (const std::string& dir : project_.paths_.model_paths) {
      ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(root_, dir, {".sql"}));
      for (const fs::path& file : files) {
        ASSIGN_OR_RETURN(Node node,
                         MakeFileNode(ResourceType::kModel, dir, file, file.stem().string()));
        ASSIGN_OR_RETURN(node.raw_code, ReadFile(file));
        RETURN_IF_ERROR(AddNodeChecked(std::move(node)));
      }
    }
    return OkStatus();
  }

  Status DiscoverSeeds() {
    for (const std::string& dir : project_.paths_.seed_paths) {
      ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(root_, dir, {".csv"}));
      for (const fs::path& file : files) {
        ASSIGN_OR_RETURN(Node node,
                         MakeFileNode(ResourceType::kSeed, dir, file, file.stem().string()));
        node.seed_file = GenericPath(fs::absolute(file));
        RETURN_IF_ERROR(AddNodeChecked(std::move(node)));
      }
    }
    return OkStatus();
  }

  // Snapshot files hold `{% snapshot name %} ... {% endsnapshot %}` blocks; each is a node
  // whose raw_code is the block's body.
  Status DiscoverSnapshots() {
    static const std::regex kBlock(
        R"(\{%-?\s*snapshot\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\}([\s\S]*?)\{%-?\s*endsnapshot\s*-?%\})");
    for (const std::string& dir : project_.paths_.snapshot_paths) {
      ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(root_, dir, {".sql"}));
      for (const fs::path& file : files) {
        ASSIGN_OR_RETURN(std::string text, ReadFile(file));
        int blocks = 0;
        for (auto it = std::sregex_iterator(text.begin(), text.end(), kBlock);
             it != std::sregex_iterator(); ++it, ++blocks) {
          ASSIGN_OR_RETURN(Node node,
                           MakeFileNode(ResourceType::kSnapshot, dir, file, (*it)[1].str()));
          node.raw_code = (*it)[2].str();
          RETURN_IF_ERROR(AddNodeChecked(std::move(node)));
        }
        if (blocks == 0) {
          return InvalidArgumentError(fmt::format(
              "{}:1: no {{% snapshot <name> %}} ... {{% endsnapshot %}} block", Rel(file)));
        }
      }
    }
    return OkStatus();
  }

  Status DiscoverSingularTests() {
    for (const std::string& dir : project_.paths_.test_paths) {
      ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(root_, dir, {".sql"}));
      for (const fs::path& file : files) {
        ASSIGN_OR_RETURN(Node node,
                         MakeFileNode(ResourceType::kTest, dir, file, file.stem().string()));
        ASSIGN_OR_RETURN(node.raw_code, ReadFile(file));
        RETURN_IF_ERROR(AddNodeChecked(std::move(node)));
      }
    }
    return OkStatus();
  }

  Status DiscoverMacros() {
    for (const std::string& dir : project_.paths_.macro_paths) {
      ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(root_, dir, {".sql"}));
      for (const fs::path& file : files) {
        MacroFile macro{Rel(file), ""};
        ASSIGN_OR_RETURN(macro.contents, ReadFile(file));
        project_.macro_files_.push_back(std::move(macro));
      }
    }
    return OkStatus();
  }

  Status LoadPropertiesFiles() {
    std::vector<std::pair<std::string, fs::path>> files;  // (resource dir, file)
    const ProjectPaths& paths = project_.paths_;
    for (const auto* dirs :
         {&paths.model_paths, &paths.seed_paths, &paths.snapshot_paths, &paths.test_paths}) {
      for (const std::string& dir : *dirs) {
        ASSIGN_OR_RETURN(std::vector<fs::path> found, ListFiles(root_, dir, {".yml", ".yaml"}));
        for (fs::path& file : found) files.emplace_back(dir, std::move(file));
      }
    }
    for (const auto& [dir, file] : files) {
      ASSIGN_OR_RETURN(ConfigNode yml, ParseFile(file));
      RETURN_IF_ERROR(LoadPropertiesFile(yml, dir, file));
    }
    return OkStatus();
  }

  Status LoadPropertiesFile(const ConfigNode& yml, const std::string& dir, const fs::path& file) {
    if (!yml.IsSet()) return OkStatus();
    RETURN_IF_ERROR(yml.CheckKeys({"version", "models", "sources", "seeds", "snapshots", "macros",
                                   "exposures", "metrics", "semantic_models", "saved_queries",
                                   "analyses", "unit_tests", "groups", "data_tests"}));
    for (std::string_view key : {"models", "seeds", "snapshots", "sources"}) {
      const ConfigNode list = yml.Child(key);
      if (list.IsSet() && !list.IsList()) return list.Error("expected a list");
    }
    // The directories of the properties file become its tests' and sources' fqn.
    std::vector<std::string> fqn_dirs;
    for (const fs::path& part : file.parent_path().lexically_relative(root_ / dir)) {
      if (part != ".") fqn_dirs.push_back(part.string());
    }
    for (const ConfigNode& entry : yml.Child("models").Items()) {
      RETURN_IF_ERROR(PatchNode(entry, ResourceType::kModel, file, fqn_dirs));
    }
    for (const ConfigNode& entry : yml.Child("seeds").Items()) {
      RETURN_IF_ERROR(PatchNode(entry, ResourceType::kSeed, file, fqn_dirs));
    }
    for (const ConfigNode& entry : yml.Child("snapshots").Items()) {
      RETURN_IF_ERROR(PatchNode(entry, ResourceType::kSnapshot, file, fqn_dirs));
    }
    for (const ConfigNode& entry : yml.Child("sources").Items()) {
      RETURN_IF_ERROR(LoadSource(entry, file, fqn_dirs));
    }
    return OkStatus();
  }

  std::string WhereOf(const ConfigNode& node) const {
    return fmt::format("{}:{}", node.file(), node.line());
  }

  Result<std::vector<Column>> ParseColumns(const ConfigNode& columns) {
    std::vector<Column> out;
    if (!columns.IsSet()) return out;
    if (!columns.IsList()) return columns.Error("expected a list of columns");
    for (const ConfigNode& entry : columns.Items()) {
      RETURN_IF_ERROR(entry.CheckKeys({"name", "description", "data_type", "tests", "data_tests",
                                       "meta", "quote", "constraints", "tags", "config",
                                       "policy_tags", "granularity"}));
      Column column;
      ASSIGN_OR_RETURN(column.name, entry.GetString("name"));
      ASSIGN_OR_RETURN(column.description, entry.GetString("description", ""));
      ASSIGN_OR_RETURN(column.data_type, entry.GetString("data_type", ""));
      out.push_back(std::move(column));
    }
    return out;
  }

  // `data_tests:` or its older name `tests:`, not both.
  Result<ConfigNode> TestsList(const ConfigNode& owner) {
    const ConfigNode data_tests = owner.Child("data_tests");
    const ConfigNode tests = owner.Child("tests");
    if (data_tests.IsSet() && tests.IsSet()) {
      return tests.Error("use either tests or data_tests, not both");
    }
    const ConfigNode list = data_tests.IsSet() ? data_tests : tests;
    if (list.IsSet() && !list.IsList()) return list.Error("expected a list of tests");
    return list;
  }

  // Where a generic test attaches: the tested node and the name used in test names.
  struct TestTarget {
    std::string unique_id;
    std::string name_part;    // "orders" or "shop_orders" for source shop.orders
    std::string type_prefix;  // "" or "source_"
    std::string model_arg;    // the `model` argument: "ref('orders')" or "source('shop', 'orders')"
  };

  Status AddTests(const ConfigNode& owner, const TestTarget& target, const std::string& column,
                  const fs::path& file, const std::vector<std::string>& fqn_dirs) {
    ASSIGN_OR_RETURN(ConfigNode list, TestsList(owner));
    for (const ConfigNode& entry : list.Items()) {
      RETURN_IF_ERROR(AddTest(entry, target, column, file, fqn_dirs));
    }
    return OkStatus();
  }

  Status AddTest(const ConfigNode& entry, const TestTarget& target, const std::string& column,
                 const fs::path& file, const std::vector<std::string>& fqn_dirs) {
    std::string test_name;
    ConfigNode args;
    if (entry.IsScalar()) {
      ASSIGN_OR_RETURN(test_name, entry.AsString());
    } else if (entry.IsMap() && entry.Keys().size() == 1) {
      test_name = entry.Keys().front();
      args = entry.Child(test_name);
      if (args.IsSet() && !args.IsMap()) return args.Error("expected a map of test arguments");
    } else {
      return entry.Error("expected a test name or a map of one test name to its arguments");
    }
    Node node;
    node.resource_type = ResourceType::kTest;
    node.package_name = project_.name_;
    node.original_file_path = Rel(file);
    node.patch_path = WhereOf(entry);
    node.attached_node = target.unique_id;
    node.column_name = column;
    TestMetadata metadata;
    const size_t dot = test_name.rfind('.');
    metadata.name = dot == std::string::npos ? test_name : test_name.substr(dot + 1);
    metadata.namespace_name = dot == std::string::npos ? "" : test_name.substr(0, dot);
    metadata.kwargs = json::object();
    json config_layer = json::object();
    std::string custom_name;
    for (const std::string& key : args.Keys()) {
      const ConfigNode value = args.Child(key);
      if (key == "config") {
        ASSIGN_OR_RETURN(json layer, ConfigLayerFromYaml(value));
        config_layer.update(layer);
      } else if (key == "name") {
        ASSIGN_OR_RETURN(custom_name, value.AsString());
      } else if (key == "arguments") {
        ASSIGN_OR_RETURN(json arguments, YamlToJson(value));
        if (!arguments.is_object()) return value.Error("expected a map of test arguments");
        metadata.kwargs.update(arguments);
      } else if (key == "column_name") {
        ASSIGN_OR_RETURN(node.column_name, value.AsString());
      } else if (kTestConfigKeys.contains(key)) {
        RETURN_IF_ERROR(AddConfigEntry(config_layer, key, value));
      } else {
        ASSIGN_OR_RETURN(metadata.kwargs[key], YamlToJson(value));
      }
    }
    if (metadata.name == "accepted_values" && !metadata.kwargs.contains("values")) {
      return entry.Error("accepted_values needs `values: [...]`");
    }
    if (metadata.name == "relationships" &&
        (!metadata.kwargs.contains("to") || !metadata.kwargs.contains("field"))) {
      return entry.Error("relationships needs `to: ref('...')` and `field: <column>`");
    }
    if (!node.column_name.empty()) metadata.kwargs["column_name"] = node.column_name;
    const std::string type = target.type_prefix + metadata.name;
    node.name = custom_name.empty() ? GenericTestName(type, target.name_part, metadata.kwargs)
                                    : custom_name;
    metadata.kwargs["model"] = target.model_arg;
    node.test_metadata = std::move(metadata);
    node.unique_id = fmt::format("test.{}.{}", project_.name_, node.name);
    node.path = node.name + ".sql";
    node.fqn.push_back(project_.name_);
    node.fqn.insert(node.fqn.end(), fqn_dirs.begin(), fqn_dirs.end());
    node.fqn.push_back(node.name);
    node.depends_on.push_back(target.unique_id);
    RETURN_IF_ERROR(ApplyDefaultsAndTree(node));
    if (Status status = MergeConfigLayer(node.config, config_layer); !status.ok()) {
      return entry.Error(status.message());
    }
    if (project_.nodes_.contains(node.unique_id)) {
      return entry.Error(
          fmt::format("test '{}' is defined twice; give one of them a `name:`", node.name));
    }
    pending_tests_.push_back({node.unique_id, node.patch_path});
    project_.nodes_.emplace(node.unique_id, std::move(node));
    return OkStatus();
  }

  Status PatchNode(const ConfigNode& entry, ResourceType type, const fs::path& file,
                   const std::vector<std::string>& fqn_dirs) {
    RETURN_IF_ERROR(
        entry.CheckKeys({"name", "description", "config", "columns", "tests", "data_tests", "docs",
                         "meta", "access", "constraints", "group", "latest_version", "versions",
                         "deprecation_date", "relation", "tags"}));
    ASSIGN_OR_RETURN(std::string name, entry.GetString("name"));
    const std::string id = fmt::format("{}.{}.{}", ResourceTypeName(type), project_.name_, name);
    auto it = project_.nodes_.find(id);
    if (it == project_.nodes_.end() && type == ResourceType::kSnapshot &&
        entry.Child("relation").IsSet()) {
      RETURN_IF_ERROR(AddYamlSnapshot(entry, file, name));
      it = project_.nodes_.find(id);
    }
    if (it == project_.nodes_.end()) {
      return entry.Child("name").Error(
          fmt::format("no {} named '{}' in this project", ResourceTypeName(type), name));
    }
    Node& node = it->second;
    if (!node.patch_path.empty()) {
      return entry.Child("name").Error(fmt::format("{} '{}' is already described in {}",
                                                   ResourceTypeName(type), name, node.patch_path));
    }
    node.patch_path = WhereOf(entry);
    ASSIGN_OR_RETURN(node.description, entry.GetString("description", ""));
    ASSIGN_OR_RETURN(node.columns, ParseColumns(entry.Child("columns")));
    ASSIGN_OR_RETURN(json layer, ConfigLayerFromYaml(entry.Child("config")));
    if (entry.Child("tags").IsSet()) {
      RETURN_IF_ERROR(AddConfigEntry(layer, "tags", entry.Child("tags")));
    }
    if (Status status = MergeConfigLayer(node.config, layer); !status.ok()) {
      return entry.Child("config").Error(status.message());
    }
    const TestTarget target{id, name, "", fmt::format("ref('{}')", name)};
    RETURN_IF_ERROR(AddTests(entry, target, "", file, fqn_dirs));
    for (const ConfigNode& column : entry.Child("columns").Items()) {
      ASSIGN_OR_RETURN(std::string column_name, column.GetString("name"));
      RETURN_IF_ERROR(AddTests(column, target, column_name, file, fqn_dirs));
    }
    return OkStatus();
  }

  // dbt 1.9's snapshots declared in YAML: `relation: ref('orders')` and a config.
  Status AddYamlSnapshot(const ConfigNode& entry, const fs::path& file, const std::string& name) {
    Node node;
    node.resource_type = ResourceType::kSnapshot;
    node.name = name;
    node.package_name = project_.name_;
    node.unique_id = fmt::format("snapshot.{}.{}", project_.name_, name);
    node.original_file_path = Rel(file);
    node.path = GenericPath(fs::path(node.original_file_path).filename());
    node.fqn = {project_.name_, name};
    ASSIGN_OR_RETURN(std::string relation, entry.GetString("relation"));
    node.raw_code = fmt::format("select * from {{{{ {} }}}}", relation);
    RETURN_IF_ERROR(ApplyDefaultsAndTree(node));
    return AddNodeChecked(std::move(node));
  }

  Status LoadSource(const ConfigNode& entry, const fs::path& file,
                    const std::vector<std::string>& fqn_dirs) {
    RETURN_IF_ERROR(
        entry.CheckKeys({"name", "description", "database", "schema", "loader", "loaded_at_field",
                         "freshness", "tables", "config", "meta", "tags", "overrides", "quoting"}));
    ASSIGN_OR_RETURN(std::string source_name, entry.GetString("name"));
    ASSIGN_OR_RETURN(std::string schema, entry.GetString("schema", source_name));
    ASSIGN_OR_RETURN(std::string database, entry.GetString("database", ""));
    ASSIGN_OR_RETURN(std::string loaded_at, entry.GetString("loaded_at_field", ""));
    ASSIGN_OR_RETURN(Freshness freshness, ParseFreshness(entry.Child("freshness"), Freshness{}));
    ASSIGN_OR_RETURN(json source_layer, ConfigLayerFromYaml(entry.Child("config")));
    if (entry.Child("tags").IsSet()) {
      RETURN_IF_ERROR(AddConfigEntry(source_layer, "tags", entry.Child("tags")));
    }
    const ConfigNode tables = entry.Child("tables");
    if (tables.IsSet() && !tables.IsList()) return tables.Error("expected a list of tables");
    for (const ConfigNode& table : tables.Items()) {
      RETURN_IF_ERROR(table.CheckKeys({"name", "identifier", "description", "loaded_at_field",
                                       "freshness", "columns", "tests", "data_tests", "config",
                                       "meta", "tags", "quoting", "external"}));
      Node node;
      node.resource_type = ResourceType::kSource;
      node.package_name = project_.name_;
      node.source_name = source_name;
      ASSIGN_OR_RETURN(node.name, table.GetString("name"));
      node.unique_id = fmt::format("source.{}.{}.{}", project_.name_, source_name, node.name);
      node.original_file_path = Rel(file);
      node.path = node.original_file_path;
      node.patch_path = WhereOf(table);
      node.fqn.push_back(project_.name_);
      node.fqn.insert(node.fqn.end(), fqn_dirs.begin(), fqn_dirs.end());
      node.fqn.push_back(source_name);
      node.fqn.push_back(node.name);
      ASSIGN_OR_RETURN(node.identifier, table.GetString("identifier", node.name));
      node.schema = schema;
      node.database = database;
      ASSIGN_OR_RETURN(node.loaded_at_field, table.GetString("loaded_at_field", loaded_at));
      ASSIGN_OR_RETURN(node.freshness, ParseFreshness(table.Child("freshness"), freshness));
      ASSIGN_OR_RETURN(node.description, table.GetString("description", ""));
      ASSIGN_OR_RETURN(node.columns, ParseColumns(table.Child("columns")));
      RETURN_IF_ERROR(ApplyDefaultsAndTree(node));
      ASSIGN_OR_RETURN(json table_layer, ConfigLayerFromYaml(table.Child("config")));
      if (table.Child("tags").IsSet()) {
        RETURN_IF_ERROR(AddConfigEntry(table_layer, "tags", table.Child("tags")));
      }
      for (const json* layer : {&source_layer, &table_layer}) {
        if (Status status = MergeConfigLayer(node.config, *layer); !status.ok()) {
          return table.Error(status.message());
        }
      }
      if (project_.nodes_.contains(node.unique_id)) {
        return table.Child("name").Error(
            fmt::format("source table '{}.{}' is defined twice", source_name, node.name));
      }
      const TestTarget target{node.unique_id, source_name + "_" + node.name, "source_",
                              fmt::format("source('{}', '{}')", source_name, node.name)};
      const std::string id = node.unique_id;
      project_.nodes_.emplace(id, std::move(node));
      RETURN_IF_ERROR(AddTests(table, target, "", file, fqn_dirs));
      for (const ConfigNode& column : table.Child("columns").Items()) {
        ASSIGN_OR_RETURN(std::string column_name, column.GetString("name"));
        RETURN_IF_ERROR(AddTests(column, target, column_name, file, fqn_dirs));
      }
    }
    return OkStatus();
  }

  // relationships' `to:` names a second parent of the test.
  Status ResolveTestDependencies() {
    static const std::regex kRef(
        R"(^\s*ref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)\s*$)");
    static const std::regex kSource(
        R"(^\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$)");
    for (const PendingTest& pending : pending_tests_) {
      Node& test = project_.nodes_.at(pending.unique_id);
      const json& to = test.test_metadata->kwargs.value("to", json());
      if (!to.is_string()) continue;
      const std::string text = to.get<std::string>();
      std::smatch match;
      Result<const Node*> parent = NotFoundError("");
      if (std::regex_match(text, match, kRef)) {
        parent = match[2].matched ? project_.FindRef(match[2].str(), match[1].str())
                                  : project_.FindRef(match[1].str());
      } else if (std::regex_match(text, match, kSource)) {
        parent = project_.FindSource(match[1].str(), match[2].str());
      } else {
        continue;  // an expression the Jinja engine resolves
      }
      if (!parent.ok()) {
        return InvalidArgumentError(
            fmt::format("{}: test {}: {}", pending.where, test.name, parent.status().message()));
      }
      test.depends_on.push_back((*parent)->unique_id);
    }
    return OkStatus();
  }

  // Removes disabled nodes, and the tests of disabled nodes.
  void DropDisabled() {
    std::set<std::string> gone;
    for (const auto& [id, node] : project_.nodes_) {
      if (!node.config.enabled()) gone.insert(id);
    }
    for (const auto& [id, node] : project_.nodes_) {
      for (const std::string& parent : node.depends_on) {
        if (node.resource_type == ResourceType::kTest && gone.contains(parent)) gone.insert(id);
      }
    }
    for (const std::string& id : gone) {
      project_.nodes_.erase(id);
      project_.disabled_.push_back(id);
    }
  }

  fs::path root_;
  EnvLookup env_;
  Project project_;
  std::vector<PendingTest> pending_tests_;
  std::set<std::string> used_config_paths_;
};

Result<Project> Project::Load(const fs::path& root, EnvLookup env) {
  return ProjectLoader(root, std::move(env)).Load();
}

const Node* Project::Find(std::string_view unique_id) const {
  auto it = nodes_.find(std::string(unique_id));
  return it == nodes_.end() ? nullptr : &it->second;
}

Node* Project::FindMutable(std::string_view unique_id) {
  auto it = nodes_.find(std::string(unique_id));
  return it == nodes_.end() ? nullptr : &it->second;
}

Result<const Node*> Project::FindRef(std::string_view name, std::string_view package) const {
  if (!package.empty() && package != name_) {
    return NotFoundError(
        fmt::format("ref '{}.{}' not found: no package '{}' (this project is '{}')", package, name,
                    package, name_));
  }
  for (ResourceType type : {ResourceType::kModel, ResourceType::kSeed, ResourceType::kSnapshot}) {
    if (const Node* node = Find(fmt::format("{}.{}.{}", ResourceTypeName(type), name_, name))) {
      return node;
    }
  }
  std::vector<std::string> names;
  for (const auto& [id, node] : nodes_) {
    if (node.resource_type != ResourceType::kTest && node.resource_type != ResourceType::kSource) {
      names.push_back(node.name);
    }
  }
  return NotFoundError(fmt::format("ref '{}' not found{}", name, ClosestHint(name, names)));
}

Result<const Node*> Project::FindSource(std::string_view source, std::string_view table) const {
  if (const Node* node = Find(fmt::format("source.{}.{}.{}", name_, source, table))) return node;
  std::vector<std::string> names;
  for (const auto& [id, node] : nodes_) {
    if (node.resource_type == ResourceType::kSource) {
      names.push_back(node.source_name + "." + node.name);
    }
  }
  const std::string wanted = fmt::format("{}.{}", source, table);
  return NotFoundError(fmt::format("source '{}' not found{}", wanted, ClosestHint(wanted, names)));
}

Status Project::ApplyInFileConfig(std::string_view unique_id, const json& layer) {
  Node* node = FindMutable(unique_id);
  if (node == nullptr) return NotFoundError(fmt::format("no node '{}'", unique_id));
  if (Status status = MergeConfigLayer(node->config, layer); !status.ok()) {
    return status.WithContext(node->original_file_path);
  }
  if (!node->config.enabled()) {
    const std::string id = node->unique_id;
    nodes_.erase(id);
    disabled_.push_back(id);
    // Its generic tests go with it.
    for (auto it = nodes_.begin(); it != nodes_.end();) {
      const std::vector<std::string>& parents = it->second.depends_on;
      const bool tests_it = it->second.test_metadata.has_value() &&
                            std::find(parents.begin(), parents.end(), id) != parents.end();
      if (!tests_it) {
        ++it;
        continue;
      }
      disabled_.push_back(it->first);
      it = nodes_.erase(it);
    }
  }
  return OkStatus();
}

}  // namespace shoplytics::transform
