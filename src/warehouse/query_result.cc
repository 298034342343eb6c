#include "warehouse/query_result.h"

#include <charconv>
#include <cstdlib>
#include <limits>
#include <utility>
#include <vector>

#include "warehouse/internal/duckdb_error.h"

namespace shoplytics::warehouse {

namespace {

// The types DuckDB's value API reads as an int64 itself: BOOLEAN and the integers up to
// 64 bits.
bool IsIntegerType(duckdb_type type) {
  return type == DUCKDB_TYPE_BOOLEAN ||
         (IsIntegralType(type) && type != DUCKDB_TYPE_HUGEINT && type != DUCKDB_TYPE_UHUGEINT);
}

// Integer value `row` of a vector whose physical type is an integer.
Result<int64_t> ReadInteger(duckdb_type type, const void* data, uint64_t row) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN:
      return static_cast<const bool*>(data)[row] ? 1 : 0;
    case DUCKDB_TYPE_TINYINT:
      return static_cast<const int8_t*>(data)[row];
    case DUCKDB_TYPE_SMALLINT:
      return static_cast<const int16_t*>(data)[row];
    case DUCKDB_TYPE_INTEGER:
      return static_cast<const int32_t*>(data)[row];
    case DUCKDB_TYPE_BIGINT:
      return static_cast<const int64_t*>(data)[row];
    case DUCKDB_TYPE_UTINYINT:
      return static_cast<const uint8_t*>(data)[row];
    case DUCKDB_TYPE_USMALLINT:
      return static_cast<const uint16_t*>(data)[row];
    case DUCKDB_TYPE_UINTEGER:
      return static_cast<const uint32_t*>(data)[row];
    case DUCKDB_TYPE_UBIGINT: {
      uint64_t v = static_cast<const uint64_t*>(data)[row];
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return InvalidArgumentError("UBIGINT value " + std::to_string(v) + " exceeds int64");
      }
      return static_cast<int64_t>(v);
    }
    default:
      return InvalidArgumentError("not an integer column");
  }
}

}  // namespace

bool IsIntegralType(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
      return true;
    default:
      return false;
  }
}

bool IsNumericType(duckdb_type type) {
  return IsIntegralType(type) || type == DUCKDB_TYPE_FLOAT || type == DUCKDB_TYPE_DOUBLE ||
         type == DUCKDB_TYPE_DECIMAL;
}

using internal::TypeName;

// ---- DataChunk ----

DataChunk::DataChunk(duckdb_data_chunk chunk) : chunk_(chunk) {}
DataChunk::DataChunk(DataChunk&& other) noexcept : chunk_(std::exchange(other.chunk_, nullptr)) {}
DataChunk& DataChunk::operator=(DataChunk&& other) noexcept {
  if (this != &other) {
    if (chunk_) duckdb_destroy_data_chunk(&chunk_);
    chunk_ = std::exchange(other.chunk_, nullptr);
  }
  return *this;
}
DataChunk::~DataChunk() {
  if (chunk_) duckdb_destroy_data_chunk(&chunk_);
}

uint64_t DataChunk::size() const { return chunk_ ? duckdb_data_chunk_get_size(chunk_) : 0; }
uint64_t DataChunk::column_count() const {
  return chunk_ ? duckdb_data_chunk_get_column_count(chunk_) : 0;
}

duckdb_type DataChunk::column_type(uint64_t col) const {
  duckdb_logical_type type =
      duckdb_vector_get_column_type(duckdb_data_chunk_get_vector(chunk_, col));
  duckdb_type id = duckdb_get_type_id(type);
  duckdb_destroy_logical_type(&type);
  return id;
}

bool DataChunk::IsNull(uint64_t col, uint64_t row) const {
  uint64_t* validity = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk_, col));
  return validity != nullptr && !duckdb_validity_row_is_valid(validity, row);
}

