// shoplytics query SQL: runs SQL against the warehouse and prints the result.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "common/files.h"
#include "transform/runner.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"
#include "warehouse/result_format.h"

namespace shoplytics::cli {

namespace {

constexpr const char* kQueryFooter = R"(
The warehouse is opened read-only unless --write is given, so a query cannot change it
by accident. In a dbt project (a --project holding dbt_project.yml) it is the duckdb
path of the profile's target, found as dbt finds profiles.yml; otherwise it is
<project>/warehouse.duckdb. --warehouse names another file.

Examples:
  shoplytics query "SELECT count(*) FROM raw.shop_orders"
  shoplytics query --format csv "SELECT * FROM marts.fct_daily_revenue ORDER BY 1" > revenue.csv
  shoplytics query --format json "SELECT order_id, net FROM marts.fact_orders LIMIT 5"
  shoplytics query "SELECT table_schema, table_name FROM information_schema.tables"
  shoplytics query --write "DROP TABLE IF EXISTS scratch.tmp"
  shoplytics query --write --file migrate.sql

Exit codes: 0 success, 1 the SQL failed, 2 bad usage or no warehouse yet.)";

struct QueryOptions {
  std::string sql;
  std::string warehouse;  // empty: <project>/warehouse.duckdb
  std::string format = "table";
  std::string file;          // --file: the SQL from a file ("-": stdin)
  std::string profiles_dir;  // a dbt project's profiles.yml (see ResolveProjectTarget)
  std::string target;
  bool write = false;
};

void PrintError(const std::string& message) {
  std::fprintf(stderr, "shoplytics query: %s\n", message.c_str());
}

int RunQuery(const GlobalOptions& globals, const QueryOptions& options, bool format_given) {
  std::string format_name = options.format;
  if (globals.json && !format_given) format_name = "json";
  Result<warehouse::ResultFormat> format = warehouse::ParseResultFormat(format_name);
  if (!format.ok()) {
    PrintError(format.status().message());
    return kExitUsage;
  }
  // The warehouse: --warehouse, else a dbt project's profile target, else the
  // Shoplytics project's warehouse.duckdb.
  std::string path = options.warehouse;
  const std::filesystem::path project_dir(globals.project_dir);
  // A dbt project's warehouse is opened as a build opens it (transform::PrepareWarehouse).
  std::optional<transform::ProfileTarget> profile_target;
  if (path.empty() && std::filesystem::exists(project_dir / "dbt_project.yml")) {
    Result<transform::ProfileTarget> target = transform::ResolveProjectTarget(
        project_dir,
        options.profiles_dir.empty() ? std::nullopt
                                     : std::optional<std::filesystem::path>(options.profiles_dir),
        std::nullopt,
        options.target.empty() ? std::nullopt : std::optional<std::string>(options.target));
    if (!target.ok()) {
      PrintError(target.status().message());
      return kExitUsage;
    }
    path = target->path;
    profile_target = std::move(target).value();
  }
  if (path.empty()) path = (project_dir / "warehouse.duckdb").string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    PrintError("the warehouse " + path +
               " does not exist. Create it first: run 'shoplytics extract' (or "
               "'shoplytics demo') in the project, or point --warehouse at an existing file.");
    return kExitUsage;
  }
  warehouse::DatabaseOptions db_options;
  db_options.read_only = !options.write;
  Result<warehouse::Database> db = warehouse::Database::Open(path, db_options);
  if (!db.ok()) {
    PrintError(db.status().message());
    return kExitFailed;
  }
  Result<warehouse::Connection> conn = warehouse::Connection::Open(*db);
  if (!conn.ok()) {
    PrintError(conn.status().message());
    return kExitFailed;
  }
  if (profile_target) {
    Status prepared = transform::PrepareWarehouse(*profile_target, *db, *conn);
    if (!prepared.ok()) {
      PrintError(prepared.message());
      return kExitFailed;
    }
  }
  Result<warehouse::QueryResult> result = conn->Query(options.sql);
  if (!result.ok()) {
    PrintError(result.status().message());
    if (!options.write && result.status().code() == StatusCode::kFailedPrecondition) {
      std::fprintf(stderr,
                   "The warehouse was opened read-only; rerun with --write to allow changes.\n");
    }
    return kExitFailed;
  }
  Status written = warehouse::WriteResult(*result, *format, std::cout);
  std::cout.flush();
  if (!written.ok()) {
    PrintError(written.message());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

void RegisterQuery(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<QueryOptions>();
  CLI::App* sub = app.add_subcommand(
      "query", "Run SQL against the warehouse and print the result (read-only unless --write)");
  CLI::Option* sql =
      sub->add_option("SQL", options->sql, "The SQL to run (quote it for the shell)");
  CLI::Option* file = sub->add_option(
      "-f,--file", options->file,
      "Run the SQL in this file instead ('-' reads stdin); several statements may be "
      "separated by ';', the last one's result is printed");
  sql->excludes(file);
  file->excludes(sql);
  sub->add_option("--warehouse", options->warehouse,
                  "Warehouse file (default: a dbt project's profile target, else "
                  "<project>/warehouse.duckdb)");
  sub->add_option("--profiles-dir", options->profiles_dir,
                  "For a dbt project: the directory of profiles.yml (found as dbt finds it)");
  sub->add_option("-t,--target", options->target, "For a dbt project: the profile's target");
  CLI::Option* format =
      sub->add_option("--format", options->format, "Output: table (default), csv or json")
          ->check(CLI::IsMember({"table", "csv", "json"}));
  sub->add_flag("--write", options->write,
                "Open the warehouse read-write so the SQL may change it");
  sub->footer(kQueryFooter);
  sub->callback([&ctx, options, format, sql, file] {
    if (sql->count() == 0 && file->count() == 0) {
      PrintError("give the SQL to run, or --file with a file of SQL");
      ctx.exit_code = kExitUsage;
      return;
    }
    if (!options->file.empty()) {
      if (options->file == "-") {
        options->sql.assign(std::istreambuf_iterator<char>(std::cin), {});
      } else {
        Result<std::string> text = ReadFile(options->file);
        if (!text.ok()) {
          PrintError(text.status().message());
          ctx.exit_code = kExitUsage;
          return;
        }
        options->sql = *std::move(text);
      }
    }
    ctx.exit_code = RunQuery(ctx.globals, *options, format->count() > 0);
  });
}

}  // namespace shoplytics::cli
