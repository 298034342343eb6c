// The compiler: turns a loaded Project into SQL, as dbt's parse and compile phases do.
//
// Create() parses. It registers the project's macros, then renders every model, snapshot
// and singular test once with dbt's context (ref, source, config, var, env_var,
// is_incremental, this, target, log, run_query, doc, adapter.dispatch, exceptions) and
// `execute` false, as dbt's parser does. That rendering records what the node reads
// (filling depends_on), the config() call (merged with Project::ApplyInFileConfig), and
// the macros called. Then it resolves each node's relation (generate_schema_name and
// generate_alias_name, the project's override when it defines one) and builds the graph.
//
// Compile() produces a node's executable SQL. The parse rendering is reused unless the
// node's template (or a macro it calls) mentions execute, run_query, is_incremental or
// load_result: only those depend on the warehouse, and they are rendered again with a
// connection. A ref's schema and alias depend on the referenced model's own config()
// call, which may not be parsed yet, so the recording rendering holds placeholders; once
// relations are resolved, Create renders each node a second time with the real names
// (so `{% if this.name == ... %}` and filters on relation parts see them), and that text
// is what Compile reuses. log() speaks in that second rendering only. Refs to ephemeral
// models (in models, custom test arguments, and the model a test reads) become CTEs
// injected as dbt injects them. Generic tests compile to dbt's SQL (data_tests.h), or to
// the project's {% test %} macro for custom ones.
//
// Errors name the node and its file with line and column ("model stg_orders:
// models/staging/stg_orders.sql:3:14: ref 'stg_order' not found (did you mean
// 'stg_orders'?)"). Create reports every failing node, not only the first.
//
// Thread safety: after Create, Compile and the const accessors may be called from many
// threads, each with its own connection.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/env.h"
#include "transform/artifacts.h"
#include "transform/data_tests.h"
#include "transform/graph.h"
#include "transform/jinja/environment.h"
#include "transform/materialize.h"
#include "transform/profiles.h"
#include "transform/project.h"
#include "transform/run_result.h"
#include "warehouse/adapter.h"
#include "warehouse/connection.h"

namespace shoplytics::transform {

struct CompileOptions {
  ProfileTarget target;
  // --vars, over the vars of dbt_project.yml.
  nlohmann::json vars = nlohmann::json::object();
  bool full_refresh = false;
  // The SQL dialect to compile for: "duckdb" (the warehouse's; also when empty) or
  // "postgres". target.type and adapter.type say it, and adapter.dispatch('m') takes
  // <dialect>__m, else default__m. run_query and the catalog still read the warehouse, so
  // the SQL fits a PostgreSQL copy of it (`compile --dialect postgres`).
  std::string dialect;
  EnvLookup env = ProcessEnv();
  // Where {{ log(msg, info=True) }} goes; unset: stderr.
  std::function<void(const std::string&)> log;
};

struct CompiledNode {
  std::string unique_id;
  // Models and snapshots: the SELECT; tests: the query of failing rows.
  std::string sql;
  Relation relation;
  std::vector<std::string> pre_hooks;  // rendered
  std::vector<std::string> post_hooks;
  bool is_incremental = false;  // what is_incremental() returned
  // Tests: dbt's own unique or relationships test, for the adapter to prove (KeyCheck).
  std::optional<KeyCheck> key_check;
};

class Compiler {
 public:
  // Parses `project` (see the file comment). `adapter` must outlive the compiler.
  static Result<std::unique_ptr<Compiler>> Create(Project project,
                                                  const warehouse::SqlAdapter& adapter,
                                                  CompileOptions options);
  ~Compiler();

  const Project& project() const { return project_; }
  const Graph& graph() const { return graph_; }
  const CompileOptions& options() const { return options_; }
  const jinja::Environment& environment() const { return *env_; }
  // The DuckDB catalog the target's file attaches as: its stem, or "memory".
  const std::string& database() const { return database_; }

  // Where a model, seed or snapshot is built, or a source is read. Tests: the schema is the
  // target's, the identifier the test's name.
  Relation RelationOf(const Node& node) const;
  bool IsEphemeral(const Node& node) const;

