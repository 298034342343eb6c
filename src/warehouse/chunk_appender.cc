#include "warehouse/chunk_appender.h"

#include <limits>
#include <string>
#include <utility>

#include "warehouse/internal/duckdb_error.h"

namespace shoplytics::warehouse {

namespace {

bool IsSupported(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BOOLEAN:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_DATE:
      return true;
    default:
      return false;
  }
}

template <typename T>
bool Fits(int64_t v) {
  return v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max();
}

}  // namespace

Result<ChunkAppender> ChunkAppender::Create(Connection& conn, std::string_view schema,
                                            std::string_view table) {
  ASSIGN_OR_RETURN(Appender appender, Appender::Create(conn, schema, table));
  std::vector<duckdb_type> types;
  std::vector<duckdb_logical_type> logical;
  for (uint64_t col = 0; col < appender.column_count(); ++col) {
    types.push_back(appender.column_type(col));
    if (!IsSupported(types.back())) {
      return UnimplementedError("chunk appending to " + appender.table_name() + ": column " +
                                std::to_string(col) + " has type " +
                                internal::TypeName(types.back()) +
                                ", which ChunkAppender does not fill; use Appender");
    }
    logical.push_back(duckdb_create_logical_type(types.back()));
  }
  duckdb_data_chunk chunk = duckdb_create_data_chunk(logical.data(), logical.size());
  for (auto& type : logical) duckdb_destroy_logical_type(&type);
  return ChunkAppender(std::move(appender), std::move(types), chunk);
}

ChunkAppender::ChunkAppender(Appender appender, std::vector<duckdb_type> types,
                             duckdb_data_chunk chunk)
    : appender_(std::move(appender)),
      types_(std::move(types)),
      chunk_(chunk),
      capacity_(duckdb_vector_size()),
      set_(types_.size(), 0) {
  LoadVectors();
}

ChunkAppender::ChunkAppender(ChunkAppender&& other) noexcept
    : appender_(std::move(other.appender_)),
      types_(std::move(other.types_)),
      chunk_(std::exchange(other.chunk_, nullptr)),
      capacity_(other.capacity_),
      row_(std::exchange(other.row_, 0)),
      set_(std::move(other.set_)),
      vectors_(std::move(other.vectors_)),
      data_(std::move(other.data_)),
      rows_appended_(other.rows_appended_) {}

ChunkAppender& ChunkAppender::operator=(ChunkAppender&& other) noexcept {
  if (this != &other) {
    DestroyChunk();
    appender_ = std::move(other.appender_);
    types_ = std::move(other.types_);
    chunk_ = std::exchange(other.chunk_, nullptr);
    capacity_ = other.capacity_;
    row_ = std::exchange(other.row_, 0);
    set_ = std::move(other.set_);
    vectors_ = std::move(other.vectors_);
    data_ = std::move(other.data_);
    rows_appended_ = other.rows_appended_;
  }
  return *this;
}

ChunkAppender::~ChunkAppender() { DestroyChunk(); }

void ChunkAppender::DestroyChunk() {
  if (chunk_) duckdb_destroy_data_chunk(&chunk_);
  chunk_ = nullptr;
}

Status ChunkAppender::ColumnError(uint64_t col, std::string_view what, bool ok_type) const {
  if (!chunk_) {
    return FailedPreconditionError("chunk appending to " + appender_.table_name() +
                                   ": the appender is closed");
  }
  if (col >= types_.size()) {
    return InvalidArgumentError("chunk appending to " + appender_.table_name() + ": column " +
                                std::to_string(col) + " does not exist (the table has " +
                                std::to_string(types_.size()) + " columns)");
  }
  if (!ok_type) {
    return InvalidArgumentError("chunk appending to " + appender_.table_name() + ": column " +
                                std::to_string(col) + " (" + internal::TypeName(types_[col]) +
                                ") cannot take " + std::string(what));
  }
  return OkStatus();
}

void ChunkAppender::LoadVectors() {
  vectors_.assign(types_.size(), nullptr);
  data_.assign(types_.size(), nullptr);
  if (!chunk_) return;
  for (uint64_t col = 0; col < types_.size(); ++col) {
    vectors_[col] = duckdb_data_chunk_get_vector(chunk_, col);
    data_[col] = duckdb_vector_get_data(vectors_[col]);
  }
}

