// A node of a dbt-format project: a model, seed, snapshot, test or source table, with
// its resolved config. Plain data: the loader (project.h) fills it, the graph and the
// selector read it, later stages (rendering) fill depends_on.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoplytics::transform {

enum class ResourceType { kModel, kSeed, kSnapshot, kTest, kSource };

// "model", "seed", "snapshot", "test", "source" (the prefix of unique ids).
inline std::string_view ResourceTypeName(ResourceType type) {
  switch (type) {
    case ResourceType::kModel:
      return "model";
    case ResourceType::kSeed:
      return "seed";
    case ResourceType::kSnapshot:
      return "snapshot";
    case ResourceType::kTest:
      return "test";
    case ResourceType::kSource:
      return "source";
  }
  return "unknown";
}

// A node's configuration after merging its layers (see MergeConfigLayer in project.h):
// a JSON object keyed by dbt's config names with '-' spelt '_' (pre_hook, post_hook).
// Accessors give dbt's defaults for keys that no layer set.
class NodeConfig {
 public:
  NodeConfig() : values_(nlohmann::json::object()) {}
  explicit NodeConfig(nlohmann::json values) : values_(std::move(values)) {}

  const nlohmann::json& values() const { return values_; }
  nlohmann::json& mutable_values() { return values_; }

  // The value of `key`, or null when no layer set it.
  const nlohmann::json& Get(std::string_view key) const {
    static const nlohmann::json kNull;
    auto it = values_.find(key);
    return it == values_.end() ? kNull : *it;
  }
  // The string value of `key`; `fallback` when unset, null or not a string.
  std::string GetString(std::string_view key, std::string_view fallback = "") const {
    const nlohmann::json& value = Get(key);
    return value.is_string() ? value.get<std::string>() : std::string(fallback);
  }
  // A string or a list of strings as a list; empty when unset.
  std::vector<std::string> GetStringList(std::string_view key) const {
    const nlohmann::json& value = Get(key);
    std::vector<std::string> out;
    if (value.is_string()) out.push_back(value.get<std::string>());
    if (value.is_array()) {
      for (const auto& item : value) {
        if (item.is_string()) out.push_back(item.get<std::string>());
      }
    }
    return out;
  }

  std::string materialized() const { return GetString("materialized"); }
  std::vector<std::string> tags() const { return GetStringList("tags"); }
  std::vector<std::string> pre_hooks() const { return GetStringList("pre_hook"); }
  std::vector<std::string> post_hooks() const { return GetStringList("post_hook"); }
  // True unless a layer set enabled: false.
  bool enabled() const {
    const nlohmann::json& value = Get("enabled");
    return !value.is_boolean() || value.get<bool>();
  }

 private:
  nlohmann::json values_;
};

// A generic test as written in a properties file: `unique`, `accepted_values: {values:
// [...]}`, `relationships: {to: "ref('x')", field: id}` or a custom test by name.
struct TestMetadata {
  std::string name;            // "unique", "accepted_values", "my_test"
  std::string namespace_name;  // "dbt_utils" for "dbt_utils.expression_is_true"; or empty
  nlohmann::json kwargs;       // object: column_name, values, to, field, custom arguments
};

struct Column {
  std::string name;
  std::string description;
  std::string data_type;
};

// Source freshness: warn_after / error_after as {count, period}.
struct FreshnessAfter {
  int64_t count = 0;
  std::string period;  // minute, hour, day
};
struct Freshness {
  std::optional<FreshnessAfter> warn_after;
  std::optional<FreshnessAfter> error_after;
  std::string filter;
  bool IsSet() const { return warn_after.has_value() || error_after.has_value(); }
};

struct Node {
  std::string unique_id;  // "model.shop.stg_orders"
  ResourceType resource_type = ResourceType::kModel;
  std::string name;          // "stg_orders"; a source's table name
  std::string package_name;  // the project's name
  // Relative to the project root, '/'-separated: "models/staging/stg_orders.sql". For
  // sources and generic tests, the properties file that declares them.
  std::string original_file_path;
  // Relative to the resource's path dir: "staging/stg_orders.sql".
  std::string path;
  std::vector<std::string> fqn;  // ["shop", "staging", "stg_orders"]
  std::string raw_code;          // SQL of models, snapshots and singular tests
  std::string description;
  std::vector<Column> columns;
  NodeConfig config;
  // "models/staging/schema.yml:12" when a properties file described the node.
  std::string patch_path;

  // Unique ids this node reads from. Filled for generic tests by the loader (the tested
  // node and a relationships target); for models, snapshots and singular tests by the
  // caller after rendering.
  std::vector<std::string> depends_on;

  // Tests only.
  std::optional<TestMetadata> test_metadata;  // unset for singular tests
  std::string attached_node;                  // the tested node's unique id
  std::string column_name;                    // the tested column, if any

  // Sources only.
  std::string source_name;
  std::string identifier;  // the table's name in the database (default: name)
  std::string schema;      // default: the source's name
  std::string database;
  std::string loaded_at_field;
  Freshness freshness;

  // Seeds only: the absolute path of the CSV file.
  std::string seed_file;
};

}  // namespace shoplytics::transform
