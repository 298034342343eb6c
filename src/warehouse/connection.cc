#include "warehouse/connection.h"

#include <chrono>
#include <string>
#include <utility>

#include "common/logging.h"
#include "warehouse/internal/duckdb_error.h"

namespace shoplytics::warehouse {
namespace {

// A statement for a debug line: one line, at most 200 characters.
std::string StatementHead(std::string_view sql) {
  constexpr size_t kMax = 200;
  std::string head;
  bool space = false;
  for (char c : sql) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !head.empty();
      continue;
    }
    if (space) head += ' ';
    space = false;
    head += c;
    if (head.size() >= kMax) return head + "...";
  }
  return head;
}

}  // namespace

Result<Connection> Connection::Open(const Database& db) {
  if (!db.valid()) return FailedPreconditionError("cannot connect: the database is not open");
  duckdb_connection conn = nullptr;
  if (duckdb_connect(db.handle(), &conn) == DuckDBError) {
    return UnavailableError("DuckDB could not open a connection to \"" + db.path() + "\"");
  }
  return Connection(conn);
}

Connection::Connection(Connection&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_) duckdb_disconnect(&conn_);
    conn_ = std::exchange(other.conn_, nullptr);
  }
  return *this;
}

Connection::~Connection() {
  if (conn_) duckdb_disconnect(&conn_);
}

Status Connection::Execute(std::string_view sql) {
  ASSIGN_OR_RETURN(QueryResult result, Query(sql));
  return OkStatus();
}

Result<QueryResult> Connection::Query(std::string_view sql) {
  if (!conn_) return FailedPreconditionError("query on a closed connection: " + std::string(sql));
  std::string text(sql);  // duckdb_query needs a terminated string
  duckdb_result result;
  // --log-level debug times every statement, like dbt's debug log: where a build's time goes.
  const bool timed = GlobalLogger().Enabled(LogLevel::kDebug);
  const auto started =
      timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
  const bool failed = duckdb_query(conn_, text.c_str(), &result) == DuckDBError;
  if (timed) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    LogEvent(LogLevel::kDebug, "sql",
             {{"seconds", seconds}, {"ok", !failed}, {"statement", StatementHead(sql)}});
  }
  if (failed) {
    Status status = internal::ResultError(&result, sql);
    duckdb_destroy_result(&result);
    return status;
  }
  return QueryResult(result, sql);
}

Result<PreparedStatement> Connection::Prepare(std::string_view sql) {
  if (!conn_) {
    return FailedPreconditionError("prepare on a closed connection: " + std::string(sql));
  }
  std::string text(sql);
  duckdb_prepared_statement statement = nullptr;
  if (duckdb_prepare(conn_, text.c_str(), &statement) == DuckDBError) {
    Status status = internal::PrepareError(statement, sql);
    duckdb_destroy_prepare(&statement);
    return status;
  }
  return PreparedStatement(statement, sql);
}

}  // namespace shoplytics::warehouse
