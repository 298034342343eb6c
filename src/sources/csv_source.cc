#include "sources/csv_source.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>

#include "common/files.h"
#include "common/hash.h"
#include "sources/csv_reader.h"
#include "sources/internal/file_values.h"
#include "warehouse/adapter.h"
#include "warehouse/appender.h"
#include "warehouse/connection.h"

namespace shoplytics::sources {

namespace fs = std::filesystem;
using internal::Trim;

namespace {

const warehouse::DuckDbAdapter kSql;

enum class Kind { kVarchar, kInt, kDecimal, kDouble, kBool, kDate, kTimestamp, kTimestampTz };

struct ColumnSpec {
  std::string name;
  std::string sql_type;  // as created in raw: "DECIMAL(18,2)"
  Kind kind = Kind::kVarchar;
  int precision = 18, scale = 3;
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  bool key = false;
};

struct TableSpec {
  TableRef ref;
  std::string glob;
  char delimiter = ',';
  std::vector<ColumnSpec> columns;
  std::vector<std::string> key;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "decimal(18,2)" -> precision and scale; "decimal" alone is DuckDB's DECIMAL(18,3).
Status ParseDecimalType(const std::string& type, const ConfigNode& node, ColumnSpec* col) {
  const size_t open = type.find('(');
  if (open != std::string::npos) {
    int p = 0, s = 0;
    if (std::sscanf(type.c_str() + open, "(%d,%d)", &p, &s) != 2 || type.back() != ')' || p < 1 ||
        p > 38 || s < 0 || s > p) {
      std::string hint;
      if (type.find(')') == std::string::npos) {
        hint = " (in a {...} map, quote a type with a comma: \"decimal(18,2)\")";
      }
      return node.Error(
          "expected decimal(precision,scale) with 1 <= precision <= 38 and "
          "0 <= scale <= precision, got '" +
          type + "'" + hint);
    }
    col->precision = p;
    col->scale = s;
  }
  col->kind = Kind::kDecimal;
  col->sql_type =
      "DECIMAL(" + std::to_string(col->precision) + "," + std::to_string(col->scale) + ")";
  return OkStatus();
}

Result<ColumnSpec> ParseColumn(const std::string& name, const ConfigNode& node) {
  ColumnSpec col;
  col.name = name;
  ASSIGN_OR_RETURN(std::string text, node.AsString());
  std::string type = Lower(Trim(text));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  auto set = [&](Kind kind, const char* sql) {
    col.kind = kind;
    col.sql_type = sql;
  };
  if (type == "varchar" || type == "text" || type == "string") {
    set(Kind::kVarchar, "VARCHAR");
  } else if (type == "bigint" || type == "int8" || type == "long") {
    set(Kind::kInt, "BIGINT");
  } else if (type == "integer" || type == "int" || type == "int4") {
    set(Kind::kInt, "INTEGER");
    col.min = std::numeric_limits<int32_t>::min();
    col.max = std::numeric_limits<int32_t>::max();
  } else if (type == "smallint" || type == "int2") {
    set(Kind::kInt, "SMALLINT");
    col.min = std::numeric_limits<int16_t>::min();
    col.max = std::numeric_limits<int16_t>::max();
  } else if (type.rfind("decimal", 0) == 0 || type.rfind("numeric", 0) == 0) {
    RETURN_IF_ERROR(ParseDecimalType(type, node, &col));
  } else if (type == "double" || type == "float8" || type == "float") {
    set(Kind::kDouble, "DOUBLE");
  } else if (type == "boolean" || type == "bool") {
    set(Kind::kBool, "BOOLEAN");
  } else if (type == "date") {
    set(Kind::kDate, "DATE");
  } else if (type == "timestamp") {
    set(Kind::kTimestamp, "TIMESTAMP");
  } else if (type == "timestamptz" || type == "timestampwithtimezone") {
    set(Kind::kTimestampTz, "TIMESTAMPTZ");
  } else {
    return node.Error("unknown column type '" + text +
                      "' (expected varchar, bigint, integer, smallint, decimal(p,s), double, "
                      "boolean, date, timestamp or timestamptz)");
  }
  return col;
}

Result<TableSpec> ParseTable(const std::string& source, const std::string& name,
                             const ConfigNode& node) {
  static constexpr std::string_view kKeys[] = {"glob", "columns", "primary_key", "delimiter"};
  RETURN_IF_ERROR(node.CheckKeys(kKeys));
  TableSpec spec;
  spec.ref = {source, name};
  ASSIGN_OR_RETURN(spec.glob, node.GetString("glob"));
  ASSIGN_OR_RETURN(std::string delimiter, node.GetString("delimiter", ","));
  if (delimiter.size() != 1 || delimiter == "\"" || delimiter == "\n" || delimiter == "\r") {
    return node.Child("delimiter").Error("expected one character other than a quote or newline");
  }
  spec.delimiter = delimiter[0];
  const ConfigNode columns = node.Child("columns");
  if (!columns.IsMap() || columns.Keys().empty()) {
    return columns.Error("expected a map of column name to type");
  }
  for (const std::string& col : columns.Keys()) {
    if (col == "_source_file" || col == "_source_line") {
      return columns.Child(col).Error("column name " + col + " is reserved for the loader");
    }
    ASSIGN_OR_RETURN(ColumnSpec c, ParseColumn(col, columns.Child(col)));
    spec.columns.push_back(std::move(c));
  }
  if (node.Child("primary_key").IsSet()) {
    ASSIGN_OR_RETURN(spec.key, node.GetStringList("primary_key"));
    for (const std::string& k : spec.key) {
      auto it = std::find_if(spec.columns.begin(), spec.columns.end(),
                             [&](const ColumnSpec& c) { return c.name == k; });
      if (it == spec.columns.end()) {
        return node.Child("primary_key").Error("key column '" + k + "' is not in columns");
      }
      it->key = true;
    }
  }
  return spec;
}

Result<std::vector<TableSpec>> ParseTables(const SourceConfig& source) {
  static constexpr std::string_view kKeys[] = {"type", "path", "tables"};
  RETURN_IF_ERROR(source.node.CheckKeys(kKeys));
  const ConfigNode tables = source.node.Child("tables");
  if (!tables.IsMap() || tables.Keys().empty()) {
    return tables.Error("expected a map of table name to {glob, columns}");
  }
  std::vector<TableSpec> specs;
  for (const std::string& name : tables.Keys()) {
    ASSIGN_OR_RETURN(TableSpec spec, ParseTable(source.name, name, tables.Child(name)));
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::string StagingName(const TableRef& ref) {
  std::string name = "_stage_csv_" + ref.RawName();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

std::string TodayUtc() {
  const auto now = std::chrono::system_clock::now();
  return internal::FormatDate(
      static_cast<int32_t>(std::chrono::floor<std::chrono::days>(now).time_since_epoch().count()));
}

// "2025-03-01 12:00:00.250000+00": text DuckDB casts to TIMESTAMPTZ whatever the session's
// time zone (appending a TIMESTAMP value would be read as local time).
std::string FormatUtc(warehouse::Timestamp ts) {
  const int64_t us = ts.time_since_epoch().count();
  const int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
  const int64_t frac = us - secs * 1000000;
  const int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  const int64_t rem = secs - days * 86400;
  char out[48];
  std::snprintf(out, sizeof(out), "%s %02d:%02d:%02d.%06d+00",
                internal::FormatDate(static_cast<int32_t>(days)).c_str(),
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                static_cast<int>(rem % 60), static_cast<int>(frac));
  return out;
}

// Converts one field and appends it; a value that does not convert returns the reason and
// appends nothing. Checked for the whole row before the first append (see AppendRow).
class RowConverter {
 public:
  explicit RowConverter(const std::vector<ColumnSpec>& columns) : columns_(columns) {
    cells_.resize(columns.size());
  }

  // Converts every column of `fields` (by `index`); the first problem, or "".
  std::string Convert(const std::vector<std::string>& fields, const std::vector<size_t>& index) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      std::string reason = ConvertOne(columns_[i], fields[index[i]], &cells_[i]);
      if (!reason.empty()) return reason;
    }
    return "";
  }

  Status Append(warehouse::Appender& app) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      const Cell& cell = cells_[i];
      if (cell.null) {
        RETURN_IF_ERROR(app.AppendNull());
        continue;
      }
      switch (columns_[i].kind) {
        case Kind::kInt:
          RETURN_IF_ERROR(app.AppendInt64(cell.i));
          break;
        case Kind::kDouble:
          RETURN_IF_ERROR(app.AppendDouble(cell.d));
          break;
        case Kind::kBool:
          RETURN_IF_ERROR(app.AppendBool(cell.b));
          break;
        case Kind::kTimestamp:
          RETURN_IF_ERROR(app.AppendTimestamp(cell.ts));
          break;
        default:  // text, and decimals, dates and timestamptz as text DuckDB casts exactly
          RETURN_IF_ERROR(app.AppendString(cell.s));
      }
    }
    return OkStatus();
  }

