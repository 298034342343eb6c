#include "transform/docs_site.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "common/files.h"

namespace shoplytics::transform {
namespace {

using nlohmann::json;

// A manifest whose nodes are given as {unique_id, parents}. The resource type is the id's
// first part; parent_map and child_map are filled as dbt fills them.
json Manifest(const std::vector<std::pair<std::string, std::vector<std::string>>>& spec) {
  json manifest = {{"metadata", {{"project_name", "shop"}}},
                   {"nodes", json::object()},
                   {"sources", json::object()},
                   {"parent_map", json::object()},
                   {"child_map", json::object()}};
  for (const auto& [id, parents] : spec) {
    std::string type = id.substr(0, id.find('.'));
    std::string name = id.substr(id.rfind('.') + 1);
    json node = {{"name", name}, {"resource_type", type}};
    if (type != "source") node["depends_on"] = {{"nodes", parents}};
    manifest[type == "source" ? "sources" : "nodes"][id] = node;
    manifest["parent_map"][id] = parents;
    manifest["child_map"][id] = json::array();
  }
  for (const auto& [id, parents] : spec) {
    for (const auto& parent : parents) manifest["child_map"][parent].push_back(id);
  }
  return manifest;
}

std::map<std::string, LineageNode> ById(const Lineage& lineage) {
  std::map<std::string, LineageNode> by_id;
  for (const auto& node : lineage.nodes) by_id[node.unique_id] = node;
  return by_id;
}

// Boxes may not overlap, two boxes of one column are at least a box height apart, and a long
// edge runs through slots of its own.
void ExpectReadable(const Lineage& lineage) {
  std::set<std::pair<int, int>> cells;
  for (const auto& edge : lineage.edges) {
    for (const auto& slot : edge.through) {
      EXPECT_TRUE(cells.emplace(slot.column, slot.row).second)
          << edge.from << " -> " << edge.to << " shares column " << slot.column;
    }
  }
  for (const auto& node : lineage.nodes) {
    EXPECT_TRUE(cells.emplace(node.column, node.row).second)
        << node.unique_id << " shares column " << node.column << " row " << node.row;
    EXPECT_GE(node.x, 0);
    EXPECT_GE(node.y, 0);
    EXPECT_LE(node.x + kLineageBoxWidth, lineage.width) << node.unique_id;
    EXPECT_LE(node.y + kLineageBoxHeight, lineage.height) << node.unique_id;
  }
  for (size_t i = 0; i < lineage.nodes.size(); ++i) {
    for (size_t j = i + 1; j < lineage.nodes.size(); ++j) {
      const LineageNode& a = lineage.nodes[i];
      const LineageNode& b = lineage.nodes[j];
      bool apart_x = std::abs(a.x - b.x) >= kLineageBoxWidth;
      bool apart_y = std::abs(a.y - b.y) >= kLineageBoxHeight;
      EXPECT_TRUE(apart_x || apart_y) << a.unique_id << " overlaps " << b.unique_id;
      if (a.column == b.column) {
        EXPECT_TRUE(apart_y) << a.unique_id << " / " << b.unique_id;
      }
    }
  }
}

// Pairs of edges between the same two columns whose ends are in opposite orders.
int Crossings(const Lineage& lineage) {
  auto by_id = ById(lineage);
  int crossings = 0;
  for (size_t i = 0; i < lineage.edges.size(); ++i) {
    for (size_t j = i + 1; j < lineage.edges.size(); ++j) {
      const auto& a = by_id[lineage.edges[i].from];
      const auto& b = by_id[lineage.edges[i].to];
      const auto& c = by_id[lineage.edges[j].from];
      const auto& d = by_id[lineage.edges[j].to];
      if (a.column != c.column || b.column != d.column) continue;
      if ((a.row - c.row) * (b.row - d.row) < 0) ++crossings;
    }
  }
  return crossings;
}

TEST(DocsSiteLayout, ChainPutsEachNodeOneColumnRightOfItsParent) {
  Lineage lineage = LayoutLineage(Manifest({{"source.shop.raw.orders", {}},
                                            {"model.shop.stg_orders", {"source.shop.raw.orders"}},
                                            {"model.shop.orders", {"model.shop.stg_orders"}}}));
  ASSERT_EQ(lineage.nodes.size(), 3u);
  auto by_id = ById(lineage);
  EXPECT_EQ(by_id["source.shop.raw.orders"].column, 0);
  EXPECT_EQ(by_id["model.shop.stg_orders"].column, 1);
  EXPECT_EQ(by_id["model.shop.orders"].column, 2);
  EXPECT_EQ(by_id["model.shop.orders"].name, "orders");
  EXPECT_EQ(by_id["source.shop.raw.orders"].resource_type, "source");
  ASSERT_EQ(lineage.edges.size(), 2u);
  EXPECT_EQ(lineage.edges[0].from, "model.shop.stg_orders");
  EXPECT_EQ(lineage.edges[0].to, "model.shop.orders");
  EXPECT_EQ(lineage.edges[1].from, "source.shop.raw.orders");
  EXPECT_EQ(lineage.edges[1].to, "model.shop.stg_orders");
  EXPECT_DOUBLE_EQ(by_id["model.shop.orders"].x,
                   kLineageMargin + 2 * (kLineageBoxWidth + kLineageColumnGap));
  EXPECT_DOUBLE_EQ(lineage.width,
                   2 * kLineageMargin + 3 * kLineageBoxWidth + 2 * kLineageColumnGap);
  EXPECT_DOUBLE_EQ(lineage.height, 2 * kLineageMargin + kLineageBoxHeight);
  ExpectReadable(lineage);
}

TEST(DocsSiteLayout, SourcesAreLabelledWithTheirSourceName) {
  json manifest =
      Manifest({{"source.shop.shop.products", {}}, {"source.shop.catalog.products", {}}});
  manifest["sources"]["source.shop.shop.products"]["source_name"] = "shop";
  manifest["sources"]["source.shop.catalog.products"]["source_name"] = "catalog";
  auto by_id = ById(LayoutLineage(manifest));
  EXPECT_EQ(by_id["source.shop.shop.products"].name, "shop.products");
  EXPECT_EQ(by_id["source.shop.catalog.products"].name, "catalog.products");
}

TEST(DocsSiteLayout, DiamondPlacesANodeRightOfItsDeepestParentAndLeavesTestsOut) {
  Lineage lineage = LayoutLineage(Manifest({
      {"seed.shop.raw", {}},
      {"model.shop.stg", {"seed.shop.raw"}},
      {"model.shop.left", {"model.shop.stg"}},
      {"model.shop.right", {"model.shop.stg"}},
      {"model.shop.top", {"model.shop.left", "model.shop.right", "seed.shop.raw"}},
      {"test.shop.unique_top_id", {"model.shop.top"}},
      {"snapshot.shop.alone", {}},
  }));
  auto by_id = ById(lineage);
  EXPECT_EQ(lineage.nodes.size(), 6u);
  EXPECT_FALSE(by_id.contains("test.shop.unique_top_id"));
  EXPECT_EQ(by_id["seed.shop.raw"].column, 0);
  EXPECT_EQ(by_id["snapshot.shop.alone"].column, 0);
  EXPECT_EQ(by_id["model.shop.stg"].column, 1);
  EXPECT_EQ(by_id["model.shop.left"].column, 2);
  EXPECT_EQ(by_id["model.shop.right"].column, 2);
  EXPECT_EQ(by_id["model.shop.top"].column, 3);
  EXPECT_EQ(lineage.edges.size(), 6u);  // the test's edge is dropped with it
  for (const auto& edge : lineage.edges) {
    EXPECT_LT(by_id[edge.from].column, by_id[edge.to].column) << edge.from << " -> " << edge.to;
  }
  ExpectReadable(lineage);
}

TEST(DocsSiteLayout, LongEdgeRunsThroughAFreeSlotInEachColumnItPasses) {
  Lineage lineage = LayoutLineage(Manifest({{"seed.shop.a", {}},
                                            {"model.shop.b", {"seed.shop.a"}},
                                            {"model.shop.c", {"model.shop.b"}},
                                            {"model.shop.d", {"model.shop.c", "seed.shop.a"}}}));
  auto by_id = ById(lineage);
  ASSERT_EQ(by_id["model.shop.d"].column, 3);
  const LineageEdge* long_edge = nullptr;
  for (const auto& edge : lineage.edges) {
    if (edge.from == "seed.shop.a" && edge.to == "model.shop.d")
      long_edge = &edge;
    else
      EXPECT_TRUE(edge.through.empty()) << edge.from << " -> " << edge.to;
  }
  ASSERT_NE(long_edge, nullptr);
  ASSERT_EQ(long_edge->through.size(), 2u);
  EXPECT_EQ(long_edge->through[0].column, 1);
  EXPECT_EQ(long_edge->through[1].column, 2);
  EXPECT_DOUBLE_EQ(long_edge->through[0].x, by_id["model.shop.b"].x);
  EXPECT_DOUBLE_EQ(long_edge->through[1].x, by_id["model.shop.c"].x);
  ExpectReadable(lineage);
}

TEST(DocsSiteLayout, BarycenterSweepsUntangleCrossedEdges) {
  // In unique-id order the sources are a, b and the models x, y: a->y and b->x cross.
  Lineage lineage = LayoutLineage(Manifest({{"source.shop.s.a", {}},
                                            {"source.shop.s.b", {}},
                                            {"model.shop.x", {"source.shop.s.b"}},
                                            {"model.shop.y", {"source.shop.s.a"}},
                                            {"model.shop.x2", {"model.shop.x"}},
                                            {"model.shop.y2", {"model.shop.y"}}}));
  EXPECT_EQ(Crossings(lineage), 0);
  auto by_id = ById(lineage);
  EXPECT_LT(by_id["model.shop.y"].row, by_id["model.shop.x"].row);
  EXPECT_LT(by_id["model.shop.y2"].row, by_id["model.shop.x2"].row);
  ExpectReadable(lineage);
}

TEST(DocsSiteLayout, UsesDependsOnWhenTheManifestHasNoParentMap) {
  json manifest = Manifest({{"seed.shop.raw", {}}, {"model.shop.stg", {"seed.shop.raw"}}});
  manifest.erase("parent_map");
  manifest.erase("child_map");
  Lineage lineage = LayoutLineage(manifest);
  ASSERT_EQ(lineage.edges.size(), 1u);
  EXPECT_EQ(lineage.edges[0].from, "seed.shop.raw");
  EXPECT_EQ(ById(lineage)["model.shop.stg"].column, 1);
}

TEST(DocsSiteLayout, MalformedManifestGivesAnEmptyOrPartialLayout) {
  EXPECT_TRUE(LayoutLineage(json::array()).nodes.empty());
  EXPECT_TRUE(LayoutLineage(json::object()).nodes.empty());
  json manifest = {{"nodes", {{"model.shop.a", 3}, {"model.shop.b", {{"name", "b"}}}}},
                   {"parent_map", {{"model.shop.b", "not a list"}}}};
  Lineage lineage = LayoutLineage(manifest);
  ASSERT_EQ(lineage.nodes.size(), 1u);
  EXPECT_EQ(lineage.nodes[0].unique_id, "model.shop.b");
}

TEST(DocsSiteLayout, CycleStillPlacesEveryNode) {
  Lineage lineage = LayoutLineage(
      Manifest({{"model.shop.a", {"model.shop.b"}}, {"model.shop.b", {"model.shop.a"}}}));
  EXPECT_EQ(lineage.nodes.size(), 2u);
  ExpectReadable(lineage);
}

// A random DAG of `count` nodes: 15 sources, 10 seeds, then models reading 1 to 3 earlier
// nodes.
std::vector<std::pair<std::string, std::vector<std::string>>> RandomDag(int count) {
  std::mt19937 random(20261122);
  std::vector<std::pair<std::string, std::vector<std::string>>> spec;
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    std::string id;
    std::vector<std::string> parents;
    if (i < 15) {
      id = "source.shop.raw.t" + std::to_string(i);
    } else if (i < 25) {
      id = "seed.shop.s" + std::to_string(i);
    } else {
      id = "model.shop.m" + std::to_string(i);
      int count = 1 + static_cast<int>(random() % 3);
      for (int p = 0; p < count; ++p) parents.push_back(ids[random() % ids.size()]);
      std::sort(parents.begin(), parents.end());
      parents.erase(std::unique(parents.begin(), parents.end()), parents.end());
    }
    ids.push_back(id);
    spec.emplace_back(id, parents);
  }
  return spec;
}

TEST(DocsSiteLayout, TwoHundredNodeRandomDagHasNoOverlaps) {
  Lineage lineage = LayoutLineage(Manifest(RandomDag(200)));
  ASSERT_EQ(lineage.nodes.size(), 200u);
  ExpectReadable(lineage);
  auto by_id = ById(lineage);
  std::map<std::string, int> deepest_parent;
  for (const auto& edge : lineage.edges) {
    deepest_parent[edge.to] = std::max(deepest_parent[edge.to], by_id[edge.from].column + 1);
  }
  for (const auto& node : lineage.nodes) {
    EXPECT_EQ(node.column, deepest_parent[node.unique_id]) << node.unique_id;
  }
}

TEST(DocsSiteJson, ScriptElementTextCannotEndTheElement) {
  json value = {{"description", "</script><script>alert(1)</script> <!-- x \u2028\u2029"}};
  std::string text = JsonForScriptElement(value);
  EXPECT_EQ(text.find("</"), std::string::npos) << text;
  EXPECT_EQ(text.find("<!--"), std::string::npos) << text;
  EXPECT_EQ(text.find("\xE2\x80\xA8"), std::string::npos) << text;
  EXPECT_EQ(text.find("\xE2\x80\xA9"), std::string::npos) << text;
  EXPECT_EQ(json::parse(text), value);
}

TEST(DocsSiteJson, InvalidUtf8IsReplacedRatherThanThrown) {
  std::string text = JsonForScriptElement(json{{"name", std::string("bad \xFF byte")}});
  EXPECT_EQ(json::parse(text)["name"], "bad \xEF\xBF\xBD byte");
}

// The JSON text of the <script id="...-data"> element of `page`.
std::string EmbeddedJson(const std::string& page, const std::string& id) {
  std::string open = "<script type=\"application/json\" id=\"" + id + "\">";
  size_t start = page.find(open);
  if (start == std::string::npos) return "";
  start += open.size();
  return page.substr(start, page.find("</script>", start) - start);
}

class DocsSiteWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<TempDir> dir = TempDir::Create("docs-site-test");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
  }
  std::filesystem::path out() const { return dir_->path() / "target"; }
  std::string Page() const {
    Result<std::string> page = ReadFile(out() / "index.html");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : "";
  }

  std::unique_ptr<TempDir> dir_;
};

