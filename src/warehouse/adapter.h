// SqlAdapter: the SQL that Shoplytics itself writes (quoting, schemas, atomic swaps) comes
// from here, so that another engine later means another implementation of this one
// interface (DESIGN.md, "One engine today"). DuckDbAdapter is the only implementation.
//
// Adapters are stateless and thread-safe; the Connection passed to each call is borrowed
// and follows Connection's rules. Errors are those of Connection (connection.h).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "warehouse/connection.h"
#include "warehouse/prepared_statement.h"

namespace shoplytics::warehouse {

// What a name in a schema currently holds.
enum class RelationKind { kNone, kTable, kView };

// A column of a table or of a query's result; `type` is the engine's type name.
struct ColumnInfo {
  std::string name;
  std::string type;
  friend bool operator==(const ColumnInfo&, const ColumnInfo&) = default;
};

class SqlAdapter {
 public:
  virtual ~SqlAdapter() = default;

  // `name` as a quoted identifier, safe for any text: my "t" -> "my ""t""".
  virtual std::string QuoteIdentifier(std::string_view name) const = 0;
  // `value` as a string literal: it's -> 'it''s'. Prefer bound parameters; this is for
  // SQL that cannot take them (DDL, generated models).
  virtual std::string QuoteLiteral(std::string_view value) const = 0;
  // "schema"."table"; an empty schema gives just "table".
  virtual std::string QualifiedName(std::string_view schema, std::string_view table) const = 0;

  virtual Status CreateSchemaIfNotExists(Connection& conn, std::string_view schema) const = 0;

  // Replaces schema.table with the result of `select_sql` atomically: the new table is
  // built under a temporary name and swapped in within one transaction, so readers see
  // the old table or the new one, never none or half. If the build fails, the old table
  // is untouched and no temporary table is left. Must not be called inside an open
  // transaction on `conn`. The schema must exist.
  virtual Status PublishTable(Connection& conn, std::string_view schema, std::string_view table,
                              std::string_view select_sql) const = 0;

  // --- Catalog. Names are matched case-insensitively, as unquoted SQL names are.
  // kNone when schema.name does not exist.
  virtual Result<RelationKind> GetRelationKind(Connection& conn, std::string_view schema,
                                               std::string_view name) const = 0;
  // The columns of a SELECT's result, in order, without reading its rows. A SELECT the
  // engine rejects is its error (kInvalidArgument).
  virtual Result<std::vector<ColumnInfo>> GetQueryColumns(Connection& conn,
                                                          std::string_view select_sql) const = 0;

  // --- Statements, as SQL text. `target`/`source` are quoted, qualified names
  // (QualifiedName); column names are unquoted and quoted here; `select_sql` is trusted SQL.
  virtual std::string CreateTableAsSql(std::string_view target,
                                       std::string_view select_sql) const = 0;
  // Runs: creates table `target` holding `select_sql` with the storage compression of the
  // columns `compression` names (column -> method, e.g. zstd; names compare
  // case-insensitively). A name the SELECT does not return is kInvalidArgument naming it and
  // the columns it returns; a method the engine rejects, or one it cannot apply to the
  // column's type, is the engine's error.
  virtual Status CreateTableWithCompression(
      Connection& conn, std::string_view target, std::string_view select_sql,
      const std::map<std::string, std::string>& compression) const = 0;
  // Creates or replaces a view (a table of that name must be dropped first).
  virtual std::string CreateViewSql(std::string_view target, std::string_view select_sql) const = 0;
  // Drops the relation if it exists; kind must not be kNone.
  virtual std::string DropRelationSql(RelationKind kind, std::string_view target) const = 0;
  // Renames a table within its schema.
  virtual std::string RenameTableSql(std::string_view target, std::string_view new_name) const = 0;
  virtual std::string AddColumnSql(std::string_view target, const ColumnInfo& column) const = 0;
  virtual std::string DropColumnSql(std::string_view target, std::string_view column) const = 0;
  // Re-types a column, converting its values (a value that does not convert is an error).
  virtual std::string AlterColumnTypeSql(std::string_view target,
                                         const ColumnInfo& column) const = 0;
  // INSERT INTO target (columns) SELECT columns FROM source.
  virtual std::string InsertFromSql(std::string_view target, std::string_view source,
                                    const std::vector<std::string>& columns) const = 0;
  // Deletes the rows of target whose key (all of `keys`) equals a row's key in source;
  // NULL keys never match.
  virtual std::string DeleteMatchingSql(std::string_view target, std::string_view source,
                                        const std::vector<std::string>& keys) const = 0;
  // Upsert: rows of source whose key matches a target row set `update_columns` of that
  // row (none: matched rows stay as they are); the others are inserted with `columns`.
  // Several source rows with one key are an error.
  virtual std::string MergeSql(std::string_view target, std::string_view source,
                               const std::vector<std::string>& keys,
                               const std::vector<std::string>& columns,
                               const std::vector<std::string>& update_columns) const = 0;
  // Sets `columns` of the target rows whose key matches a source row to that row's values,
  // where `condition` also holds; in it the relations are named shoplytics_target and
  // shoplytics_source.
  virtual std::string UpdateFromSql(std::string_view target, std::string_view source,
                                    const std::vector<std::string>& keys,
                                    const std::vector<std::string>& columns,
                                    std::string_view condition) const = 0;

