// shoplytics init DIR: a new project from the default template.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "cli/project_template.h"
#include "common/files.h"

namespace shoplytics::cli {

namespace {

namespace fs = std::filesystem;

struct InitFlags {
  std::string dir;
  bool force = false;
};

}  // namespace

Status WriteProjectTemplate(const fs::path& dir, bool force, std::vector<std::string>* written) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return InvalidArgumentError("cannot create " + dir.string() + ": " + ec.message());
  for (const TemplateFile& f : ProjectTemplate()) {
    const fs::path target = dir / fs::path(std::string(f.path));
    if (fs::exists(target) && !force) {
      return AlreadyExistsError(target.string() +
                                " already exists; pass --force to overwrite the template's "
                                "files, or choose an empty folder");
    }
  }
  for (const TemplateFile& f : ProjectTemplate()) {
    const fs::path target = dir / fs::path(std::string(f.path));
    fs::create_directories(target.parent_path(), ec);
    if (ec) return InvalidArgumentError("cannot create " + target.parent_path().string());
    RETURN_IF_ERROR(WriteFileAtomically(target.string(), std::string_view(f.data, f.size)));
    written->push_back(std::string(f.path));
  }
  fs::create_directories(dir / "data", ec);
  return OkStatus();
}

void RegisterInit(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<InitFlags>();
  CLI::App* sub = app.add_subcommand("init", "Create a new project DIR from the default template");
  sub->add_option("DIR", flags->dir, "Folder of the new project (created if missing)")->required();
  sub->add_flag("--force", flags->force, "Overwrite the template's files if they exist");
  sub->footer(R"(
The project's shoplytics.yml declares the five default sources (PostgreSQL 'shop', 'stripe',
the 'catalog' API, 'marketing' CSV files, 'clickstream' JSONL) and reads their addresses
and secrets from SHOPLYTICS_SOURCE_DSN, STRIPE_API_KEY, STRIPE_API_BASE, CATALOG_API_BASE
and SHOPLYTICS_FILES.

Example:
  shoplytics init my_shop && cd my_shop && shoplytics extract)");
  sub->callback([flags, &ctx] {
    std::vector<std::string> written;
    Status st = WriteProjectTemplate(flags->dir, flags->force, &written);
    if (!st.ok()) {
      std::fprintf(stderr, "shoplytics init: %s\n", st.message().c_str());
      ctx.exit_code = kExitUsage;
      return;
    }
    if (ctx.globals.json) {
      std::printf("{\"project\": \"%s\", \"files\": %zu}\n", flags->dir.c_str(), written.size());
      return;
    }
    std::printf("Created the project %s:\n", flags->dir.c_str());
    for (const std::string& f : written) std::printf("  %s\n", f.c_str());
    std::printf("Next: set SHOPLYTICS_SOURCE_DSN (and STRIPE_API_KEY, ...), then "
                "'shoplytics --project %s extract' loads raw.*, and "
                "'shoplytics build --project-dir %s' builds staging, snapshots and marts.\n",
                flags->dir.c_str(), flags->dir.c_str());
  });
}

}  // namespace shoplytics::cli
