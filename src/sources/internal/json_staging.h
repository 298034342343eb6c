// JsonStaging: flattens JSON objects from an API into a DuckDB temp table, column by column,
// for the API connectors (Stripe, http_json) to hand to RawStore::CommitBatch.
//
// Each column reads one JSON pointer of the object ("/metadata/order_id") as its kind; a
// missing or null value is NULL, a value of the wrong kind is kInvalidArgument naming the
// column. kRaw stores the whole object as JSON text.
//
// Not thread-safe; the Connection must outlive it. Rows appended are visible to SQL only
// after Flush().
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "warehouse/appender.h"
#include "warehouse/connection.h"

namespace shoplytics::sources::internal {

enum class JsonKind {
  kString,   // VARCHAR; an expanded object gives its "id"
  kInt,      // BIGINT
  kIntText,  // BIGINT from a number or a numeric string (Stripe metadata)
  kBool,     // BOOLEAN
  kEpoch,    // TIMESTAMPTZ from Unix seconds
  kNumber,   // DECIMAL or DOUBLE from a JSON number, exactly as written
  kRaw,      // VARCHAR: the whole object
};

struct JsonColumn {
  std::string name;
  std::string type;  // DuckDB type of the staging column
  JsonKind kind;
  std::string pointer;  // JSON pointer; unused for kRaw
};

class JsonStaging {
 public:
  // Creates (or replaces) the temp table `table` with `columns`.
  static Result<JsonStaging> Create(warehouse::Connection& conn, std::string table,
                                    std::vector<JsonColumn> columns);

  JsonStaging(JsonStaging&&) = default;
  JsonStaging& operator=(JsonStaging&&) = default;

  Status Append(const nlohmann::json& object);
  // Makes appended rows visible.
  Status Flush();
  // Empties the table for the next batch by creating it anew: a DELETE would leave the
  // deleted rows in the temp table, where every later batch scans them (and the
  // optimizer counts them), so that a long pull would grow quadratically.
  Status Clear();
  // Drops the table.
  Status Drop();

  const std::string& table() const { return table_; }
  int64_t rows() const { return rows_; }  // rows since the last Clear()

 private:
  JsonStaging(warehouse::Connection& conn, std::string table, std::vector<JsonColumn> columns);
  // Creates (or replaces) the table and opens an appender on it.
  Status CreateTable();
  Status AppendValue(const JsonColumn& column, const nlohmann::json& object);

  warehouse::Connection* conn_;
  std::string table_;
  std::vector<JsonColumn> columns_;
  std::vector<nlohmann::json::json_pointer> pointers_;
  warehouse::Appender appender_;
  int64_t rows_ = 0;
};

}  // namespace shoplytics::sources::internal
