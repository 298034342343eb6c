// The generator with a progress bar on the terminal, for `generate` and `demo`.
#pragma once

#include <string>

#include "common/status.h"
#include "seed/generator.h"

namespace shoplytics::cli {

Result<seed::GenerateReport> GenerateWithProgress(const seed::GenerateOptions& options);
Result<seed::GenerateReport> AdvanceWithProgress(const std::string& dsn,
                                                 const std::string& out_dir, int days);

}  // namespace shoplytics::cli
