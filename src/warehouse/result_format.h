// Writing a QueryResult for people and programs: an aligned table, CSV or JSON.
// Used by `shoplytics query`; reads the result by value (query_result.h).
//
//   table  psql-style aligned columns, a header, a rule and a "(N rows)" footer; numbers
//          are right-aligned, NULL prints as NULL.
//   csv    a header line, then one line per row; fields containing a comma, a quote, CR
//          or LF are quoted and quotes doubled (RFC 4180); NULL is an empty field; lines
//          end with LF.
//   json   an array of objects, keys in column order; BOOLEAN as true/false, integer,
//          floating and DECIMAL columns as numbers, NULL as null, everything else as
//          DuckDB's text of the value.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "common/status.h"
#include "warehouse/query_result.h"

namespace shoplytics::warehouse {

enum class ResultFormat { kTable, kCsv, kJson };

// "table", "csv" or "json"; anything else is kInvalidArgument listing the choices.
Result<ResultFormat> ParseResultFormat(std::string_view name);

// Writes all rows of `result` to `out`. Errors come from reading the result.
Status WriteResult(QueryResult& result, ResultFormat format, std::ostream& out);

// One CSV field with RFC 4180 quoting when needed.
std::string CsvField(std::string_view value);

}  // namespace shoplytics::warehouse
