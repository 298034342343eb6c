// Extraction of a whole project: every source of shoplytics.yml (or the chosen ones) into
// the lake and raw, through the connector for its type:
//   postgres -> ExtractPostgres, stripe -> ExtractStripe, http_json -> ExtractHttpJson,
//   csv -> ExtractCsv, jsonl -> ExtractJsonl.
// A source whose type is unknown, or a --source that names no source, is kInvalidArgument
// naming it (and the known ones). Failures of single tables are in their reports.
#pragma once

#include <string>
#include <vector>

#include "config/project_config.h"
#include "sources/connector.h"

namespace shoplytics::sources {

struct ExtractOptions {
  std::vector<std::string> sources;  // empty: all
  bool full_refresh = false;
  bool from_lake = false;            // rebuild raw from the lake instead of reading sources
  int threads = 2;
  std::function<void(const TableRef&, int64_t rows_done, int64_t total)> progress;
};

struct ExtractRun {
  std::vector<TableReport> tables;
  std::vector<std::string> source_errors;  // a whole source failed (message names it)
  int64_t rebuilt_batches = 0;              // --from-lake
  int64_t lake_partitions_deleted = 0;      // retention
  double seconds = 0;

  int64_t quarantined() const;
  bool failed() const;  // a table or a source failed
};

// The lake folder and retention of a project (lake.path, default "lake"; lake.retention_days,
// default 0 = keep).
struct LakeSettings {
  std::filesystem::path dir;
  int retention_days = 0;
};
Result<LakeSettings> ReadLakeSettings(const ProjectConfig& project);

Result<ExtractRun> ExtractProject(const ProjectConfig& project, const ExtractOptions& options);

}  // namespace shoplytics::sources
