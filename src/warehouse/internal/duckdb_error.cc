#include "warehouse/internal/duckdb_error.h"

#include <array>
#include <utility>

namespace shoplytics::warehouse::internal {

namespace {

constexpr size_t kMaxSqlChars = 200;

// DuckDB's C API gives no error type for prepare and open errors; its messages always
// start with the exception kind, which maps back to the type.
std::optional<duckdb_error_type> TypeFromPrefix(std::string_view message) {
  static constexpr std::array<std::pair<std::string_view, duckdb_error_type>, 20> kPrefixes{{
      {"Parser Error", DUCKDB_ERROR_PARSER},
      {"Syntax Error", DUCKDB_ERROR_SYNTAX},
      {"Binder Error", DUCKDB_ERROR_BINDER},
      {"Catalog Error", DUCKDB_ERROR_CATALOG},
      {"Conversion Error", DUCKDB_ERROR_CONVERSION},
      {"Invalid Input Error", DUCKDB_ERROR_INVALID_INPUT},
      {"Out of Range Error", DUCKDB_ERROR_OUT_OF_RANGE},
      {"Mismatch Type Error", DUCKDB_ERROR_MISMATCH_TYPE},
      {"Constraint Error", DUCKDB_ERROR_CONSTRAINT},
      {"Dependency Error", DUCKDB_ERROR_DEPENDENCY},
      {"TransactionContext Error", DUCKDB_ERROR_TRANSACTION},
      {"IO Error", DUCKDB_ERROR_IO},
      {"Permission Error", DUCKDB_ERROR_PERMISSION},
      {"Not implemented Error", DUCKDB_ERROR_NOT_IMPLEMENTED},
      {"Out of Memory Error", DUCKDB_ERROR_OUT_OF_MEMORY},
      {"INTERRUPT Error", DUCKDB_ERROR_INTERRUPT},
      {"Serialization Error", DUCKDB_ERROR_SERIALIZATION},
      {"Invalid Error", DUCKDB_ERROR_INVALID},
      {"FATAL Error", DUCKDB_ERROR_FATAL},
      {"INTERNAL Error", DUCKDB_ERROR_INTERNAL},
  }};
  for (const auto& [prefix, type] : kPrefixes) {
    if (message.starts_with(prefix)) return type;
  }
  return std::nullopt;
}

// DuckDB's message up to its "LINE n:" excerpt, on one line.
std::string OneLine(std::string_view message) {
  std::string out;
  size_t pos = 0;
  while (pos <= message.size()) {
    size_t end = message.find('\n', pos);
    if (end == std::string_view::npos) end = message.size();
    std::string_view line = message.substr(pos, end - pos);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with("LINE ")) break;
    if (!line.empty()) {
      if (!out.empty()) out += ' ';
      out += line;
    }
    pos = end + 1;
  }
  return out;
}

StatusCode CodeFor(std::optional<duckdb_error_type> type, std::string_view message) {
  if (message.find("read-only mode") != std::string_view::npos) {
    return StatusCode::kFailedPrecondition;
  }
  if (!type) return StatusCode::kInternal;
  switch (*type) {
    case DUCKDB_ERROR_PARSER:
    case DUCKDB_ERROR_SYNTAX:
    case DUCKDB_ERROR_BINDER:
    case DUCKDB_ERROR_CATALOG:
    case DUCKDB_ERROR_CONVERSION:
    case DUCKDB_ERROR_INVALID_INPUT:
    case DUCKDB_ERROR_OUT_OF_RANGE:
    case DUCKDB_ERROR_MISMATCH_TYPE:
    case DUCKDB_ERROR_DIVIDE_BY_ZERO:
    case DUCKDB_ERROR_DECIMAL:
    case DUCKDB_ERROR_INVALID_TYPE:
    case DUCKDB_ERROR_UNKNOWN_TYPE:
    case DUCKDB_ERROR_EXPRESSION:
    case DUCKDB_ERROR_PLANNER:
    case DUCKDB_ERROR_PARAMETER_NOT_RESOLVED:
    case DUCKDB_ERROR_PARAMETER_NOT_ALLOWED:
    case DUCKDB_ERROR_SETTINGS:
    case DUCKDB_ERROR_OBJECT_SIZE:
    case DUCKDB_ERROR_SEQUENCE:
    case DUCKDB_ERROR_CONSTRAINT:
      return StatusCode::kInvalidArgument;
    case DUCKDB_ERROR_DEPENDENCY:
      return StatusCode::kFailedPrecondition;
    case DUCKDB_ERROR_TRANSACTION:
      return message.find("onflict") != std::string_view::npos ? StatusCode::kAborted
                                                               : StatusCode::kFailedPrecondition;
    case DUCKDB_ERROR_IO:
      return message.find("Could not set lock") != std::string_view::npos
                 ? StatusCode::kFailedPrecondition
                 : StatusCode::kUnavailable;
    case DUCKDB_ERROR_CONNECTION:
    case DUCKDB_ERROR_NETWORK:
    case DUCKDB_ERROR_HTTP:
      return StatusCode::kUnavailable;
    case DUCKDB_ERROR_PERMISSION:
      return StatusCode::kPermissionDenied;
    case DUCKDB_ERROR_INTERRUPT:
      return StatusCode::kCancelled;
    case DUCKDB_ERROR_OUT_OF_MEMORY:
      return StatusCode::kResourceExhausted;
    case DUCKDB_ERROR_NOT_IMPLEMENTED:
    case DUCKDB_ERROR_MISSING_EXTENSION:
    case DUCKDB_ERROR_AUTOLOAD:
      return StatusCode::kUnimplemented;
    case DUCKDB_ERROR_SERIALIZATION:
      return StatusCode::kDataLoss;
    default:
      return StatusCode::kInternal;
  }
}

}  // namespace

