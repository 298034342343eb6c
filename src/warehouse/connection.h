// Connection: one DuckDB connection (duckdb_connection). Move-only; the destructor
// disconnects. Runs SQL text (Execute, Query) and prepares parameterised statements.
//
// Errors: SQL DuckDB rejects (syntax, unknown table or column, bad cast) is
// kInvalidArgument; a write on a read-only database kFailedPrecondition; a write-write
// conflict between transactions kAborted. The message is DuckDB's, followed by the SQL
// (truncated): `Catalog Error: Table with name t does not exist! ... (SQL: SELECT * FROM t)`.
//
// Thread-safety: not thread-safe; one Connection per thread. The Database it came from
// must outlive it, and it must outlive the statements, results and appenders made from it.
#pragma once

#include <duckdb.h>

#include <string_view>

#include "common/status.h"
#include "warehouse/database.h"
#include "warehouse/prepared_statement.h"
#include "warehouse/query_result.h"

namespace shoplytics::warehouse {

class Connection {
 public:
  static Result<Connection> Open(const Database& db);

  Connection() = default;  // empty: valid() is false
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  bool valid() const { return conn_ != nullptr; }

  // Runs one or more ';'-separated statements and discards their results.
  Status Execute(std::string_view sql);
  // Runs SQL and returns the (last statement's) materialized result.
  Result<QueryResult> Query(std::string_view sql);
  // Prepares one statement with $1/? placeholders. Values always go in as parameters,
  // never spliced into SQL text.
  Result<PreparedStatement> Prepare(std::string_view sql);

  // Borrowed handle for the other wrappers; null when empty.
  duckdb_connection handle() const { return conn_; }

 private:
  explicit Connection(duckdb_connection conn) : conn_(conn) {}

  duckdb_connection conn_ = nullptr;
};

}  // namespace shoplytics::warehouse
