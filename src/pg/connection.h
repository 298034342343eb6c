// A PostgreSQL client: move-only RAII wrappers over libpq's PGconn and PGresult, with
// parameterised queries, transactions and COPY streaming in both directions.
//
// Every error is a Status whose message names the operation and carries the server's
// message (with SQLSTATE); connection failures and dropped connections are kUnavailable
// (retry may help), serialization failures and deadlocks kAborted, everything else
// (syntax, constraint violations, missing tables) kInvalidArgument or kFailedPrecondition.
// Passwords never appear in messages: DSNs are redacted before they are quoted.
//
// Not thread-safe: one Connection per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct pg_conn;
struct pg_result;

namespace shoplytics::pg {

// Returns dsn with any password (key/value "password=..." or URI "user:pass@") replaced by ***.
std::string RedactDsn(std::string_view dsn);

// The Status code for a server error's SQLSTATE (e.g. "40001" -> kAborted): class 08 and
// 57P01-57P03 kUnavailable, 40 and 55P03 kAborted, 28 and 42501 kPermissionDenied,
// 42 and 22 kInvalidArgument (42P04/42P06/42P07/42710/42723 kAlreadyExists),
// 23/25/55 kFailedPrecondition, 3D/3F kNotFound, 53 kResourceExhausted, 57014 kCancelled,
// 0A kUnimplemented, anything else kInternal.
StatusCode StatusCodeForSqlState(std::string_view sqlstate);

// A query result (PGresult). Values are text; IsNull tells NULL from "".
class QueryResult {
 public:
  QueryResult() = default;
  explicit QueryResult(pg_result* result);
  QueryResult(QueryResult&&) noexcept;
  QueryResult& operator=(QueryResult&&) noexcept;
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;
  ~QueryResult();

  int rows() const;
  int columns() const;
  std::string column_name(int col) const;
  bool IsNull(int row, int col) const;
  // The value as text; "" for NULL. Precondition: row < rows(), col < columns().
  std::string_view Get(int row, int col) const;
  // Parses the value; an error names the column when it is not a number.
  Result<int64_t> GetInt64(int row, int col) const;
  // Number of rows a command affected (UPDATE, DELETE, INSERT, COPY).
  int64_t affected_rows() const;

 private:
  pg_result* result_ = nullptr;
};

class Connection;

// COPY ... FROM STDIN in progress. Write() buffers; data goes to the server in large
// chunks. Finish() ends the COPY and reports the server's verdict (a bad row fails the
// whole COPY, with the server's message naming the line). Destroying an unfinished
// CopyIn aborts the COPY. A CopyIn (and a CopyOut) uses the libpq connection of the
// Connection that began it: it keeps working when that Connection object is moved, but the
// connection must outlive it and must not run other statements until the COPY ends.
class CopyIn {
 public:
  CopyIn(CopyIn&&) noexcept;
  CopyIn& operator=(CopyIn&&) noexcept;
  CopyIn(const CopyIn&) = delete;
  CopyIn& operator=(const CopyIn&) = delete;
  ~CopyIn();

  Status Write(std::string_view data);
  // Returns the number of rows the server copied.
  Result<int64_t> Finish();
  // Aborts the COPY with the given reason; the transaction is then failed.
  void Abort(std::string_view reason);

 private:
  friend class Connection;
  explicit CopyIn(pg_conn* conn, std::string table_hint);
  Status Flush();
  Status Send(std::string_view data);

  pg_conn* conn_ = nullptr;  // borrowed from the Connection; null once the COPY is over
  std::string table_hint_;
  std::string buffer_;
};

// COPY ... TO STDOUT in progress. Next() returns one chunk (one row in text or CSV format,
// or a piece of the binary stream) in a view valid until the next call; std::nullopt
// at the end. The COPY's final status is checked when Next() returns std::nullopt.
class CopyOut {
 public:
  CopyOut(CopyOut&&) noexcept;
  CopyOut& operator=(CopyOut&&) noexcept;
  CopyOut(const CopyOut&) = delete;
  CopyOut& operator=(const CopyOut&) = delete;
  ~CopyOut();

  Result<std::optional<std::string_view>> Next();

 private:
  friend class Connection;
  explicit CopyOut(pg_conn* conn);
  void Release();

  pg_conn* conn_ = nullptr;  // borrowed from the Connection
  char* chunk_ = nullptr;    // owned: freed with PQfreemem
  bool done_ = false;
};

class Connection {
 public:
  // Connects to a libpq DSN (key=value or postgresql:// URI). An unreachable server is
  // kUnavailable; bad credentials kPermissionDenied. The message names the redacted DSN.
  static Result<Connection> Open(const std::string& dsn);

  Connection() = default;
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  bool is_open() const { return conn_ != nullptr; }

  // Runs one or more SQL statements with no parameters (DDL, SET, BEGIN...).
  Status Execute(std::string_view sql);
  // Runs one statement with $1..$n text parameters (std::nullopt = NULL); never
  // interpolate values into SQL.
  Result<QueryResult> Query(std::string_view sql,
                            const std::vector<std::optional<std::string>>& params = {});

  // Starts COPY ... FROM STDIN; `sql` is the whole COPY statement.
  Result<CopyIn> BeginCopyIn(std::string_view sql);
  // Starts COPY ... TO STDOUT; `sql` is the whole COPY statement.
  Result<CopyOut> BeginCopyOut(std::string_view sql);

  // Quotes an identifier ("my table") or a literal ('it''s') for the rare SQL text that
  // cannot take parameters (DDL). Uses the connection's encoding.
  std::string QuoteIdentifier(std::string_view name) const;
  std::string QuoteLiteral(std::string_view value) const;

  // The server's version number, e.g. 150018.
  int server_version() const;

  pg_conn* raw() { return conn_; }

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  friend class CopyIn;
  friend class CopyOut;
  Status LastError(std::string_view what) const;

  pg_conn* conn_ = nullptr;
};

// A transaction: BEGIN on Begin(), ROLLBACK in the destructor unless Commit() succeeded.
class Transaction {
 public:
  // isolation: e.g. "REPEATABLE READ"; empty for the default.
  static Result<Transaction> Begin(Connection& conn, std::string_view isolation = "");
  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Commit();
  Status Rollback();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_ = nullptr;  // null once committed or rolled back
};

}  // namespace shoplytics::pg
