#include "transform/docs_site.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/files.h"
#include "transform/internal/docs_site_page.h"

namespace shoplytics::transform {
namespace {

constexpr int kSweepPasses = 4;

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The lineage's nodes keyed by unique id: every non-test node, and every source.
std::map<std::string, LineageNode> CollectNodes(const nlohmann::json& manifest) {
  std::map<std::string, LineageNode> nodes;
  auto add = [&](const nlohmann::json& group, const char* fixed_type) {
    if (!group.is_object()) return;
    for (const auto& [id, node] : group.items()) {
      if (!node.is_object()) continue;
      std::string type = fixed_type ? fixed_type : StringField(node, "resource_type");
      if (type == "test" || type == "unit_test") continue;
      LineageNode out;
      out.unique_id = id;
      out.name = StringField(node, "name");
      // Two sources may have tables of one name (shop.products, catalog.products).
      if (type == "source" && !StringField(node, "source_name").empty()) {
        out.name = StringField(node, "source_name") + "." + out.name;
      }
      if (out.name.empty()) out.name = id;
      out.resource_type = type;
      nodes.emplace(id, std::move(out));
    }
  };
  if (auto it = manifest.find("nodes"); it != manifest.end()) add(*it, nullptr);
  if (auto it = manifest.find("sources"); it != manifest.end()) add(*it, "source");
  return nodes;
}

// Edges between lineage nodes. parent_map and child_map normally agree; their union
// tolerates a manifest that carries only one. Without either, depends_on is the truth.
std::set<std::pair<std::string, std::string>> CollectEdges(
    const nlohmann::json& manifest, const std::map<std::string, LineageNode>& nodes) {
  std::set<std::pair<std::string, std::string>> edges;
  auto add = [&](const std::string& from, const std::string& to) {
    if (from != to && nodes.contains(from) && nodes.contains(to)) edges.emplace(from, to);
  };
  // A map of id -> list of ids, keyed by the child (parent_map) or by the parent (child_map).
  auto add_map = [&](const char* key, bool key_is_child) {
    auto it = manifest.find(key);
    if (it == manifest.end() || !it->is_object()) return false;
    for (const auto& [id, others] : it->items()) {
      if (!others.is_array()) continue;
      for (const auto& other : others) {
        if (!other.is_string()) continue;
        if (key_is_child) {
          add(other.get<std::string>(), id);
        } else {
          add(id, other.get<std::string>());
        }
      }
    }
    return true;
  };
  bool had_parent_map = add_map("parent_map", true);
  bool had_child_map = add_map("child_map", false);
  if (had_parent_map || had_child_map) return edges;
  auto groups = manifest.find("nodes");
  if (groups == manifest.end() || !groups->is_object()) return edges;
  for (const auto& [id, node] : groups->items()) {
    if (!node.is_object()) continue;
    auto depends_on = node.find("depends_on");
    if (depends_on == node.end() || !depends_on->is_object()) continue;
    auto parents = depends_on->find("nodes");
    if (parents == depends_on->end() || !parents->is_array()) continue;
    for (const auto& parent : *parents) {
      if (parent.is_string()) add(parent.get<std::string>(), id);
    }
  }
  return edges;
}

using Adjacency = std::map<std::string, std::vector<std::string>>;

// Columns by longest path from a root (Kahn's order, so each node is placed after all of its
// parents). Nodes left on a cycle go one column right of their placed parents.
void AssignColumns(std::map<std::string, LineageNode>& nodes, const Adjacency& parents,
                   const Adjacency& children) {
  std::map<std::string, int> pending;
  std::vector<std::string> ready;
  for (const auto& [id, node] : nodes) {
    pending[id] = static_cast<int>(parents.at(id).size());
    if (pending[id] == 0) ready.push_back(id);
  }
  std::set<std::string> placed;
  while (!ready.empty()) {
    std::string id = std::move(ready.back());
    ready.pop_back();
    int column = 0;
    for (const auto& parent : parents.at(id)) column = std::max(column, nodes[parent].column + 1);
    nodes[id].column = column;
    placed.insert(id);
    for (const auto& child : children.at(id)) {
      if (--pending[child] == 0) ready.push_back(child);
    }
  }
  for (auto& [id, node] : nodes) {
    if (placed.contains(id)) continue;
    int column = 0;
    for (const auto& parent : parents.at(id)) {
      if (placed.contains(parent)) column = std::max(column, nodes[parent].column + 1);
    }
    node.column = column;
  }
}

// Columns of ids, each in display order. The position of a node used for barycenters is
// its row measured from the column's centre, since columns are drawn centred.
using Columns = std::vector<std::vector<std::string>>;

std::map<std::string, double> CenteredPositions(const Columns& columns) {
  std::map<std::string, double> position;
  for (const auto& column : columns) {
    double centre = (static_cast<double>(column.size()) - 1) / 2;
    for (size_t row = 0; row < column.size(); ++row) position[column[row]] = row - centre;
  }
  return position;
}

// Reorders each column by the mean position of each node's neighbours (parents on a
// downward sweep, children on an upward one). A node without neighbours keeps its position;
// the stable sort keeps ties in their current order.
void SweepColumn(std::vector<std::string>& column, const Adjacency& neighbours,
                 const std::map<std::string, double>& position) {
  std::vector<std::pair<double, std::string>> keyed;
  double centre = (static_cast<double>(column.size()) - 1) / 2;
  for (size_t row = 0; row < column.size(); ++row) {
    const auto& around = neighbours.at(column[row]);
    double key = row - centre;
    if (!around.empty()) {
      double sum = 0;
      for (const auto& other : around) sum += position.at(other);
      key = sum / around.size();
    }
    keyed.emplace_back(key, column[row]);
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t row = 0; row < column.size(); ++row) column[row] = keyed[row].second;
}

// Pairs of edges whose drawn curves cross: both ends ordered oppositely. Edges sharing an end
// have a zero difference there and never count. Exact for edges between the same pair of
// columns, which are the only pairs compared, so an estimate for longer edges.
long CountCrossings(const std::vector<std::pair<std::string, std::string>>& edges,
                    const std::map<std::string, double>& position,
                    const std::map<std::string, int>& column_of) {
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> by_columns;
  for (const auto& [from, to] : edges) {
    by_columns[{column_of.at(from), column_of.at(to)}].emplace_back(position.at(from),
                                                                    position.at(to));
  }
  long crossings = 0;
  for (const auto& [columns, ends] : by_columns) {
    for (size_t i = 0; i < ends.size(); ++i) {
      for (size_t j = i + 1; j < ends.size(); ++j) {
        if ((ends[i].first - ends[j].first) * (ends[i].second - ends[j].second) < 0) ++crossings;
      }
    }
  }
  return crossings;
}

// The graph the rows are ordered on: the lineage's nodes plus, for each edge spanning more
// than one column, a virtual node in every column it passes, so that all layered edges join
// adjacent columns. The virtual nodes reserve the slots the long edge is drawn through,
// which keeps it from running across a box, and make the barycenters account for it.
struct Layered {
  std::map<std::string, int> column_of;  // real and virtual nodes
  Adjacency parents, children;
  std::vector<std::pair<std::string, std::string>> edges;
  // The virtual nodes of each long lineage edge, left to right.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> chains;
};

Layered BuildLayered(const std::map<std::string, LineageNode>& nodes,
                     const std::vector<std::pair<std::string, std::string>>& edges) {
  Layered layered;
  auto add_node = [&](const std::string& id, int column) {
    layered.column_of[id] = column;
    layered.parents[id];
    layered.children[id];
  };
  auto add_edge = [&](const std::string& from, const std::string& to) {
    layered.edges.emplace_back(from, to);
    layered.parents[to].push_back(from);
    layered.children[from].push_back(to);
  };
  for (const auto& [id, node] : nodes) add_node(id, node.column);
  int virtual_count = 0;
  for (const auto& [from, to] : edges) {
    std::string previous = from;
    auto& chain = layered.chains[{from, to}];
    // A newline cannot occur in a unique id, so virtual ids never collide with real ones.
    for (int c = nodes.at(from).column + 1; c < nodes.at(to).column; ++c) {
      std::string id = "\n" + std::to_string(virtual_count++);
      add_node(id, c);
      add_edge(previous, id);
      chain.push_back(id);
      previous = id;
    }
    add_edge(previous, to);
  }
  return layered;
}

Columns OrderRows(const Layered& layered) {
  int column_count = 0;
  for (const auto& [id, column] : layered.column_of)
    column_count = std::max(column_count, column + 1);
  Columns columns(column_count);
  // Start from unique-id order; virtual ids sort first and are reordered by the sweeps.
  for (const auto& [id, column] : layered.column_of) columns[column].push_back(id);

  Columns best = columns;
  long best_crossings =
      CountCrossings(layered.edges, CenteredPositions(columns), layered.column_of);
  for (int pass = 0; pass < kSweepPasses && best_crossings > 0; ++pass) {
    for (int c = 1; c < column_count; ++c) {
      SweepColumn(columns[c], layered.parents, CenteredPositions(columns));
    }
    for (int c = column_count - 2; c >= 0; --c) {
      SweepColumn(columns[c], layered.children, CenteredPositions(columns));
    }
    long crossings = CountCrossings(layered.edges, CenteredPositions(columns), layered.column_of);
    if (crossings < best_crossings) {
      best = columns;
      best_crossings = crossings;
    }
  }
  return best;
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string EscapeHtml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Substitutes the page template's placeholders in one pass, so text inserted for one
// placeholder is never searched for another.
std::string FillTemplate(std::string_view page, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t at = 0;
  while (at < page.size()) {
    size_t open = page.find("@@", at);
    size_t close = open == std::string_view::npos ? open : page.find("@@", open + 2);
    if (close == std::string_view::npos) break;
    auto value = values.find(std::string(page.substr(open + 2, close - open - 2)));
    if (value == values.end()) {  // not a placeholder: keep the first "@@" and move on
      out.append(page.substr(at, open + 2 - at));
      at = open + 2;
      continue;
    }
    out.append(page.substr(at, open - at));
    out += value->second;
    at = close + 2;
  }
  out.append(page.substr(std::min(at, page.size())));
  return out;
}

}  // namespace

Lineage LayoutLineage(const nlohmann::json& manifest) {
  Lineage lineage;
  if (!manifest.is_object()) return lineage;
  std::map<std::string, LineageNode> nodes = CollectNodes(manifest);
  std::set<std::pair<std::string, std::string>> edge_set = CollectEdges(manifest, nodes);
  std::vector<std::pair<std::string, std::string>> edges(edge_set.begin(), edge_set.end());

  Adjacency parents, children;
  for (const auto& [id, node] : nodes) {
    parents[id];
    children[id];
  }
  for (const auto& [from, to] : edges) {
    parents[to].push_back(from);
    children[from].push_back(to);
  }
  AssignColumns(nodes, parents, children);
  Layered layered = BuildLayered(nodes, edges);
  Columns columns = OrderRows(layered);

  size_t tallest = 0;
  for (const auto& column : columns) tallest = std::max(tallest, column.size());
  const double pitch_x = kLineageBoxWidth + kLineageColumnGap;
  const double pitch_y = kLineageBoxHeight + kLineageRowGap;
  std::map<std::string, LineageSlot> virtual_slots;
  for (size_t c = 0; c < columns.size(); ++c) {
    double offset = (tallest - columns[c].size()) * pitch_y / 2;
    for (size_t row = 0; row < columns[c].size(); ++row) {
      LineageSlot slot{static_cast<int>(c), static_cast<int>(row), kLineageMargin + c * pitch_x,
                       kLineageMargin + offset + row * pitch_y};
      auto real = nodes.find(columns[c][row]);
      if (real == nodes.end()) {
        virtual_slots[columns[c][row]] = slot;
        continue;
      }
      LineageNode node = std::move(real->second);
      node.row = slot.row;
      node.x = slot.x;
      node.y = slot.y;
      lineage.nodes.push_back(std::move(node));
    }
  }
  for (auto& [from, to] : edges) {
    LineageEdge edge{std::move(from), std::move(to), {}};
    for (const auto& id : layered.chains.at({edge.from, edge.to})) {
      edge.through.push_back(virtual_slots.at(id));
    }
    lineage.edges.push_back(std::move(edge));
  }
  if (!columns.empty()) {
    lineage.width = 2 * kLineageMargin + columns.size() * pitch_x - kLineageColumnGap;
    lineage.height = 2 * kLineageMargin + tallest * pitch_y - kLineageRowGap;
  }
  return lineage;
}

nlohmann::json LineageToJson(const Lineage& lineage) {
  nlohmann::json out = nlohmann::json::object();
  out["nodes"] = nlohmann::json::array();
  for (const auto& node : lineage.nodes) {
    out["nodes"].push_back({{"unique_id", node.unique_id},
                            {"name", node.name},
                            {"resource_type", node.resource_type},
                            {"column", node.column},
                            {"row", node.row},
                            {"x", node.x},
                            {"y", node.y}});
  }
  out["edges"] = nlohmann::json::array();
  for (const auto& edge : lineage.edges) {
    nlohmann::json through = nlohmann::json::array();
    for (const auto& slot : edge.through) {
      through.push_back({{"column", slot.column}, {"row", slot.row}, {"x", slot.x}, {"y", slot.y}});
    }
    out["edges"].push_back({{"from", edge.from}, {"to", edge.to}, {"through", through}});
  }
  out["width"] = lineage.width;
  out["height"] = lineage.height;
  out["box"] = {{"width", kLineageBoxWidth},
                {"height", kLineageBoxHeight},
                {"column_gap", kLineageColumnGap},
                {"row_gap", kLineageRowGap},
                {"margin", kLineageMargin}};
  return out;
}

std::string JsonForScriptElement(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // "<" only occurs inside JSON strings, where "\/" and "\u003c" are valid escapes.
  text = ReplaceAll(std::move(text), "<!--", "\\u003c!--");
  text = ReplaceAll(std::move(text), "</", "<\\/");
  text = ReplaceAll(std::move(text), "\xE2\x80\xA8", "\\u2028");
  text = ReplaceAll(std::move(text), "\xE2\x80\xA9", "\\u2029");
  return text;
}

Status WriteDocsSite(const nlohmann::json& manifest, const nlohmann::json& catalog,
                     const std::filesystem::path& out_dir) {
  if (!manifest.is_object()) {
    return InvalidArgumentError("docs site for " + out_dir.string() +
                                ": the manifest is not a JSON object");
  }
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    return InternalError("creating the docs site directory " + out_dir.string() + ": " +
                         error.message());
  }
  nlohmann::json embedded = manifest;
  embedded.erase("macros");
  std::string project;
  if (auto metadata = manifest.find("metadata");
      metadata != manifest.end() && metadata->is_object()) {
    project = StringField(*metadata, "project_name");
  }
  std::string page = FillTemplate(
      internal::DocsSitePageTemplate(),
      {{"TITLE", EscapeHtml(project.empty() ? "dbt docs" : project + " docs")},
       {"MANIFEST", JsonForScriptElement(embedded)},
       {"CATALOG", JsonForScriptElement(catalog.is_null() ? nlohmann::json::object() : catalog)},
       {"LINEAGE", JsonForScriptElement(LineageToJson(LayoutLineage(manifest)))}});
  RETURN_IF_ERROR(WriteFileAtomically(out_dir / "index.html", page));
  if (!catalog.is_null()) {
    RETURN_IF_ERROR(WriteFileAtomically(
        out_dir / "catalog.json",
        catalog.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"));
  }
  return OkStatus();
}

}  // namespace shoplytics::transform
