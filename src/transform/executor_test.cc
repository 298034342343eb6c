#include "transform/executor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace shoplytics::transform {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

Graph BuildGraph(const std::vector<std::pair<std::string, std::vector<std::string>>>& spec) {
  std::map<std::string, Node> nodes;
  for (const auto& [id, parents] : spec) {
    Node node;
    node.unique_id = id;
    node.depends_on = parents;
    nodes.emplace(id, std::move(node));
  }
  Result<Graph> graph = Graph::Build(nodes);
  EXPECT_TRUE(graph.ok()) << graph.status().ToString();
  return graph.ok() ? *std::move(graph) : Graph();
}

// raw -> stg -> {left, right} -> top; alone stands apart.
Graph Diamond() {
  return BuildGraph({
      {"seed.shop.raw", {}},
      {"model.shop.stg", {"seed.shop.raw"}},
      {"model.shop.left", {"model.shop.stg"}},
      {"model.shop.right", {"model.shop.stg"}},
      {"model.shop.top", {"model.shop.left", "model.shop.right"}},
      {"model.shop.alone", {}},
  });
}

NodeResult Succeed(const std::string& id) {
  NodeResult result;
  result.unique_id = id;
  result.status = RunStatus::kSuccess;
  result.message = "OK";
  return result;
}

std::map<std::string, NodeResult> ById(const std::vector<NodeResult>& results) {
  std::map<std::string, NodeResult> by_id;
  for (const NodeResult& result : results) by_id[result.unique_id] = result;
  return by_id;
}

std::vector<std::string> Ids(const std::vector<NodeResult>& results) {
  std::vector<std::string> ids;
  for (const NodeResult& result : results) ids.push_back(result.unique_id);
  return ids;
}

TEST(ExecutorTest, OneThreadRunsInTopologicalOrderOnTheCallingThread) {
  const Graph graph = Diamond();
  std::vector<std::string> ran;
  const std::thread::id caller = std::this_thread::get_id();
  std::vector<NodeResult> results =
      ExecuteGraph(graph, {.threads = 1},
                   [&](const std::string& id, int thread_index) {
                     EXPECT_EQ(thread_index, 0);
                     EXPECT_TRUE(std::this_thread::get_id() == caller);
                     ran.push_back(id);
                     return Succeed(id);
                   },
                   {});
  EXPECT_EQ(ran, graph.TopologicalOrder());
  EXPECT_EQ(Ids(results), graph.TopologicalOrder());
}

TEST(ExecutorTest, ChildrenStartOnlyAfterEveryParentFinishedWithFourThreads) {
  // A wider graph than the diamond, so that four threads have something to race on.
  std::vector<std::pair<std::string, std::vector<std::string>>> spec;
  for (int i = 0; i < 8; ++i) spec.push_back({"seed.shop.s" + std::to_string(i), {}});
  for (int i = 0; i < 8; ++i) {
    spec.push_back(
        {"model.shop.m" + std::to_string(i),
         {"seed.shop.s" + std::to_string(i), "seed.shop.s" + std::to_string((i + 1) % 8)}});
  }
  for (int i = 0; i < 4; ++i) {
    spec.push_back(
        {"model.shop.t" + std::to_string(i),
         {"model.shop.m" + std::to_string(2 * i), "model.shop.m" + std::to_string(2 * i + 1)}});
  }
  const Graph graph = BuildGraph(spec);

  std::mutex mu;
  std::vector<std::string> log;  // "start id" / "finish id", GUARDED_BY(mu)
  std::set<int> threads_seen;    // GUARDED_BY(mu)
  std::vector<NodeResult> results =
      ExecuteGraph(graph, {.threads = 4},
                   [&](const std::string& id, int thread_index) {
                     {
                       std::lock_guard lock(mu);
                       log.push_back("start " + id);
                       threads_seen.insert(thread_index);
                     }
                     std::this_thread::sleep_for(std::chrono::milliseconds(2));
                     std::lock_guard lock(mu);
                     log.push_back("finish " + id);
                     return Succeed(id);
                   },
                   {});

  ASSERT_EQ(results.size(), graph.nodes().size());
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < log.size(); ++i) at[log[i]] = i;
  for (const std::string& id : graph.nodes()) {
    ASSERT_TRUE(at.contains("start " + id)) << id;
    for (const std::string& parent : graph.Parents(id)) {
      EXPECT_LT(at["finish " + parent], at["start " + id]) << parent << " -> " << id;
    }
  }
  for (int thread_index : threads_seen) {
    EXPECT_GE(thread_index, 0);
    EXPECT_LT(thread_index, 4);
  }
}

