// dbt's artifacts: target/manifest.json (schema v12, dbt-core 1.8) and
// target/run_results.json (schema v6), in dbt's shape so that tools reading dbt's files
// (dbt docs, state comparison, elementary, dbt_artifacts) read ours.
//
// The builders are pure: they turn a loaded project, its graph, what the compiler
// learned and the run's results into JSON. Only WriteJsonFile touches the disk.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "transform/graph.h"
#include "transform/project.h"
#include "transform/run_result.h"

namespace shoplytics::transform {

// The dbt version the artifacts claim to come from: readers branch on it.
inline constexpr std::string_view kDbtVersion = "1.8.0";
inline constexpr std::string_view kManifestSchemaVersion =
    "https://schemas.getdbt.com/dbt/manifest/v12.json";
inline constexpr std::string_view kRunResultsSchemaVersion =
    "https://schemas.getdbt.com/dbt/run-results/v6.json";

// What both artifacts of one invocation share.
struct InvocationInfo {
  std::string invocation_id;  // uuid4 text (NewInvocationId)
  std::string generated_at;   // ISO-8601 UTC, microseconds: "2026-11-22T05:30:00.123456Z"
  std::string command;        // "build", "run", "test", ...
  // The CLI flags as dbt writes them into run_results' `args`:
  // {"which": "build", "select": [...], "threads": 4, ...}.
  nlohmann::json args = nlohmann::json::object();
};

// A random version-4 UUID in its 36-character text form. Thread-safe.
std::string NewInvocationId();

// The current time as ISO-8601 UTC with microseconds and a trailing 'Z', the form of
// every timestamp in dbt's artifacts. Thread-safe.
std::string IsoTimestampNow();

// A macro for the manifest's `macros` section.
struct MacroInfo {
  std::string unique_id;           // "macro.shop.cents_to_dollars"
  std::string name;                // "cents_to_dollars"
  std::string package_name;        // "shop"
  std::string original_file_path;  // "macros/cents.sql"
  std::string macro_sql;           // the {% macro %} ... {% endmacro %} text
};

// The manifest of `project`.
//
// `nodes` holds models, seeds, snapshots and tests; `sources` the source tables. Every
// node and source is a key of parent_map and child_map, whose lists (from `graph`, which
// may be the project's whole graph or a subgraph) are sorted.
//
// `compiled` says, by unique id, where each node lives and what compiling it found (refs,
// sources, macros, the compiled SQL). A node missing from it is written uncompiled with
// database, schema and alias from its config (config.database / config.schema or null,
// config.alias or its name), refs and sources derived from its depends_on, and no
// relation_name. A node present without compiled_code is written with compiled: false.
//
// `docs` maps the name of a {% docs %} block to its text. A seed's checksum is the
// SHA-256 of its file; when the file cannot be read, dbt's {"name": "none"} checksum.
nlohmann::json BuildManifest(const Project& project, const Graph& graph,
                             const std::map<std::string, CompiledNodeInfo>& compiled,
                             const std::vector<MacroInfo>& macros,
                             const std::map<std::string, std::string>& docs,
                             const InvocationInfo& invocation);

// Sets a manifest node's compiled fields (compiled, compiled_path, compiled_code,
// extra_ctes_injected) in `node_json`, as BuildManifest writes them: compiled_code null
// means not compiled. Lets a caller build the manifest while nodes are still compiling.
void SetCompiledFields(const Project& project, const Node& node, const std::string* compiled_code,
                       nlohmann::json& node_json);

// run_results.json of `results` (in the order given), with `elapsed_seconds` as the
// invocation's elapsed_time and invocation.args as `args`. A skipped node gets an empty
// adapter_response, as in dbt; `failures` is set for tests only.
nlohmann::json BuildRunResults(const std::vector<NodeResult>& results, double elapsed_seconds,
                               const InvocationInfo& invocation);

// Each node's execution_time in the run_results.json at `path` (a previous run's), by
// unique_id: what the executor schedules the next run by. Empty when the file is
// missing or not run_results (the estimates are only a hint).
std::map<std::string, double> ReadNodeSeconds(const std::filesystem::path& path);

// Writes `json` compactly (as dbt does) to `path`, creating its parent directories.
// Atomic (WriteFileAtomically in common/files.h): a reader sees the old file or the new
// one, never half of one. Strings that are not valid UTF-8 are written with U+FFFD in
// place of bad bytes rather than failing. Errors name the path.
Status WriteJsonFile(const std::filesystem::path& path, const nlohmann::json& json);

}  // namespace shoplytics::transform
