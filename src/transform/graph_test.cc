#include "transform/graph.h"

#include <gtest/gtest.h>

namespace shoplytics::transform {
namespace {

// Nodes named by id, each with the ids it depends on.
std::map<std::string, Node> Nodes(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& spec) {
  std::map<std::string, Node> nodes;
  for (const auto& [id, parents] : spec) {
    Node node;
    node.unique_id = id;
    node.original_file_path = "models/" + id.substr(id.rfind('.') + 1) + ".sql";
    node.depends_on = parents;
    nodes.emplace(id, std::move(node));
  }
  return nodes;
}

const std::map<std::string, Node> kDiamond = Nodes({
    {"seed.shop.raw", {}},
    {"model.shop.stg", {"seed.shop.raw"}},
    {"model.shop.left", {"model.shop.stg"}},
    {"model.shop.right", {"model.shop.stg"}},
    {"model.shop.top", {"model.shop.left", "model.shop.right"}},
    {"test.shop.unique_top_id", {"model.shop.top"}},
    {"model.shop.alone", {}},
});

TEST(DbtGraph, LevelsGroupNodesWhoseParentsAreInEarlierLevels) {
  Result<Graph> graph = Graph::Build(kDiamond);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  EXPECT_EQ(graph->Levels(),
            (std::vector<std::vector<std::string>>{{"model.shop.alone", "seed.shop.raw"},
                                                   {"model.shop.stg"},
                                                   {"model.shop.left", "model.shop.right"},
                                                   {"model.shop.top"},
                                                   {"test.shop.unique_top_id"}}));
  EXPECT_EQ(graph->TopologicalOrder(),
            (std::vector<std::string>{"model.shop.alone", "seed.shop.raw", "model.shop.stg",
                                      "model.shop.left", "model.shop.right", "model.shop.top",
                                      "test.shop.unique_top_id"}));
}

TEST(DbtGraph, DescendantsAndAncestorsHonourDepth) {
  const Graph graph = *Graph::Build(kDiamond);
  EXPECT_EQ(graph.Descendants("model.shop.stg"),
            (std::set<std::string>{"model.shop.left", "model.shop.right", "model.shop.top",
                                   "test.shop.unique_top_id"}));
  EXPECT_EQ(graph.Descendants("model.shop.stg", 1),
            (std::set<std::string>{"model.shop.left", "model.shop.right"}));
  EXPECT_EQ(graph.Ancestors("model.shop.top", 2),
            (std::set<std::string>{"model.shop.left", "model.shop.right", "model.shop.stg"}));
  EXPECT_EQ(graph.Ancestors("model.shop.top").size(), 4u);
  EXPECT_TRUE(graph.Descendants("model.shop.alone").empty());
  EXPECT_TRUE(graph.Descendants("model.shop.unknown").empty());
  EXPECT_EQ(graph.Parents("model.shop.top"),
            (std::set<std::string>{"model.shop.left", "model.shop.right"}));
  EXPECT_EQ(graph.Children("seed.shop.raw"), std::set<std::string>{"model.shop.stg"});
}

TEST(DbtGraph, SubgraphKeepsTransitiveDependencies) {
  const Graph graph = *Graph::Build(kDiamond);
  const Graph sub =
      graph.Subgraph({"seed.shop.raw", "model.shop.left", "model.shop.top", "model.shop.unknown"});
  EXPECT_EQ(sub.nodes(),
            (std::set<std::string>{"model.shop.left", "model.shop.top", "seed.shop.raw"}));
  EXPECT_EQ(sub.Levels(), (std::vector<std::vector<std::string>>{
                              {"seed.shop.raw"}, {"model.shop.left"}, {"model.shop.top"}}));
  EXPECT_EQ(sub.Parents("model.shop.top"),
            (std::set<std::string>{"model.shop.left", "seed.shop.raw"}));
}

TEST(DbtGraph, CycleIsAnErrorNamingTheCycle) {
  struct Case {
    std::vector<std::pair<std::string, std::vector<std::string>>> spec;
    std::string expected;
  };
  const Case kCases[] = {
      {{{"model.shop.a", {"model.shop.b"}}, {"model.shop.b", {"model.shop.a"}}},
       "cycle: model.shop.a -> model.shop.b -> model.shop.a"},
      {{{"model.shop.x", {}},
        {"model.shop.c", {"model.shop.b", "model.shop.x"}},
        {"model.shop.b", {"model.shop.a"}},
        {"model.shop.a", {"model.shop.c"}},
        {"model.shop.d", {"model.shop.c"}}},
       "cycle: model.shop.a -> model.shop.b -> model.shop.c -> model.shop.a"},
      {{{"model.shop.self", {"model.shop.self"}}}, "cycle: model.shop.self -> model.shop.self"},
  };
  for (const Case& test_case : kCases) {
    Result<Graph> graph = Graph::Build(Nodes(test_case.spec));
    EXPECT_EQ(graph.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(graph.status().message(), test_case.expected);
  }
}

TEST(DbtGraph, UnknownDependencyIsAnError) {
  Result<Graph> graph = Graph::Build(Nodes({{"model.shop.a", {"model.shop.missing"}}}));
  EXPECT_EQ(graph.status().message(),
            "model.shop.a (models/a.sql) depends on unknown node model.shop.missing");
}

TEST(DbtGraph, BuildsFromAnEmptyProject) {
  Project project;
  Result<Graph> graph = Graph::Build(project);
  ASSERT_TRUE(graph.ok());
  EXPECT_TRUE(graph->nodes().empty());
  EXPECT_TRUE(graph->Levels().empty());
}

}  // namespace
}  // namespace shoplytics::transform