TEST(ExecutorTest, RunsIndependentNodesInParallel) {
  const Graph graph = BuildGraph({{"model.shop.a", {}}, {"model.shop.b", {}}});
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;  // GUARDED_BY(mu)
  // Each node waits for the other: only a truly parallel executor lets both finish. The
  // timeout turns a serial executor into a failure instead of a hang.
  std::vector<NodeResult> results = ExecuteGraph(
      graph, {.threads = 2},
      [&](const std::string& id, int) {
        std::unique_lock lock(mu);
        ++arrived;
        cv.notify_all();
        const bool met = cv.wait_for(lock, std::chrono::seconds(5), [&] { return arrived == 2; });
        NodeResult result = Succeed(id);
        if (!met) {
          result.status = RunStatus::kError;
          result.message = "the other node never started";
        }
        return result;
      },
      {});
  ASSERT_EQ(results.size(), 2u);
  for (const NodeResult& result : results) {
    EXPECT_EQ(result.status, RunStatus::kSuccess) << result.unique_id << ": " << result.message;
  }
  EXPECT_NE(results[0].thread_index, results[1].thread_index);
}

// The first two nodes two threads start, in the order they start: each node waits until
// two have started, so both come from the nodes ready at the outset.
std::vector<std::string> FirstTwoStarted(const Graph& graph,
                                         const std::map<std::string, double>& expected) {
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;  // GUARDED_BY(mu)
  std::vector<std::string> order;
  ExecutorOptions options{.threads = 2};
  options.expected_seconds = expected;
  ExecuteGraph(
      graph, options,
      [&](const std::string& id, int) {
        std::unique_lock lock(mu);
        ++started;
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(5), [&] { return started >= 2; });
        return Succeed(id);
      },
      [&](const NodeEvent& event) {
        if (event.kind == NodeEvent::kStart) order.push_back(event.unique_id);
      });
  order.resize(std::min<size_t>(order.size(), 2));
  return order;
}

TEST(ExecutorTest, WithThreadsTheLongestExpectedPathToTheEndStartsFirst) {
  // a and b end the graph; chain_head leads to a slow chain_tail.
  const Graph graph = BuildGraph({{"model.shop.a", {}},
                                  {"model.shop.b", {}},
                                  {"model.shop.chain_head", {}},
                                  {"model.shop.chain_tail", {"model.shop.chain_head"}}});
  // No estimates: the longest chain of nodes first, then topological order.
  EXPECT_THAT(FirstTwoStarted(graph, {}), ElementsAre("model.shop.chain_head", "model.shop.a"));
  // The last run's times: chain_head's 0.5 s opens 10 s of work, b alone takes 20 s.
  EXPECT_THAT(FirstTwoStarted(graph, {{"model.shop.a", 1},
                                      {"model.shop.b", 20},
                                      {"model.shop.chain_head", 0.5},
                                      {"model.shop.chain_tail", 10}}),
              ElementsAre("model.shop.b", "model.shop.chain_head"));
  // A node the last run did not have counts the mean of the others (about 7): the chain
  // (0.5 + 7) goes before a (1).
  EXPECT_THAT(
      FirstTwoStarted(graph,
                      {{"model.shop.a", 1}, {"model.shop.b", 20}, {"model.shop.chain_head", 0.5}}),
      ElementsAre("model.shop.b", "model.shop.chain_head"));
}

