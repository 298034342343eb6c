// Node selection with dbt's syntax (--select / --exclude).
//
// A selection is a list of arguments; each argument is space-separated terms (a union);
// a term is comma-separated atoms (an intersection). An atom is
//
//   [@][n]+? method:value [+[n]]     or a bare value (a name, an fqn, or a path)
//
// Methods: a bare name matches a node's name or a prefix of its fqn ("staging",
// "shop.staging.stg_orders"), with '*', '?' and [] wildcards; a bare value with a '/' or a
// file extension is a path. fqn:, path: (a file or a directory, relative to the project
// root), tag:, source: (source or source.table), resource_type: (model, seed, snapshot,
// test, source), config.<key>: (a config value, or a member of a list config),
// test_type: (generic, singular), test_name: (unique, not_null, ...).
// Graph operators: "+x" adds ancestors, "x+" descendants, "2+x"/"x+2" limit the depth,
// "@x" adds x's descendants and all their ancestors.
//
// Indirect selection adds tests: eager (dbt's default) selects a test when any node it
// tests is selected, cautious only when all of them are. Tests of excluded nodes are
// excluded the same way.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "transform/graph.h"
#include "transform/project.h"

namespace shoplytics::transform {

enum class IndirectSelection { kEager, kCautious, kEmpty };

struct SelectionOptions {
  std::vector<std::string> select;  // empty: every node
  std::vector<std::string> exclude;
  IndirectSelection indirect = IndirectSelection::kEager;
};

// The unique ids `options` selects among the nodes of `project` (sources included; a
// command keeps the resource types it runs). kInvalidArgument naming the atom for an
// unknown method or a malformed atom ("--select 'tagx:a': unknown selector method
// 'tagx'"). A selector that matches nothing is not an error.
Result<std::set<std::string>> SelectNodes(const Project& project, const Graph& graph,
                                          const SelectionOptions& options);

}  // namespace shoplytics::transform
