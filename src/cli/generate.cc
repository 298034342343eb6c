// Placeholder so the binary links while the command is being built.
#include "cli/command.h"

namespace shoplytics::cli {

void RegisterGenerate(CLI::App& app, Context& ctx) {
  RegisterPending(app, ctx, "generate", "generate", "work in progress");
}

}  // namespace shoplytics::cli
