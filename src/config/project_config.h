// ProjectConfig: the typed part of a project's shoplytics.yml that exists today.
//
//   name: my_shop                      # default: the project directory's name
//   warehouse: warehouse.duckdb        # or {path: ..., memory_limit: 1GB}; the path is
//                                      # relative to the project directory; memory_limit
//                                      # caps DuckDB's buffer pool (default: the command's)
//   sources:
//     shop:
//       type: postgres
//       dsn: ${SHOPLYTICS_SOURCE_DSN}
//
// Each source is kept as a raw ConfigNode with its type: the connectors interpret the
// rest. Other sections (pipelines, schedule, alerts, server, quality, lake, timezone)
// are accepted and left in `root` for the modules that own them.
//
// An unknown top-level key is an error, not a warning: a misspelt section ("sorces:")
// would otherwise be silently ignored and the project would run without it. The error
// names the key, its line and the nearest known key. A module that adds a section adds
// its name to kProjectConfigSections.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/env.h"
#include "config/yaml_config.h"

namespace shoplytics {

inline constexpr std::string_view kProjectConfigFile = "shoplytics.yml";
inline constexpr std::string_view kDefaultWarehouseFile = "warehouse.duckdb";

// The top-level keys shoplytics.yml may hold.
inline constexpr std::string_view kProjectConfigSections[] = {
    "name",      "version",  "timezone", "warehouse", "lake",    "sources",   "pipeline",
    "pipelines", "schedule", "alerts",   "server",    "quality", "transform", "vars"};

struct SourceConfig {
  std::string name;  // the key under sources: [a-z][a-z0-9_]*; tables land in raw.<name>_<table>
  std::string type;  // postgres, stripe, catalog, csv, clickstream, ... (not checked here)
  ConfigNode node;   // the whole entry, for the connector
};

struct ProjectConfig {
  std::filesystem::path dir;  // the project directory, as given
  std::string name;
  std::filesystem::path warehouse_path;  // dir / configured path (or absolute as configured)
  std::string warehouse_memory_limit;    // DuckDB's memory_limit, e.g. "1GB"; empty: default
  std::vector<SourceConfig> sources;     // in file order
  ConfigNode root;                       // the whole file

  // nullptr when there is no source of that name.
  const SourceConfig* FindSource(std::string_view name) const;
};

// Reads <project_dir>/shoplytics.yml. No such file is kNotFound with a hint; any
// problem in it is kInvalidArgument "shoplytics.yml:LINE: key.path: problem".
Result<ProjectConfig> LoadProjectConfig(const std::filesystem::path& project_dir,
                                        EnvLookup env = ProcessEnv());

// The same from text already read; `file` names it in errors.
Result<ProjectConfig> ParseProjectConfig(std::string_view text,
                                         const std::filesystem::path& project_dir, std::string file,
                                         EnvLookup env = ProcessEnv());

}  // namespace shoplytics
