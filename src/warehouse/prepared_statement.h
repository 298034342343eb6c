// PreparedStatement: a parameterised statement (duckdb_prepared_statement), made by
// Connection::Prepare. Move-only; the destructor frees it.
//
// Parameters are numbered from 1, as $1, $2... in the SQL. A value binds to the
// parameter as is, so quotes in strings need no escaping. Binding an index outside
// 1..parameter_count() is kInvalidArgument naming the index and the SQL. Bindings stay
// until rebound or ClearBindings(), so a statement can be executed many times.
//
// Thread-safety: not thread-safe; it belongs to its Connection's thread, and the
// Connection must outlive it.
#pragma once

#include <duckdb.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "warehouse/query_result.h"

namespace shoplytics::warehouse {

// A point in time at DuckDB's TIMESTAMP precision (microseconds since the Unix epoch, UTC).
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

class PreparedStatement {
 public:
  PreparedStatement() = default;  // empty
  // Takes ownership of a successfully prepared statement.
  PreparedStatement(duckdb_prepared_statement statement, std::string_view sql);
  PreparedStatement(PreparedStatement&& other) noexcept;
  PreparedStatement& operator=(PreparedStatement&& other) noexcept;
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;
  ~PreparedStatement();

  uint64_t parameter_count() const;

  Status BindInt64(uint64_t index, int64_t value);
  Status BindDouble(uint64_t index, double value);
  Status BindString(uint64_t index, std::string_view value);
  Status BindBool(uint64_t index, bool value);
  Status BindNull(uint64_t index);
  Status BindTimestamp(uint64_t index, Timestamp value);
  Status ClearBindings();

  // Runs the statement with the current bindings. An unbound parameter is kInvalidArgument.
  Result<QueryResult> Execute();

 private:
  Status Checked(duckdb_state state, uint64_t index, std::string_view what);

  duckdb_prepared_statement statement_ = nullptr;
  std::string sql_;
};

}  // namespace shoplytics::warehouse
