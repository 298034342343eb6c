// YAML configuration files (shoplytics.yml and friends) as typed, located values.
//
// A ConfigNode is a value of a parsed file that remembers where it came from, so every
// error reads "shoplytics.yml:12: sources.shop.dsn: <problem>" (file, line, dotted key
// path). Navigation never fails: a key that is not there gives a missing node that
// still knows its path and the line of the map that lacks it; the typed accessors then
// say "required key is missing".
//
// ${ENV} references (see config/env.h) are checked for syntax when the file is parsed
// and expanded when a scalar is read, so a variable that only one command needs (say
// STRIPE_API_KEY) does not stop the others. A missing variable is an error naming the
// variable, the file, the line and the key.
//
// Secrets: a node whose key names a secret (password, passwd, secret, token, api_key,
// apikey, dsn, private_key, alone or as a suffix after '_' or '-': db_password,
// access_token), and everything below it, is secret. Its value is read only as a Secret
// (GetSecret / AsSecret); AsString on it is an error, and no error message ever quotes
// its value. Other values may be read as a Secret too.
//
// yaml-cpp throws; this adapter catches and returns kInvalidArgument with file:line:col.
// ConfigNode is cheap to copy (it shares the parsed tree) and immutable, so it may be
// read from many threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/env.h"
#include "config/secret.h"

namespace shoplytics {

class ConfigNode {
 public:
  enum class Kind { kMissing, kNull, kScalar, kMap, kList };

  ConfigNode();  // a missing node of no file

  Kind kind() const;
  bool IsMissing() const { return kind() == Kind::kMissing; }
  bool IsNull() const { return kind() == Kind::kNull; }
  bool IsScalar() const { return kind() == Kind::kScalar; }
  bool IsMap() const { return kind() == Kind::kMap; }
  bool IsList() const { return kind() == Kind::kList; }
  // Neither missing nor null: "key:" with no value counts as not set.
  bool IsSet() const { return !IsMissing() && !IsNull(); }
  bool IsSecret() const { return secret_; }

  const std::string& file() const;
  // 1-based. For a missing key, where the map that lacks it starts.
  int line() const { return line_; }
  int column() const { return column_; }
  // "sources.shop.dsn", "pipelines.daily.steps[2]"; empty for the root.
  const std::string& path() const { return path_; }
  // "shoplytics.yml:12: sources.shop.dsn" ("shoplytics.yml:1" for the root).
  std::string Where() const;
  // kInvalidArgument "<Where()>: <problem>".
  Status Error(std::string_view problem) const;

  // The value of `key` in this map (a missing node when this is not a map).
  ConfigNode Child(std::string_view key) const;
  // Follows a dotted path of keys: At("sources.shop.dsn"). "" is this node.
  ConfigNode At(std::string_view dotted_path) const;
  // Keys of a map in file order; empty for anything else.
  std::vector<std::string> Keys() const;
  // Elements of a list; empty for anything else.
  std::vector<ConfigNode> Items() const;

  // This node's value, ${ENV} expanded. Errors name the expected type:
  // "expected an integer, got 'ten'", "expected a string, got a map".
  Result<std::string> AsString() const;
  Result<int64_t> AsInt() const;
  Result<double> AsDouble() const;
  // true/false, yes/no, on/off (any case).
  Result<bool> AsBool() const;
  Result<Secret> AsSecret() const;
  // A list of scalars, or one scalar as a list of one.
  Result<std::vector<std::string>> AsStringList() const;

  // Required values at a dotted path below this node: missing or null is an error.
  Result<std::string> GetString(std::string_view path) const;
  Result<int64_t> GetInt(std::string_view path) const;
  Result<double> GetDouble(std::string_view path) const;
  Result<bool> GetBool(std::string_view path) const;
  Result<Secret> GetSecret(std::string_view path) const;
  Result<std::vector<std::string>> GetStringList(std::string_view path) const;

  // Optional values: `fallback` when the key is missing or null; a value of the wrong
  // type is still an error.
  Result<std::string> GetString(std::string_view path, std::string_view fallback) const;
  Result<int64_t> GetInt(std::string_view path, int64_t fallback) const;
  Result<double> GetDouble(std::string_view path, double fallback) const;
  Result<bool> GetBool(std::string_view path, bool fallback) const;
  Result<std::optional<Secret>> GetOptionalSecret(std::string_view path) const;

  // For a map: an error naming the first key not in `known`, with its line and the
  // nearest known key ("unknown key 'sorces' (did you mean 'sources'?)"). Missing and
  // null nodes pass; any other non-map is an error.
  Status CheckKeys(std::span<const std::string_view> known) const;
  Status CheckKeys(std::initializer_list<std::string_view> known) const {
    return CheckKeys(std::span<const std::string_view>(known.begin(), known.size()));
  }

  struct Data;
  struct Source;

 private:
  friend Result<ConfigNode> ParseYamlConfig(std::string_view, std::string, EnvLookup);
  ConfigNode(std::shared_ptr<const Data> data, std::shared_ptr<const Source> source,
             std::string path, bool secret, int line, int column);
  Result<std::string> Scalar(std::string_view expected) const;
  Status RequireSet() const;

  std::shared_ptr<const Data> data_;  // null: missing
  std::shared_ptr<const Source> source_;
  std::string path_;
  bool secret_ = false;
  int line_ = 0;
  int column_ = 0;
};

// True for key names that mark secrets (see the header comment).
bool IsSecretKeyName(std::string_view key);

// Parses YAML `text`; `file` names it in errors and Where(). Checks ${ENV} syntax in
// every scalar and rejects duplicate keys. `env` is used when values are read.
Result<ConfigNode> ParseYamlConfig(std::string_view text, std::string file,
                                   EnvLookup env = ProcessEnv());
// Reads and parses a file; errors name it as `path` is spelt.
Result<ConfigNode> LoadYamlConfig(const std::filesystem::path& path, EnvLookup env = ProcessEnv());

}  // namespace shoplytics
