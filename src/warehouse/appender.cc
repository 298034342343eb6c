#include "warehouse/appender.h"

#include <utility>

#include "warehouse/internal/duckdb_error.h"

namespace shoplytics::warehouse {

Result<Appender> Appender::Create(Connection& conn, std::string_view schema,
                                  std::string_view table) {
  std::string schema_text(schema);
  std::string table_text(table);
  std::string name = schema.empty() ? table_text : schema_text + "." + table_text;
  if (!conn.valid()) return FailedPreconditionError("appending to " + name + ": no connection");
  duckdb_appender appender = nullptr;
  if (duckdb_appender_create(conn.handle(), schema.empty() ? nullptr : schema_text.c_str(),
                             table_text.c_str(), &appender) == DuckDBError) {
    Status status = internal::AppenderError(appender, name);
    if (appender) duckdb_appender_destroy(&appender);
    return status;
  }
  return Appender(appender, std::move(name));
}

Appender::Appender(Appender&& other) noexcept
    : appender_(std::exchange(other.appender_, nullptr)),
      table_name_(std::move(other.table_name_)),
      closed_(other.closed_) {}

Appender& Appender::operator=(Appender&& other) noexcept {
  if (this != &other) {
    if (appender_) duckdb_appender_destroy(&appender_);
    appender_ = std::exchange(other.appender_, nullptr);
    table_name_ = std::move(other.table_name_);
    closed_ = other.closed_;
  }
  return *this;
}

Appender::~Appender() {
  if (appender_) duckdb_appender_destroy(&appender_);
}

uint64_t Appender::column_count() const {
  return appender_ ? duckdb_appender_column_count(appender_) : 0;
}

duckdb_type Appender::column_type(uint64_t col) const {
  if (!appender_ || col >= column_count()) return DUCKDB_TYPE_INVALID;
  duckdb_logical_type type = duckdb_appender_column_type(appender_, col);
  duckdb_type id = duckdb_get_type_id(type);
  duckdb_destroy_logical_type(&type);
  return id;
}

Status Appender::Checked(duckdb_state state) {
  if (state == DuckDBSuccess) return OkStatus();
  return internal::AppenderError(appender_, table_name_);
}

Status Appender::AppendInt64(int64_t value) {
  return Checked(duckdb_append_int64(appender_, value));
}

Status Appender::AppendDouble(double value) {
  return Checked(duckdb_append_double(appender_, value));
}

Status Appender::AppendString(std::string_view value) {
  return Checked(duckdb_append_varchar_length(appender_, value.data(), value.size()));
}

Status Appender::AppendBool(bool value) { return Checked(duckdb_append_bool(appender_, value)); }

Status Appender::AppendNull() { return Checked(duckdb_append_null(appender_)); }

Status Appender::AppendTimestamp(Timestamp value) {
  return Checked(duckdb_append_timestamp(appender_, {value.time_since_epoch().count()}));
}

Status Appender::EndRow() { return Checked(duckdb_appender_end_row(appender_)); }

Status Appender::AppendChunk(duckdb_data_chunk chunk) {
  return Checked(duckdb_append_data_chunk(appender_, chunk));
}

Status Appender::Flush() { return Checked(duckdb_appender_flush(appender_)); }

Status Appender::Close() {
  if (closed_) return OkStatus();
  closed_ = true;
  return Checked(duckdb_appender_close(appender_));
}

}  // namespace shoplytics::warehouse
