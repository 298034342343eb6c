#include "config/yaml_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>

#include "common/files.h"
#include "common/strings.h"

namespace shoplytics {

struct ConfigNode::Data {
  Kind kind = Kind::kNull;
  std::string scalar;
  int line = 0;
  int column = 0;
  std::vector<std::pair<std::string, std::shared_ptr<const Data>>> entries;  // kMap
  std::vector<std::shared_ptr<const Data>> items;                            // kList
};

struct ConfigNode::Source {
  std::string file;
  EnvLookup env;
};

namespace {

const std::string& EmptyString() {
  static const std::string empty;
  return empty;
}

std::string_view KindName(ConfigNode::Kind kind) {
  switch (kind) {
    case ConfigNode::Kind::kMissing:
      return "nothing";
    case ConfigNode::Kind::kNull:
      return "null";
    case ConfigNode::Kind::kScalar:
      return "a scalar";
    case ConfigNode::Kind::kMap:
      return "a map";
    case ConfigNode::Kind::kList:
      return "a list";
  }
  return "?";
}

// Every lookup succeeds, so InterpolateEnv reports only syntax errors.
std::optional<std::string> AnyVariable(std::string_view) { return std::string(); }

// Converts yaml-cpp's tree into ours; yaml-cpp marks are 0-based.
// A map's value is placed at its key (`at`): "sources.shop" points at the line "  shop:",
// not at the first line of its content, and an empty value has no mark of its own.
Result<std::shared_ptr<const ConfigNode::Data>> Convert(const YAML::Node& node,
                                                        const std::string& file,
                                                        const std::string& path,
                                                        const YAML::Mark& at) {
  auto data = std::make_shared<ConfigNode::Data>();
  data->line = at.line + 1;
  data->column = at.column + 1;
  const std::string where =
      fmt::format("{}:{}: {}", file, data->line, path.empty() ? "(root)" : path);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      data->kind = ConfigNode::Kind::kNull;
      break;
    case YAML::NodeType::Scalar: {
      data->kind = ConfigNode::Kind::kScalar;
      data->scalar = node.Scalar();
      Result<std::string> checked = InterpolateEnv(data->scalar, AnyVariable);
      if (!checked.ok()) return InvalidArgumentError(where + ": " + checked.status().message());
      break;
    }
    case YAML::NodeType::Sequence: {
      data->kind = ConfigNode::Kind::kList;
      for (size_t i = 0; i < node.size(); ++i) {
        ASSIGN_OR_RETURN(auto item,
                         Convert(node[i], file, fmt::format("{}[{}]", path, i), node[i].Mark()));
        data->items.push_back(std::move(item));
      }
      break;
    }
    case YAML::NodeType::Map: {
      data->kind = ConfigNode::Kind::kMap;
      for (const auto& entry : node) {
        const int key_line = entry.first.Mark().line + 1;
        if (!entry.first.IsScalar()) {
          return InvalidArgumentError(
              fmt::format("{}:{}: {}: a key must be a plain string", file, key_line, path));
        }
        const std::string key = entry.first.Scalar();
        const std::string child_path = path.empty() ? key : path + "." + key;
        for (const auto& [existing, value] : data->entries) {
          if (existing == key) {
            return InvalidArgumentError(fmt::format("{}:{}: {}: duplicate key (first at line {})",
                                                    file, key_line, child_path, value->line));
          }
        }
        ASSIGN_OR_RETURN(auto value, Convert(entry.second, file, child_path, entry.first.Mark()));
        data->entries.emplace_back(key, std::move(value));
      }
      break;
    }
  }
  return std::shared_ptr<const ConfigNode::Data>(std::move(data));
}

}  // namespace

bool IsSecretKeyName(std::string_view key) {
  static constexpr std::string_view kWords[] = {"password", "passwd", "secret", "token",
                                                "api_key",  "apikey", "dsn",    "private_key"};
  const std::string lower = ToLower(key);
  for (std::string_view word : kWords) {
    if (lower == word) return true;
    if (EndsWith(lower, word)) {
      const char before = lower[lower.size() - word.size() - 1];
      if (before == '_' || before == '-') return true;
    }
  }
  return false;
}

ConfigNode::ConfigNode() = default;

ConfigNode::ConfigNode(std::shared_ptr<const Data> data, std::shared_ptr<const Source> source,
                       std::string path, bool secret, int line, int column)
    : data_(std::move(data)),
      source_(std::move(source)),
      path_(std::move(path)),
      secret_(secret),
      line_(line),
      column_(column) {}

