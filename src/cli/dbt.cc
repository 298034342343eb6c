// The dbt commands: build, run, test, seed, snapshot, compile, ls, docs generate and
// source freshness, with dbt's flags and meaning. The work is transform::Invoke's; this
// file maps flags to InvocationOptions and the result to an exit code.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "transform/runner.h"

namespace shoplytics::cli {

namespace {

using transform::Command;

constexpr const char* kDbtFooter = R"(
The project is a dbt project: dbt_project.yml, models/, seeds/, snapshots/, tests/,
macros/. Its warehouse comes from profiles.yml (type: duckdb, path: ...), found as dbt
finds it: --profiles-dir, $DBT_PROFILES_DIR, the project directory, ~/.dbt.

Selection (--select / --exclude, space- or flag-separated):
  orders             a model by name (also fqn prefixes: staging, shop.staging.*)
  +orders, orders+   with its ancestors / descendants; 2+orders: two levels up
  tag:nightly        path:models/staging   source:shop.orders   config.materialized:table
  a,b                intersection          a b     union

Examples:
  shoplytics build --project-dir jaffle
  shoplytics run -s +fct_orders --threads 4
  shoplytics test -s stg_orders --store-failures
  shoplytics run --full-refresh -s config.materialized:incremental
  shoplytics run --vars '{start_date: "2024-01-01"}'
  shoplytics compile -s orders          prints the compiled SQL of one model
  shoplytics compile --full-refresh --dialect postgres
                                        the SQL of a full build, for PostgreSQL
  shoplytics ls --resource-type model --output path

Artifacts: target/manifest.json and target/run_results.json (dbt's shape), compiled SQL
under target/compiled/. Exit codes: 0 all passed (warnings allowed), 1 a node failed,
2 bad usage or a project that does not load.)";

struct DbtFlags {
  std::string project_dir;
  std::string profiles_dir;
  std::string profile;
  std::string target;
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::string indirect_selection = "eager";
  std::string vars;
  int threads = 0;
  bool full_refresh = false;
  std::string dialect;
  bool fail_fast = false;
  bool store_failures = false;
  std::vector<std::string> resource_types;
  std::string output = "selector";
  std::string target_path;
};

void AddCommonFlags(CLI::App* sub, DbtFlags& f, Command command) {
  sub->add_option("--project-dir", f.project_dir,
                  "The dbt project's directory (default: --project, else the current one)");
  sub->add_option("--profiles-dir", f.profiles_dir,
                  "Directory of profiles.yml (default: $DBT_PROFILES_DIR, the project, ~/.dbt)");
  sub->add_option("--profile", f.profile, "Profile to use instead of dbt_project.yml's");
  sub->add_option("-t,--target", f.target, "Target of the profile (default: its `target:`)");
  sub->add_option("--vars", f.vars, "Variables as YAML or JSON: '{key: value}'");
  sub->add_option("--target-path", f.target_path, "Where artifacts go (default: <project>/target)");
  sub->add_option("-s,--select,-m,--models", f.select, "Nodes to include (see below)")
      ->expected(1, -1);
  sub->add_option("--exclude", f.exclude, "Nodes to leave out")->expected(1, -1);
  if (command == Command::kList) {
    sub->add_option("--resource-type", f.resource_types,
                    "Only these types: model, seed, snapshot, test, source")
        ->expected(1, -1);
    sub->add_option("--output,-o", f.output, "selector (default), name, path or json")
        ->check(CLI::IsMember({"selector", "name", "path", "json"}));
    return;
  }
  sub->add_option("--threads", f.threads, "Nodes built at once (default: the profile's)")
      ->check(CLI::Range(1, 256));
  sub->add_option("--indirect-selection", f.indirect_selection,
                  "Tests of selected nodes: eager (default), cautious, empty")
      ->check(CLI::IsMember({"eager", "cautious", "empty"}));
  if (command == Command::kBuild || command == Command::kRun || command == Command::kSeed) {
    sub->add_flag("--full-refresh", f.full_refresh,
                  "Rebuild incremental models from scratch (seeds: recreate)");
  }
  if (command == Command::kCompile) {
    sub->add_flag("--full-refresh", f.full_refresh,
                  "Compile incremental models as a full rebuild would run them");
    sub->add_option("--dialect", f.dialect,
                    "SQL for this warehouse: duckdb (default) or postgres; adapter.dispatch "
                    "takes its macros (postgres__m, else default__m)")
        ->check(CLI::IsMember({"duckdb", "postgres"}));
  }
  if (command == Command::kBuild || command == Command::kTest) {
    sub->add_flag("--store-failures", f.store_failures,
                  "Keep the failing rows of every test in <schema>_dbt_test__audit");
  }
  sub->add_flag("-x,--fail-fast", f.fail_fast, "Stop at the first failure");
}

int RunDbt(const GlobalOptions& globals, const DbtFlags& f, Command command) {
  transform::InvocationOptions options;
  options.command = command;
  options.project_dir = f.project_dir.empty() ? globals.project_dir : f.project_dir;
  if (!f.profiles_dir.empty()) options.profiles_dir = f.profiles_dir;
  if (!f.profile.empty()) options.profile = f.profile;
  if (!f.target.empty()) options.target = f.target;
  if (!f.target_path.empty()) options.target_path = f.target_path;
  options.select = f.select;
  options.exclude = f.exclude;
  options.indirect_selection = f.indirect_selection;
  options.vars_yaml = f.vars;
  if (f.threads > 0) options.threads = f.threads;
  options.full_refresh = f.full_refresh;
  options.dialect = f.dialect;
  options.fail_fast = f.fail_fast;
  options.store_failures = f.store_failures;
  options.resource_types = f.resource_types;
  options.output = f.output;
  // With --json, stdout carries only the JSON summary; progress goes to stderr.
  if (globals.json) {
    options.print = [](const std::string& line) { std::fputs(line.c_str(), stderr); };
  }
  Result<transform::InvocationResult> result = transform::Invoke(options);
  const std::string name(transform::CommandName(command));
  if (!result.ok()) {
    std::fprintf(stderr, "shoplytics %s: %s\n", name.c_str(), result.status().message().c_str());
    return kExitUsage;
  }
  if (globals.json) {
    nlohmann::json out = {{"command", name},
                          {"exit_code", result->exit_code},
                          {"elapsed_seconds", result->elapsed_seconds},
                          {"target_path", result->target_dir.string()},
                          {"pass", result->summary.pass},
                          {"warn", result->summary.warn},
                          {"error", result->summary.error},
                          {"skip", result->summary.skip},
                          {"total", result->summary.total},
                          {"results", nlohmann::json::array()}};
    for (const transform::NodeResult& r : result->results) {
      out["results"].push_back(
          {{"unique_id", r.unique_id},
           {"status", transform::RunStatusName(r.status)},
           {"message", r.message},
           {"execution_time", r.execution_time},
           {"rows_affected",
            r.rows_affected ? nlohmann::json(*r.rows_affected) : nlohmann::json(nullptr)},
           {"failures", r.failures ? nlohmann::json(*r.failures) : nlohmann::json(nullptr)}});
    }
    if (command == Command::kList) out["listed"] = result->listed;
    std::printf("%s\n", out.dump().c_str());
  }
  return result->exit_code == 0 ? kExitOk : kExitFailed;
}

void RegisterOne(CLI::App& parent, Context& ctx, const std::string& name, Command command,
                 const std::string& description) {
  CLI::App* sub = parent.add_subcommand(name, description);
  sub->footer(kDbtFooter);
  auto flags = std::make_shared<DbtFlags>();
  AddCommonFlags(sub, *flags, command);
  sub->callback([&ctx, flags, command] { ctx.exit_code = RunDbt(ctx.globals, *flags, command); });
}

}  // namespace

void RegisterDbt(CLI::App& app, Context& ctx) {
  RegisterOne(app, ctx, "build", Command::kBuild,
              "Seed, run, snapshot and test the selected nodes in dependency order (dbt build)");
  RegisterOne(app, ctx, "run", Command::kRun, "Build the selected models (dbt run)");
  RegisterOne(app, ctx, "test", Command::kTest, "Run the selected data tests (dbt test)");
  RegisterOne(app, ctx, "seed", Command::kSeed, "Load the project's CSV seeds (dbt seed)");
  RegisterOne(app, ctx, "snapshot", Command::kSnapshot, "Run the snapshots (dbt snapshot)");
  RegisterOne(app, ctx, "compile", Command::kCompile,
              "Compile models to SQL under target/compiled without running them (dbt compile)");
  RegisterOne(app, ctx, "ls", Command::kList, "List the selected nodes (dbt ls)");

  CLI::App* docs = app.add_subcommand("docs", "dbt docs: 'docs generate' writes the docs site");
  docs->require_subcommand(1);
  RegisterOne(*docs, ctx, "generate", Command::kDocsGenerate,
              "Write target/manifest.json, catalog.json and the static docs site with lineage "
              "(target/index.html)");
  CLI::App* source = app.add_subcommand("source", "dbt source commands: 'source freshness'");
  source->require_subcommand(1);
  RegisterOne(*source, ctx, "freshness", Command::kSourceFreshness,
              "Check sources' loaded_at_field against warn_after / error_after; writes "
              "target/sources.json");
}

}  // namespace shoplytics::cli