TEST(ExecutorTest, FailureSkipsEveryDescendantButNotSiblings) {
  const Graph graph = Diamond();
  std::vector<std::string> ran;
  std::vector<NodeResult> results = ExecuteGraph(graph, {.threads = 1},
                                                 [&](const std::string& id, int) {
                                                   ran.push_back(id);
                                                   NodeResult result = Succeed(id);
                                                   if (id == "model.shop.left") {
                                                     result.status = RunStatus::kError;
                                                     result.message =
                                                         "Binder Error: column x not found";
                                                   }
                                                   return result;
                                                 },
                                                 {});
  EXPECT_THAT(ran, UnorderedElementsAre("model.shop.alone", "seed.shop.raw", "model.shop.stg",
                                        "model.shop.left", "model.shop.right"));
  std::map<std::string, NodeResult> by_id = ById(results);
  ASSERT_EQ(by_id.size(), 6u);
  EXPECT_EQ(by_id["model.shop.left"].status, RunStatus::kError);
  EXPECT_EQ(by_id["model.shop.right"].status, RunStatus::kSuccess);
  EXPECT_EQ(by_id["model.shop.top"].status, RunStatus::kSkipped);
  EXPECT_EQ(by_id["model.shop.top"].message, "skipped: upstream model.shop.left failed");
}

TEST(ExecutorTest, FailingTestSkipsItsDependentsLikeAnError) {
  const Graph graph = BuildGraph({{"model.shop.a", {}},
                                  {"test.shop.unique_a_id", {"model.shop.a"}},
                                  {"model.shop.b", {"test.shop.unique_a_id"}},
                                  {"model.shop.c", {"model.shop.b"}}});
  std::vector<NodeResult> results = ExecuteGraph(graph, {.threads = 2},
                                                 [&](const std::string& id, int) {
                                                   NodeResult result = Succeed(id);
                                                   if (id.starts_with("test.")) {
                                                     result.status = RunStatus::kFail;
                                                     result.failures = 3;
                                                   }
                                                   return result;
                                                 },
                                                 {});
  std::map<std::string, NodeResult> by_id = ById(results);
  EXPECT_EQ(by_id["test.shop.unique_a_id"].status, RunStatus::kFail);
  EXPECT_EQ(by_id["model.shop.b"].status, RunStatus::kSkipped);
  EXPECT_EQ(by_id["model.shop.c"].status, RunStatus::kSkipped);
  EXPECT_EQ(by_id["model.shop.c"].message, "skipped: upstream test.shop.unique_a_id failed");
}

TEST(ExecutorTest, WarningDoesNotSkipDependents) {
  const Graph graph = BuildGraph({{"model.shop.a", {}}, {"model.shop.b", {"model.shop.a"}}});
  std::vector<NodeResult> results = ExecuteGraph(graph, {},
                                                 [&](const std::string& id, int) {
                                                   NodeResult result = Succeed(id);
                                                   if (id == "model.shop.a")
                                                     result.status = RunStatus::kWarn;
                                                   return result;
                                                 },
                                                 {});
  EXPECT_EQ(ById(results)["model.shop.b"].status, RunStatus::kSuccess);
}

TEST(ExecutorTest, FailFastStartsNothingAfterTheFirstFailure) {
  const Graph graph = Diamond();
  std::vector<std::string> ran;
  std::vector<NodeResult> results = ExecuteGraph(graph, {.threads = 1, .fail_fast = true},
                                                 [&](const std::string& id, int) {
                                                   ran.push_back(id);
                                                   NodeResult result = Succeed(id);
                                                   if (id == "seed.shop.raw")
                                                     result.status = RunStatus::kError;
                                                   return result;
                                                 },
                                                 {});
  // Topological order: alone, raw, stg, left, right, top.
  EXPECT_THAT(ran, ElementsAre("model.shop.alone", "seed.shop.raw"));
  std::map<std::string, NodeResult> by_id = ById(results);
  ASSERT_EQ(by_id.size(), 6u);
  EXPECT_EQ(by_id["model.shop.stg"].message, "skipped: upstream seed.shop.raw failed");
  EXPECT_EQ(by_id["model.shop.top"].status, RunStatus::kSkipped);

  // An independent node that had not started is skipped for --fail-fast.
  const Graph two = BuildGraph({{"model.shop.a", {}}, {"model.shop.b", {}}});
  results = ExecuteGraph(two, {.threads = 1, .fail_fast = true},
                         [&](const std::string& id, int) {
                           NodeResult result = Succeed(id);
                           result.status = RunStatus::kError;
                           return result;
                         },
                         {});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, RunStatus::kError);
  EXPECT_EQ(results[1].unique_id, "model.shop.b");
  EXPECT_EQ(results[1].status, RunStatus::kSkipped);
  EXPECT_EQ(results[1].message, "skipped: --fail-fast");
}

