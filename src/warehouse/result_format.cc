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

Result<Cells> ReadCells(QueryResult& result) {
  Cells rows(result.row_count());
  for (uint64_t row = 0; row < rows.size(); ++row) {
    rows[row].reserve(result.column_count());
    for (uint64_t col = 0; col < result.column_count(); ++col) {
      ASSIGN_OR_RETURN(bool null, result.IsNull(col, row));
      if (null) {
        rows[row].emplace_back(std::nullopt);
      } else {
        ASSIGN_OR_RETURN(std::string text, result.GetString(col, row));
        rows[row].emplace_back(std::move(text));
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

Result<nlohmann::ordered_json> JsonValue(QueryResult& result, uint64_t col, uint64_t row) {
  ASSIGN_OR_RETURN(bool null, result.IsNull(col, row));
  if (null) return nlohmann::ordered_json(nullptr);
  switch (result.column_type(col)) {
    case DUCKDB_TYPE_BOOLEAN: {
      ASSIGN_OR_RETURN(int64_t v, result.GetInt64(col, row));
      return nlohmann::ordered_json(v != 0);
    }
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE: {
      ASSIGN_OR_RETURN(double v, result.GetDouble(col, row));
      return nlohmann::ordered_json(v);  // NaN and infinities dump as null
    }
    default:
      break;
  }
  ASSIGN_OR_RETURN(std::string text, result.GetString(col, row));
  if (IsNumericType(result.column_type(col))) {
    // DuckDB's exact text of integers and decimals, parsed as a JSON number; integers that
    // fit 64 bits stay exact.
    auto number = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (number.is_number()) return number;
  }
  return nlohmann::ordered_json(std::move(text));
}

Status WriteJson(QueryResult& result, std::ostream& out) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (uint64_t row = 0; row < result.row_count(); ++row) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (uint64_t col = 0; col < result.column_count(); ++col) {
      ASSIGN_OR_RETURN(object[result.column_name(col)], JsonValue(result, col, row));
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
