// Helpers shared by the file loaders (csv_source, clickstream_source): finding files by
// glob, checksums, and converting text values to typed ones. Not for other modules.
//
// Every parser returns nullopt (or an error string) for text it does not accept; none
// throws, none goes through floating point.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/yaml_config.h"
#include "warehouse/prepared_statement.h"

namespace shoplytics::sources::internal {

// The files under `dir` whose path relative to `dir` matches `glob` (fnmatch, '*' does not
// cross '/'), sorted by that relative path. A missing dir is kNotFound naming it.
Result<std::vector<std::string>> ListFiles(const std::filesystem::path& dir,
                                           const std::string& glob);

// The source's `path:` (default "data"), resolved against the project directory.
Result<std::filesystem::path> SourceDir(const ConfigNode& node,
                                        const std::filesystem::path& project_dir);

// XXH64 of a file's bytes as 16 hex digits, read in blocks (memory stays flat).
Result<std::string> FileChecksum(const std::filesystem::path& path);

// "YYYY-MM-DD" with a valid month and day: days since 1970-01-01.
std::optional<int32_t> ParseDate(std::string_view text);
// The first "YYYY-MM-DD" that is a valid date inside `name` (e.g. events-2025-03-01.jsonl).
std::optional<std::string> DateInName(std::string_view name);
// "YYYY-MM-DD" of days since 1970-01-01.
std::string FormatDate(int32_t days);

// ISO-8601 / SQL: "YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z|+HH[:MM]|-HH[:MM]]"; no offset means
// UTC. Fractions beyond microseconds are truncated.
std::optional<warehouse::Timestamp> ParseTimestamp(std::string_view text);

// A base-10 integer with optional sign; nullopt on overflow or any other character.
std::optional<int64_t> ParseInt64(std::string_view text);

// true/false, t/f, yes/no, y/n, 1/0 (any case).
std::optional<bool> ParseBool(std::string_view text);

// Checks a decimal for DECIMAL(precision, scale) exactly (no floating point) and returns its
// canonical text ("-12.50"), or an error: "bad decimal", "more than 2 decimal places",
// "out of range for decimal(18,2)". Accepts [+-]digits[.digits] and [+-].digits.
Result<std::string> CanonicalDecimal(std::string_view text, int precision, int scale);

// Leading and trailing spaces and tabs removed.
std::string_view Trim(std::string_view text);

}  // namespace shoplytics::sources::internal
