// Snapshots: type-2 slowly changing dimensions of a query's rows, as `dbt snapshot` builds
// them, with dbt's columns:
//   dbt_scd_id      md5 of the unique key and the version's updated_at (dbt's hash)
//   dbt_updated_at  the version's updated_at
//   dbt_valid_from  when the version became current
//   dbt_valid_to    when it stopped being current; NULL for the current version
//   dbt_is_deleted  'True' / 'False', only with hard_deletes = new_record
//
// The first run inserts every row (valid from its updated_at with the timestamp strategy,
// from the snapshot time with check). Later runs close the current version of each
// changed key and insert its new version, all in one transaction: readers see the run
// whole or not at all, and a failure leaves the snapshot as it was. Columns new in the
// query are added to the snapshot table. The query must not return one key twice.
//
// Must not be called inside an open transaction on `conn`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "transform/materialize.h"
#include "warehouse/adapter.h"
#include "warehouse/connection.h"
#include "warehouse/prepared_statement.h"

namespace shoplytics::transform {

enum class SnapshotStrategy { kTimestamp, kCheck };
enum class HardDeletes { kIgnore, kInvalidate, kNewRecord };

// "timestamp", "check"; "ignore", "invalidate", "new_record".
Result<SnapshotStrategy> ParseSnapshotStrategy(std::string_view text);
Result<HardDeletes> ParseHardDeletes(std::string_view text);

struct SnapshotConfig {
  SnapshotStrategy strategy = SnapshotStrategy::kTimestamp;
  std::vector<std::string> unique_key;  // one column or several
  std::string updated_at;               // the timestamp strategy's column
  std::vector<std::string> check_cols;  // the check strategy's columns...
  bool check_all_columns = false;       // ...or check_cols: 'all'
  HardDeletes hard_deletes = HardDeletes::kIgnore;
  // The first run's table takes these columns' compression (materialize.h); dbt_scd_id, an
  // md5 per version, is zstd unless named here.
  ColumnCompression column_compression;
};

struct CompiledSnapshot {
  std::string name;  // for messages
  Relation relation;
  std::string compiled_sql;
  SnapshotConfig config;
};

struct SnapshotResult {
  bool first_run = false;
  int64_t rows_inserted = 0;  // new versions (and deletion records)
  int64_t rows_closed = 0;    // versions whose dbt_valid_to was set
};

// Runs the snapshot at time `now` (the check strategy's and hard deletes' timestamp).
// Errors, with "snapshot <name> (<schema>.<identifier>)" as context: a config missing its
// unique_key, updated_at or check_cols, or naming a column the query lacks, and a key the
// query returns twice, are kInvalidArgument; SQL errors are the engine's.
Result<SnapshotResult> RunSnapshot(const warehouse::SqlAdapter& adapter,
                                   warehouse::Connection& conn, const CompiledSnapshot& snapshot,
                                   warehouse::Timestamp now);

}  // namespace shoplytics::transform
