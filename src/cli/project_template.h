// The default project (the repository's project/ folder), embedded in the binary at build
// time so `shoplytics init` works wherever the binary is.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace shoplytics::cli {

struct TemplateFile {
  std::string_view path;  // relative, with '/' separators
  const char* data;
  size_t size;
};

const std::vector<TemplateFile>& ProjectTemplate();

// Writes the template into dir (created if missing), plus an empty data/ folder. An existing
// file is kAlreadyExists unless force. `written` receives the files' relative paths.
Status WriteProjectTemplate(const std::filesystem::path& dir, bool force,
                            std::vector<std::string>* written);

}  // namespace shoplytics::cli
