// Materializations: how a compiled model becomes a view or a table, as dbt's view, table,
// incremental and ephemeral materializations do.
//
// Atomicity: a table is built under "<name>__shoplytics_tmp" and swapped in within one
// transaction; an incremental run applies its changes in one transaction. Readers on
// other connections see the old relation or the new one, never none or half; a SELECT
// that fails leaves the old relation untouched (the error is the engine's, with the
// model's relation as context). Missing schemas are created.
//
// The functions that take a connection borrow it and the adapter, must not be called
// inside an open transaction on `conn`, and are as thread-safe as the connection (one per
// thread; models on separate connections may build in parallel).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "warehouse/adapter.h"
#include "warehouse/connection.h"

namespace shoplytics::transform {

// Where a node's object lives. DuckDB's database is the connection's: the schema and the
// identifier (the alias, or the node's name) place it.
struct Relation {
  std::string schema;
  std::string identifier;
};

enum class Materialization { kView, kTable, kIncremental, kEphemeral };
enum class IncrementalStrategy { kAppend, kDeleteInsert, kMerge };
// What an incremental run does when its SELECT's columns differ from the table's (names
// compare case-insensitively, types by the engine's type name):
enum class OnSchemaChange {
  kIgnore,            // write the columns both have; new ones are dropped, missing ones NULL
  kFail,              // fail, naming the new, removed and re-typed columns
  kAppendNewColumns,  // add the new columns; keep removed ones (NULL in new rows)
  kSyncAllColumns,    // add new columns, drop removed ones, re-type changed ones
};

// dbt's spellings: "view", "table", "incremental", "ephemeral"; "append", "delete+insert",
// "merge"; "ignore", "fail", "append_new_columns", "sync_all_columns". Anything else is
// kInvalidArgument naming the value and the accepted ones.
Result<Materialization> ParseMaterialization(std::string_view text);
Result<IncrementalStrategy> ParseIncrementalStrategy(std::string_view text);
Result<OnSchemaChange> ParseOnSchemaChange(std::string_view text);

// column_compression, a Shoplytics config kept in the node's meta (where dbt keeps configs
// of its own adapters' and tools', and which dbt-duckdb ignores): the storage compression of
// some of a table's columns, by column name, e.g.
// config(meta={'column_compression': {'order_number': 'zstd'}}).
// DuckDB's automatic choice tries a dictionary first, which costs unique text (ids, keys,
// hashes) about twice the write time of zstd and several times the space; repetitive text (statuses,
// channels) is best left to it.
using ColumnCompression = std::map<std::string, std::string>;

// The column_compression of a node's `meta` config (null or an object): unset, or a map of
// column name to method name; else kInvalidArgument saying what is expected.
Result<ColumnCompression> ColumnCompressionOf(const nlohmann::json& meta);

struct ModelConfig {
  Materialization materialized = Materialization::kView;
  // Unset: delete+insert when unique_key is set, append otherwise.
  std::optional<IncrementalStrategy> incremental_strategy;
  std::vector<std::string> unique_key;  // one column or several
  OnSchemaChange on_schema_change = OnSchemaChange::kIgnore;
  // The merge strategy updates these columns of matched rows (default: every column),
  // minus merge_exclude_columns.
  std::vector<std::string> merge_update_columns;
  std::vector<std::string> merge_exclude_columns;
  bool full_refresh = false;  // --full-refresh: an incremental model is rebuilt as a table
  // Rendered SQL run before and after the build, inside its transaction (dbt's default,
  // inside_transaction: true): a failing hook rolls the build back. Not run for ephemeral
  // models.
  std::vector<std::string> pre_hooks;
  std::vector<std::string> post_hooks;
  // Applied when the table is (re)built; an incremental run's rows take the compression
  // of the table they join.
  ColumnCompression column_compression;
};

// A model as the compiler hands it over: its SELECT has refs resolved and ephemeral CTEs
// already injected.
struct CompiledModel {
  std::string name;  // for messages
  Relation relation;
  std::string compiled_sql;
  ModelConfig config;
};

struct MaterializeResult {
  // Rows written: the table's rows for a (re)build, the rows inserted, deleted+inserted or
  // merged for an incremental run. Unset for views and ephemeral models.
  std::optional<int64_t> rows_affected;
  // True when an incremental model was built from scratch (first run, full refresh, or
  // the relation was a view).
  bool full_build = false;
};

// The CTE dbt injects for an ephemeral model: `__dbt__cte__<name> as (\n<sql>\n)`.
std::string EphemeralCte(std::string_view name, std::string_view compiled_sql);

// Runs `model`: creates or replaces its view, rebuilds its table, or applies an incremental
// run, with its hooks, in one transaction. Ephemeral models create nothing (use
// EphemeralCte) and get an empty result.
// Errors, with "model <name> (<schema>.<identifier>)" as context: the engine's error for
// the SQL ("pre_hook 2 of 3: ..." for a hook); on_schema_change = fail with a changed
// schema is kFailedPrecondition naming the new, removed and re-typed columns; delete+insert
// or merge without a unique_key is kInvalidArgument.
Result<MaterializeResult> Materialize(const warehouse::SqlAdapter& adapter,
                                      warehouse::Connection& conn, const CompiledModel& model);

// Creates `schema` when it is missing. Other connections creating it at the same time make
// the engine report a write-write conflict; this waits and retries (about a second at
// most) rather than failing a model that only raced another one.
Status EnsureSchema(const warehouse::SqlAdapter& adapter, warehouse::Connection& conn,
                    const std::string& schema);

// Replaces `relation` (a table, a view, or nothing) with a table holding `select_sql`,
// atomically (see the file comment), and returns its row count. Seeds and stored test
// failures publish through this too.
// Creates table `target` (a quoted, qualified name) holding `select_sql`: CREATE TABLE AS,
// or with `compression` set, the table declared with those columns' compression and filled
// by INSERT (SqlAdapter::CreateTableWithCompression).
Status CreateTableFrom(const warehouse::SqlAdapter& adapter, warehouse::Connection& conn,
                       std::string_view target, std::string_view select_sql,
                       const ColumnCompression& compression);

Result<int64_t> ReplaceWithTable(const warehouse::SqlAdapter& adapter, warehouse::Connection& conn,
                                 const Relation& relation, std::string_view select_sql);

}  // namespace shoplytics::transform