Status DataChunk::CheckCell(uint64_t col, uint64_t row, std::string_view want) const {
  if (col >= column_count() || row >= size()) {
    return InvalidArgumentError("cell (column " + std::to_string(col) + ", row " +
                                std::to_string(row) + ") is outside the chunk (" +
                                std::to_string(column_count()) + " columns, " +
                                std::to_string(size()) + " rows)");
  }
  if (IsNull(col, row)) {
    return InvalidArgumentError("column " + std::to_string(col) + " row " + std::to_string(row) +
                                " is NULL, not " + std::string(want));
  }
  return OkStatus();
}

Result<int64_t> DataChunk::GetInt64(uint64_t col, uint64_t row) const {
  RETURN_IF_ERROR(CheckCell(col, row, "an integer"));
  duckdb_type type = column_type(col);
  if (!IsIntegerType(type)) {
    return InvalidArgumentError("column " + std::to_string(col) + " is " + TypeName(type) +
                                ", not an integer type");
  }
  return ReadInteger(type, duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk_, col)), row);
}

Result<const uint64_t*> DataChunk::Words64(uint64_t col) const {
  if (col >= column_count()) {
    return InvalidArgumentError("column " + std::to_string(col) + " is outside the chunk (" +
                                std::to_string(column_count()) + " columns)");
  }
  duckdb_type type = column_type(col);
  if (type != DUCKDB_TYPE_BIGINT && type != DUCKDB_TYPE_UBIGINT) {
    return InvalidArgumentError("column " + std::to_string(col) + " is " + TypeName(type) +
                                ", not BIGINT or UBIGINT");
  }
  return static_cast<const uint64_t*>(
      duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk_, col)));
}

Result<double> DataChunk::GetDouble(uint64_t col, uint64_t row) const {
  RETURN_IF_ERROR(CheckCell(col, row, "a number"));
  duckdb_type type = column_type(col);
  void* data = duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk_, col));
  if (type == DUCKDB_TYPE_DOUBLE) return static_cast<const double*>(data)[row];
  if (type == DUCKDB_TYPE_FLOAT) return static_cast<double>(static_cast<const float*>(data)[row]);
  if (IsIntegerType(type)) {
    ASSIGN_OR_RETURN(int64_t v, ReadInteger(type, data, row));
    return static_cast<double>(v);
  }
  return InvalidArgumentError("column " + std::to_string(col) + " is " + TypeName(type) +
                              ", not a number type");
}

Result<std::string_view> DataChunk::GetString(uint64_t col, uint64_t row) const {
  RETURN_IF_ERROR(CheckCell(col, row, "a string"));
  duckdb_type type = column_type(col);
  if (type != DUCKDB_TYPE_VARCHAR) {
    return InvalidArgumentError("column " + std::to_string(col) + " is " + TypeName(type) +
                                ", not VARCHAR");
  }
  auto* strings = static_cast<duckdb_string_t*>(
      duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk_, col)));
  duckdb_string_t* s = &strings[row];
  return std::string_view(duckdb_string_t_data(s), duckdb_string_t_length(*s));
}

