#include "config/project_config.h"

#include <fmt/format.h>

#include "common/files.h"

namespace shoplytics {

namespace {

bool IsSourceName(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Result<std::filesystem::path> WarehousePath(const ConfigNode& root,
                                            const std::filesystem::path& dir) {
  const ConfigNode warehouse = root.Child("warehouse");
  std::string configured(kDefaultWarehouseFile);
  if (warehouse.IsMap()) {
    ASSIGN_OR_RETURN(configured, warehouse.GetString("path", kDefaultWarehouseFile));
  } else if (warehouse.IsSet()) {
    ASSIGN_OR_RETURN(configured, warehouse.AsString());
  }
  if (configured.empty()) return warehouse.Error("the warehouse path is empty");
  return (dir / configured).lexically_normal();
}

Result<std::vector<SourceConfig>> Sources(const ConfigNode& root) {
  const ConfigNode sources = root.Child("sources");
  std::vector<SourceConfig> result;
  if (!sources.IsSet()) return result;
  if (!sources.IsMap()) {
    return sources.Error("expected a map of source name to source settings");
  }
  for (const std::string& name : sources.Keys()) {
    const ConfigNode node = sources.Child(name);
    if (!IsSourceName(name)) {
      return node.Error(
          "a source name is lower-case letters, digits and '_', starting with a letter "
          "(its tables land in raw.<source>_<table>)");
    }
    if (!node.IsMap()) return node.Error("expected a map with at least 'type'");
    ASSIGN_OR_RETURN(std::string type, node.GetString("type"));
    result.push_back(SourceConfig{name, std::move(type), node});
  }
  return result;
}

}  // namespace

const SourceConfig* ProjectConfig::FindSource(std::string_view name) const {
  for (const SourceConfig& source : sources) {
    if (source.name == name) return &source;
  }
  return nullptr;
}

Result<ProjectConfig> ParseProjectConfig(std::string_view text,
                                         const std::filesystem::path& project_dir, std::string file,
                                         EnvLookup env) {
  ASSIGN_OR_RETURN(ConfigNode root, ParseYamlConfig(text, std::move(file), std::move(env)));
  if (root.IsSet() && !root.IsMap()) return root.Error("expected a map of settings");
  RETURN_IF_ERROR(root.CheckKeys(kProjectConfigSections));

  ProjectConfig config;
  config.dir = project_dir;
  std::string default_name =
      std::filesystem::weakly_canonical(std::filesystem::absolute(project_dir)).filename();
  ASSIGN_OR_RETURN(config.name, root.GetString("name", default_name));
  if (config.name.empty()) return root.Child("name").Error("the project name is empty");
  ASSIGN_OR_RETURN(config.warehouse_path, WarehousePath(root, project_dir));
  if (root.Child("warehouse").IsMap()) {
    ASSIGN_OR_RETURN(config.warehouse_memory_limit,
                     root.Child("warehouse").GetString("memory_limit", ""));
  }
  ASSIGN_OR_RETURN(config.sources, Sources(root));
  config.root = std::move(root);
  return config;
}

Result<ProjectConfig> LoadProjectConfig(const std::filesystem::path& project_dir, EnvLookup env) {
  const std::filesystem::path path = (project_dir / kProjectConfigFile).lexically_normal();
  Result<std::string> text = ReadFile(path);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) {
    return NotFoundError(
        fmt::format("no {} in {}: not a Shoplytics project (pass --project DIR, or create one with "
                    "'shoplytics init DIR')",
                    kProjectConfigFile, project_dir.string()));
  }
  if (!text.ok()) return text.status();
  return ParseProjectConfig(*text, project_dir, path.string(), std::move(env));
}

}  // namespace shoplytics
