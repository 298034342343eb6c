#include "warehouse/result_format.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

namespace shoplytics::warehouse {

namespace {

// Display width: UTF-8 code points (continuation bytes do not count).
size_t Width(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Cells as text, with NULL as nullopt.
using Cells = std::vector<std::vector<std::optional<std::string>>>;

// Every cell as DuckDB casts it to VARCHAR, read chunk by chunk (the chunk API renders
// every type: TIMESTAMP WITH TIME ZONE, LIST, STRUCT, MAP, UUID...).
Result<Cells> ReadCells(QueryResult& result) {
  Cells rows;
  const uint64_t columns = result.column_count();
  while (true) {
    ASSIGN_OR_RETURN(DataChunk chunk, result.NextChunk());
    if (chunk.empty()) break;
    for (uint64_t row = 0; row < chunk.size(); ++row) {
      std::vector<std::optional<std::string>>& cells = rows.emplace_back();
      cells.reserve(columns);
      for (uint64_t col = 0; col < columns; ++col) {
        if (chunk.IsNull(col, row)) {
          cells.emplace_back(std::nullopt);
          continue;
        }
        Result<std::string> text = chunk.GetText(col, row);
        if (!text.ok()) {
          return UnimplementedError("column \"" + result.column_name(col) + "\" row " +
                                    std::to_string(rows.size() - 1) + " has type " +
                                    result.column_type_name(col) +
                                    ", which cannot be shown as text; cast it in the SQL, e.g. \"" +
                                    result.column_name(col) + "\"::VARCHAR");
        }
        cells.emplace_back(std::move(text).value());
      }
    }
  }
  return rows;
}

void Pad(std::ostream& out, size_t n) {
  for (size_t i = 0; i < n; ++i) out << ' ';
}

Status WriteTable(QueryResult& result, std::ostream& out) {
  ASSIGN_OR_RETURN(Cells rows, ReadCells(result));
  const uint64_t columns = result.column_count();
  std::vector<size_t> widths(columns);
  std::vector<bool> right(columns);
  for (uint64_t col = 0; col < columns; ++col) {
    widths[col] = Width(result.column_name(col));
    right[col] = IsNumericType(result.column_type(col));
    for (const auto& row : rows)
      widths[col] = std::max(widths[col], Width(row[col].value_or("NULL")));
  }
  auto write_line = [&](auto cell_text, bool header) {
    for (uint64_t col = 0; col < columns; ++col) {
      std::string text = cell_text(col);
      size_t pad = widths[col] - Width(text);
      out << (col == 0 ? " " : " | ");
      if (right[col] && !header) Pad(out, pad);
      out << text;
      if (!right[col] || header) {
        if (col + 1 < columns) Pad(out, pad);  // no trailing spaces on the last column
      }
    }
    out << '\n';
  };
  if (columns > 0) {
    write_line([&](uint64_t col) { return result.column_name(col); }, true);
    for (uint64_t col = 0; col < columns; ++col) {
      out << (col == 0 ? "-" : "-+-") << std::string(widths[col], '-');
    }
    out << "-\n";
    for (const auto& row : rows) {
      write_line([&](uint64_t col) { return row[col].value_or("NULL"); }, false);
    }
  }
  out << "(" << rows.size() << (rows.size() == 1 ? " row)" : " rows)") << '\n';
  return OkStatus();
}

Status WriteCsv(QueryResult& result, std::ostream& out) {
  ASSIGN_OR_RETURN(Cells rows, ReadCells(result));
  const uint64_t columns = result.column_count();
  for (uint64_t col = 0; col < columns; ++col) {
    out << (col ? "," : "") << CsvField(result.column_name(col));
  }
  if (columns > 0) out << '\n';
  for (const auto& row : rows) {
    for (uint64_t col = 0; col < columns; ++col) {
      out << (col ? "," : "") << (row[col] ? CsvField(*row[col]) : "");
    }
    out << '\n';
  }
  return OkStatus();
}

// A cell as JSON: booleans and numbers as JSON's own (integers and decimals from DuckDB's
// exact text, so 64-bit integers stay exact; NaN and infinities as null), the rest as text.
nlohmann::ordered_json JsonValue(duckdb_type type, const std::optional<std::string>& cell) {
  if (!cell) return nlohmann::ordered_json(nullptr);
  if (type == DUCKDB_TYPE_BOOLEAN) return nlohmann::ordered_json(*cell == "true");
  if (type == DUCKDB_TYPE_FLOAT || type == DUCKDB_TYPE_DOUBLE || IsNumericType(type)) {
    auto number = nlohmann::ordered_json::parse(*cell, nullptr, /*allow_exceptions=*/false);
    if (number.is_number()) return number;
    if (type == DUCKDB_TYPE_FLOAT || type == DUCKDB_TYPE_DOUBLE) return nullptr;
  }
  return nlohmann::ordered_json(*cell);
}

Status WriteJson(QueryResult& result, std::ostream& out) {
  ASSIGN_OR_RETURN(Cells cells, ReadCells(result));
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& row : cells) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (uint64_t col = 0; col < result.column_count(); ++col) {
      object[result.column_name(col)] = JsonValue(result.column_type(col), row[col]);
    }
    rows.push_back(std::move(object));
  }
  // Invalid UTF-8 in a VARCHAR becomes U+FFFD instead of an exception.
  out << rows.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  return OkStatus();
}

}  // namespace

Result<ResultFormat> ParseResultFormat(std::string_view name) {
  if (name == "table") return ResultFormat::kTable;
  if (name == "csv") return ResultFormat::kCsv;
  if (name == "json") return ResultFormat::kJson;
  return InvalidArgumentError("unknown output format \"" + std::string(name) +
                              "\"; choose table, csv or json");
}

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Status WriteResult(QueryResult& result, ResultFormat format, std::ostream& out) {
  switch (format) {
    case ResultFormat::kTable:
      return WriteTable(result, out);
    case ResultFormat::kCsv:
      return WriteCsv(result, out);
    case ResultFormat::kJson:
      return WriteJson(result, out);
  }
  return InternalError("unhandled result format");
}

}  // namespace shoplytics::warehouse
