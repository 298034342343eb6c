#include "transform/executor.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace shoplytics::transform {
namespace {

// Each node's expected time to the end of the graph, by position in `order`: its own
// expected seconds plus the most of its children's. With no estimates every node counts
// 1; a node without one counts the mean of the others.
std::vector<double> PathsToEnd(const Graph& graph, const std::vector<std::string>& order,
                               const std::map<std::string, int>& position,
                               const std::map<std::string, double>& expected) {
  double fallback = 1;
  if (!expected.empty()) {
    double sum = 0;
    for (const auto& [id, seconds] : expected) sum += std::max(seconds, 0.0);
    fallback = sum / static_cast<double>(expected.size());
  }
  std::vector<double> path(order.size(), 0);
  for (size_t i = order.size(); i-- > 0;) {
    auto it = expected.find(order[i]);
    double longest_child = 0;
    for (const std::string& child : graph.Children(order[i])) {
      longest_child = std::max(longest_child, path[position.at(child)]);
    }
    path[i] = (it == expected.end() ? fallback : std::max(it->second, 0.0)) + longest_child;
  }
  return path;
}

// The shared state of one ExecuteGraph call. Nodes are named by their position in the
// topological order; ready_ orders them by priority (the longest expected path to the end
// first, with more than one thread), then by position.
class Scheduler {
 public:
  Scheduler(const Graph& graph, const ExecutorOptions& options,
            const std::function<NodeResult(const std::string&, int)>& run,
            const std::function<void(const NodeEvent&)>& on_event)
      : graph_(graph),
        options_(options),
        run_(run),
        on_event_(on_event),
        order_(graph.TopologicalOrder()),
        nodes_(order_.size()),
        ready_(ReadyOrder{&priority_}) {
    for (size_t i = 0; i < order_.size(); ++i) position_[order_[i]] = static_cast<int>(i);
    priority_.assign(order_.size(), 0);
    if (options.threads > 1) {
      priority_ = PathsToEnd(graph, order_, position_, options.expected_seconds);
    }
    for (size_t i = 0; i < order_.size(); ++i) {
      nodes_[i].pending_parents = static_cast<int>(graph.Parents(order_[i]).size());
      if (nodes_[i].pending_parents == 0) ready_.insert(static_cast<int>(i));
    }
  }

  std::vector<NodeResult> Run(int threads) {
    {
      std::vector<std::jthread> workers;
      for (int t = 1; t < threads; ++t) workers.emplace_back([this, t] { Work(t); });
      Work(0);
    }  // joins the workers
    return std::move(results_);
  }

 private:
  enum class State { kPending, kRunning, kDone };
  // Higher priority first, then the earlier position.
  struct ReadyOrder {
    const std::vector<double>* priority;
    bool operator()(int a, int b) const {
      if ((*priority)[a] != (*priority)[b]) return (*priority)[a] > (*priority)[b];
      return a < b;
    }
  };
  struct NodeState {
    State state = State::kPending;
    int pending_parents = 0;
    int index = 0;  // the event index, once started or reported
  };

  void Work(int thread_index) {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return done_ == order_.size() || !ready_.empty(); });
      if (ready_.empty()) return;  // everything is done
      const int pos = *ready_.begin();
      ready_.erase(ready_.begin());
      NodeState& node = nodes_[pos];
      node.state = State::kRunning;
      node.index = ++next_index_;
      Emit(NodeEvent::kStart, pos, nullptr);

      lock.unlock();
      NodeResult result = RunOne(order_[pos], thread_index);
      lock.lock();

