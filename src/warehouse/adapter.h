// SqlAdapter: the SQL that Shoplytics itself writes (quoting, schemas, atomic swaps) comes
// from here, so that another engine later means another implementation of this one
// interface (DESIGN.md, "One engine today"). DuckDbAdapter is the only implementation.
//
// Adapters are stateless and thread-safe; the Connection passed to each call is borrowed
// and follows Connection's rules. Errors are those of Connection (connection.h).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "warehouse/connection.h"

namespace shoplytics::warehouse {

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
};

class DuckDbAdapter final : public SqlAdapter {
 public:
  std::string QuoteIdentifier(std::string_view name) const override;
  std::string QuoteLiteral(std::string_view value) const override;
  std::string QualifiedName(std::string_view schema, std::string_view table) const override;
  Status CreateSchemaIfNotExists(Connection& conn, std::string_view schema) const override;
  Status PublishTable(Connection& conn, std::string_view schema, std::string_view table,
                      std::string_view select_sql) const override;

  // Suffix of the temporary table PublishTable builds ("<table>__shoplytics_tmp").
  static constexpr std::string_view kTempSuffix = "__shoplytics_tmp";
};

}  // namespace shoplytics::warehouse