 private:
  struct Cell {
    bool null = false;
    int64_t i = 0;
    double d = 0;
    bool b = false;
    warehouse::Timestamp ts;
    std::string s;
  };

  static std::string Bad(const ColumnSpec& col, std::string_view what, std::string_view v) {
    return "column " + col.name + ": bad " + std::string(what) + " '" + std::string(v) + "'";
  }

  static std::string ConvertOne(const ColumnSpec& col, const std::string& field, Cell* cell) {
    cell->null = false;
    if (col.kind == Kind::kVarchar) {
      if (col.key && field.empty()) return "empty key column " + col.name;
      cell->s = field;
      return "";
    }
    const std::string_view v = Trim(field);
    if (v.empty()) {
      if (col.key) return "empty key column " + col.name;
      cell->null = true;
      return "";
    }
    switch (col.kind) {
      case Kind::kInt: {
        std::optional<int64_t> n = internal::ParseInt64(v);
        if (!n) return Bad(col, "integer", v);
        if (*n < col.min || *n > col.max) {
          return "column " + col.name + ": " + std::string(v) + " is out of range for " +
                 col.sql_type;
        }
        cell->i = *n;
        return "";
      }
      case Kind::kDecimal: {
        Result<std::string> d = internal::CanonicalDecimal(v, col.precision, col.scale);
        if (!d.ok()) return "column " + col.name + ": " + d.status().message();
        cell->s = std::move(d).value();
        return "";
      }
      case Kind::kDouble: {
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), cell->d);
        if (ec != std::errc() || end != v.data() + v.size()) return Bad(col, "number", v);
        return "";
      }
      case Kind::kBool: {
        std::optional<bool> b = internal::ParseBool(v);
        if (!b) return Bad(col, "boolean", v);
        cell->b = *b;
        return "";
      }
      case Kind::kDate:
        if (!internal::ParseDate(v)) return Bad(col, "date", v) + " (expected YYYY-MM-DD)";
        cell->s = std::string(v);
        return "";
      case Kind::kTimestamp:
      case Kind::kTimestampTz: {
        std::optional<warehouse::Timestamp> ts = internal::ParseTimestamp(v);
        if (!ts) return Bad(col, "timestamp", v) + " (expected ISO-8601)";
        cell->ts = *ts;
        if (col.kind == Kind::kTimestampTz) cell->s = FormatUtc(*ts);
        return "";
      }
      case Kind::kVarchar:
        break;
    }
    return "";
  }