      Finish(pos, std::move(result));
      if (IsFailure(results_.back().status)) OnFailure(pos, thread_index);
      cv_.notify_all();
    }
  }

  // Calls run_, turning an exception into a kError result: it must not escape the
  // worker thread, where it would terminate the process.
  NodeResult RunOne(const std::string& id, int thread_index) {
    NodeResult result;
    try {
      result = run_(id, thread_index);
    } catch (const std::exception& e) {
      result = NodeResult{};
      result.status = RunStatus::kError;
      result.message = e.what();
    } catch (...) {
      result = NodeResult{};
      result.status = RunStatus::kError;
      result.message = "unknown exception while running " + id;
    }
    result.unique_id = id;
    result.thread_index = thread_index;
    return result;
  }

  // Records a finished node and readies its children. Requires mu_.
  void Finish(int pos, NodeResult result) {
    nodes_[pos].state = State::kDone;
    ++done_;
    results_.push_back(std::move(result));
    Emit(NodeEvent::kFinish, pos, &results_.back());
    // A failed node's children are skipped by OnFailure, never readied.
    if (IsFailure(results_.back().status)) return;
    for (const std::string& child : graph_.Children(order_[pos])) {
      const int child_pos = position_.at(child);
      NodeState& state = nodes_[child_pos];
      if (--state.pending_parents == 0 && state.state == State::kPending) {
        ready_.insert(child_pos);
      }
    }
  }

  // Requires mu_.
  void OnFailure(int pos, int thread_index) {
    std::set<int> descendants;
    for (const std::string& id : graph_.Descendants(order_[pos])) {
      descendants.insert(position_.at(id));
    }
    const std::string upstream_message = "skipped: upstream " + order_[pos] + " failed";
    for (int descendant : descendants) Skip(descendant, upstream_message, thread_index);
    if (!options_.fail_fast) return;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Skip(static_cast<int>(i), "skipped: --fail-fast", thread_index);
    }
  }

  // Reports a node that will not run, unless it already started or was reported.
  // Requires mu_.
  void Skip(int pos, const std::string& message, int thread_index) {
    NodeState& node = nodes_[pos];
    if (node.state != State::kPending) return;
    ready_.erase(pos);
    node.state = State::kDone;
    node.index = ++next_index_;
    ++done_;
    NodeResult result;
    result.unique_id = order_[pos];
    result.status = RunStatus::kSkipped;
    result.message = message;
    result.thread_index = thread_index;
    results_.push_back(std::move(result));
    Emit(NodeEvent::kFinish, pos, &results_.back());
  }

  // Requires mu_, which is what serializes the calls.
  void Emit(NodeEvent::Kind kind, int pos, const NodeResult* result) {
    if (!on_event_) return;
    on_event_(
        NodeEvent{kind, order_[pos], nodes_[pos].index, static_cast<int>(order_.size()), result});
  }

  const Graph& graph_;
  const ExecutorOptions& options_;
  const std::function<NodeResult(const std::string&, int)>& run_;
  const std::function<void(const NodeEvent&)>& on_event_;
  const std::vector<std::string> order_;
  std::map<std::string, int> position_;  // read-only after construction

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<double> priority_;  // by position, read-only after construction
  std::vector<NodeState> nodes_;  // GUARDED_BY(mu_), by position
  // GUARDED_BY(mu_): pending nodes whose parents finished.
  std::set<int, ReadyOrder> ready_;
  std::vector<NodeResult> results_;  // GUARDED_BY(mu_)
  size_t done_ = 0;                  // GUARDED_BY(mu_): finished or skipped nodes
  int next_index_ = 0;               // GUARDED_BY(mu_)
};

}  // namespace

std::vector<NodeResult> ExecuteGraph(
    const Graph& graph, const ExecutorOptions& options,
    const std::function<NodeResult(const std::string& unique_id, int thread_index)>& run,
    const std::function<void(const NodeEvent&)>& on_event) {
  if (graph.nodes().empty()) return {};
  const int threads =
      std::clamp(options.threads, 1, static_cast<int>(std::max<size_t>(graph.nodes().size(), 1)));
  Scheduler scheduler(graph, options, run, on_event);
  return scheduler.Run(threads);
}

}  // namespace shoplytics::transform
