#include "cli/cli.h"

#include <cstdio>
#include <string>

#include "cli/command.h"
#include "common/logging.h"

namespace shoplytics::cli {

namespace {

constexpr const char* kFooter = R"(
Start here:
  shoplytics demo                 private PostgreSQL + generated shop + pipeline + dashboards
  shoplytics generate --scale small --out data/
  shoplytics query "SELECT count(*) FROM raw.shop_orders"

Exit codes: 0 success, 1 the work failed, 2 bad usage or configuration.
Run 'shoplytics COMMAND --help' for a command's options and examples.)";

void RegisterGlobals(CLI::App& app, GlobalOptions& g) {
  app.add_option("--project", g.project_dir, "Project directory (default: the current one)")
      ->envname("SHOPLYTICS_PROJECT");
  app.add_flag("--json", g.json, "Print a machine-readable JSON summary on stdout");
  app.add_option("--log-level", g.log_level, "Log level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->envname("SHOPLYTICS_LOG_LEVEL");
  app.add_option("--log-format", g.log_format, "Log format: text, or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->envname("SHOPLYTICS_LOG_FORMAT");
}

// Commands of DESIGN.md whose capability arrives in a later issue.
void RegisterPendingCommands(CLI::App& app, Context& ctx) {
  const char* kQuality = "data quality (expectation suites)";
  const char* kOrchestrate = "orchestration (pipelines, schedules, run history)";
  const char* kServe = "the server (dashboards, API, users)";
  RegisterSandbox(app, ctx);
  RegisterPending(app, ctx, "check", "Run data-quality expectation suites (--suite)", kQuality);
  RegisterPending(app, ctx, "pipeline",
                  "Pipelines: 'run --date', 'backfill --from --to', 'runs', 'logs'", kOrchestrate);
  RegisterPending(app, ctx, "scheduler", "Run pipelines on their schedules", kOrchestrate);
  RegisterPending(app, ctx, "cron", "Show next fire times of a cron expression: 'cron next EXPR'",
                  kOrchestrate);
  RegisterPending(app, ctx, "serve", "Serve dashboards, the API and the scheduler (--port, --bind)",
                  kServe);
  RegisterPending(app, ctx, "users", "Dashboard users and roles: 'users add|remove|list'", kServe);
}

}  // namespace

CLI::App* RegisterPending(CLI::App& app, Context& ctx, const std::string& name,
                          const std::string& description, const std::string& capability) {
  CLI::App* sub = app.add_subcommand(name, description + "  [not built yet: " + capability + "]");
  // Whatever follows (sub-subcommands, flags) belongs to the capability to come.
  sub->prefix_command();
  sub->fallthrough(false);
  sub->callback([&ctx, name, capability] {
    std::fprintf(stderr,
                 "shoplytics %s: not built yet; it arrives with %s. Nothing was done.\n",
                 name.c_str(), capability.c_str());
    ctx.exit_code = kExitUsage;
  });
  return sub;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "Shoplytics: e-commerce analytics in one binary. Extracts PostgreSQL, Stripe, catalog, "
      "CSV and clickstream data into a Parquet lake and a DuckDB warehouse, runs dbt-format "
      "projects, checks data quality, schedules it all and serves dashboards.",
      "shoplytics"};
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough();
  Context ctx;
  RegisterGlobals(app, ctx.globals);
  app.parse_complete_callback([&ctx] {
    InitLogging(ParseLogLevel(ctx.globals.log_level), ParseLogFormat(ctx.globals.log_format));
  });

  RegisterDemo(app, ctx);
  RegisterGenerate(app, ctx);
  RegisterQuery(app, ctx);
  RegisterInit(app, ctx);
  RegisterExtract(app, ctx);
  RegisterDbt(app, ctx);
  RegisterPendingCommands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "shoplytics: %s\nRun 'shoplytics --help' for usage.\n", e.what());
    return kExitUsage;
  }
  return ctx.exit_code;
}

}  // namespace shoplytics::cli
