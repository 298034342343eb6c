// shoplytics query SQL: runs SQL against the warehouse and prints the result.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"
#include "warehouse/result_format.h"

namespace shoplytics::cli {

namespace {

constexpr const char* kQueryFooter = R"(
The warehouse is opened read-only unless --write is given, so a query cannot change it
by accident. It is <project>/warehouse.duckdb unless --warehouse names another file.

Examples:
  shoplytics query "SELECT count(*) FROM raw.shop_orders"
  shoplytics query --format csv "SELECT * FROM marts.fct_daily_revenue ORDER BY 1" > revenue.csv
  shoplytics query --format json "SELECT order_id, net FROM marts.fact_orders LIMIT 5"
  shoplytics query "SELECT table_schema, table_name FROM information_schema.tables"
  shoplytics query --write "DROP TABLE IF EXISTS scratch.tmp"

Exit codes: 0 success, 1 the SQL failed, 2 bad usage or no warehouse yet.)";

struct QueryOptions {
  std::string sql;
  std::string warehouse;  // empty: <project>/warehouse.duckdb
  std::string format = "table";
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
  std::string path =
      options.warehouse.empty()
          ? (std::filesystem::path(globals.project_dir) / "warehouse.duckdb").string()
          : options.warehouse;
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
  sub->add_option("SQL", options->sql, "The SQL to run (quote it for the shell)")->required();
  sub->add_option("--warehouse", options->warehouse,
                  "Warehouse file (default: <project>/warehouse.duckdb)");
  CLI::Option* format =
      sub->add_option("--format", options->format, "Output: table (default), csv or json")
          ->check(CLI::IsMember({"table", "csv", "json"}));
  sub->add_flag("--write", options->write,
                "Open the warehouse read-write so the SQL may change it");
  sub->footer(kQueryFooter);
  sub->callback([&ctx, options, format] {
    ctx.exit_code = RunQuery(ctx.globals, *options, format->count() > 0);
  });
}

}  // namespace shoplytics::cli