TEST_F(DocsSiteWrite, EmbedsManifestCatalogAndLineageInOneIndexHtml) {
  json manifest = Manifest({{"seed.shop.raw", {}}, {"model.shop.stg", {"seed.shop.raw"}}});
  manifest["macros"] = {{"macro.shop.m", {{"macro_sql", "{% macro m() %}{% endmacro %}"}}}};
  json catalog = {{"nodes", {{"model.shop.stg", {{"columns", {{"ID", {{"type", "INTEGER"}}}}}}}}}};
  ASSERT_TRUE(WriteDocsSite(manifest, catalog, out()).ok());
  std::string page = Page();
  EXPECT_NE(page.find("<title>shop docs</title>"), std::string::npos);
  EXPECT_EQ(page.find("@@"), std::string::npos) << "a placeholder was left";
  EXPECT_EQ(page.find("src=\"http"), std::string::npos) << "the page must not load anything";
  json embedded = json::parse(EmbeddedJson(page, "manifest-data"));
  EXPECT_FALSE(embedded.contains("macros"));
  manifest.erase("macros");
  EXPECT_EQ(embedded, manifest);
  EXPECT_EQ(json::parse(EmbeddedJson(page, "catalog-data")), catalog);
  json lineage = json::parse(EmbeddedJson(page, "lineage-data"));
  EXPECT_EQ(lineage["nodes"].size(), 2u);
  EXPECT_EQ(lineage["edges"].size(), 1u);
  EXPECT_EQ(lineage["box"]["height"], kLineageBoxHeight);

  Result<std::string> written = ReadFile(out() / "catalog.json");
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(json::parse(*written), catalog);
}

