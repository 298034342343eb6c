#include "transform/graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <functional>

#include "common/strings.h"

namespace shoplytics::transform {

namespace {

const std::set<std::string>& EmptySet() {
  static const std::set<std::string> empty;
  return empty;
}

const std::set<std::string>& Lookup(const std::map<std::string, std::set<std::string>>& edges,
                                    std::string_view id) {
  auto it = edges.find(std::string(id));
  return it == edges.end() ? EmptySet() : it->second;
}

}  // namespace

Result<Graph> Graph::Build(const std::map<std::string, Node>& nodes) {
  Graph graph;
  for (const auto& [id, node] : nodes) graph.nodes_.insert(id);
  for (const auto& [id, node] : nodes) {
    for (const std::string& parent : node.depends_on) {
      if (!graph.nodes_.contains(parent)) {
        return InvalidArgumentError(
            fmt::format("{} ({}) depends on unknown node {}", id, node.original_file_path, parent));
      }
      graph.parents_[id].insert(parent);
      graph.children_[parent].insert(id);
    }
  }
  RETURN_IF_ERROR(graph.CheckAcyclic());
  return graph;
}

const std::set<std::string>& Graph::Parents(std::string_view id) const {
  return Lookup(parents_, id);
}

const std::set<std::string>& Graph::Children(std::string_view id) const {
  return Lookup(children_, id);
}

// Depth-first search in id order; the first back edge found closes the reported cycle.
Status Graph::CheckAcyclic() const {
  enum class Mark { kNew, kOnStack, kDone };
  std::map<std::string, Mark> marks;
  std::vector<std::string> stack;
  std::vector<std::string> cycle;
  std::function<bool(const std::string&)> visit = [&](const std::string& id) {
    marks[id] = Mark::kOnStack;
    stack.push_back(id);
    for (const std::string& child : Children(id)) {
      const Mark mark = marks.contains(child) ? marks[child] : Mark::kNew;
      if (mark == Mark::kOnStack) {
        auto start = std::find(stack.begin(), stack.end(), child);
        cycle.assign(start, stack.end());
        return true;
      }
      if (mark == Mark::kNew && visit(child)) return true;
    }
    stack.pop_back();
    marks[id] = Mark::kDone;
    return false;
  };
  for (const std::string& id : nodes_) {
    if (marks.contains(id)) continue;
    if (visit(id)) break;
  }
  if (cycle.empty()) return OkStatus();
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  cycle.push_back(cycle.front());
  return InvalidArgumentError("cycle: " + Join(cycle, " -> "));
}

std::vector<std::string> Graph::TopologicalOrder() const {
  std::vector<std::string> order;
  for (const std::vector<std::string>& level : Levels()) {
    order.insert(order.end(), level.begin(), level.end());
  }
  return order;
}

std::vector<std::vector<std::string>> Graph::Levels() const {
  std::map<std::string, size_t> waiting;  // parents not yet placed
  std::vector<std::string> ready;
  for (const std::string& id : nodes_) {
    waiting[id] = Parents(id).size();
    if (waiting[id] == 0) ready.push_back(id);
  }
  std::vector<std::vector<std::string>> levels;
  while (!ready.empty()) {
    std::set<std::string> next;
    for (const std::string& id : ready) {
      for (const std::string& child : Children(id)) {
        if (--waiting[child] == 0) next.insert(child);
      }
    }
    levels.push_back(std::move(ready));
    ready.assign(next.begin(), next.end());
  }
  return levels;
}

std::set<std::string> Graph::Walk(const std::map<std::string, std::set<std::string>>& edges,
                                  std::string_view id, int max_depth) {
  std::set<std::string> seen;
  std::deque<std::pair<std::string, int>> queue = {{std::string(id), 0}};
  while (!queue.empty()) {
    auto [current, depth] = queue.front();
    queue.pop_front();
    if (max_depth >= 0 && depth >= max_depth) continue;
    for (const std::string& next : Lookup(edges, current)) {
      if (next == id || !seen.insert(next).second) continue;
      queue.emplace_back(next, depth + 1);
    }
  }
  return seen;
}

Graph Graph::Subgraph(const std::set<std::string>& keep) const {
  Graph sub;
  for (const std::string& id : keep) {
    if (nodes_.contains(id)) sub.nodes_.insert(id);
  }
  for (const std::string& id : sub.nodes_) {
    // Walk up through dropped parents until kept ones are reached.
    std::set<std::string> seen;
    std::vector<std::string> frontier(Parents(id).begin(), Parents(id).end());
    while (!frontier.empty()) {
      const std::string parent = std::move(frontier.back());
      frontier.pop_back();
      if (!seen.insert(parent).second) continue;
      if (sub.nodes_.contains(parent)) {
        sub.parents_[id].insert(parent);
        sub.children_[parent].insert(id);
        continue;
      }
      const std::set<std::string>& above = Parents(parent);
      frontier.insert(frontier.end(), above.begin(), above.end());
    }
  }
  return sub;
}

std::set<std::string> Graph::Descendants(std::string_view id, int max_depth) const {
  return Walk(children_, id, max_depth);
}

std::set<std::string> Graph::Ancestors(std::string_view id, int max_depth) const {
  return Walk(parents_, id, max_depth);
}

}  // namespace shoplytics::transform