namespace {

// Owns a duckdb_logical_type.
struct LogicalType {
  duckdb_logical_type type = nullptr;
  explicit LogicalType(duckdb_logical_type t) : type(t) {}
  LogicalType(const LogicalType&) = delete;
  LogicalType& operator=(const LogicalType&) = delete;
  ~LogicalType() {
    if (type) duckdb_destroy_logical_type(&type);
  }
};

// Owns the duckdb_values made for one nested value's children.
struct Values {
  std::vector<duckdb_value> values;
  Values() = default;
  Values(const Values&) = delete;
  Values& operator=(const Values&) = delete;
  ~Values() {
    for (duckdb_value& v : values) {
      if (v) duckdb_destroy_value(&v);
    }
  }
};

template <typename T>
T At(duckdb_vector vector, uint64_t row) {
  return static_cast<const T*>(duckdb_vector_get_data(vector))[row];
}

duckdb_hugeint HugeAt(duckdb_vector vector, uint64_t row) { return At<duckdb_hugeint>(vector, row); }

duckdb_value MakeValue(duckdb_vector vector, duckdb_logical_type type, uint64_t row);

// Rows [offset, offset + count) of `vector` (of logical type `type`) appended to `out`;
// false when one has a type MakeValue does not know.
bool AppendValues(duckdb_vector vector, duckdb_logical_type type, uint64_t offset,
                  uint64_t count, Values* out) {
  for (uint64_t i = 0; i < count; ++i) {
    duckdb_value v = MakeValue(vector, type, offset + i);
    if (!v) return false;
    out->values.push_back(v);
  }
  return true;
}

// A DECIMAL stored in a narrower integer, widened to the HUGEINT duckdb_decimal holds.
duckdb_hugeint Widen(int64_t v) { return {static_cast<uint64_t>(v), v < 0 ? -1 : 0}; }

// Row `row` of `vector` (of logical type `type`) as a duckdb_value the caller destroys;
// NULL for a type it does not know (UNION, BIT, ...).
duckdb_value MakeValue(duckdb_vector vector, duckdb_logical_type type, uint64_t row) {
  uint64_t* validity = duckdb_vector_get_validity(vector);
  if (validity && !duckdb_validity_row_is_valid(validity, row)) return duckdb_create_null_value();
  switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_BOOLEAN: return duckdb_create_bool(At<bool>(vector, row));
    case DUCKDB_TYPE_TINYINT: return duckdb_create_int8(At<int8_t>(vector, row));
    case DUCKDB_TYPE_SMALLINT: return duckdb_create_int16(At<int16_t>(vector, row));
    case DUCKDB_TYPE_INTEGER: return duckdb_create_int32(At<int32_t>(vector, row));
    case DUCKDB_TYPE_BIGINT: return duckdb_create_int64(At<int64_t>(vector, row));
    case DUCKDB_TYPE_UTINYINT: return duckdb_create_uint8(At<uint8_t>(vector, row));
    case DUCKDB_TYPE_USMALLINT: return duckdb_create_uint16(At<uint16_t>(vector, row));
    case DUCKDB_TYPE_UINTEGER: return duckdb_create_uint32(At<uint32_t>(vector, row));
    case DUCKDB_TYPE_UBIGINT: return duckdb_create_uint64(At<uint64_t>(vector, row));
    case DUCKDB_TYPE_HUGEINT: return duckdb_create_hugeint(HugeAt(vector, row));
    case DUCKDB_TYPE_UHUGEINT: return duckdb_create_uhugeint(At<duckdb_uhugeint>(vector, row));
    case DUCKDB_TYPE_FLOAT: return duckdb_create_float(At<float>(vector, row));
    case DUCKDB_TYPE_DOUBLE: return duckdb_create_double(At<double>(vector, row));
    case DUCKDB_TYPE_DATE: return duckdb_create_date(At<duckdb_date>(vector, row));
    case DUCKDB_TYPE_TIME: return duckdb_create_time(At<duckdb_time>(vector, row));
    case DUCKDB_TYPE_TIME_TZ: return duckdb_create_time_tz_value(At<duckdb_time_tz>(vector, row));
    case DUCKDB_TYPE_TIMESTAMP: return duckdb_create_timestamp(At<duckdb_timestamp>(vector, row));
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return duckdb_create_timestamp_tz(At<duckdb_timestamp>(vector, row));
    case DUCKDB_TYPE_TIMESTAMP_S:
      return duckdb_create_timestamp_s(At<duckdb_timestamp_s>(vector, row));
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return duckdb_create_timestamp_ms(At<duckdb_timestamp_ms>(vector, row));
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return duckdb_create_timestamp_ns(At<duckdb_timestamp_ns>(vector, row));
    case DUCKDB_TYPE_INTERVAL: return duckdb_create_interval(At<duckdb_interval>(vector, row));
    case DUCKDB_TYPE_VARCHAR: {
      duckdb_string_t s = At<duckdb_string_t>(vector, row);
      return duckdb_create_varchar_length(duckdb_string_t_data(&s), duckdb_string_t_length(s));
    }
    case DUCKDB_TYPE_BLOB: {
      duckdb_string_t s = At<duckdb_string_t>(vector, row);
      return duckdb_create_blob(reinterpret_cast<const uint8_t*>(duckdb_string_t_data(&s)),
                                duckdb_string_t_length(s));
    }
    case DUCKDB_TYPE_UUID: {
      // Stored as a HUGEINT with the top bit flipped (so that it sorts as unsigned).
      duckdb_hugeint h = HugeAt(vector, row);
      duckdb_uhugeint u{h.lower, static_cast<uint64_t>(h.upper) ^ (uint64_t{1} << 63)};
      return duckdb_create_uuid(u);
    }
    case DUCKDB_TYPE_DECIMAL: {
      duckdb_decimal d{duckdb_decimal_width(type), duckdb_decimal_scale(type), {0, 0}};
      switch (duckdb_decimal_internal_type(type)) {
        case DUCKDB_TYPE_SMALLINT: d.value = Widen(At<int16_t>(vector, row)); break;
        case DUCKDB_TYPE_INTEGER: d.value = Widen(At<int32_t>(vector, row)); break;
        case DUCKDB_TYPE_BIGINT: d.value = Widen(At<int64_t>(vector, row)); break;
        default: d.value = HugeAt(vector, row); break;
      }
      return duckdb_create_decimal(d);
    }
    case DUCKDB_TYPE_ENUM: {
      uint64_t index = 0;
      switch (duckdb_enum_internal_type(type)) {
        case DUCKDB_TYPE_UTINYINT: index = At<uint8_t>(vector, row); break;
        case DUCKDB_TYPE_USMALLINT: index = At<uint16_t>(vector, row); break;
        default: index = At<uint32_t>(vector, row); break;
      }
      return duckdb_create_enum_value(type, index);
    }
    case DUCKDB_TYPE_LIST: {
      duckdb_list_entry entry = At<duckdb_list_entry>(vector, row);
      LogicalType child_type(duckdb_list_type_child_type(type));
      Values items;
      if (!AppendValues(duckdb_list_vector_get_child(vector), child_type.type, entry.offset,
                        entry.length, &items)) {
        return nullptr;
      }
      return duckdb_create_list_value(child_type.type, items.values.data(), entry.length);
    }
    case DUCKDB_TYPE_MAP: {
      // A list of STRUCT(key, value).
      duckdb_list_entry entry = At<duckdb_list_entry>(vector, row);
      duckdb_vector entries = duckdb_list_vector_get_child(vector);
      LogicalType entry_type(duckdb_list_type_child_type(type));
      LogicalType key_type(duckdb_struct_type_child_type(entry_type.type, 0));
      LogicalType value_type(duckdb_struct_type_child_type(entry_type.type, 1));
      Values keys, values;
      if (!AppendValues(duckdb_struct_vector_get_child(entries, 0), key_type.type, entry.offset,
                        entry.length, &keys) ||
          !AppendValues(duckdb_struct_vector_get_child(entries, 1), value_type.type,
                        entry.offset, entry.length, &values)) {
        return nullptr;
      }
      return duckdb_create_map_value(type, keys.values.data(), values.values.data(), entry.length);
    }
    case DUCKDB_TYPE_ARRAY: {
      const uint64_t size = duckdb_array_type_array_size(type);
      LogicalType child_type(duckdb_array_type_child_type(type));
      Values items;
      if (!AppendValues(duckdb_array_vector_get_child(vector), child_type.type, row * size, size,
                        &items)) {
        return nullptr;
      }
      return duckdb_create_array_value(child_type.type, items.values.data(), size);
    }
    case DUCKDB_TYPE_STRUCT: {
      const uint64_t count = duckdb_struct_type_child_count(type);
      Values fields;
      for (uint64_t i = 0; i < count; ++i) {
        LogicalType field_type(duckdb_struct_type_child_type(type, i));
        duckdb_value v = MakeValue(duckdb_struct_vector_get_child(vector, i), field_type.type, row);
        if (!v) return nullptr;
        fields.values.push_back(v);
      }
      return duckdb_create_struct_value(type, fields.values.data());
    }
    default:
      return nullptr;
  }
}

}  // namespace