TEST_F(DocsSiteWrite, NoCatalogJsonWithoutACatalog) {
  ASSERT_TRUE(WriteDocsSite(Manifest({{"model.shop.a", {}}}), json(), out()).ok());
  EXPECT_TRUE(std::filesystem::exists(out() / "index.html"));
  EXPECT_FALSE(std::filesystem::exists(out() / "catalog.json"));
  EXPECT_EQ(json::parse(EmbeddedJson(Page(), "catalog-data")), json::object());
}

TEST_F(DocsSiteWrite, DescriptionCannotBreakOutOfTheScriptElement) {
  json manifest = Manifest({{"model.shop.a", {}}});
  const std::string evil = "</script><script>alert(1)</script><!--<script>";
  manifest["nodes"]["model.shop.a"]["description"] = evil;
  manifest["metadata"]["project_name"] = "<b>shop</b>";
  ASSERT_TRUE(WriteDocsSite(manifest, json::object(), out()).ok());
  std::string page = Page();
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_EQ(page.find("<b>shop</b>"), std::string::npos);
  EXPECT_NE(page.find("<title>&lt;b&gt;shop&lt;/b&gt; docs</title>"), std::string::npos);
  json embedded = json::parse(EmbeddedJson(page, "manifest-data"));
  EXPECT_EQ(embedded["nodes"]["model.shop.a"]["description"], evil);
}

