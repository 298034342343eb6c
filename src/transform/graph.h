// The dependency graph of a project's nodes: topological order, levels for parallel
// execution, cycles, ancestors and descendants.
//
// Edges run from a parent (what is read) to a child (what reads it). Orders are
// deterministic: ties are broken by unique id. A Graph is immutable once built and may be
// read from many threads.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "transform/project.h"

namespace shoplytics::transform {

class Graph {
 public:
  // Builds the graph of `nodes` with edges parent -> child for each entry of a node's
  // `depends_on` (which includes a generic test's tested node). kInvalidArgument when a
  // node depends on an id not in `nodes` ("model.shop.a depends on unknown node
  // model.shop.x"), or when the edges form a cycle: "cycle: model.shop.a -> model.shop.b
  // -> model.shop.a", starting at the cycle's smallest id.
  static Result<Graph> Build(const std::map<std::string, Node>& nodes);
  static Result<Graph> Build(const Project& project) { return Build(project.nodes()); }

  // All node ids, sorted.
  const std::set<std::string>& nodes() const { return nodes_; }
  bool Contains(std::string_view id) const { return nodes_.contains(std::string(id)); }
  // Direct parents and children (empty for an unknown id).
  const std::set<std::string>& Parents(std::string_view id) const;
  const std::set<std::string>& Children(std::string_view id) const;

  // Every node after all of its parents.
  std::vector<std::string> TopologicalOrder() const;
  // Groups whose members depend only on earlier groups: level 0 has no parents, a node's
  // level is one more than its deepest parent's. Members of one level may run in parallel.
  std::vector<std::vector<std::string>> Levels() const;

  // Nodes reachable downward (children, theirs, ...) from `id`, excluding `id`, at most
  // `max_depth` edges away (negative: unlimited). After a failure, these are skipped.
  std::set<std::string> Descendants(std::string_view id, int max_depth = -1) const;
  // The same upward.
  std::set<std::string> Ancestors(std::string_view id, int max_depth = -1) const;

  // The graph of the `keep` nodes (ids not in this graph are ignored). A path between two
  // kept nodes through dropped ones becomes an edge, so running a selection still waits
  // for what it transitively depends on: with a -> b -> c and {a, c} kept, c follows a.
  Graph Subgraph(const std::set<std::string>& keep) const;

 private:
  Status CheckAcyclic() const;
  static std::set<std::string> Walk(const std::map<std::string, std::set<std::string>>& edges,
                                    std::string_view id, int max_depth);

  std::set<std::string> nodes_;
  std::map<std::string, std::set<std::string>> parents_;
  std::map<std::string, std::set<std::string>> children_;
};

}  // namespace shoplytics::transform