Result<std::string> DataChunk::GetText(uint64_t col, uint64_t row) const {
  RETURN_IF_ERROR(CheckCell(col, row, "text"));
  duckdb_vector vector = duckdb_data_chunk_get_vector(chunk_, col);
  LogicalType type(duckdb_vector_get_column_type(vector));
  duckdb_value value = MakeValue(vector, type.type, row);
  if (!value) {
    return UnimplementedError("column " + std::to_string(col) + " has type " +
                              TypeName(duckdb_get_type_id(type.type)) +
                              ", which cannot be shown as text; cast it in the SQL, e.g. ::VARCHAR");
  }
  char* text = duckdb_get_varchar(value);
  std::string out = text ? text : "";
  if (text) duckdb_free(text);
  duckdb_destroy_value(&value);
  return out;
}

// ---- QueryResult ----

QueryResult::QueryResult(duckdb_result result, std::string_view sql)
    : result_(result), valid_(true), sql_(internal::TruncateSql(sql)) {}

QueryResult::QueryResult(QueryResult&& other) noexcept
    : result_(other.result_),
      valid_(std::exchange(other.valid_, false)),
      mode_(other.mode_),
      sql_(std::move(other.sql_)) {
  other.result_ = duckdb_result{};
}

QueryResult& QueryResult::operator=(QueryResult&& other) noexcept {
  if (this != &other) {
    Reset();
    result_ = other.result_;
    valid_ = std::exchange(other.valid_, false);
    mode_ = other.mode_;
    sql_ = std::move(other.sql_);
    other.result_ = duckdb_result{};
  }
  return *this;
}