  // The node's executable SQL (see the file comment). `conn` is used for
  // is_incremental() and run_query; without it is_incremental() is false and run_query
  // fails. Records the SQL for Infos().
  Result<CompiledNode> Compile(const std::string& unique_id, warehouse::Connection* conn) const;

  // Whether Compile(unique_id) may use its connection: the node, an ephemeral model it
  // inlines, or a macro it calls mentions is_incremental, run_query or execute, or it is a
  // custom generic test. Without, Compile may be given no connection.
  bool NeedsConnection(const std::string& unique_id) const;

  // The project's macros and {% test %} blocks, for the manifest.
  const std::vector<MacroInfo>& macros() const { return macros_; }

  // Tests only read, so a SELECT that a test's run_query runs returns what it returned to
  // the test before, for as long as no node has written since: the tests of one model
  // each read its newest run's stamps (project/macros/test_scope.sql), the same query 190
  // times in a daily build of the default project, 13 distinct. The runner calls
  // ForgetReads when a node that may write (model, seed, snapshot) starts and when it
  // ends; the first test after it runs the query again. Models' own run_query calls are
  // never reused (they read what the node before them wrote).
  void ForgetReads() const;

  // What the manifest needs of every node: relations, refs, sources, macros, and the
  // compiled SQL of the nodes compiled so far.
  std::map<std::string, CompiledNodeInfo> Infos() const;

 private:
  struct Parsed;
  class Context;
  friend class Context;

  Compiler(Project project, const warehouse::SqlAdapter& adapter, CompileOptions options);
  Status Parse();
  Status RegisterMacros();
  Status ResolveRelations();
  // ref() and `this`: placeholders until ResolveRelations, then the real names.
  jinja::Value RelationValueOf(const Node& node) const;
  std::string Substitute(std::string_view text, std::set<std::string>* ephemerals) const;
  Result<std::string> InjectEphemerals(std::string sql, const std::set<std::string>& ephemerals,
                                       warehouse::Connection* conn) const;
  // Sets *key_check for dbt's own unique and relationships tests.
  Result<std::string> CompileGenericTest(const Node& test, warehouse::Connection* conn,
                                         std::optional<KeyCheck>* key_check) const;
  Result<std::string> Render(const Node& node, bool execute, warehouse::Connection* conn,
                             bool is_incremental, Parsed* record) const;
  // Renders a hook, description or test argument; collects refs to ephemerals into
  // `ephemerals` when given.
  Result<std::string> RenderString(const Node& node, std::string_view text,
                                   warehouse::Connection* conn,
                                   std::set<std::string>* ephemerals = nullptr) const;

  Project project_;
  const warehouse::SqlAdapter& adapter_;
  CompileOptions options_;
  std::unique_ptr<jinja::Environment> env_;
  std::string database_;
  Graph graph_;
  std::map<std::string, std::unique_ptr<Parsed>> parsed_;  // by unique id
  std::map<std::string, Relation> relations_;
  bool relations_resolved_ = false;
  std::set<std::string> sensitive_macros_;        // macros that mention execute, run_query, ...
  std::map<std::string, std::string> macro_ids_;  // macro name -> "macro.<project>.<name>"
  std::vector<MacroInfo> macros_;

  mutable std::mutex compiled_mu_;
  mutable std::map<std::string, std::string> compiled_sql_;  // guarded by compiled_mu_

  // A test's earlier result of `sql` since the last ForgetReads, if any; else sets
  // *generation for RememberRead, which keeps the result only if no ForgetReads came
  // between (a node that started writing while the query ran).
  std::optional<jinja::Value> ReadBefore(const std::string& sql, uint64_t* generation) const;
  void RememberRead(const std::string& sql, const jinja::Value& result,
                    uint64_t generation) const;

  // What tests' run_query SELECTs returned since the last ForgetReads, by statement.
  mutable std::mutex reads_mu_;
  mutable std::map<std::string, jinja::Value> reads_;  // guarded by reads_mu_
  mutable uint64_t reads_generation_ = 0;              // guarded by reads_mu_
};

// dbt's configs of a model as the materializations take them. kInvalidArgument naming the
// node and the key for a bad value (an unknown materialization or strategy).
Result<ModelConfig> ModelConfigOf(const Node& node, bool full_refresh);

}  // namespace shoplytics::transform
