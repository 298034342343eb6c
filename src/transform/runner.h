// The dbt commands: one invocation of build, run, test, seed, snapshot, compile, ls,
// docs generate or source freshness over a dbt-format project, as dbt runs them.
//
// An invocation loads the project, finds its warehouse through profiles.yml, parses it
// (compiler.h), selects nodes (selector.h), runs them in parallel in dependency order
// (executor.h) on one connection per thread, prints dbt-style progress lines, and writes
// target/manifest.json and target/run_results.json. In `build`, a model's children wait
// for the model's tests, so a failing test skips what is built on the model; in every
// command a failure skips the failed node's dependents.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/env.h"
#include "transform/profiles.h"
#include "transform/run_result.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"

namespace shoplytics::transform {

enum class Command {
  kBuild,
  kRun,
  kTest,
  kSeed,
  kSnapshot,
  kCompile,
  kList,
  kDocsGenerate,
  kSourceFreshness,
};

// "build", "run", ..., "ls", "docs generate", "source freshness".
std::string_view CommandName(Command command);

struct InvocationOptions {
  Command command = Command::kBuild;
  std::filesystem::path project_dir = ".";
  std::optional<std::filesystem::path> profiles_dir;  // --profiles-dir
  std::optional<std::string> profile;                 // --profile: overrides dbt_project.yml's
  std::optional<std::string> target;                  // --target
  std::vector<std::string> select;                    // --select / -s (and --models / -m)
  std::vector<std::string> exclude;
  std::string indirect_selection = "eager";  // eager, cautious, empty
  std::string vars_yaml;                     // --vars, a YAML or JSON mapping
  std::optional<int> threads;                // --threads: over the profile's
  bool full_refresh = false;
  // compile: the SQL dialect (CompileOptions::dialect); empty: the warehouse's.
  std::string dialect;
  bool fail_fast = false;
  bool store_failures = false;                       // --store-failures: for every test
  std::vector<std::string> resource_types;           // ls --resource-type
  std::string output = "selector";                   // ls --output: selector, name, path, json
  std::optional<std::filesystem::path> target_path;  // --target-path: default <project>/target
  EnvLookup env = ProcessEnv();
  // Progress lines go here, each ending "\n"; unset: stdout.
  std::function<void(const std::string&)> print;
  // Fixes the clock for snapshots and freshness (tests); unset: now.
  std::optional<std::chrono::sys_time<std::chrono::microseconds>> now;
};

struct InvocationSummary {
  int pass = 0;  // success and pass
  int warn = 0;
  int error = 0;  // error and fail
  int skip = 0;
  int total = 0;
};

struct InvocationResult {
  // 0 when every node passed or warned, 1 otherwise (dbt's codes).
  int exit_code = 0;
  std::vector<NodeResult> results;
  InvocationSummary summary;
  double elapsed_seconds = 0;
  std::filesystem::path target_dir;  // where the artifacts went
  // ls: the lines printed; compile with one selected node: its SQL.
  std::vector<std::string> listed;
};

// Runs one command. A project that cannot be loaded or parsed, a missing profile, a bad
// selector or --vars, and an unopenable warehouse are errors (a Status naming the file
// and what to fix); nodes that fail are results, with exit_code 1.
Result<InvocationResult> Invoke(const InvocationOptions& options);

// The warehouse target of the dbt project in `project_dir`: dbt_project.yml's `profile:`
// (or `profile` when given) read from the profiles.yml dbt would use (profiles.h).
// Errors name the file and what to fix.
Result<ProfileTarget> ResolveProjectTarget(const std::filesystem::path& project_dir,
                                           const std::optional<std::filesystem::path>& profiles_dir,
                                           const std::optional<std::string>& profile,
                                           const std::optional<std::string>& target,
                                           const EnvLookup& env = ProcessEnv());

// Readies a profile's warehouse, as a build opens it: DuckDB's block allocator keeps up to
// half of the memory limit (unless the profile sets block_allocator_memory) on transparent
// huge pages (warehouse/huge_pages.h), and `conn` gets the profile's settings (TimeZone
// and the rest). `shoplytics query` in a dbt project opens it so too, so that a statement
// runs there as it does in a build (dates cut in the same zone, the same memory).
Status PrepareWarehouse(const ProfileTarget& target, warehouse::Database& db,
                        warehouse::Connection& conn);

// The final line: "Done. PASS=3 WARN=0 ERROR=1 SKIP=2 TOTAL=6".
std::string DoneLine(const InvocationSummary& summary);

}  // namespace shoplytics::transform