ConfigNode::Kind ConfigNode::kind() const { return data_ ? data_->kind : Kind::kMissing; }

const std::string& ConfigNode::file() const { return source_ ? source_->file : EmptyString(); }

std::string ConfigNode::Where() const {
  std::string where = fmt::format("{}:{}", file(), line_);
  if (!path_.empty()) where += ": " + path_;
  return where;
}

Status ConfigNode::Error(std::string_view problem) const {
  return InvalidArgumentError(Where() + ": " + std::string(problem));
}

ConfigNode ConfigNode::Child(std::string_view key) const {
  std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  const bool secret = secret_ || IsSecretKeyName(key);
  if (data_ && data_->kind == Kind::kMap) {
    for (const auto& [name, value] : data_->entries) {
      if (name == key) {
        return ConfigNode(value, source_, std::move(path), secret, value->line, value->column);
      }
    }
  }
  return ConfigNode(nullptr, source_, std::move(path), secret, line_, column_);
}

ConfigNode ConfigNode::At(std::string_view dotted_path) const {
  if (dotted_path.empty()) return *this;
  ConfigNode node = *this;
  for (const std::string& key : Split(dotted_path, '.')) node = node.Child(key);
  return node;
}

std::vector<std::string> ConfigNode::Keys() const {
  std::vector<std::string> keys;
  if (data_ && data_->kind == Kind::kMap) {
    for (const auto& entry : data_->entries) keys.push_back(entry.first);
  }
  return keys;
}

std::vector<ConfigNode> ConfigNode::Items() const {
  std::vector<ConfigNode> items;
  if (data_ && data_->kind == Kind::kList) {
    for (size_t i = 0; i < data_->items.size(); ++i) {
      const auto& item = data_->items[i];
      items.push_back(ConfigNode(item, source_, fmt::format("{}[{}]", path_, i), secret_,
                                 item->line, item->column));
    }
  }
  return items;
}

Status ConfigNode::RequireSet() const {
  if (IsMissing()) return Error("required key is missing");
  if (IsNull()) return Error("required value is empty");
  return OkStatus();
}

// The expanded scalar, or an error saying `expected` when this is not a scalar.
Result<std::string> ConfigNode::Scalar(std::string_view expected) const {
  RETURN_IF_ERROR(RequireSet());
  if (!IsScalar()) return Error(fmt::format("expected {}, got {}", expected, KindName(kind())));
  Result<std::string> value = InterpolateEnv(data_->scalar, source_->env);
  if (!value.ok()) return Error(value.status().message());
  return value;
}

namespace {

// "got 'ten'", or "got a secret value" so that no error quotes a secret.
std::string Got(const ConfigNode& node, std::string_view value) {
  return node.IsSecret() ? "got a secret value that does not parse"
                         : fmt::format("got '{}'", value);
}

}  // namespace

Result<std::string> ConfigNode::AsString() const {
  if (secret_) {
    return InternalError(Where() + ": is a secret; the code must read it with GetSecret");
  }
  return Scalar("a string");
}

Result<int64_t> ConfigNode::AsInt() const {
  ASSIGN_OR_RETURN(std::string text, Scalar("an integer"));
  const std::string_view trimmed = Trim(text);
  int64_t value = 0;
  const char* begin = trimmed.data() + (StartsWith(trimmed, "+") ? 1 : 0);
  const char* end = trimmed.data() + trimmed.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc::result_out_of_range) {
    return Error("integer out of range, " + Got(*this, text));
  }
  if (ec != std::errc() || ptr != end || trimmed.empty()) {
    return Error("expected an integer, " + Got(*this, text));
  }
  return value;
}

Result<double> ConfigNode::AsDouble() const {
  ASSIGN_OR_RETURN(std::string text, Scalar("a number"));
  const std::string trimmed(Trim(text));
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(trimmed.c_str(), &end);
  if (trimmed.empty() || end != trimmed.c_str() + trimmed.size() || errno == ERANGE) {
    return Error("expected a number, " + Got(*this, text));
  }
  return value;
}

Result<bool> ConfigNode::AsBool() const {
  ASSIGN_OR_RETURN(std::string text, Scalar("a boolean"));
  const std::string lower = ToLower(Trim(text));
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  return Error("expected a boolean (true or false), " + Got(*this, text));
}