TEST(ExecutorTest, EventIndexesRunFromOneToTotalWithoutGaps) {
  const Graph graph = Diamond();
  for (int threads : {1, 3}) {
    std::vector<std::tuple<NodeEvent::Kind, std::string, int>> events;
    std::atomic<int> concurrent = 0;
    std::atomic<bool> overlapped = false;
    std::vector<NodeResult> results = ExecuteGraph(
        graph, {.threads = threads},
        [&](const std::string& id, int) {
          NodeResult result = Succeed(id);
          if (id == "model.shop.stg") result.status = RunStatus::kError;
          return result;
        },
        [&](const NodeEvent& event) {
          if (++concurrent > 1) overlapped = true;
          EXPECT_EQ(event.total, 6);
          EXPECT_EQ(event.result != nullptr, event.kind == NodeEvent::kFinish);
          events.emplace_back(event.kind, event.unique_id, event.index);
          --concurrent;
        });
    EXPECT_FALSE(overlapped) << "on_event ran concurrently";

    std::map<std::string, int> start_index;
    std::set<int> indexes;
    std::vector<std::string> finished;
    int last_new_index = 0;
    for (const auto& [kind, id, index] : events) {
      if (kind == NodeEvent::kStart) start_index[id] = index;
      if (kind == NodeEvent::kFinish) {
        finished.push_back(id);
        if (start_index.contains(id)) {
          EXPECT_EQ(start_index[id], index) << id;
        }
      }
      if (indexes.insert(index).second) {
        // Indexes are handed out in the order of the events.
        EXPECT_EQ(index, last_new_index + 1) << id;
        last_new_index = index;
      }
    }
    EXPECT_EQ(indexes, (std::set<int>{1, 2, 3, 4, 5, 6})) << "threads=" << threads;
    EXPECT_EQ(finished, Ids(results)) << "results come in the order of kFinish events";
  }
}

TEST(ExecutorTest, ExceptionBecomesAnErrorResult) {
  const Graph graph = BuildGraph({{"model.shop.a", {}}, {"model.shop.b", {"model.shop.a"}}});
  for (int threads : {1, 2}) {
    std::vector<NodeResult> results = ExecuteGraph(graph, {.threads = threads},
                                                   [&](const std::string& id, int) -> NodeResult {
                                                     if (id == "model.shop.a")
                                                       throw std::runtime_error("connection lost");
                                                     return Succeed(id);
                                                   },
                                                   {});
    std::map<std::string, NodeResult> by_id = ById(results);
    EXPECT_EQ(by_id["model.shop.a"].status, RunStatus::kError);
    EXPECT_EQ(by_id["model.shop.a"].message, "connection lost");
    EXPECT_EQ(by_id["model.shop.b"].status, RunStatus::kSkipped);
  }
}

TEST(ExecutorTest, EmptyGraphRunsNothing) {
  const Graph graph = BuildGraph({});
  bool called = false;
  std::vector<NodeResult> results = ExecuteGraph(
      graph, {.threads = 4},
      [&](const std::string& id, int) {
        called = true;
        return Succeed(id);
      },
      [&](const NodeEvent&) { called = true; });
  EXPECT_TRUE(results.empty());
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace shoplytics::transform
