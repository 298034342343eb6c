// Loading a dbt-format project: dbt_project.yml, the files under its resource paths, the
// YAML properties files, and each node's config resolved as dbt resolves it.
//
// Config precedence, lowest first: the dbt_project.yml tree (models: <project>: <dir>:
// ... +key: value, deeper levels override shallower ones), then the node's `config:` in
// a properties file, then the `config()` call in its SQL, which the caller merges later
// with Project::ApplyInFileConfig after rendering. tags and pre_hook/post_hook accumulate
// across layers; other keys override.
//
// Every error names the file and line and, for YAML, the key ("models/schema.yml:7:
// models[0].columns[1].tests[0]: ..."). A Project is plain data: copyable and safe to read
// from many threads while nobody mutates it.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/env.h"
#include "config/yaml_config.h"
#include "transform/node.h"

namespace shoplytics::transform {

// The resource directories of dbt_project.yml, relative to the project root, with dbt's
// defaults.
struct ProjectPaths {
  std::vector<std::string> model_paths = {"models"};
  std::vector<std::string> seed_paths = {"seeds"};
  std::vector<std::string> snapshot_paths = {"snapshots"};
  std::vector<std::string> test_paths = {"tests"};
  std::vector<std::string> macro_paths = {"macros"};
  std::string target_path = "target";
};

// A .sql file under a macro path, for the Jinja engine to parse.
struct MacroFile {
  std::string path;  // relative to the project root
  std::string contents;
};

class Project {
 public:
  // Loads the project in `root` (the directory holding dbt_project.yml). Disabled nodes
  // are left out (see disabled()). `env` expands ${ENV} references in YAML values.
  static Result<Project> Load(const std::filesystem::path& root, EnvLookup env = ProcessEnv());

  const std::filesystem::path& root() const { return root_; }
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& profile() const { return profile_; }
  const ProjectPaths& paths() const { return paths_; }
  // The `vars:` map of dbt_project.yml (a missing node when there is none).
  const ConfigNode& vars() const { return vars_; }
  const std::vector<MacroFile>& macro_files() const { return macro_files_; }

  // Enabled nodes (sources included) by unique id.
  const std::map<std::string, Node>& nodes() const { return nodes_; }
  // Unique ids of nodes left out because enabled resolved to false.
  const std::vector<std::string>& disabled() const { return disabled_; }

  // Problems that do not stop loading, each naming its file and line: config paths of
  // dbt_project.yml that match no resource ("dbt_project.yml:7: models.shop.stagin: this
  // config path matches no resource").
  const std::vector<std::string>& warnings() const { return warnings_; }

  // The node with this unique id, or nullptr.
  const Node* Find(std::string_view unique_id) const;
  Node* FindMutable(std::string_view unique_id);
  // The model, seed or snapshot that ref(`name`) or ref(`package`, `name`) names;
  // kNotFound naming the closest existing name otherwise ("ref 'stg_order' not found (did
  // you mean 'stg_orders'?)"), or naming the package when it is not this project.
  Result<const Node*> FindRef(std::string_view name, std::string_view package = "") const;
  // The source table source(`source`, `table`), or kNotFound.
  Result<const Node*> FindSource(std::string_view source, std::string_view table) const;

  // Merges the `config()` call of a node's SQL (a JSON object) as the last layer. When
  // that disables the node, it and its generic tests move to disabled(). kNotFound for an
  // unknown id,
  // kInvalidArgument for a value of the wrong type.
  Status ApplyInFileConfig(std::string_view unique_id, const nlohmann::json& layer);

 private:
  friend class ProjectLoader;

  std::filesystem::path root_;
  std::string name_;
  std::string version_;
  std::string profile_;
  ProjectPaths paths_;
  ConfigNode vars_;
  ConfigNode project_file_;  // dbt_project.yml, for its config trees
  std::vector<MacroFile> macro_files_;
  std::map<std::string, Node> nodes_;
  std::vector<std::string> disabled_;
  std::vector<std::string> warnings_;
};

// Merges one config layer (a JSON object) into `config`: tags and pre_hook/post_hook
// accumulate (a string counts as a list of one; tags keep first-seen order without
// duplicates), `meta` maps merge key by key, other keys override. Spellings "pre-hook",
// "post-hook" and a leading '+' are normalised. kInvalidArgument naming the key when
// `enabled` or `full_refresh` is not a boolean, or `tags` not a string or list of strings.
Status MergeConfigLayer(NodeConfig& config, const nlohmann::json& layer);

// A YAML value as JSON: maps, lists, and scalars typed as YAML 1.2 core types (true, 42,
// 1.5, null; anything else a string). Missing and null nodes are null.
Result<nlohmann::json> YamlToJson(const ConfigNode& node);

}  // namespace shoplytics::transform