std::string TruncateSql(std::string_view sql) {
  std::string out;
  bool in_space = false;
  for (char c : sql) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space) {
      in_space = !out.empty();
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += c;
    if (out.size() > kMaxSqlChars) {
      out.resize(kMaxSqlChars - 3);
      out += "...";
      break;
    }
  }
  return out;
}

std::string TypeName(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN:
      return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT:
      return "TINYINT";
    case DUCKDB_TYPE_SMALLINT:
      return "SMALLINT";
    case DUCKDB_TYPE_INTEGER:
      return "INTEGER";
    case DUCKDB_TYPE_BIGINT:
      return "BIGINT";
    case DUCKDB_TYPE_UTINYINT:
      return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT:
      return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER:
      return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT:
      return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT:
      return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT:
      return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT:
      return "FLOAT";
    case DUCKDB_TYPE_DOUBLE:
      return "DOUBLE";
    case DUCKDB_TYPE_DECIMAL:
      return "DECIMAL";
    case DUCKDB_TYPE_VARCHAR:
      return "VARCHAR";
    case DUCKDB_TYPE_BLOB:
      return "BLOB";
    case DUCKDB_TYPE_DATE:
      return "DATE";
    case DUCKDB_TYPE_TIME:
      return "TIME";
    case DUCKDB_TYPE_TIMESTAMP:
      return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_INTERVAL:
      return "INTERVAL";
    case DUCKDB_TYPE_UUID:
      return "UUID";
    case DUCKDB_TYPE_LIST:
      return "LIST";
    case DUCKDB_TYPE_STRUCT:
      return "STRUCT";
    case DUCKDB_TYPE_MAP:
      return "MAP";
    case DUCKDB_TYPE_ENUM:
      return "ENUM";
    default:
      return "type#" + std::to_string(static_cast<int>(type));
  }
}

Status FromDuckDb(std::optional<duckdb_error_type> type, std::string_view message,
                  std::string_view context) {
  if (!type) type = TypeFromPrefix(message);
  std::string text = OneLine(message);
  if (text.empty()) text = "DuckDB reported an error without a message";
  return Status(CodeFor(type, message), text + " (" + std::string(context) + ")");
}

Status ResultError(duckdb_result* result, std::string_view sql) {
  const char* message = duckdb_result_error(result);
  return FromDuckDb(duckdb_result_error_type(result), message ? message : "",
                    "SQL: " + TruncateSql(sql));
}

Status PrepareError(duckdb_prepared_statement statement, std::string_view sql) {
  const char* message = statement ? duckdb_prepare_error(statement) : nullptr;
  return FromDuckDb(std::nullopt, message ? message : "", "preparing SQL: " + TruncateSql(sql));
}

Status AppenderError(duckdb_appender appender, std::string_view table) {
  std::string context = "appending to " + std::string(table);
  if (!appender) return FromDuckDb(std::nullopt, "", context);
  duckdb_error_data error = duckdb_appender_error_data(appender);
  std::optional<duckdb_error_type> type;
  std::string message;
  if (error && duckdb_error_data_has_error(error)) {
    type = duckdb_error_data_error_type(error);
    const char* text = duckdb_error_data_message(error);
    message = text ? text : "";
  }
  duckdb_destroy_error_data(&error);
  return FromDuckDb(type, message, context);
}

Status OpenError(const char* message, std::string_view path) {
  std::string_view text = message ? message : "";
  if (text.find("Could not set lock") != std::string_view::npos) {
    return FailedPreconditionError("database file \"" + std::string(path) +
                                   "\" is in use: another process holds it open for writing "
                                   "(stop that process, or go through it). DuckDB said: " +
                                   OneLine(text));
  }
  return FromDuckDb(std::nullopt, text, "opening database \"" + std::string(path) + "\"");
}

}  // namespace shoplytics::warehouse::internal
