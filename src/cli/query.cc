// Placeholder so the binary links while the command is being built.
#include "cli/command.h"

namespace shoplytics::cli {

void RegisterQuery(CLI::App& app, Context& ctx) {
  RegisterPending(app, ctx, "query", "query", "work in progress");
}

}  // namespace shoplytics::cli
