// What every command file in cli/ shares. A command file defines one Register* function
// that adds its subcommand to the app; the subcommand's callback parses nothing itself
// (CLI11 did), calls into a module, and stores the exit code in ctx.exit_code.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace shoplytics::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Options every command takes, parsed before the subcommand's callback runs.
struct GlobalOptions {
  std::string project_dir = ".";
  bool json = false;               // machine summary on stdout
  std::string log_level = "info";  // trace|debug|info|warn|error
  std::string log_format = "text"; // text|json
};

struct Context {
  GlobalOptions globals;
  int exit_code = kExitOk;
};

// Registers a command whose capability is not built yet: it is listed and documented in
// --help, and running it exits 2 naming the missing capability. It never prints fake output.
CLI::App* RegisterPending(CLI::App& app, Context& ctx, const std::string& name,
                          const std::string& description, const std::string& capability);

void RegisterGenerate(CLI::App& app, Context& ctx);
void RegisterQuery(CLI::App& app, Context& ctx);
void RegisterDemo(CLI::App& app, Context& ctx);
void RegisterInit(CLI::App& app, Context& ctx);
void RegisterExtract(CLI::App& app, Context& ctx);
void RegisterSandbox(CLI::App& app, Context& ctx);
void RegisterDbt(CLI::App& app, Context& ctx);

}  // namespace shoplytics::cli
