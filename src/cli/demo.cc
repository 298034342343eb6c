// Placeholder so the binary links while the command is being built.
#include "cli/command.h"

namespace shoplytics::cli {

void RegisterDemo(CLI::App& app, Context& ctx) {
  RegisterPending(app, ctx, "demo", "demo", "work in progress");
}

}  // namespace shoplytics::cli
