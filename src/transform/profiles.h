// profiles.yml: where a dbt project's warehouse is. Found as dbt finds it, and read for
// one profile and target.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "config/env.h"

namespace shoplytics::transform {

// The target a command connects to. Only `type: duckdb` is supported.
struct ProfileTarget {
  std::filesystem::path profiles_file;  // the profiles.yml it came from
  std::string profile_name;
  std::string target_name;
  std::string type;  // "duckdb"
  std::string path;  // absolute database file, or ":memory:"
  std::string schema = "main";
  int threads = 1;
  // DuckDB settings set on every connection (`settings:` of the target, as in
  // dbt-duckdb); TimeZone is UTC unless the target sets it.
  std::map<std::string, std::string> settings;
};

// The profiles.yml dbt would use: the file in `profiles_dir` (the --profiles-dir flag)
// when given, else in $DBT_PROFILES_DIR when set, else in `project_dir` when it has one,
// else ~/.dbt/profiles.yml ($HOME from `env`). A directory named by the flag or the
// variable that holds no profiles.yml is kNotFound naming it and where it came from, as
// is the last resort when it is absent too.
Result<std::filesystem::path> FindProfilesFile(
    const std::optional<std::filesystem::path>& profiles_dir,
    const std::filesystem::path& project_dir, const EnvLookup& env = ProcessEnv());

// Reads `profile` from `profiles_file`, with `target` when given or the profile's
// `target:`. A relative duckdb `path` is taken relative to `project_dir`. Errors name the
// file (with its line and key) and the profile: a missing profile or target (listing the
// ones that exist) and a type other than duckdb are kInvalidArgument. Besides ${ENV},
// values may use {{ env_var('NAME') }} and {{ env_var('NAME', 'default') }}, the one
// template form that profiles commonly hold; an unset variable without default is an error.
Result<ProfileTarget> LoadProfileTarget(const std::filesystem::path& profiles_file,
                                        const std::string& profile,
                                        const std::optional<std::string>& target,
                                        const std::filesystem::path& project_dir,
                                        const EnvLookup& env = ProcessEnv());

}  // namespace shoplytics::transform
