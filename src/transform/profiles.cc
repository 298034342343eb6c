#include "transform/profiles.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <regex>
#include <system_error>

#include "common/strings.h"
#include "config/yaml_config.h"

namespace shoplytics::transform {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kFileName = "profiles.yml";

// The one Jinja form profiles commonly hold, {{ env_var('NAME') }} or {{ env_var('NAME',
// 'default') }} (optionally piped to `int`), expanded here until profiles are rendered by
// the template engine.
Result<std::string> ExpandEnvVarCalls(const ConfigNode& node, const std::string& text,
                                      const EnvLookup& env) {
  static const std::regex kCall(
      R"(\{\{-?\s*env_var\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*(?:,\s*['"]([^'"]*)['"]\s*)?\)\s*(?:\|\s*(?:int|string)\s*)?-?\}\})");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), kCall);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& match = *it;
    out.append(text, last, static_cast<size_t>(match.position(0)) - last);
    std::optional<std::string> value = env(match[1].str());
    if (!value.has_value() && !match[2].matched) {
      return node.Error(fmt::format("env_var('{}'): environment variable {} is not set",
                                    match[1].str(), match[1].str()));
    }
    out += value.value_or(match[2].str());
    last = static_cast<size_t>(match.position(0) + match.length(0));
  }
  out.append(text, last);
  return out;
}

// An optional string of a profile, with env_var() calls expanded.
Result<std::string> GetProfileString(const ConfigNode& parent, std::string_view key,
                                     std::string_view fallback, const EnvLookup& env) {
  const ConfigNode node = parent.Child(key);
  ASSIGN_OR_RETURN(std::string text, parent.GetString(key, fallback));
  return ExpandEnvVarCalls(node, text, env);
}

bool HasProfilesFile(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / kFileName, ec);
}

}  // namespace

Result<fs::path> FindProfilesFile(const std::optional<fs::path>& profiles_dir,
                                  const fs::path& project_dir, const EnvLookup& env) {
  if (profiles_dir.has_value()) {
    if (HasProfilesFile(*profiles_dir)) return *profiles_dir / kFileName;
    return NotFoundError(
        fmt::format("--profiles-dir {}: no {} there", profiles_dir->generic_string(), kFileName));
  }
  if (std::optional<std::string> dir = env("DBT_PROFILES_DIR"); dir && !dir->empty()) {
    if (HasProfilesFile(*dir)) return fs::path(*dir) / kFileName;
    return NotFoundError(fmt::format("DBT_PROFILES_DIR={}: no {} there", *dir, kFileName));
  }
  if (HasProfilesFile(project_dir)) return project_dir / kFileName;
  std::optional<std::string> home = env("HOME");
  if (home && !home->empty() && HasProfilesFile(fs::path(*home) / ".dbt")) {
    return fs::path(*home) / ".dbt" / kFileName;
  }
  return NotFoundError(fmt::format(
      "no {} in the project dir {} nor in ~/.dbt (set --profiles-dir or DBT_PROFILES_DIR)",
      kFileName, project_dir.generic_string()));
}

Result<ProfileTarget> LoadProfileTarget(const fs::path& profiles_file, const std::string& profile,
                                        const std::optional<std::string>& target,
                                        const fs::path& project_dir, const EnvLookup& env) {
  ASSIGN_OR_RETURN(ConfigNode root, LoadYamlConfig(profiles_file, env));
  const ConfigNode entry = root.Child(profile);
  if (!entry.IsMap()) {
    std::vector<std::string> names;
    for (const std::string& key : root.Keys()) {
      if (key != "config") names.push_back(key);
    }
    return InvalidArgumentError(fmt::format("{}: no profile '{}' (profiles: {})",
                                            profiles_file.generic_string(), profile,
                                            names.empty() ? "none" : Join(names, ", ")));
  }
  ProfileTarget out;
  out.profiles_file = profiles_file;
  out.profile_name = profile;
  if (target.has_value()) {
    out.target_name = *target;
  } else {
    ASSIGN_OR_RETURN(out.target_name, entry.GetString("target"));
    ASSIGN_OR_RETURN(out.target_name,
                     ExpandEnvVarCalls(entry.Child("target"), out.target_name, env));
  }
  const ConfigNode outputs = entry.Child("outputs");
  const ConfigNode output = outputs.Child(out.target_name);
  if (!output.IsMap()) {
    return outputs.Error(fmt::format("profile '{}' has no target '{}' (targets: {})", profile,
                                     out.target_name,
                                     outputs.Keys().empty() ? "none" : Join(outputs.Keys(), ", ")));
  }
  ASSIGN_OR_RETURN(out.type, output.GetString("type"));
  if (out.type != "duckdb") {
    return output.Child("type").Error(
        fmt::format("profile '{}' target '{}': type '{}' is not supported (only duckdb)", profile,
                    out.target_name, out.type));
  }
  ASSIGN_OR_RETURN(std::string path, GetProfileString(output, "path", ":memory:", env));
  if (path != ":memory:" && !StartsWith(path, "md:")) {
    fs::path resolved(path);
    if (resolved.is_relative()) resolved = fs::absolute(project_dir) / resolved;
    path = resolved.lexically_normal().generic_string();
  }
  out.path = std::move(path);
  ASSIGN_OR_RETURN(out.schema, GetProfileString(output, "schema", "main", env));
  ASSIGN_OR_RETURN(std::string threads_text, GetProfileString(output, "threads", "1", env));
  int64_t threads = 0;
  auto [end, ec] =
      std::from_chars(threads_text.data(), threads_text.data() + threads_text.size(), threads);
  if (ec != std::errc() || end != threads_text.data() + threads_text.size() || threads < 1) {
    return output.Child("threads").Error(
        fmt::format("expected a whole number of at least 1, got '{}'", threads_text));
  }
  out.threads = static_cast<int>(threads);
  // dbt-duckdb's `settings:`, applied to every connection. TimeZone defaults to UTC so that
  // casting a timestamp with time zone to a date gives the same day on every machine.
  const ConfigNode settings = output.Child("settings");
  if (settings.IsSet() && !settings.IsMap()) {
    return settings.Error("expected a map of DuckDB settings, e.g. {TimeZone: UTC}");
  }
  for (const std::string& key : settings.Keys()) {
    // The name is spliced into SET: only a plain identifier is accepted.
    const bool identifier = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0])) &&
                            std::all_of(key.begin(), key.end(), [](char c) {
                              return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                            });
    if (!identifier) return settings.Child(key).Error("a setting's name is a plain identifier");
    ASSIGN_OR_RETURN(std::string value, GetProfileString(settings, key, "", env));
    out.settings[key] = std::move(value);
  }
  bool has_timezone = false;
  for (const auto& [key, value] : out.settings) has_timezone |= ToLower(key) == "timezone";
  if (!has_timezone) out.settings["TimeZone"] = "UTC";
  return out;
}

}  // namespace shoplytics::transform
