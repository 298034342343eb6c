// Running the nodes of a project's graph in dependency order, on several threads.
//
// The executor knows nothing of SQL: it calls a function per node and schedules by the
// graph alone. It decides what dbt decides around that call: a node starts only after
// all its parents finished, a failure (IsFailure in run_result.h) skips every
// descendant, --fail-fast stops starting new nodes after the first failure.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "transform/graph.h"
#include "transform/run_result.h"

namespace shoplytics::transform {

struct ExecutorOptions {
  // Worker threads; values below 1 count as 1. With 1, every node runs on the calling
  // thread in Graph::TopologicalOrder, so the run is deterministic.
  int threads = 1;
  // After the first failure, start no new node. Nodes already running finish.
  bool fail_fast = false;
  // How long each node is expected to take, in seconds (say, from the previous run's
  // run_results.json); a node not listed counts as the mean of those listed. With more
  // than one thread, the ready node with the longest expected path to the end of the
  // graph (its own time plus its slowest chain of descendants) starts first, so that
  // the critical path never waits behind nodes that could run later. With no estimates,
  // every node counts 1: the longest chain of nodes first.
  std::map<std::string, double> expected_seconds = {};
};

// A node starting or finishing, for progress output ("1 of 12 START sql table model
// ...").
struct NodeEvent {
  enum Kind { kStart, kFinish };
  Kind kind;
  const std::string& unique_id;
  // 1-based, in the order nodes were started or, for skipped nodes, reported: every node
  // gets one, so the indexes of a run are 1..total without gaps. A node's kStart and
  // kFinish carry the same index.
  int index;
  int total;  // the number of nodes in the graph
  // kFinish only (nullptr for kStart); valid during the call.
  const NodeResult* result;
};

// Runs `run(unique_id, thread_index)` once for every node of `graph`, each after all
// its parents finished, on up to options.threads threads (thread_index 0..threads-1;
// thread 0 is the calling thread). With one thread, nodes run in Graph::TopologicalOrder;
// with more, among ready nodes the one with the longest expected path to the end of the
// graph starts first (ExecutorOptions::expected_seconds), ties in topological order.
//
// Nodes that do not run get a NodeResult with status kSkipped and are reported with a
// kFinish event only: descendants of a failed node with message "skipped: upstream
// model.shop.a failed" (naming the first failed ancestor reported), and with fail_fast
// every other node not started at the first failure with "skipped: --fail-fast".
//
// `run` may be called from several threads at once. An exception it throws is caught
// and becomes a kError result with its what(). The executor sets each result's
// unique_id and thread_index.
//
// `on_event` may be empty. Calls to it are serialized (never concurrent, possibly from
// any thread) and happen with the executor's lock held: it must be quick, must not
// wait for a `run` call and must not throw.
//
// Returns one result per node in the order nodes finished or were skipped: the order of
// the kFinish events.
std::vector<NodeResult> ExecuteGraph(
    const Graph& graph, const ExecutorOptions& options,
    const std::function<NodeResult(const std::string& unique_id, int thread_index)>& run,
    const std::function<void(const NodeEvent&)>& on_event);

}  // namespace shoplytics::transform
