// RawStore: where every connector's rows land. A connector fills a staging table with one
// batch (any number of rows, the columns of the source), then calls CommitBatch, which in
// ONE DuckDB transaction:
//   - creates raw.<source>_<table> from the staging table's columns when it is new, and
//     adds columns that appeared since (schema drift); a column whose type changed
//     incompatibly stops the table with kFailedPrecondition naming the column and types;
//   - merges the batch into raw by the table's key (DELETE matching keys, INSERT), or
//     appends when the table has no key; a row equal in every column to raw's row for its
//     key is left out, so the row keeps the _batch_id and _loaded_at of the batch that last
//     changed it (an API listing unchanged objects again changes nothing downstream);
//   - records the batch in meta.batches and the table's new cursor in meta.cursors;
// and writes the batch to the lake as Parquet (lake/<source>/<table>/dt=<date>/<batch>.parquet)
// before committing, under a temporary name renamed into place after the commit. So a
// crash at any point leaves raw, its cursor and the lake manifest consistent: the rerun
// starts from the committed cursor, and a Parquet file with no meta.batches row is an
// orphan that --from-lake ignores and retention deletes.
//
// Not thread-safe: one RawStore per connection (per worker thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "warehouse/connection.h"

namespace shoplytics::sources {

// Names a table of a source: raw.<source>_<table>.
struct TableRef {
  std::string source;  // e.g. "shop"
  std::string table;   // e.g. "orders"
  std::string RawName() const { return source + "_" + table; }
  std::string Display() const { return source + "." + table; }
};

// A cursor: where the next incremental read of a table starts. Stored as text so any
// source can use it (a timestamp and a key for PostgreSQL, an epoch for Stripe, a file
// checksum for files).
struct Cursor {
  std::string value;  // e.g. "2025-03-31 23:58:50.000000+00"
  std::string key;    // tie-breaker: the primary key of the last row at `value`
};

struct QuarantinedRow {
  std::string file;    // file or URL or table the row came from
  int64_t line = 0;    // 1-based line (or row number); 0 when not applicable
  std::string raw;     // the row's text as read
  std::string reason;  // why it was refused
};

struct BatchInfo {
  TableRef ref;
  std::string staging;               // the staging table holding the batch (temp or main)
  std::vector<std::string> key;      // merge key columns; empty: append
  std::optional<Cursor> cursor;      // the table's new cursor; nullopt: unchanged
  std::string logical_date;          // YYYY-MM-DD: the lake partition (dt=)
  // Rows whose key is in this list are deleted from raw (hard deletes found by key
  // reconciliation), in the same transaction.
  std::string deleted_keys_table;    // a staging table of key columns, or empty
  // File loaders (csv, jsonl): the file this batch (re)loads, or empty. When set, the
  // batch's transaction also deletes the raw rows whose _source_file equals it (the file's
  // previous load; the staging table must have a _source_file column), replaces the
  // file's rows in meta.quarantine with `quarantined`, and records file -> file_checksum
  // in meta.files. So a changed file replaces its rows atomically.
  std::string source_file;
  std::string file_checksum;
  std::vector<QuarantinedRow> quarantined;
  // The batch holds each key at most once (a source primary key read in one snapshot), so
  // the merge needs no check for repeated keys.
  bool unique_keys = false;
  // None of the batch's keys is in raw (the first full load into an empty table): the
  // merge is a plain append, with no DELETE of replaced rows.
  bool append_only = false;
  // Replaying a batch from the lake (RebuildFromLake): merge under this batch id, without
  // writing the lake or meta.batches again.
  std::string replay_batch_id;
};

struct BatchResult {
  int64_t rows = 0;           // rows in the batch
  int64_t inserted = 0;       // rows new to raw
  int64_t unchanged = 0;      // rows equal to raw's row for their key, left as they were
  int64_t deleted = 0;        // hard deletes applied
  std::string batch_id;       // also the Parquet file's name
  std::filesystem::path lake_file;
  std::vector<std::string> added_columns;  // schema drift
};

class RawStore {
 public:
  // lake_dir: where Parquet batches go; empty disables the lake.
  RawStore(warehouse::Connection& conn, std::filesystem::path lake_dir);

  // Creates schemas raw and meta and the meta tables when missing. Idempotent.
  Status EnsureSchemas();

  // The committed cursor of a table, or nullopt before its first batch.
  Result<std::optional<Cursor>> LoadCursor(const TableRef& ref);

  // See the file comment. The staging table is left in place (the caller drops it).
  Result<BatchResult> CommitBatch(const BatchInfo& batch);

  // Records refused rows in meta.quarantine (its own transaction).
  Status Quarantine(const TableRef& ref, const std::vector<QuarantinedRow>& rows);

  struct RebuildReport {
    int64_t tables = 0;
    int64_t batches = 0;
    int64_t rows = 0;
  };
  // Rebuilds raw.* from the lake: drops the raw tables named in meta.batches (of `source`,
  // or all when empty) and replays their batches in commit order, merging by each batch's
  // key as the original load did. One transaction per batch: an interrupted rebuild is
  // finished by running it again. A listed batch whose file is missing is kDataLoss.
  Result<RebuildReport> RebuildFromLake(const std::string& source);

  // Files already loaded: their checksum, or nullopt (for the file loaders).
  Result<std::optional<std::string>> LoadedChecksum(const TableRef& ref, const std::string& file);

 private:
  Status EnsureRawTable(const BatchInfo& batch, BatchResult* result);
  Status InsertQuarantine(const TableRef& ref, const std::vector<QuarantinedRow>& rows);
  Status ReplaceFile(const BatchInfo& batch);
  Status RecordFile(const BatchInfo& batch, int64_t rows);

  warehouse::Connection& conn_;
  std::filesystem::path lake_dir_;
};

}  // namespace shoplytics::sources