TEST_F(DocsSiteWrite, RejectsAManifestThatIsNotAnObject) {
  Status status = WriteDocsSite(json::array(), json(), out());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(out().string()), std::string::npos) << status.message();
}

TEST_F(DocsSiteWrite, NamesTheDirectoryItCannotCreate) {
  ASSERT_TRUE(WriteFileAtomically(dir_->path() / "file", "x").ok());
  Status status = WriteDocsSite(json::object(), json(), dir_->path() / "file" / "target");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("file/target"), std::string::npos) << status.message();
}

// A small shop project with tests, sources, seeds, a snapshot, folders and hostile text,
// for tests/browser/docs_site.test.mjs (which also opens the 200-node site in large/).
json SampleManifest() {
  json manifest = Manifest({
      {"source.shop.raw.orders", {}},
      {"source.shop.raw.customers", {}},
      {"seed.shop.country_codes", {}},
      {"model.shop.stg_orders", {"source.shop.raw.orders"}},
      {"model.shop.stg_customers", {"source.shop.raw.customers", "seed.shop.country_codes"}},
      {"model.shop.orders", {"model.shop.stg_orders", "model.shop.stg_customers"}},
      {"model.shop.customer_ltv", {"model.shop.orders", "model.shop.stg_customers"}},
      {"snapshot.shop.customers_snapshot", {"model.shop.stg_customers"}},
      {"test.shop.unique_orders_order_id", {"model.shop.orders"}},
      {"test.shop.not_null_orders_order_id", {"model.shop.orders"}},
      {"test.shop.accepted_values_orders_status", {"model.shop.orders"}},
  });
  manifest["metadata"]["generated_at"] = "2026-11-22T05:00:00Z";
  auto& nodes = manifest["nodes"];
  const std::map<std::string, std::string> files = {
      {"model.shop.stg_orders", "models/staging/stg_orders.sql"},
      {"model.shop.stg_customers", "models/staging/stg_customers.sql"},
      {"model.shop.orders", "models/marts/orders.sql"},
      {"model.shop.customer_ltv", "models/marts/customer_ltv.sql"},
      {"seed.shop.country_codes", "seeds/country_codes.csv"},
      {"snapshot.shop.customers_snapshot", "snapshots/customers_snapshot.sql"}};
  for (const auto& [id, file] : files) {
    nodes[id]["original_file_path"] = file;
    nodes[id]["config"] = {{"materialized", id.starts_with("model") ? "table" : "seed"}};
    nodes[id]["relation_name"] =
        "\"shop\".\"main\".\"" + nodes[id]["name"].get<std::string>() + "\"";
  }
  nodes["model.shop.orders"]["description"] =
      "One row per order.\n\nIncludes refunds. </script><script>alert(1)</script>"
      "<img src=x onerror=\"alert(2)\">";
  nodes["model.shop.orders"]["config"]["tags"] = {"finance", "daily"};
  nodes["model.shop.orders"]["columns"] = {
      {"order_id", {{"name", "order_id"}, {"description", "The order's key."}}},
      {"status",
       {{"name", "status"},
        {"description",
         "The order's **status**:\n\n| status | meaning |\n|---|---|\n| placed | not paid yet "
         "|\n| shipped | on its way |\n| returned | sent back |"},
        {"data_type", "varchar"}}}};
  nodes["model.shop.orders"]["raw_code"] = "select * from {{ ref('stg_orders') }}";
  nodes["model.shop.orders"]["compiled_code"] = "select * from \"shop\".\"main\".\"stg_orders\"";
  nodes["model.shop.customer_ltv"]["description"] = "Lifetime value per customer.";
  nodes["model.shop.customer_ltv"]["columns"] = {
      {"customer_id", {{"name", "customer_id"}, {"description", "Who."}}},
      {"lifetime_value", {{"name", "lifetime_value"}, {"description", "Sum of paid orders."}}}};
  manifest["sources"]["source.shop.raw.orders"]["source_name"] = "raw";
  manifest["sources"]["source.shop.raw.customers"]["source_name"] = "raw";
  manifest["sources"]["source.shop.raw.orders"]["loaded_at_field"] = "_loaded_at";
  auto test = [&](const std::string& id, const std::string& name, const std::string& column,
                  json kwargs) {
    nodes[id]["attached_node"] = "model.shop.orders";
    nodes[id]["column_name"] = column;
    kwargs["column_name"] = column;
    nodes[id]["test_metadata"] = {{"name", name}, {"kwargs", kwargs}};
  };
  test("test.shop.unique_orders_order_id", "unique", "order_id", json::object());
  test("test.shop.not_null_orders_order_id", "not_null", "order_id", json::object());
  test("test.shop.accepted_values_orders_status", "accepted_values", "status",
       {{"values", {"placed", "shipped", "returned"}}});
  return manifest;
}

