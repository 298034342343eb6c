// What every connector shares: the context an extraction runs in, and what it reports.
//
// A connector reads one source (a SourceConfig from shoplytics.yml), stages rows in
// DuckDB and hands each batch to a RawStore (raw_store.h), which merges it into raw, writes
// it to the lake and moves the cursor in one transaction. Connectors never write raw.* or
// meta.* themselves.
//
// Each connector file exposes one function:
//   Result<std::vector<TableReport>> Extract<Kind>(const SourceConfig&, const ExtractContext&);
// that parses its part of the config (errors name shoplytics.yml's line and key), extracts
// every table of the source, and returns one report per table. Expected failures of a
// single table (a bad row, a 429 storm that outlasted its retries) are reported in that
// table's report (`error`) so the other tables still load; configuration errors and
// failures that make the whole source unusable are returned as the Status.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/project_config.h"
#include "sources/raw_store.h"
#include "warehouse/database.h"

namespace shoplytics::sources {

struct ExtractContext {
  const warehouse::Database* db = nullptr;  // open read-write; connectors open connections
  std::filesystem::path project_dir;
  std::filesystem::path lake_dir;           // empty: no lake
  bool full_refresh = false;                // ignore cursors; reload everything
  int threads = 2;                          // parallel table workers where the source allows
  // Progress: rows done for a table, with its total when known (-1 otherwise). Called from
  // worker threads; must be thread-safe.
  std::function<void(const TableRef&, int64_t rows_done, int64_t total)> progress;
};

struct TableReport {
  TableRef ref;
  int64_t rows = 0;         // rows read from the source this run
  int64_t inserted = 0;     // rows new to raw
  int64_t unchanged = 0;    // rows read again exactly as raw holds them (left as they were)
  int64_t deleted = 0;      // hard deletes applied
  int64_t bytes = 0;        // bytes read from the source
  int64_t quarantined = 0;  // rows refused (see meta.quarantine)
  int64_t skipped_files = 0;
  double seconds = 0;
  std::vector<std::string> added_columns;
  Status error;             // this table failed; the others went on
};

}  // namespace shoplytics::sources
