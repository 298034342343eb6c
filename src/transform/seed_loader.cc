#include "transform/seed_loader.h"

#include <charconv>
#include <string_view>

#include "common/files.h"
#include "common/strings.h"

namespace shoplytics::transform {

namespace {

// Checks the shape DuckDB's sniffer would otherwise guess around (it reads a ragged file
// as one wide column rather than failing), so that the error can name the line.
Status CheckCsvShape(std::string_view text, const std::string& path) {
  size_t expected = 0;  // fields of the header, once read
  size_t fields = 1;
  int line = 1;
  int record_line = 1;
  bool in_quotes = false;
  bool record_empty = true;
  auto error = [&](int at, const std::string& problem) {
    return InvalidArgumentError(path + ":" + std::to_string(at) + ": " + problem);
  };
  auto end_record = [&]() -> Status {
    if (!record_empty) {
      if (expected == 0) {
        expected = fields;
      } else if (fields != expected) {
        return error(record_line, "expected " + std::to_string(expected) +
                                      " fields (as in the header), found " +
                                      std::to_string(fields));
      }
    }
    fields = 1;
    record_empty = true;
    return OkStatus();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          ++i;
        } else {
          in_quotes = false;
        }
      } else if (c == '\n') {
        ++line;
      }
      continue;
    }
    if (c == '\n') {
      RETURN_IF_ERROR(end_record());
      ++line;
      record_line = line;
      continue;
    }
    if (c == '\r') continue;
    record_empty = false;
    if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      ++fields;
    }
  }
  if (in_quotes) return error(record_line, "unterminated quoted field");
  RETURN_IF_ERROR(end_record());
  if (expected == 0) return error(1, "no header row");
  return OkStatus();
}

// DuckDB reports a bad value as "... CSV Error on Line: N Original Line: ... Error when
// converting column "a". Could not convert string "x" to 'INTEGER' Column a is being ...";
// this keeps the line and the reason.
Status ExplainLoadError(const Status& status, const std::string& path) {
  const std::string& message = status.message();
  constexpr std::string_view kLineTag = "CSV Error on Line: ";
  size_t at = message.find(kLineTag);
  if (at == std::string::npos) return status.WithContext(path);
  int line = 0;
  const char* digits = message.data() + at + kLineTag.size();
  std::from_chars(digits, message.data() + message.size(), line);
  std::string reason;
  size_t start = message.find("Error when converting column", at);
  if (start != std::string::npos) {
    size_t end = message.find(" Column ", start);
    reason = message.substr(start, end == std::string::npos ? 200 : end - start);
  } else {
    reason = message.substr(at, 200);
  }
  return Status(status.code(), path + ":" + std::to_string(line) + ": " + reason);
}

}  // namespace

Result<int64_t> LoadSeed(const warehouse::SqlAdapter& adapter, warehouse::Connection& conn,
                         const SeedSpec& seed) {
  std::string context = "seed " + seed.name;
  std::string path = seed.csv_path.string();
  Result<std::string> text = ReadFile(seed.csv_path);
  if (!text.ok()) return text.status().WithContext(context);
  RETURN_IF_ERROR(CheckCsvShape(*text, path).WithContext(context));
  Result<int64_t> rows =
      ReplaceWithTable(adapter, conn, seed.relation, adapter.ReadCsvSql(path, seed.column_types));
  if (!rows.ok()) return ExplainLoadError(rows.status(), path).WithContext(context);
  return rows;
}

}  // namespace shoplytics::transform
