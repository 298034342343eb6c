// shoplytics demo: a private PostgreSQL under <project>/.shoplytics/pg with a generated
// shop in it, every source extracted into the demo project, the project built (staging,
// snapshots, marts and their tests), and a summary of what exists. (The server joins it
// when it is built.)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/extract.h"
#include "cli/generate.h"
#include "cli/project_template.h"
#include "common/progress.h"
#include "common/strings.h"
#include "pg/connection.h"
#include "pg/local_server.h"
#include "sandbox/sandbox.h"
#include "seed/calendar.h"
#include "seed/generator.h"
#include "transform/runner.h"

namespace shoplytics::cli {

namespace {

namespace fs = std::filesystem;

struct DemoFlags {
  std::string scale = "small";
  bool stop = false;
  bool fresh = false;
  bool no_serve = false;
};

struct TableCount {
  std::string name;  // schema.table
  int64_t rows = 0;
};

struct FileInfo {
  std::string name;
  uint64_t bytes = 0;
};

std::string ServerDir(const GlobalOptions& g) { return g.project_dir + "/.shoplytics/pg"; }
// The demo's own Shoplytics project (the default template), with its files, lake and
// warehouse.
std::string DemoProjectDir(const GlobalOptions& g) { return g.project_dir + "/demo"; }
std::string FilesDir(const GlobalOptions& g) { return DemoProjectDir(g) + "/data"; }

// Serves the shop's Stripe side and catalog from the sandbox and extracts every source of
// the demo project into its lake and warehouse.
Result<sources::ExtractRun> ExtractDemo(const GlobalOptions& g, const std::string& dsn) {
  const std::string project_dir = DemoProjectDir(g);
  if (!fs::exists(project_dir + "/shoplytics.yml")) {
    std::vector<std::string> written;
    RETURN_IF_ERROR(WriteProjectTemplate(project_dir, false, &written));
  }
  sandbox::ServerOptions so;
  so.dsn = dsn;
  so.files_dir = FilesDir(g);
  ASSIGN_OR_RETURN(std::unique_ptr<sandbox::Server> api, sandbox::Server::Start(so));
  // The project reads its addresses from the environment, as in production.
  ::setenv("SHOPLYTICS_SOURCE_DSN", dsn.c_str(), 1);
  ::setenv("STRIPE_API_KEY", "sk_test_shoplytics_demo", 1);
  ::setenv("STRIPE_API_BASE", api->url().c_str(), 1);
  ::setenv("CATALOG_API_BASE", api->url().c_str(), 1);
  ::setenv("SHOPLYTICS_FILES", fs::absolute(FilesDir(g)).string().c_str(), 1);
  ASSIGN_OR_RETURN(ProjectConfig project, LoadProjectConfig(project_dir));
  if (!g.json) std::fprintf(stderr, "Extracting every source into %s ...\n", project_dir.c_str());
  return ExtractWithProgress(project, sources::ExtractOptions{});
}

// Builds the demo project (`shoplytics build` over it): dbt's progress lines go to stdout,
// or to stderr with --json so that stdout holds only the summary.
Result<transform::InvocationResult> BuildDemo(const GlobalOptions& g) {
  transform::InvocationOptions options;
  options.command = transform::Command::kBuild;
  options.project_dir = DemoProjectDir(g);
  if (g.json) {
    options.print = [](const std::string& line) { std::fputs(line.c_str(), stderr); };
  } else {
    std::fprintf(stderr, "Building the project in %s ...\n", options.project_dir.c_str());
  }
  return transform::Invoke(options);
}

int Fail(const Status& st) {
  std::fprintf(stderr, "shoplytics demo: %s\n", st.message().c_str());
  return kExitFailed;
}

int Stop(const GlobalOptions& g) {
  const std::string dir = ServerDir(g);
  Result<std::unique_ptr<pg::LocalServer>> server = pg::LocalServer::Attach(dir);
  if (!server.ok()) {
    if (server.status().code() != StatusCode::kNotFound) return Fail(server.status());
    std::printf("No demo PostgreSQL is running in %s.\n", dir.c_str());
    return kExitOk;
  }
  if (Status st = (*server)->Stop(); !st.ok()) return Fail(st);
  std::printf(
      "Stopped the demo PostgreSQL in %s (its data stays; 'shoplytics demo' starts it "
      "again).\n",
      dir.c_str());
  return kExitOk;
}

// True when the database already holds a shop that the generator made.
Result<bool> ShopExists(const std::string& dsn) {
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(dsn));
  ASSIGN_OR_RETURN(pg::QueryResult r,
                   conn.Query("SELECT to_regclass('shoplytics_generator.state') IS NOT NULL "
                              "AND to_regclass('shop.orders') IS NOT NULL"));
  return r.Get(0, 0) == "t";
}

Status Generate(const std::string& dsn, const std::string& out_dir, const DemoFlags& flags) {
  seed::ShopParams params;
  const int64_t today = static_cast<int64_t>(std::time(nullptr)) / seed::kSecondsPerDay;
  if (!seed::ParamsForScale(flags.scale, today, &params)) {
    return InvalidArgumentError("unknown --scale '" + flags.scale + "'");
  }
  return GenerateWithProgress({params, dsn, out_dir, /*force=*/false}).status();
}

Result<std::vector<TableCount>> CountTables(const std::string& dsn) {
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(dsn));
  ASSIGN_OR_RETURN(pg::QueryResult tables,
                   conn.Query("SELECT table_schema, table_name FROM information_schema.tables "
                              "WHERE table_schema IN ('shop', 'stripe') "
                              "AND table_type = 'BASE TABLE' ORDER BY 1, 2"));
  std::vector<TableCount> counts;
  for (int i = 0; i < tables.rows(); ++i) {
    std::string schema(tables.Get(i, 0));
    std::string table(tables.Get(i, 1));
    ASSIGN_OR_RETURN(pg::QueryResult n,
                     conn.Query("SELECT count(*) FROM " + conn.QuoteIdentifier(schema) + "." +
                                conn.QuoteIdentifier(table)));
    ASSIGN_OR_RETURN(int64_t rows, n.GetInt64(0, 0));
    counts.push_back({schema + "." + table, rows});
  }
  return counts;
}