QueryResult::~QueryResult() { Reset(); }

void QueryResult::Reset() {
  if (valid_) duckdb_destroy_result(&result_);
  valid_ = false;
  result_ = duckdb_result{};
}

uint64_t QueryResult::column_count() const {
  return valid_ ? duckdb_column_count(const_cast<duckdb_result*>(&result_)) : 0;
}

uint64_t QueryResult::row_count() const {
  return valid_ ? duckdb_row_count(const_cast<duckdb_result*>(&result_)) : 0;
}

uint64_t QueryResult::rows_changed() const {
  return valid_ ? duckdb_rows_changed(const_cast<duckdb_result*>(&result_)) : 0;
}

std::string QueryResult::column_name(uint64_t col) const {
  const char* name =
      valid_ ? duckdb_column_name(const_cast<duckdb_result*>(&result_), col) : nullptr;
  return name ? name : "";
}

duckdb_type QueryResult::column_type(uint64_t col) const {
  return valid_ ? duckdb_column_type(const_cast<duckdb_result*>(&result_), col)
                : DUCKDB_TYPE_INVALID;
}

std::string QueryResult::column_type_name(uint64_t col) const {
  duckdb_type type = column_type(col);
  if (type != DUCKDB_TYPE_DECIMAL) return TypeName(type);
  duckdb_logical_type logical =
      duckdb_column_logical_type(const_cast<duckdb_result*>(&result_), col);
  std::string name = "DECIMAL(" + std::to_string(duckdb_decimal_width(logical)) + "," +
                     std::to_string(duckdb_decimal_scale(logical)) + ")";
  duckdb_destroy_logical_type(&logical);
  return name;
}