  const std::vector<ColumnSpec>& columns_;
  std::vector<Cell> cells_;
};

// Loads the tables of one source over one connection.
class CsvLoader {
 public:
  CsvLoader(warehouse::Connection& conn, const ExtractContext& ctx, fs::path dir)
      : conn_(conn), store_(conn, ctx.lake_dir), ctx_(ctx), dir_(std::move(dir)) {}

  Status Init() { return store_.EnsureSchemas(); }

  void LoadTable(const TableSpec& spec, TableReport* report) {
    const auto start = std::chrono::steady_clock::now();
    report->ref = spec.ref;
    report->error = LoadFiles(spec, report).WithContext(spec.ref.Display());
    report->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

 private:
  Status LoadFiles(const TableSpec& spec, TableReport* report) {
    ASSIGN_OR_RETURN(std::vector<std::string> files, internal::ListFiles(dir_, spec.glob));
    for (const std::string& file : files) {
      RETURN_IF_ERROR(LoadFile(spec, file, report));
      if (ctx_.progress) ctx_.progress(spec.ref, report->rows, -1);
    }
    return OkStatus();
  }

  // Maps each declared column to its field in the header, or names the missing one.
  static Result<std::vector<size_t>> MatchHeader(const TableSpec& spec, const CsvRecord& header,
                                                 const std::string& path) {
    std::vector<size_t> index;
    for (const ColumnSpec& col : spec.columns) {
      const std::string want = Lower(col.name);
      size_t i = 0;
      while (i < header.fields.size() && Lower(Trim(header.fields[i])) != want) ++i;
      if (i == header.fields.size()) {
        return InvalidArgumentError(path + ": the header has no column '" + col.name +
                                    "' (declared in the table's columns)");
      }
      index.push_back(i);
    }
    return index;
  }

  Status CreateStaging(const TableSpec& spec, const std::string& staging) {
    std::string sql = "CREATE OR REPLACE TEMP TABLE " + staging + " (";
    for (const ColumnSpec& col : spec.columns) {
      sql += kSql.QuoteIdentifier(col.name) + " " + col.sql_type + ", ";
    }
    sql += "_source_file VARCHAR, _source_line BIGINT)";
    return conn_.Execute(sql);
  }

  Status LoadFile(const TableSpec& spec, const std::string& file, TableReport* report) {
    const fs::path path = dir_ / file;
    ASSIGN_OR_RETURN(std::string data, ReadFile(path));
    const std::string checksum = HashToHex(Hash64(data));
    if (!ctx_.full_refresh) {
      ASSIGN_OR_RETURN(std::optional<std::string> loaded, store_.LoadedChecksum(spec.ref, file));
      if (loaded && *loaded == checksum) {
        ++report->skipped_files;
        return OkStatus();
      }
    }
    report->bytes += static_cast<int64_t>(data.size());
    CsvReader reader(data, CsvOptions{spec.delimiter});
    CsvRecord rec;
    if (!reader.Next(&rec)) return InvalidArgumentError(path.string() + ": no header line");
    if (!rec.error.empty()) {
      return InvalidArgumentError(path.string() + ":" + std::to_string(rec.line) +
                                  ": bad header: " + rec.error);
    }
    ASSIGN_OR_RETURN(std::vector<size_t> index, MatchHeader(spec, rec, path.string()));
    reader.set_expected_fields(rec.fields.size());

    const std::string staging = StagingName(spec.ref);
    RETURN_IF_ERROR(CreateStaging(spec, staging));
    ASSIGN_OR_RETURN(warehouse::Appender app, warehouse::Appender::Create(conn_, "", staging));
    BatchInfo batch;
    RowConverter converter(spec.columns);
    while (reader.Next(&rec)) {
      ++report->rows;
      std::string reason = rec.error.empty() ? converter.Convert(rec.fields, index) : rec.error;
      if (!reason.empty()) {
        batch.quarantined.push_back({file, rec.line, std::string(rec.raw), std::move(reason)});
        continue;
      }
      RETURN_IF_ERROR(converter.Append(app));
      RETURN_IF_ERROR(app.AppendString(file));
      RETURN_IF_ERROR(app.AppendInt64(rec.line));
      RETURN_IF_ERROR(app.EndRow());
    }
    RETURN_IF_ERROR(app.Close().WithContext(path.string()));

    batch.ref = spec.ref;
    batch.staging = staging;
    batch.key = spec.key;
    batch.cursor = Cursor{file, checksum};
    batch.logical_date = internal::DateInName(file).value_or(TodayUtc());
    batch.source_file = file;
    batch.file_checksum = checksum;
    ASSIGN_OR_RETURN(BatchResult result, store_.CommitBatch(batch));
    report->quarantined += static_cast<int64_t>(batch.quarantined.size());
    report->inserted += result.inserted;
    report->unchanged += result.unchanged;
    for (std::string& col : result.added_columns) report->added_columns.push_back(col);
    return conn_.Execute("DROP TABLE IF EXISTS " + staging);
  }

  warehouse::Connection& conn_;
  RawStore store_;
  const ExtractContext& ctx_;
  fs::path dir_;
};

}  // namespace

Result<std::vector<TableReport>> ExtractCsv(const SourceConfig& source, const ExtractContext& ctx) {
  ASSIGN_OR_RETURN(std::vector<TableSpec> specs, ParseTables(source));
  ASSIGN_OR_RETURN(fs::path dir, internal::SourceDir(source.node, ctx.project_dir));
  if (ctx.db == nullptr) return FailedPreconditionError("source " + source.name + ": no warehouse");
  ASSIGN_OR_RETURN(warehouse::Connection conn, warehouse::Connection::Open(*ctx.db));
  CsvLoader loader(conn, ctx, dir);
  RETURN_IF_ERROR(loader.Init().WithContext("source " + source.name));
  std::vector<TableReport> reports(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) loader.LoadTable(specs[i], &reports[i]);
  return reports;
}

}  // namespace shoplytics::sources