  // --- Proofs that a data test passes, cheaper than its SQL finds failing rows. Each
  // returns true when it proves the test passes, and false when it cannot: the values are
  // not all integers, their range is too wide, or the test fails. Then the test runs its
  // own SQL. `from_sql` is what the test reads (a quoted name, or a parenthesised
  // subquery with an alias); `column` and `field` are SQL expressions over it.
  // unique: the non-NULL values of `column` are distinct.
  virtual Result<bool> ProveDistinct(Connection& conn, std::string_view from_sql,
                                     std::string_view column) const = 0;
  // relationships: every non-NULL value of `column` is a value of `field` in `parent` (a
  // quoted name).
  virtual Result<bool> ProveContained(Connection& conn, std::string_view from_sql,
                                      std::string_view column, std::string_view parent,
                                      std::string_view field) const = 0;

  // --- Expressions.
  // dbt's snapshot hash: md5 of the expressions cast to text, NULL as '', joined by '|'.
  virtual std::string HashSql(const std::vector<std::string>& expressions) const = 0;
  // A TIMESTAMP literal (UTC, microseconds).
  virtual std::string TimestampLiteral(Timestamp value) const = 0;
  // Microseconds since the Unix epoch of a DATE / TIMESTAMP / TIMESTAMPTZ expression.
  virtual std::string EpochMicrosSql(std::string_view expression) const = 0;
  // A SELECT of every row of an RFC 4180 CSV file with a header row: column types are
  // inferred, except those named in `column_types` (column -> type).
  virtual std::string ReadCsvSql(std::string_view path,
                                 const std::map<std::string, std::string>& column_types) const = 0;
};

class DuckDbAdapter : public SqlAdapter {
 public:
  std::string QuoteIdentifier(std::string_view name) const override;
  std::string QuoteLiteral(std::string_view value) const override;
  std::string QualifiedName(std::string_view schema, std::string_view table) const override;
  Status CreateSchemaIfNotExists(Connection& conn, std::string_view schema) const override;
  Status PublishTable(Connection& conn, std::string_view schema, std::string_view table,
                      std::string_view select_sql) const override;
  Result<RelationKind> GetRelationKind(Connection& conn, std::string_view schema,
                                       std::string_view name) const override;
  Result<std::vector<ColumnInfo>> GetQueryColumns(Connection& conn,
                                                  std::string_view select_sql) const override;
  std::string CreateTableAsSql(std::string_view target, std::string_view select_sql) const override;
  Status CreateTableWithCompression(
      Connection& conn, std::string_view target, std::string_view select_sql,
      const std::map<std::string, std::string>& compression) const override;
  std::string CreateViewSql(std::string_view target, std::string_view select_sql) const override;
  std::string DropRelationSql(RelationKind kind, std::string_view target) const override;
  std::string RenameTableSql(std::string_view target, std::string_view new_name) const override;
  std::string AddColumnSql(std::string_view target, const ColumnInfo& column) const override;
  std::string DropColumnSql(std::string_view target, std::string_view column) const override;
  std::string AlterColumnTypeSql(std::string_view target, const ColumnInfo& column) const override;
  std::string InsertFromSql(std::string_view target, std::string_view source,
                            const std::vector<std::string>& columns) const override;
  std::string DeleteMatchingSql(std::string_view target, std::string_view source,
                                const std::vector<std::string>& keys) const override;
  std::string MergeSql(std::string_view target, std::string_view source,
                       const std::vector<std::string>& keys,
                       const std::vector<std::string>& columns,
                       const std::vector<std::string>& update_columns) const override;
  std::string UpdateFromSql(std::string_view target, std::string_view source,
                            const std::vector<std::string>& keys,
                            const std::vector<std::string>& columns,
                            std::string_view condition) const override;
  // With bitmaps over the values' range (bitstring_agg): a scan of the column instead of
  // a hash table of every value; integer columns whose range is at most 2^28 wide.
  // ProveDistinct also takes VARCHAR columns, whose values' 64-bit hashes it sorts, and
  // integer columns too wide for a bitmap, whose values it sorts.
  Result<bool> ProveDistinct(Connection& conn, std::string_view from_sql,
                             std::string_view column) const override;
  Result<bool> ProveContained(Connection& conn, std::string_view from_sql, std::string_view column,
                              std::string_view parent, std::string_view field) const override;
  std::string HashSql(const std::vector<std::string>& expressions) const override;
  std::string TimestampLiteral(Timestamp value) const override;
  std::string EpochMicrosSql(std::string_view expression) const override;
  std::string ReadCsvSql(std::string_view path,
                         const std::map<std::string, std::string>& column_types) const override;

  // Suffix of the temporary table PublishTable builds ("<table>__shoplytics_tmp").
  static constexpr std::string_view kTempSuffix = "__shoplytics_tmp";
};

}  // namespace shoplytics::warehouse