std::vector<FileInfo> ListFiles(const std::string& dir) {
  std::vector<FileInfo> files;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    files.push_back({fs::relative(entry.path(), dir, ec).string(), entry.file_size(ec)});
  }
  std::sort(files.begin(), files.end(),
            [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
  return files;
}

// Files whose names differ only in digits (events-2025-01-31.jsonl, one a day) are shown
// as one line.
struct FileGroup {
  std::string pattern;  // digits as '#'
  std::string first, last;
  int count = 0;
  uint64_t bytes = 0;
};

std::vector<FileGroup> GroupFiles(const std::vector<FileInfo>& files) {
  std::vector<FileGroup> groups;
  for (const auto& f : files) {
    std::string pattern = f.name;
    for (char& c : pattern) {
      if (c >= '0' && c <= '9') c = '#';
    }
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const FileGroup& g) { return g.pattern == pattern; });
    if (it == groups.end()) {
      groups.push_back({pattern, f.name, f.name, 0, 0});
      it = groups.end() - 1;
    }
    it->last = f.name;
    it->count += 1;
    it->bytes += f.bytes;
  }
  return groups;
}

void PrintExtracted(const sources::ExtractRun& run, const std::string& project_dir) {
  int64_t rows = 0;
  for (const auto& t : run.tables) rows += t.rows;
  std::printf("\nWarehouse %s/warehouse.duckdb: %zu raw tables, %s rows extracted in %.1fs%s\n",
              project_dir.c_str(), run.tables.size(), HumanCount(static_cast<double>(rows)).c_str(),
              run.seconds, run.quarantined() ? " (some rows quarantined)" : "");
  for (const auto& t : run.tables) {
    if (!t.error.ok())
      std::printf("  FAILED raw.%s: %s\n", t.ref.RawName().c_str(), t.error.message().c_str());
  }
  for (const auto& e : run.source_errors) std::printf("  FAILED %s\n", e.c_str());
  std::printf(
      "  look at it:  shoplytics --project %s query \"SELECT count(*) FROM raw.shop_orders\"\n",
      project_dir.c_str());
}