Status ChunkAppender::SetInt64(uint64_t col, int64_t value) {
  duckdb_type type = col < types_.size() ? types_[col] : DUCKDB_TYPE_INVALID;
  bool fits = (type == DUCKDB_TYPE_BIGINT) ||
              (type == DUCKDB_TYPE_INTEGER && Fits<int32_t>(value)) ||
              (type == DUCKDB_TYPE_SMALLINT && Fits<int16_t>(value)) ||
              (type == DUCKDB_TYPE_TINYINT && Fits<int8_t>(value));
  if (!Usable(col, fits)) return ColumnError(col, "the integer " + std::to_string(value), fits);
  void* data = Data(col);
  switch (type) {
    case DUCKDB_TYPE_BIGINT:
      static_cast<int64_t*>(data)[row_] = value;
      break;
    case DUCKDB_TYPE_INTEGER:
      static_cast<int32_t*>(data)[row_] = static_cast<int32_t>(value);
      break;
    case DUCKDB_TYPE_SMALLINT:
      static_cast<int16_t*>(data)[row_] = static_cast<int16_t>(value);
      break;
    default:
      static_cast<int8_t*>(data)[row_] = static_cast<int8_t>(value);
      break;
  }
  return OkStatus();
}

Status ChunkAppender::SetDouble(uint64_t col, double value) {
  duckdb_type type = col < types_.size() ? types_[col] : DUCKDB_TYPE_INVALID;
  const bool ok = type == DUCKDB_TYPE_DOUBLE || type == DUCKDB_TYPE_FLOAT;
  if (!Usable(col, ok)) return ColumnError(col, "a double", ok);
  if (type == DUCKDB_TYPE_DOUBLE) {
    static_cast<double*>(Data(col))[row_] = value;
  } else {
    static_cast<float*>(Data(col))[row_] = static_cast<float>(value);
  }
  return OkStatus();
}

Status ChunkAppender::SetString(uint64_t col, std::string_view value) {
  duckdb_type type = col < types_.size() ? types_[col] : DUCKDB_TYPE_INVALID;
  if (!Usable(col, type == DUCKDB_TYPE_VARCHAR)) {
    return ColumnError(col, "a string", type == DUCKDB_TYPE_VARCHAR);
  }
  set_[col] = 1;
  duckdb_vector_assign_string_element_len(vectors_[col], row_, value.data(), value.size());
  return OkStatus();
}

Status ChunkAppender::SetBool(uint64_t col, bool value) {
  duckdb_type type = col < types_.size() ? types_[col] : DUCKDB_TYPE_INVALID;
  if (!Usable(col, type == DUCKDB_TYPE_BOOLEAN)) {
    return ColumnError(col, "a bool", type == DUCKDB_TYPE_BOOLEAN);
  }
  static_cast<bool*>(Data(col))[row_] = value;
  return OkStatus();
}

Status ChunkAppender::SetTimestamp(uint64_t col, Timestamp value) {
  duckdb_type type = col < types_.size() ? types_[col] : DUCKDB_TYPE_INVALID;
  const bool ok = type == DUCKDB_TYPE_TIMESTAMP || type == DUCKDB_TYPE_TIMESTAMP_TZ;
  if (!Usable(col, ok)) return ColumnError(col, "a timestamp", ok);
  static_cast<int64_t*>(Data(col))[row_] = value.time_since_epoch().count();
  return OkStatus();
}

Status ChunkAppender::SetDate(uint64_t col, int32_t days_since_epoch) {
  duckdb_type type = col < types_.size() ? types_[col] : DUCKDB_TYPE_INVALID;
  if (!Usable(col, type == DUCKDB_TYPE_DATE)) {
    return ColumnError(col, "a date", type == DUCKDB_TYPE_DATE);
  }
  static_cast<int32_t*>(Data(col))[row_] = days_since_epoch;
  return OkStatus();
}

Status ChunkAppender::SetNull(uint64_t col) {
  if (!Usable(col, true)) return ColumnError(col, "NULL", true);
  duckdb_vector vector = vectors_[col];
  duckdb_vector_ensure_validity_writable(vector);
  duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vector), row_);
  set_[col] = 1;
  return OkStatus();
}

Status ChunkAppender::EndRow() {
  if (!chunk_) {
    return FailedPreconditionError("chunk appending to " + appender_.table_name() +
                                   ": the appender is closed");
  }
  for (uint64_t col = 0; col < set_.size(); ++col) {
    if (!set_[col]) {  // NOLINT: cold

      return InvalidArgumentError("chunk appending to " + appender_.table_name() + ": column " +
                                  std::to_string(col) + " of row " +
                                  std::to_string(rows_appended_ + row_) + " was not set");
    }
    set_[col] = 0;
  }
  ++row_;
  if (row_ == capacity_) return AppendPending();
  return OkStatus();
}

Status ChunkAppender::AppendPending() {
  if (row_ == 0) return OkStatus();
  duckdb_data_chunk_set_size(chunk_, row_);
  Status status = appender_.AppendChunk(chunk_);
  rows_appended_ += row_;
  row_ = 0;
  // Reset also marks every row valid again, undoing this chunk's NULLs; it may give the
  // vectors new buffers.
  duckdb_data_chunk_reset(chunk_);
  LoadVectors();
  return status;
}

Status ChunkAppender::Close() {
  if (!chunk_) return OkStatus();
  Status status = AppendPending();
  DestroyChunk();
  Status closed = appender_.Close();
  return status.ok() ? closed : status;
}

}  // namespace shoplytics::warehouse