Status QueryResult::EnterMode(Mode mode) {
  if (mode_ == Mode::kUnused) mode_ = mode;
  if (mode_ != mode) {
    return FailedPreconditionError(
        std::string("result of SQL \"") + sql_ + "\" is read " +
        (mode_ == Mode::kChunks ? "by chunk; value access" : "by value; chunk access") +
        " cannot be mixed with it");
  }
  return OkStatus();
}

std::string QueryResult::Where(uint64_t col, uint64_t row) const {
  return "column \"" + column_name(col) + "\" row " + std::to_string(row) + " of SQL \"" + sql_ +
         "\"";
}

Status QueryResult::CheckCell(uint64_t col, uint64_t row) {
  RETURN_IF_ERROR(EnterMode(Mode::kValues));
  if (col >= column_count() || row >= row_count()) {
    return InvalidArgumentError("cell (column " + std::to_string(col) + ", row " +
                                std::to_string(row) + ") is outside the result (" +
                                std::to_string(column_count()) + " columns, " +
                                std::to_string(row_count()) + " rows) of SQL \"" + sql_ + "\"");
  }
  return OkStatus();
}

Result<bool> QueryResult::IsNull(uint64_t col, uint64_t row) {
  RETURN_IF_ERROR(CheckCell(col, row));
  return duckdb_value_is_null(&result_, col, row);
}

Result<std::string> QueryResult::GetString(uint64_t col, uint64_t row) {
  ASSIGN_OR_RETURN(bool null, IsNull(col, row));
  if (null) return InvalidArgumentError(Where(col, row) + " is NULL");
  duckdb_string s = duckdb_value_string(&result_, col, row);
  if (s.data == nullptr) {
    // DuckDB's value API renders scalars only (not LIST, STRUCT, MAP, UUID...).
    return UnimplementedError(Where(col, row) + " has type " + column_type_name(col) +
                              ", which cannot be read as text here; cast it in the SQL, e.g. \"" +
                              column_name(col) + "\"::VARCHAR");
  }
  std::string out(s.data, s.size);
  duckdb_free(s.data);
  return out;
}

Result<int64_t> QueryResult::GetInt64(uint64_t col, uint64_t row) {
  ASSIGN_OR_RETURN(bool null, IsNull(col, row));
  if (null) return InvalidArgumentError(Where(col, row) + " is NULL, not an integer");
  duckdb_type type = column_type(col);
  if (IsIntegerType(type) && type != DUCKDB_TYPE_UBIGINT) {
    return duckdb_value_int64(&result_, col, row);
  }
  // Other types (decimals with scale 0, strings of digits, UBIGINT): parse DuckDB's text.
  ASSIGN_OR_RETURN(std::string text, GetString(col, row));
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgumentError(Where(col, row) + " (" + TypeName(type) + " '" + text +
                                "') is not an int64");
  }
  return value;
}

Result<double> QueryResult::GetDouble(uint64_t col, uint64_t row) {
  ASSIGN_OR_RETURN(bool null, IsNull(col, row));
  if (null) return InvalidArgumentError(Where(col, row) + " is NULL, not a number");
  duckdb_type type = column_type(col);
  if (IsIntegerType(type) || type == DUCKDB_TYPE_FLOAT || type == DUCKDB_TYPE_DOUBLE ||
      type == DUCKDB_TYPE_DECIMAL || type == DUCKDB_TYPE_HUGEINT) {
    return duckdb_value_double(&result_, col, row);
  }
  ASSIGN_OR_RETURN(std::string text, GetString(col, row));
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    return InvalidArgumentError(Where(col, row) + " (" + TypeName(type) + " '" + text +
                                "') is not a number");
  }
  return value;
}

Result<DataChunk> QueryResult::NextChunk() {
  RETURN_IF_ERROR(EnterMode(Mode::kChunks));
  if (!valid_) return DataChunk();
  return DataChunk(duckdb_fetch_chunk(result_));
}

}  // namespace shoplytics::warehouse
