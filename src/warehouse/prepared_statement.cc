#include "warehouse/prepared_statement.h"

#include <utility>

#include "warehouse/internal/duckdb_error.h"

namespace shoplytics::warehouse {

PreparedStatement::PreparedStatement(duckdb_prepared_statement statement, std::string_view sql)
    : statement_(statement), sql_(sql) {}

PreparedStatement::PreparedStatement(PreparedStatement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)), sql_(std::move(other.sql_)) {}

PreparedStatement& PreparedStatement::operator=(PreparedStatement&& other) noexcept {
  if (this != &other) {
    if (statement_) duckdb_destroy_prepare(&statement_);
    statement_ = std::exchange(other.statement_, nullptr);
    sql_ = std::move(other.sql_);
  }
  return *this;
}

PreparedStatement::~PreparedStatement() {
  if (statement_) duckdb_destroy_prepare(&statement_);
}

uint64_t PreparedStatement::parameter_count() const {
  return statement_ ? duckdb_nparams(statement_) : 0;
}

Status PreparedStatement::Checked(duckdb_state state, uint64_t index, std::string_view what) {
  if (state == DuckDBSuccess) return OkStatus();
  return InvalidArgumentError("cannot bind " + std::string(what) + " to parameter $" +
                              std::to_string(index) + " (the statement has " +
                              std::to_string(parameter_count()) +
                              " parameters; SQL: " + internal::TruncateSql(sql_) + ")");
}

Status PreparedStatement::BindInt64(uint64_t index, int64_t value) {
  return Checked(duckdb_bind_int64(statement_, index, value), index, "an int64");
}

Status PreparedStatement::BindDouble(uint64_t index, double value) {
  return Checked(duckdb_bind_double(statement_, index, value), index, "a double");
}

Status PreparedStatement::BindString(uint64_t index, std::string_view value) {
  return Checked(duckdb_bind_varchar_length(statement_, index, value.data(), value.size()), index,
                 "a string");
}

Status PreparedStatement::BindBool(uint64_t index, bool value) {
  return Checked(duckdb_bind_boolean(statement_, index, value), index, "a bool");
}

Status PreparedStatement::BindNull(uint64_t index) {
  return Checked(duckdb_bind_null(statement_, index), index, "NULL");
}

Status PreparedStatement::BindTimestamp(uint64_t index, Timestamp value) {
  duckdb_timestamp ts{value.time_since_epoch().count()};
  return Checked(duckdb_bind_timestamp(statement_, index, ts), index, "a timestamp");
}

Status PreparedStatement::ClearBindings() {
  if (duckdb_clear_bindings(statement_) == DuckDBError) {
    return InternalError("DuckDB could not clear the bindings of SQL: " +
                         internal::TruncateSql(sql_));
  }
  return OkStatus();
}

Result<QueryResult> PreparedStatement::Execute() {
  if (!statement_) return FailedPreconditionError("executing an empty prepared statement");
  duckdb_result result;
  if (duckdb_execute_prepared(statement_, &result) == DuckDBError) {
    Status status = internal::ResultError(&result, sql_);
    duckdb_destroy_result(&result);
    return status;
  }
  return QueryResult(result, sql_);
}

}  // namespace shoplytics::warehouse
