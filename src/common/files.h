// Reading and writing whole files, and temporary directories.
//
// Errors name the path. ENOENT gives kNotFound, EACCES/EPERM kPermissionDenied, ENOSPC
// and EDQUOT kResourceExhausted, anything else kInternal.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace shoplytics {

// The whole content of a file.
Result<std::string> ReadFile(const std::filesystem::path& path);

// Replaces `path` with `contents` so that a reader (or a crash) sees the old file or the
// new one, never a partial one: writes a temporary file in the same directory, fsyncs
// it, renames it over `path` and fsyncs the directory. The temporary file is removed on
// failure. The parent directory must exist. New files get mode 0644 (minus umask).
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);

// A fresh directory under the system temp dir ($TMPDIR or /tmp), removed with all its
// content when the TempDir is destroyed. Move-only.
class TempDir {
 public:
  // `prefix` starts the directory's name: "<prefix>-XXXXXX".
  static Result<TempDir> Create(std::string_view prefix = "shoplytics");

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  void Remove();

  std::filesystem::path path_;  // empty once moved from
};

}  // namespace shoplytics
