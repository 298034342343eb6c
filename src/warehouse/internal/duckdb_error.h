// The one place where DuckDB's error states become Status values. Every wrapper in
// warehouse/ calls these helpers; nothing else reads duckdb_result_error and friends.
//
// Messages read "<what DuckDB said> (<what we were doing>)", on one line: DuckDB's
// "LINE 1: ... ^" excerpt is dropped because the SQL itself (truncated) is quoted instead.
// Codes: parser, binder, catalog, conversion and other input errors are kInvalidArgument;
// a write to a read-only database and a file lock held by another process are
// kFailedPrecondition; write-write conflicts kAborted (retry may help); I/O kUnavailable;
// interrupts kCancelled; out of memory kResourceExhausted; DuckDB internal errors kInternal.
#pragma once

#include <duckdb.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace shoplytics::warehouse::internal {

// SQL on one line (whitespace runs collapsed), cut to at most 200 characters with "...".
std::string TruncateSql(std::string_view sql);

// DuckDB's name of a type id, e.g. "BIGINT", "TIMESTAMP WITH TIME ZONE".
std::string TypeName(duckdb_type type);

// Maps a DuckDB error to a Status. When `type` is unknown it is read from the message's
// "<Kind> Error:" prefix. `context` says what was being done, e.g. `SQL: SELECT 1`.
Status FromDuckDb(std::optional<duckdb_error_type> type, std::string_view message,
                  std::string_view context);

// Reads the error of a failed duckdb_query / duckdb_execute_prepared.
Status ResultError(duckdb_result* result, std::string_view sql);
// Reads the error of a failed duckdb_prepare.
Status PrepareError(duckdb_prepared_statement statement, std::string_view sql);
// Reads the error of a failed appender call; `table` names the target table.
Status AppenderError(duckdb_appender appender, std::string_view table);
// The error of a failed duckdb_open_ext; `path` names the database file.
Status OpenError(const char* message, std::string_view path);

}  // namespace shoplytics::warehouse::internal
