// Extraction with a progress line per table on the terminal, for `extract` and `demo`.
#pragma once

#include "common/status.h"
#include "config/project_config.h"
#include "sources/extract.h"

namespace shoplytics::cli {

Result<sources::ExtractRun> ExtractWithProgress(const ProjectConfig& project,
                                                sources::ExtractOptions options);

}  // namespace shoplytics::cli