void PrintBuilt(const transform::InvocationResult& built, const std::string& project_dir) {
  std::printf("\nProject %s built in %.1fs: %s\n", project_dir.c_str(), built.elapsed_seconds,
              transform::DoneLine(built.summary).c_str());
  std::printf("  the marts:   shoplytics --project %s query \"SHOW ALL TABLES\"\n",
              project_dir.c_str());
  std::printf("  build again: shoplytics build --project-dir %s\n", project_dir.c_str());
}

void PrintJson(const pg::LocalServer& server, const std::string& out_dir,
               const std::vector<TableCount>& tables, const std::vector<FileInfo>& files,
               bool generated, const sources::ExtractRun& extracted,
               const transform::InvocationResult& built) {
  nlohmann::json j;
  j["dsn"] = server.dsn();
  j["data_dir"] = server.data_dir();
  j["server_reused"] = server.reused();
  j["generated"] = generated;
  j["tables"] = nlohmann::json::object();
  for (const auto& t : tables) j["tables"][t.name] = t.rows;
  j["out_dir"] = out_dir;
  j["files"] = nlohmann::json::array();
  for (const auto& f : files) j["files"].push_back({{"name", f.name}, {"bytes", f.bytes}});
  j["raw"] = nlohmann::json::object();
  for (const auto& t : extracted.tables) j["raw"]["raw." + t.ref.RawName()] = t.rows;
  j["extract_status"] = extracted.failed() ? "failed" : "ok";
  const transform::InvocationSummary& s = built.summary;
  j["build"] = {{"exit_code", built.exit_code},
                {"pass", s.pass},
                {"warn", s.warn},
                {"error", s.error},
                {"skip", s.skip},
                {"total", s.total},
                {"elapsed_seconds", built.elapsed_seconds}};
  std::printf("%s\n", j.dump(2).c_str());
}

void PrintSummary(const pg::LocalServer& server, const std::string& out_dir,
                  const std::vector<TableCount>& tables, const std::vector<FileInfo>& files) {
  std::printf("\nSource database (PostgreSQL in %s):\n", server.data_dir().c_str());
  for (const auto& t : tables) {
    std::printf("  %-32s %12s rows\n", t.name.c_str(), HumanCount(t.rows).c_str());
  }
  std::printf("Files in %s:\n", out_dir.c_str());
  for (const auto& group : GroupFiles(files)) {
    std::string name = group.count == 1 ? group.first : group.pattern;
    std::string count = group.count == 1 ? "" : std::to_string(group.count) + " files";
    std::printf("  %-40s %9s %10s%s\n", name.c_str(), count.c_str(),
                HumanBytes(group.bytes).c_str(),
                group.count == 1 ? "" : ("  (" + group.first + " .. " + group.last + ")").c_str());
  }
  std::printf(
      "\nNext:\n"
      "  look at the source data:        psql \"%s\"\n"
      "  point other commands at it:     export SHOPLYTICS_SOURCE_DSN=\"%s\"\n"
      "  move the shop on three days:    shoplytics generate --advance 3\n"
      "  then extract and build again:   shoplytics demo\n"
      "  stop it (the data stays):      shoplytics demo --stop\n",
      server.dsn().c_str(), server.dsn().c_str());
}

