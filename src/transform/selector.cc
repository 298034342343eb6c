#include "transform/selector.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <regex>

#include "common/strings.h"

namespace shoplytics::transform {

namespace {

struct Atom {
  std::string text;  // as written, for errors
  bool at = false;
  bool parents = false;
  int parents_depth = -1;
  bool children = false;
  int children_depth = -1;
  std::string method;
  std::string value;
};

bool HasWildcard(std::string_view text) {
  return text.find_first_of("*?[]") != std::string_view::npos;
}

bool Glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

int Depth(const std::string& digits) { return digits.empty() ? -1 : std::stoi(digits); }

// dbt's grammar of one selector atom.
Result<Atom> ParseAtom(const std::string& text, std::string_view flag) {
  static const std::regex kAtom(R"(^(@)?((\d*)\+)?(([\w.]+):)?(.*?)(\+(\d*))?$)");
  std::smatch match;
  Atom atom;
  atom.text = text;
  if (!std::regex_match(text, match, kAtom) || match[6].length() == 0) {
    return InvalidArgumentError(
        fmt::format("{} '{}': expected [@][n+]method:value[+n]", flag, text));
  }
  atom.at = match[1].matched;
  atom.parents = match[2].matched;
  atom.parents_depth = Depth(match[3].str());
  atom.method = match[5].str();
  atom.value = match[6].str();
  atom.children = match[7].matched;
  atom.children_depth = Depth(match[8].str());
  if (atom.at && (atom.parents || atom.children)) {
    return InvalidArgumentError(
        fmt::format("{} '{}': '@' cannot be combined with '+'", flag, text));
  }
  if (atom.method.empty()) {
    const std::string& value = atom.value;
    const bool is_path = value.find('/') != std::string::npos || EndsWith(value, ".sql") ||
                         EndsWith(value, ".csv") || EndsWith(value, ".yml");
    atom.method = is_path ? "path" : "fqn";
  }
  return atom;
}

// dbt's is_selected_node: the name, or a dotted prefix of the fqn (wildcards allowed from
// the first part that has one).
bool FqnPrefixMatches(const std::vector<std::string>& fqn, const std::string& selector) {
  if (!fqn.empty() &&
      (fqn.back() == selector || (HasWildcard(selector) && Glob(selector, fqn.back())))) {
    return true;
  }
  const std::vector<std::string> parts = Split(selector, '.');
  if (parts.size() > fqn.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (HasWildcard(parts[i])) {
      std::vector<std::string> rest(fqn.begin() + static_cast<long>(i), fqn.end());
      std::vector<std::string> pattern(parts.begin() + static_cast<long>(i), parts.end());
      return Glob(Join(pattern, "."), Join(rest, "."));
    }
    if (parts[i] != fqn[i]) return false;
  }
  return true;
}

// As in dbt, names and fqns select parsed nodes only, never sources (source: does).
bool MatchesFqn(const Node& node, const std::string& value) {
  if (node.resource_type == ResourceType::kSource) return false;
  if (FqnPrefixMatches(node.fqn, value)) return true;
  if (node.fqn.size() < 2) return false;
  return FqnPrefixMatches(std::vector<std::string>(node.fqn.begin() + 1, node.fqn.end()), value);
}

bool MatchesPath(const Node& node, std::string value) {
  while (value.size() > 1 && value.back() == '/') value.pop_back();
  if (StartsWith(value, "./")) value = value.substr(2);
  const std::string& path = node.original_file_path;
  if (HasWildcard(value)) return Glob(value, path);
  return path == value || StartsWith(path, value + "/");
}

bool MatchesConfig(const Node& node, const std::string& key, const std::string& value) {
  const nlohmann::json& config = node.config.Get(key);
  auto equals = [&value](const nlohmann::json& item) {
    if (item.is_string()) return Glob(value, item.get<std::string>());
    if (item.is_null()) return false;
    return item.dump() == ToLower(value);
  };
  if (config.is_array()) return std::any_of(config.begin(), config.end(), equals);
  return equals(config);
}

bool MatchesSource(const Node& node, const std::string& value) {
  if (node.resource_type != ResourceType::kSource) return false;
  std::vector<std::string> wanted = Split(value, '.');
  std::vector<std::string> have = {node.package_name, node.source_name, node.name};
  if (wanted.size() > 3) return false;
  if (wanted.size() < 3) have.erase(have.begin());  // source or source.table
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (!Glob(wanted[i], have[i])) return false;
  }
  return true;
}

Result<bool> Matches(const Node& node, const Atom& atom, std::string_view flag) {
  const std::string& method = atom.method;
  const std::string& value = atom.value;
  if (method == "fqn") return MatchesFqn(node, value);
  if (method == "path") return MatchesPath(node, value);
  if (method == "source") return MatchesSource(node, value);
  if (method == "package") return Glob(value, node.package_name);
  if (method == "tag") {
    const std::vector<std::string> tags = node.config.tags();
    return std::any_of(tags.begin(), tags.end(),
                       [&value](const std::string& tag) { return Glob(value, tag); });
  }
  if (method == "resource_type") {
    if (value != "model" && value != "seed" && value != "snapshot" && value != "test" &&
        value != "source") {
      return InvalidArgumentError(
          fmt::format("{} '{}': unknown resource type '{}' (model, seed, snapshot, test, source)",
                      flag, atom.text, value));
    }
    return ResourceTypeName(node.resource_type) == value;
  }
  if (StartsWith(method, "config.") && method.size() > 7) {
    return MatchesConfig(node, method.substr(7), value);
  }
  if (method == "test_type") {
    if (value != "generic" && value != "singular") {
      return InvalidArgumentError(fmt::format("{} '{}': unknown test type '{}' (generic, singular)",
                                              flag, atom.text, value));
    }
    if (node.resource_type != ResourceType::kTest) return false;
    return node.test_metadata.has_value() == (value == "generic");
  }
  if (method == "test_name") {
    return node.test_metadata.has_value() && Glob(value, node.test_metadata->name);
  }
  return InvalidArgumentError(
      fmt::format("{} '{}': unknown selector method '{}'", flag, atom.text, method));
}

Result<std::set<std::string>> SelectAtom(const Project& project, const Graph& graph,
                                         const Atom& atom, std::string_view flag) {
  std::set<std::string> out;
  for (const auto& [id, node] : project.nodes()) {
    ASSIGN_OR_RETURN(bool matched, Matches(node, atom, flag));
    if (!matched) continue;
    out.insert(id);
    if (atom.parents) out.merge(graph.Ancestors(id, atom.parents_depth));
    if (atom.children) out.merge(graph.Descendants(id, atom.children_depth));
    if (atom.at) {
      std::set<std::string> below = graph.Descendants(id);
      below.insert(id);
      for (const std::string& child : below) {
        out.insert(child);
        out.merge(graph.Ancestors(child));
      }
    }
  }
  return out;
}

// The union of the arguments' space-separated terms, each an intersection of atoms.
Result<std::set<std::string>> SelectArguments(const Project& project, const Graph& graph,
                                              const std::vector<std::string>& arguments,
                                              std::string_view flag) {
  std::set<std::string> selected;
  for (const std::string& argument : arguments) {
    for (const std::string& term : Split(argument, ' ')) {
      if (Trim(term).empty()) continue;
      std::optional<std::set<std::string>> intersection;
      for (const std::string& text : Split(term, ',')) {
        ASSIGN_OR_RETURN(Atom atom, ParseAtom(std::string(Trim(text)), flag));
        ASSIGN_OR_RETURN(std::set<std::string> matched, SelectAtom(project, graph, atom, flag));
        if (!intersection) {
          intersection = std::move(matched);
          continue;
        }
        std::erase_if(*intersection,
                      [&matched](const std::string& id) { return !matched.contains(id); });
      }
      if (intersection) selected.merge(*intersection);
    }
  }
  return selected;
}

// Adds the tests whose tested nodes are in `selected`: any of them (eager) or all.
void AddIndirectTests(const Project& project, const Graph& graph, IndirectSelection mode,
                      std::set<std::string>& selected) {
  if (mode == IndirectSelection::kEmpty) return;
  std::vector<std::string> added;
  for (const auto& [id, node] : project.nodes()) {
    if (node.resource_type != ResourceType::kTest || selected.contains(id)) continue;
    const std::set<std::string>& parents = graph.Parents(id);
    if (parents.empty()) continue;
    auto in = [&selected](const std::string& parent) { return selected.contains(parent); };
    const bool take = mode == IndirectSelection::kEager
                          ? std::any_of(parents.begin(), parents.end(), in)
                          : std::all_of(parents.begin(), parents.end(), in);
    if (take) added.push_back(id);
  }
  selected.insert(added.begin(), added.end());
}

}  // namespace

Result<std::set<std::string>> SelectNodes(const Project& project, const Graph& graph,
                                          const SelectionOptions& options) {
  std::set<std::string> selected;
  if (options.select.empty()) {
    for (const auto& [id, node] : project.nodes()) selected.insert(id);
  } else {
    ASSIGN_OR_RETURN(selected, SelectArguments(project, graph, options.select, "--select"));
    AddIndirectTests(project, graph, options.indirect, selected);
  }
  if (!options.exclude.empty()) {
    ASSIGN_OR_RETURN(std::set<std::string> excluded,
                     SelectArguments(project, graph, options.exclude, "--exclude"));
    if (options.indirect != IndirectSelection::kEmpty) {
      AddIndirectTests(project, graph, IndirectSelection::kEager, excluded);
    }
    std::erase_if(selected, [&excluded](const std::string& id) { return excluded.contains(id); });
  }
  return selected;
}

}  // namespace shoplytics::transform
