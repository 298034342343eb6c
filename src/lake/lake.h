// The lake: immutable Parquet batches under lake/<source>/<table>/dt=<date>/<batch>.parquet,
// listed in meta.batches (written by sources::RawStore in the batch's own transaction).
//
// A file whose batch is not in meta.batches is an orphan (a load that died before its
// commit): rebuilding raw from the lake (sources::RawStore::RebuildFromLake) ignores it and
// ApplyRetention deletes it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/status.h"
#include "warehouse/connection.h"

namespace shoplytics::lake {

struct RetentionReport {
  int64_t partitions_deleted = 0;
  int64_t files_deleted = 0;
  int64_t orphans_deleted = 0;
};

// Deletes partitions (dt=<date> folders) older than `keep_days` before `today` (days since
// 1970-01-01), their meta.batches rows, and orphan files; keep_days <= 0 keeps everything
// but still removes orphans older than an hour.
Result<RetentionReport> ApplyRetention(warehouse::Connection& conn,
                                       const std::filesystem::path& lake_dir, int keep_days,
                                       int64_t today);

}  // namespace shoplytics::lake
