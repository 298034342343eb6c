// Seeds: a CSV file of the project loaded into a table, as `dbt seed` does.
//
// The file is RFC 4180 with a header row (',' separated, '"' quoted, "" inside quotes).
// Column types are inferred by the engine (DuckDB's CSV sniffer, over every row), except
// the columns named in `column_types`. The file is read whole once to check its shape
// (seeds are small by design). Each load fully replaces the table atomically (ReplaceWithTable in
// materialize.h): readers see the old rows or the new ones, and a failed load leaves the
// old table as it was.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "common/status.h"
#include "transform/materialize.h"
#include "warehouse/adapter.h"
#include "warehouse/connection.h"

namespace shoplytics::transform {

struct SeedSpec {
  std::string name;  // for messages
  Relation relation;
  std::filesystem::path csv_path;
  std::map<std::string, std::string> column_types;  // column -> SQL type, e.g. "VARCHAR"
};

// Loads the seed and returns its row count. Errors name the seed and the file:
//   - a missing or unreadable file: that of ReadFile (kNotFound, ...);
//   - a malformed file (a record whose field count differs from the header's, an
//     unterminated quote, no header): kInvalidArgument "<path>:<line>: <problem>";
//   - a value that does not convert to its column's type: kInvalidArgument with the line;
//   - a column_types entry for a column the file lacks: kInvalidArgument naming it.
// Must not be called inside an open transaction on `conn`.
Result<int64_t> LoadSeed(const warehouse::SqlAdapter& adapter, warehouse::Connection& conn,
                         const SeedSpec& seed);

}  // namespace shoplytics::transform
