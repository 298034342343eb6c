// Appender: bulk insert into one table, row by row (duckdb_appender). Move-only.
// For the fastest loads use ChunkAppender (chunk_appender.h), which fills whole chunks.
//
// Per row: one Append*() per column in table order, then EndRow(). Rows are buffered and
// written on Flush(), Close(), or when DuckDB's buffer fills. Close() flushes and reports
// the final verdict; a destroyed appender that was not closed still flushes, but its
// errors are lost, so call Close().
//
// Errors name the table: a value that does not convert to its column's type (appending
// "abc" to an INTEGER) is kInvalidArgument, as is a row with too few or too many values;
// a constraint violation on flush is kInvalidArgument. After an error the appender is
// unusable except for destruction.
//
// Thread-safety: not thread-safe. The Connection must outlive it. Appended rows are part
// of the connection's current transaction.
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "warehouse/connection.h"
#include "warehouse/prepared_statement.h"

namespace shoplytics::warehouse {

class Appender {
 public:
  // `schema` may be empty for the default schema ("main"). A missing table is
  // kInvalidArgument naming it.
  static Result<Appender> Create(Connection& conn, std::string_view schema, std::string_view table);

  Appender() = default;  // empty
  Appender(Appender&& other) noexcept;
  Appender& operator=(Appender&& other) noexcept;
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  ~Appender();

  uint64_t column_count() const;
  duckdb_type column_type(uint64_t col) const;
  // "schema.table" as given to Create(), for messages.
  const std::string& table_name() const { return table_name_; }

  Status AppendInt64(int64_t value);
  Status AppendDouble(double value);
  Status AppendString(std::string_view value);
  Status AppendBool(bool value);
  Status AppendNull();
  Status AppendTimestamp(Timestamp value);
  Status EndRow();

  // Appends a whole chunk whose columns match the table's (DuckDB casts where it can).
  Status AppendChunk(duckdb_data_chunk chunk);

  Status Flush();
  // Flushes and closes; later appends fail. Closing twice is OK.
  Status Close();

 private:
  Appender(duckdb_appender appender, std::string table_name)
      : appender_(appender), table_name_(std::move(table_name)) {}
  Status Checked(duckdb_state state);

  duckdb_appender appender_ = nullptr;
  std::string table_name_;
  bool closed_ = false;
};

}  // namespace shoplytics::warehouse
