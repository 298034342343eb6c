#include "sources/extract.h"

#include <chrono>
#include <ctime>

#include "lake/lake.h"
#include "sources/catalog_source.h"
#include "sources/clickstream_source.h"
#include "sources/csv_source.h"
#include "sources/postgres_source.h"
#include "sources/stripe_source.h"
#include "warehouse/database.h"

namespace shoplytics::sources {

namespace {

using Extractor = Result<std::vector<TableReport>> (*)(const SourceConfig&,
                                                       const ExtractContext&);

struct Kind {
  const char* type;
  Extractor extract;
};

constexpr Kind kKinds[] = {
    {"postgres", &ExtractPostgres}, {"stripe", &ExtractStripe}, {"http_json", &ExtractHttpJson},
    {"csv", &ExtractCsv},           {"jsonl", &ExtractJsonl},
};

std::string KnownTypes() {
  std::string s;
  for (const Kind& k : kKinds) s += std::string(s.empty() ? "" : ", ") + k.type;
  return s;
}

}  // namespace

int64_t ExtractRun::quarantined() const {
  int64_t n = 0;
  for (const TableReport& t : tables) n += t.quarantined;
  return n;
}

bool ExtractRun::failed() const {
  if (!source_errors.empty()) return true;
  for (const TableReport& t : tables) {
    if (!t.error.ok()) return true;
  }
  return false;
}

Result<LakeSettings> ReadLakeSettings(const ProjectConfig& project) {
  LakeSettings s;
  const ConfigNode lake = project.root.At("lake");
  std::string path = "lake";
  int64_t days = 0;
  if (lake.IsSet()) {
    ASSIGN_OR_RETURN(path, lake.GetString("path", "lake"));
    ASSIGN_OR_RETURN(days, lake.GetInt("retention_days", 0));
  }
  const std::filesystem::path p(path);
  s.dir = p.is_absolute() ? p : project.dir / p;
  s.retention_days = static_cast<int>(days);
  return s;
}

// The default for extraction; DuckDB spills to <warehouse>.tmp beyond it.
constexpr std::string_view kExtractMemoryLimit = "512MB";

Result<ExtractRun> ExtractProject(const ProjectConfig& project, const ExtractOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  // Every named source must exist, before anything runs.
  std::vector<const SourceConfig*> selected;
  for (const std::string& name : options.sources) {
    const SourceConfig* s = project.FindSource(name);
    if (s == nullptr) {
      std::string known;
      for (const SourceConfig& c : project.sources) known += (known.empty() ? "" : ", ") + c.name;
      return InvalidArgumentError("no source named '" + name + "' in shoplytics.yml (sources: " +
                                  known + ")");
    }
    selected.push_back(s);
  }
  if (options.sources.empty()) {
    for (const SourceConfig& s : project.sources) selected.push_back(&s);
  }
  for (const SourceConfig* s : selected) {
    bool known = false;
    for (const Kind& k : kKinds) known |= s->type == k.type;
    if (!known) {
      return s->node.Child("type").Error("unknown source type '" + s->type + "' (known: " +
                                         KnownTypes() + ")");
    }
  }
  ASSIGN_OR_RETURN(LakeSettings lake_settings, ReadLakeSettings(project));
  // Each batch commits on its own; DuckDB's default 16 MB WAL threshold would checkpoint
  // after most of them, rewriting the tables' last row groups every time (3 s per commit
  // for a day of clickstream). One checkpoint at the end of the run does it once; a crash
  // replays the WAL on the next open.
  warehouse::DatabaseOptions db_options;
  db_options.settings.push_back({"checkpoint_threshold", "1GB"});
  // DuckDB keeps every block it wrote in its buffer pool up to memory_limit (80% of RAM by
  // default), so without a limit the process grows with the tables it loads.
  db_options.settings.push_back({"memory_limit", project.warehouse_memory_limit.empty()
                                                     ? std::string(kExtractMemoryLimit)
                                                     : project.warehouse_memory_limit});
  ASSIGN_OR_RETURN(warehouse::Database db,
                   warehouse::Database::Open(project.warehouse_path.string(), db_options));
  ASSIGN_OR_RETURN(warehouse::Connection conn, warehouse::Connection::Open(db));
  RawStore store(conn, lake_settings.dir);
  RETURN_IF_ERROR(store.EnsureSchemas());

  ExtractRun run;
  if (options.from_lake) {
    for (const SourceConfig* s : selected) {
      ASSIGN_OR_RETURN(RawStore::RebuildReport r, store.RebuildFromLake(s->name));
      run.rebuilt_batches += r.batches;
    }
  } else {
    ExtractContext ctx;
    ctx.db = &db;
    ctx.project_dir = project.dir;
    ctx.lake_dir = lake_settings.dir;
    ctx.full_refresh = options.full_refresh;
    ctx.threads = options.threads;
    ctx.progress = options.progress;
    for (const SourceConfig* s : selected) {
      for (const Kind& k : kKinds) {
        if (s->type != k.type) continue;
        Result<std::vector<TableReport>> reports = k.extract(*s, ctx);
        if (!reports.ok()) {
          run.source_errors.push_back("source " + s->name + ": " + reports.status().message());
          continue;
        }
        for (TableReport& t : *reports) run.tables.push_back(std::move(t));
      }
    }
  }
  if (lake_settings.retention_days > 0) {
    const int64_t today = static_cast<int64_t>(std::time(nullptr)) / 86400;
    ASSIGN_OR_RETURN(lake::RetentionReport kept,
                     lake::ApplyRetention(conn, lake_settings.dir, lake_settings.retention_days,
                                          today));
    run.lake_partitions_deleted = kept.partitions_deleted;
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run;
}

}  // namespace shoplytics::sources
