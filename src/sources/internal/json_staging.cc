#include "sources/internal/json_staging.h"

#include <chrono>

#include "warehouse/prepared_statement.h"

namespace shoplytics::sources::internal {

namespace {

using nlohmann::json;

std::string Quote(const std::string& name) { return "\"" + name + "\""; }

Status WrongKind(const JsonColumn& column, const json& value, const char* expected) {
  return InvalidArgumentError("column " + column.name + " (" + column.pointer + "): expected " +
                              expected + ", got " + value.dump().substr(0, 80));
}

}  // namespace

JsonStaging::JsonStaging(warehouse::Connection& conn, std::string table,
                         std::vector<JsonColumn> columns)
    : conn_(&conn), table_(std::move(table)), columns_(std::move(columns)) {
  for (const JsonColumn& c : columns_) {
    pointers_.emplace_back(c.kind == JsonKind::kRaw ? "" : c.pointer);
  }
}

Result<JsonStaging> JsonStaging::Create(warehouse::Connection& conn, std::string table,
                                        std::vector<JsonColumn> columns) {
  JsonStaging staging(conn, std::move(table), std::move(columns));
  RETURN_IF_ERROR(staging.CreateTable());
  return staging;
}

Status JsonStaging::CreateTable() {
  std::string ddl = "CREATE OR REPLACE TEMP TABLE " + Quote(table_) + " (";
  for (size_t i = 0; i < columns_.size(); ++i) {
    ddl += (i ? ", " : "") + Quote(columns_[i].name) + " " + columns_[i].type;
  }
  RETURN_IF_ERROR(conn_->Execute(ddl + ")"));
  ASSIGN_OR_RETURN(appender_, warehouse::Appender::Create(*conn_, "", table_));
  rows_ = 0;
  return OkStatus();
}

Status JsonStaging::AppendValue(const JsonColumn& column, const json& object) {
  if (column.kind == JsonKind::kRaw) return appender_.AppendString(object.dump());
  const json::json_pointer& ptr = pointers_[&column - columns_.data()];
  if (!object.contains(ptr)) return appender_.AppendNull();
  const json& v = object.at(ptr);
  if (v.is_null()) return appender_.AppendNull();
  switch (column.kind) {
    case JsonKind::kString:
      if (v.is_string()) return appender_.AppendString(v.get_ref<const std::string&>());
      if (v.is_object() && v.contains("id") && v["id"].is_string()) {
        return appender_.AppendString(v["id"].get_ref<const std::string&>());
      }
      return appender_.AppendString(v.dump());
    case JsonKind::kInt:
      if (!v.is_number_integer()) return WrongKind(column, v, "an integer");
      return appender_.AppendInt64(v.get<int64_t>());
    case JsonKind::kIntText:
      if (v.is_number_integer()) return appender_.AppendInt64(v.get<int64_t>());
      if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        if (s.empty()) return appender_.AppendNull();
        try {
          size_t used = 0;
          const int64_t n = std::stoll(s, &used);
          if (used == s.size()) return appender_.AppendInt64(n);
        } catch (const std::exception&) {
        }
      }
      return WrongKind(column, v, "an integer or a numeric string");
    case JsonKind::kBool:
      if (!v.is_boolean()) return WrongKind(column, v, "true or false");
      return appender_.AppendBool(v.get<bool>());
    case JsonKind::kEpoch:
      if (!v.is_number_integer()) return WrongKind(column, v, "Unix seconds");
      return appender_.AppendTimestamp(
          warehouse::Timestamp(std::chrono::seconds(v.get<int64_t>())));
    case JsonKind::kNumber:
      if (!v.is_number()) return WrongKind(column, v, "a number");
      return appender_.AppendString(v.dump());
    case JsonKind::kRaw:
      break;
  }
  return InternalError("unhandled column kind");
}

Status JsonStaging::Append(const json& object) {
  if (!object.is_object()) {
    return InvalidArgumentError("expected a JSON object, got " + object.dump().substr(0, 80));
  }
  for (const JsonColumn& c : columns_) {
    RETURN_IF_ERROR(AppendValue(c, object).WithContext(table_));
  }
  RETURN_IF_ERROR(appender_.EndRow());
  ++rows_;
  return OkStatus();
}

Status JsonStaging::Flush() { return appender_.Flush(); }

Status JsonStaging::Clear() {
  RETURN_IF_ERROR(appender_.Close());
  return CreateTable();
}

Status JsonStaging::Drop() {
  RETURN_IF_ERROR(appender_.Close());
  return conn_->Execute("DROP TABLE IF EXISTS " + Quote(table_));
}

}  // namespace shoplytics::sources::internal
