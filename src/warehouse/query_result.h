// QueryResult: the materialized result of a query (duckdb_result), and DataChunk, one
// chunk of rows of it. Move-only; destructors free the DuckDB objects.
//
// A result is read in ONE of two ways, as DuckDB's C API requires:
//   - by value: GetString / GetInt64 / GetDouble / IsNull at (column, row), for small
//     results and for formatting (GetString gives DuckDB's own text for every type);
//   - by chunk: NextChunk() until it returns an empty DataChunk, for large results.
// Once NextChunk() was called, value access fails with kFailedPrecondition, and vice versa.
//
// Value errors: a column or row out of range, or a NULL read as a number or string, is
// kInvalidArgument naming the column and row; so is a value that does not convert.
// Not thread-safe.
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace shoplytics::warehouse {

// DuckDB's integer types, HUGEINT and UHUGEINT included (BOOLEAN not); and those with the
// floating-point and DECIMAL types.
bool IsIntegralType(duckdb_type type);
bool IsNumericType(duckdb_type type);

// One chunk (up to duckdb_vector_size() rows) fetched from a QueryResult.
class DataChunk {
 public:
  DataChunk() = default;                        // empty: size() == 0
  explicit DataChunk(duckdb_data_chunk chunk);  // takes ownership
  DataChunk(DataChunk&& other) noexcept;
  DataChunk& operator=(DataChunk&& other) noexcept;
  DataChunk(const DataChunk&) = delete;
  DataChunk& operator=(const DataChunk&) = delete;
  ~DataChunk();

  bool empty() const { return size() == 0; }
  uint64_t size() const;
  uint64_t column_count() const;
  duckdb_type column_type(uint64_t col) const;

  // Preconditions for all: col < column_count(), row < size().
  bool IsNull(uint64_t col, uint64_t row) const;
  // Integer columns (TINYINT..BIGINT, UTINYINT..UINTEGER, BOOLEAN, and UBIGINT that fits).
  Result<int64_t> GetInt64(uint64_t col, uint64_t row) const;
  // DOUBLE, FLOAT and integer columns.
  Result<double> GetDouble(uint64_t col, uint64_t row) const;
  // VARCHAR columns; the view lives as long as this chunk.
  Result<std::string_view> GetString(uint64_t col, uint64_t row) const;
  // A BIGINT or UBIGINT column's values as raw 64-bit words, size() of them, for bulk reads;
  // a NULL's word is unspecified (check IsNull). Valid as long as this chunk.
  Result<const uint64_t*> Words64(uint64_t col) const;
  // Any column, as DuckDB casts it to VARCHAR (TIMESTAMP WITH TIME ZONE in UTC, LIST,
  // STRUCT, MAP, UUID, ENUM...); kUnimplemented for UNION and BIT. Precondition: not NULL.
  Result<std::string> GetText(uint64_t col, uint64_t row) const;

 private:
  Status CheckCell(uint64_t col, uint64_t row, std::string_view want) const;

  duckdb_data_chunk chunk_ = nullptr;
};

class QueryResult {
 public:
  QueryResult() = default;  // empty: no columns, no rows
  // Takes ownership of a successful result; `sql` is kept (truncated) for messages.
  QueryResult(duckdb_result result, std::string_view sql);
  QueryResult(QueryResult&& other) noexcept;
  QueryResult& operator=(QueryResult&& other) noexcept;
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;
  ~QueryResult();

  uint64_t column_count() const;
  // Rows of the result (value mode). For INSERT/UPDATE/DELETE see rows_changed().
  uint64_t row_count() const;
  uint64_t rows_changed() const;
  std::string column_name(uint64_t col) const;
  duckdb_type column_type(uint64_t col) const;
  // DuckDB's name of the column's type, e.g. "DECIMAL(18,2)", "VARCHAR".
  std::string column_type_name(uint64_t col) const;

  // Value access (see the file comment for the two modes).
  Result<bool> IsNull(uint64_t col, uint64_t row);
  // Text of the value as DuckDB prints it; NULL is an error (check IsNull first).
  // Nested types and UUID are kUnimplemented (DuckDB's value API does not render them):
  // cast them to VARCHAR in the SQL.
  Result<std::string> GetString(uint64_t col, uint64_t row);
  Result<int64_t> GetInt64(uint64_t col, uint64_t row);
  Result<double> GetDouble(uint64_t col, uint64_t row);

  // Chunk access: the next chunk, or an empty DataChunk when the result is exhausted.
  Result<DataChunk> NextChunk();

 private:
  enum class Mode { kUnused, kValues, kChunks };
  Status EnterMode(Mode mode);
  Status CheckCell(uint64_t col, uint64_t row);
  std::string Where(uint64_t col, uint64_t row) const;
  void Reset();

  duckdb_result result_{};
  bool valid_ = false;
  Mode mode_ = Mode::kUnused;
  std::string sql_;
};

}  // namespace shoplytics::warehouse