TEST(DocsSiteSample, WritesSampleSiteForTheBrowserTest) {
  const char* out = std::getenv("SHOPLYTICS_DOCS_SITE_OUT");
  if (out == nullptr || *out == '\0') GTEST_SKIP() << "SHOPLYTICS_DOCS_SITE_OUT is not set";
  json catalog = {
      {"nodes",
       {{"model.shop.orders",
         {{"metadata", {{"type", "BASE TABLE"}, {"schema", "main"}, {"name", "orders"}}},
          {"columns",
           {{"ORDER_ID", {{"type", "INTEGER"}, {"index", 1}, {"name", "ORDER_ID"}}},
            {"STATUS", {{"type", "VARCHAR"}, {"index", 2}, {"name", "STATUS"}}}}},
          {"stats", {{"row_count", {{"id", "row_count"}, {"value", 42}}}}}}}}},
      {"sources", json::object()}};
  Status status = WriteDocsSite(SampleManifest(), catalog, out);
  ASSERT_TRUE(status.ok()) << status.ToString();
  // A project the size of a real one, to check that the page stays usable.
  status =
      WriteDocsSite(Manifest(RandomDag(200)), json::object(), std::filesystem::path(out) / "large");
  ASSERT_TRUE(status.ok()) << status.ToString();
}

}  // namespace
}  // namespace shoplytics::transform