int Run(const DemoFlags& flags, const GlobalOptions& g) {
  if (flags.stop) return Stop(g);
  pg::LocalServerOptions options;
  options.data_dir = ServerDir(g);
  options.keep_running = true;
  if (!g.json) std::fprintf(stderr, "Starting PostgreSQL in %s ...\n", options.data_dir.c_str());
  Result<std::unique_ptr<pg::LocalServer>> started = pg::LocalServer::Start(options);
  if (!started.ok()) {
    return Fail(
        started.status().WithContext("starting the private PostgreSQL in " + options.data_dir));
  }
  const pg::LocalServer& server = **started;
  if (!g.json) {
    std::fprintf(stderr, "PostgreSQL %s: %s\n", server.reused() ? "already running" : "started",
                 server.dsn().c_str());
  }

  const std::string out_dir = FilesDir(g);
  Result<bool> exists = ShopExists(server.dsn());
  if (!exists.ok()) return Fail(exists.status());
  const bool generate = flags.fresh || !*exists;
  if (generate) {
    if (!g.json) {
      std::fprintf(stderr, "Generating a %s shop into it and %s ...\n", flags.scale.c_str(),
                   out_dir.c_str());
    }
    if (Status st = Generate(server.dsn(), out_dir, flags); !st.ok()) return Fail(st);
  } else if (!g.json) {
    std::fprintf(stderr, "Reusing the shop generated earlier ('--fresh' generates it anew).\n");
  }

  Result<std::vector<TableCount>> tables = CountTables(server.dsn());
  if (!tables.ok()) return Fail(tables.status());
  Result<sources::ExtractRun> extracted = ExtractDemo(g, server.dsn());
  if (!extracted.ok()) return Fail(extracted.status().WithContext("extracting"));
  // A failed extraction leaves raw tables behind; the build still runs over what loaded,
  // and its failures say which models depend on the missing tables.
  Result<transform::InvocationResult> built = BuildDemo(g);
  if (!built.ok()) return Fail(built.status().WithContext("building " + DemoProjectDir(g)));
  std::vector<FileInfo> files = ListFiles(out_dir);
  if (g.json) {
    PrintJson(server, out_dir, *tables, files, generate, *extracted, *built);
  } else {
    PrintSummary(server, out_dir, *tables, files);
    PrintExtracted(*extracted, DemoProjectDir(g));
    PrintBuilt(*built, DemoProjectDir(g));
  }
  return extracted->failed() || built->exit_code != 0 ? kExitFailed : kExitOk;
}

}  // namespace

void RegisterDemo(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* sub = app.add_subcommand(
      "demo",
      "Start a private PostgreSQL under <project>/.shoplytics/pg (or reuse the running one), "
      "generate a shop into it, serve its Stripe side and catalog from the sandbox, and "
      "extract every source into the demo project <project>/demo (lake + warehouse), and "
      "build the project (staging, snapshots, marts and their tests)");
  sub->footer(R"(
The PostgreSQL keeps running after the command ends, so that you (and later commands) can
use it; 'shoplytics demo --stop' stops it. The build is `shoplytics build` over
<project>/demo; with --json its lines go to stderr and its counts into the summary. It is tuned for a disposable database
(fsync=off): never keep data you need in it. A second 'shoplytics demo' reuses the server
and the shop; --fresh generates the shop anew.

Examples:
  shoplytics demo
  shoplytics demo --scale tiny --json
  shoplytics demo --stop)");
  sub->add_option("--scale", flags->scale, "Size of the generated shop: tiny, small, medium, full")
      ->check(CLI::IsMember({"tiny", "small", "medium", "full"}));
  sub->add_flag("--fresh", flags->fresh, "Generate the shop anew even if one exists");
  sub->add_flag("--stop", flags->stop, "Stop the demo's PostgreSQL and exit");
  sub->add_flag("--no-serve", flags->no_serve,
                "Stop after the summary, for scripts (what demo does until 'serve' is built)");
  sub->callback([flags, &ctx] { ctx.exit_code = Run(*flags, ctx.globals); });
}

}  // namespace shoplytics::cli
