// The default project (the repository's project/ folder), embedded in the binary at build
// time so `shoplytics init` works wherever the binary is.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace shoplytics::cli {

struct TemplateFile {
  std::string_view path;  // relative, with '/' separators
  const char* data;
  size_t size;
};

const std::vector<TemplateFile>& ProjectTemplate();

}  // namespace shoplytics::cli
