// What running one node of a dbt-format project produced, as dbt's run_results.json
// records it, and what the compiler knows of a node for target/manifest.json.
// Plain data shared by the compiler, the executor, the artifacts writer and the CLI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoplytics::transform {

// dbt's statuses: models, seeds and snapshots end success, error or skipped; tests and
// source freshness pass, warn, fail (a failing test), error (it could not run) or skipped.
enum class RunStatus { kSuccess, kPass, kWarn, kFail, kError, kSkipped };

// dbt's spelling: "success", "pass", "warn", "fail", "error", "skipped".
inline std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kSuccess:
      return "success";
    case RunStatus::kPass:
      return "pass";
    case RunStatus::kWarn:
      return "warn";
    case RunStatus::kFail:
      return "fail";
    case RunStatus::kError:
      return "error";
    case RunStatus::kSkipped:
      return "skipped";
  }
  return "error";
}

// A failure skips the node's dependents; a warning does not.
inline bool IsFailure(RunStatus status) {
  return status == RunStatus::kFail || status == RunStatus::kError;
}

// One phase of a node's run ("compile", "execute"), ISO-8601 UTC times with
// microseconds and a trailing 'Z', as in dbt's run_results.json.
struct TimingEntry {
  std::string name;
  std::string started_at;
  std::string completed_at;
};

struct NodeResult {
  std::string unique_id;
  RunStatus status = RunStatus::kSuccess;
  // dbt's message: "OK", "CREATE TABLE (42 rows)", "INSERT 7", "Got 3 results, configured
  // to fail if != 0", or the error's text; for skipped nodes, which upstream failed.
  std::string message;
  std::optional<int64_t> rows_affected;  // adapter_response.rows_affected
  std::optional<int64_t> failures;       // tests: failing rows
  double execution_time = 0;             // seconds, compile and execute
  int thread_index = 0;                  // "Thread-1" is thread_index 0
  std::vector<TimingEntry> timing;
  std::string compiled_code;  // empty when not compiled
  std::string relation_name;  // "warehouse"."main"."orders"; empty for tests and ephemerals
};

// What the compiler knows of a node, for the manifest.
struct CompiledNodeInfo {
  std::string database;       // the DuckDB catalog: the database file's stem ("warehouse")
  std::string schema;         // where the node's relation lives
  std::string alias;          // its identifier (config alias, or the node's name)
  std::string relation_name;  // quoted "database"."schema"."alias"; empty for ephemerals,
                              // and tests without store_failures
  std::optional<std::string> compiled_code;  // unset: not compiled in this invocation
  // ref() calls as written: {"stg_orders"} or {"package", "stg_orders"}.
  std::vector<std::vector<std::string>> refs;
  // source() calls: {source name, table name}.
  std::vector<std::pair<std::string, std::string>> sources;
  // Unique ids of the project macros the node called ("macro.shop.cents_to_dollars").
  std::vector<std::string> macros;
};

}  // namespace shoplytics::transform
