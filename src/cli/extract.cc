// shoplytics extract: sources -> lake + raw.
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cli/extract.h"

#include "cli/command.h"
#include "common/progress.h"
#include "common/strings.h"
#include "config/project_config.h"
#include "sources/extract.h"

namespace shoplytics::cli {

namespace {

struct ExtractFlags {
  std::vector<std::string> sources;
  bool full_refresh = false;
  bool from_lake = false;
  int threads = 2;
};

constexpr const char* kFooter = R"(
Reads every source of the project's shoplytics.yml (or those named with --source) and, per
table, appends each batch to the lake (lake/<source>/<table>/dt=<date>/<batch>.parquet) and
merges it into the warehouse's raw.<source>_<table>, moving the table's cursor in the same
transaction: a crash never skips or repeats rows, and the next run goes on from there.

Rows a file source cannot read go to meta.quarantine with their file, line and reason; the
good rows load and the run ends with a warning (exit 0). A failed table makes the exit
status 1; the other tables still load. Configuration errors exit 2.

Examples:
  shoplytics extract                          # everything, incrementally
  shoplytics extract --source shop --full-refresh
  shoplytics extract --from-lake              # rebuild raw from the lake
  shoplytics --json extract                   # a summary for scripts
  shoplytics query "SELECT * FROM meta.quarantine"   # what was refused, and why)";

void PrintHuman(const sources::ExtractRun& run) {
  std::printf("%-34s %12s %10s %10s %10s %8s\n", "table", "rows", "new", "unchanged",
              "quarant.", "seconds");
  for (const sources::TableReport& t : run.tables) {
    std::printf("%-34s %12s %10s %10s %10s %8.1f%s\n", ("raw." + t.ref.RawName()).c_str(),
                HumanCount(static_cast<double>(t.rows)).c_str(),
                HumanCount(static_cast<double>(t.inserted)).c_str(),
                HumanCount(static_cast<double>(t.unchanged)).c_str(),
                std::to_string(t.quarantined).c_str(), t.seconds,
                t.error.ok() ? "" : ("  FAILED: " + t.error.message()).c_str());
  }
  for (const std::string& e : run.source_errors) std::printf("FAILED: %s\n", e.c_str());
  if (run.rebuilt_batches > 0) {
    std::printf("Rebuilt raw from %lld lake batches.\n",
                static_cast<long long>(run.rebuilt_batches));
  }
  if (run.quarantined() > 0) {
    std::printf("Warning: %lld rows quarantined; see them with: shoplytics query \"SELECT * FROM "
                "meta.quarantine\"\n",
                static_cast<long long>(run.quarantined()));
  }
  std::printf("Done in %.1fs.\n", run.seconds);
}

void PrintJson(const sources::ExtractRun& run) {
  nlohmann::json j;
  j["tables"] = nlohmann::json::array();
  for (const sources::TableReport& t : run.tables) {
    nlohmann::json r = {{"source", t.ref.source},
                        {"table", t.ref.table},
                        {"raw_table", "raw." + t.ref.RawName()},
                        {"rows", t.rows},
                        {"inserted", t.inserted},
                        {"unchanged", t.unchanged},
                        {"deleted", t.deleted},
                        {"bytes", t.bytes},
                        {"quarantined", t.quarantined},
                        {"skipped_files", t.skipped_files},
                        {"seconds", t.seconds},
                        {"added_columns", t.added_columns}};
    if (!t.error.ok()) r["error"] = t.error.message();
    j["tables"].push_back(r);
  }
  j["source_errors"] = run.source_errors;
  j["quarantined"] = run.quarantined();
  j["rebuilt_batches"] = run.rebuilt_batches;
  j["lake_partitions_deleted"] = run.lake_partitions_deleted;
  j["seconds"] = run.seconds;
  j["status"] = run.failed() ? "failed" : run.quarantined() > 0 ? "warning" : "ok";
  std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace

Result<sources::ExtractRun> ExtractWithProgress(const ProjectConfig& project,
                                                sources::ExtractOptions options) {
  // One progress line per table, drawn only on a terminal.
  std::mutex mu;
  std::map<std::string, std::unique_ptr<ProgressBar>> bars;
  options.progress = [&](const sources::TableRef& ref, int64_t done, int64_t total) {
    std::lock_guard<std::mutex> lock(mu);
    auto& bar = bars[ref.Display()];
    if (!bar) {
      ProgressOptions po;
      po.label = ref.Display();
      bar = std::make_unique<ProgressBar>(po);
    }
    if (total > 0) bar->SetTotal(total);
    bar->Add(done - bar->done());
  };
  Result<sources::ExtractRun> run = sources::ExtractProject(project, options);
  for (auto& [name, bar] : bars) bar->Finish();
  return run;
}

namespace {

int Run(const ExtractFlags& f, const GlobalOptions& g) {
  Result<ProjectConfig> project = LoadProjectConfig(g.project_dir);
  if (!project.ok()) {
    std::fprintf(stderr, "shoplytics extract: %s\n", project.status().message().c_str());
    return kExitUsage;
  }
  sources::ExtractOptions options;
  options.sources = f.sources;
  options.full_refresh = f.full_refresh;
  options.from_lake = f.from_lake;
  options.threads = f.threads;
  Result<sources::ExtractRun> run = ExtractWithProgress(*project, options);
  if (!run.ok()) {
    std::fprintf(stderr, "shoplytics extract: %s\n", run.status().message().c_str());
    return run.status().code() == StatusCode::kInvalidArgument ||
                   run.status().code() == StatusCode::kFailedPrecondition
               ? kExitUsage
               : kExitFailed;
  }
  if (g.json) {
    PrintJson(*run);
  } else {
    PrintHuman(*run);
  }
  return run->failed() ? kExitFailed : kExitOk;
}

}  // namespace

void RegisterExtract(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<ExtractFlags>();
  CLI::App* sub = app.add_subcommand(
      "extract", "Extract sources into the lake and the raw schema, incrementally");
  sub->footer(kFooter);
  sub->add_option("--source", flags->sources, "Only this source (repeatable)");
  sub->add_flag("--full-refresh", flags->full_refresh, "Ignore cursors and reload everything");
  sub->add_flag("--from-lake", flags->from_lake, "Rebuild raw from the lake's batches");
  sub->add_option("--threads", flags->threads, "Parallel table workers")->check(CLI::Range(1, 64));
  sub->callback([flags, &ctx] { ctx.exit_code = Run(*flags, ctx.globals); });
}

}  // namespace shoplytics::cli