Result<Secret> ConfigNode::AsSecret() const {
  ASSIGN_OR_RETURN(std::string text, Scalar("a string"));
  return Secret(std::move(text));
}

Result<std::vector<std::string>> ConfigNode::AsStringList() const {
  RETURN_IF_ERROR(RequireSet());
  if (IsScalar()) {
    ASSIGN_OR_RETURN(std::string one, AsString());
    return std::vector<std::string>{std::move(one)};
  }
  if (!IsList()) return Error(fmt::format("expected a list of strings, got {}", KindName(kind())));
  std::vector<std::string> values;
  for (const ConfigNode& item : Items()) {
    ASSIGN_OR_RETURN(std::string value, item.AsString());
    values.push_back(std::move(value));
  }
  return values;
}

Result<std::string> ConfigNode::GetString(std::string_view path) const {
  return At(path).AsString();
}
Result<int64_t> ConfigNode::GetInt(std::string_view path) const { return At(path).AsInt(); }
Result<double> ConfigNode::GetDouble(std::string_view path) const { return At(path).AsDouble(); }
Result<bool> ConfigNode::GetBool(std::string_view path) const { return At(path).AsBool(); }
Result<Secret> ConfigNode::GetSecret(std::string_view path) const { return At(path).AsSecret(); }
Result<std::vector<std::string>> ConfigNode::GetStringList(std::string_view path) const {
  return At(path).AsStringList();
}

Result<std::string> ConfigNode::GetString(std::string_view path, std::string_view fallback) const {
  const ConfigNode node = At(path);
  if (!node.IsSet()) return std::string(fallback);
  return node.AsString();
}

Result<int64_t> ConfigNode::GetInt(std::string_view path, int64_t fallback) const {
  const ConfigNode node = At(path);
  if (!node.IsSet()) return fallback;
  return node.AsInt();
}

Result<double> ConfigNode::GetDouble(std::string_view path, double fallback) const {
  const ConfigNode node = At(path);
  if (!node.IsSet()) return fallback;
  return node.AsDouble();
}

Result<bool> ConfigNode::GetBool(std::string_view path, bool fallback) const {
  const ConfigNode node = At(path);
  if (!node.IsSet()) return fallback;
  return node.AsBool();
}

Result<std::optional<Secret>> ConfigNode::GetOptionalSecret(std::string_view path) const {
  const ConfigNode node = At(path);
  if (!node.IsSet()) return std::optional<Secret>();
  ASSIGN_OR_RETURN(Secret secret, node.AsSecret());
  return std::optional<Secret>(std::move(secret));
}

Status ConfigNode::CheckKeys(std::span<const std::string_view> known) const {
  if (!IsSet()) return OkStatus();
  if (!IsMap()) return Error(fmt::format("expected a map, got {}", KindName(kind())));
  for (const std::string& key : Keys()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string problem = fmt::format("unknown key '{}'", key);
    std::string_view nearest;
    size_t best = 3;  // suggest only close matches
    for (std::string_view candidate : known) {
      const size_t distance = EditDistance(key, candidate);
      if (distance < best) {
        best = distance;
        nearest = candidate;
      }
    }
    if (!nearest.empty()) {
      problem += fmt::format(" (did you mean '{}'?)", nearest);
    } else {
      std::vector<std::string> names(known.begin(), known.end());
      problem += " (known keys: " + Join(names, ", ") + ")";
    }
    return Child(key).Error(problem);
  }
  return OkStatus();
}

Result<ConfigNode> ParseYamlConfig(std::string_view text, std::string file, EnvLookup env) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(
        fmt::format("{}:{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
  } catch (const std::exception& e) {
    return InvalidArgumentError(fmt::format("{}: invalid YAML: {}", file, e.what()));
  }
  Result<std::shared_ptr<const ConfigNode::Data>> data = InternalError("not converted");
  try {
    data = Convert(root, file, "", root.Mark());
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(
        fmt::format("{}:{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!data.ok()) return data.status();
  auto source = std::make_shared<ConfigNode::Source>();
  source->file = std::move(file);
  source->env = env ? std::move(env) : ProcessEnv();
  const auto& root_data = data.value();
  // An empty file still reports line 1.
  return ConfigNode(root_data, std::move(source), "", false, std::max(root_data->line, 1),
                    std::max(root_data->column, 1));
}

Result<ConfigNode> LoadYamlConfig(const std::filesystem::path& path, EnvLookup env) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseYamlConfig(text, path.string(), std::move(env));
}

}  // namespace shoplytics
