#include "transform/artifacts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "common/digest.h"
#include "common/files.h"

namespace shoplytics::transform {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;

// A small shop project on disk: a source, a seed, two models and generic tests.
class ArtifactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write("dbt_project.yml", "name: shop\nversion: \"1.0\"\nprofile: shop\n");
    Write("seeds/raw_customers.csv", "id,name\n1,Ada\n");
    Write("models/staging/sources.yml", R"(version: 2
sources:
  - name: shop
    schema: raw
    loaded_at_field: _loaded_at
    freshness:
      warn_after: {count: 12, period: hour}
    tables:
      - name: orders
        description: Orders as loaded.
)");
    Write("models/staging/stg_orders.sql", kStgOrdersSql);
    Write("models/orders.sql", "select * from {{ ref('stg_orders') }}");
    Write("models/schema.yml", R"(version: 2
models:
  - name: orders
    description: One row per order.
    columns:
      - name: id
        description: The order id.
        data_type: integer
        tests: [unique]
)");
    Result<Project> loaded = Project::Load(dir_.path());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    project_ = *std::move(loaded);
    // What rendering would find.
    project_.FindMutable("model.shop.stg_orders")->depends_on = {"source.shop.shop.orders"};
    project_.FindMutable("model.shop.orders")->depends_on = {"model.shop.stg_orders"};
    for (const auto& [id, node] : project_.nodes()) {
      if (node.test_metadata && node.test_metadata->name == "unique") unique_test_id_ = id;
    }
    ASSERT_FALSE(unique_test_id_.empty());
    Result<Graph> graph = Graph::Build(project_);
    ASSERT_TRUE(graph.ok()) << graph.status().ToString();
    graph_ = *std::move(graph);

    invocation_.invocation_id = NewInvocationId();
    invocation_.generated_at = IsoTimestampNow();
    invocation_.command = "build";
    invocation_.args = {{"which", "build"}, {"select", json::array({"orders+"})}};
  }

  void Write(const std::string& relative, std::string_view text) {
    const fs::path path = dir_.path() / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  json Manifest() const {
    std::map<std::string, CompiledNodeInfo> compiled;
    CompiledNodeInfo stg;
    stg.database = "warehouse";
    stg.schema = "main";
    stg.alias = "stg_orders";
    stg.relation_name = "\"warehouse\".\"main\".\"stg_orders\"";
    stg.compiled_code = "select * from \"warehouse\".\"raw\".\"orders\"";
    stg.sources = {{"shop", "orders"}};
    stg.macros = {"macro.shop.cents_to_dollars"};
    compiled["model.shop.stg_orders"] = stg;
    const std::vector<MacroInfo> macros = {
        {"macro.shop.cents_to_dollars", "cents_to_dollars", "shop", "macros/cents.sql",
         "{% macro cents_to_dollars(c) %}{{ c }} / 100{% endmacro %}"}};
    return BuildManifest(project_, graph_, compiled, macros, {{"orders", "All the orders."}},
                         invocation_);
  }

  static constexpr std::string_view kStgOrdersSql = "select * from {{ source('shop', 'orders') }}";
  TempDir dir_ = std::move(TempDir::Create("artifacts")).value();
  Project project_;
  Graph graph_;
  std::string unique_test_id_;
  InvocationInfo invocation_;
};

TEST(ArtifactsIds, InvocationIdIsAUuid4AndTimestampIsIsoUtcWithMicroseconds) {
  const std::regex kUuid4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  const std::string id = NewInvocationId();
  EXPECT_TRUE(std::regex_match(id, kUuid4)) << id;
  EXPECT_NE(id, NewInvocationId());
  const std::string now = IsoTimestampNow();
  EXPECT_TRUE(std::regex_match(now, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)")))
      << now;
}

TEST_F(ArtifactsTest, ManifestHasDbtTopLevelKeysAndMetadata) {
  const json manifest = Manifest();
  for (const char* key : {"metadata", "nodes", "sources", "macros", "docs", "exposures", "metrics",
                          "groups", "selectors", "disabled", "parent_map", "child_map", "group_map",
                          "saved_queries", "semantic_models", "unit_tests"}) {
    EXPECT_TRUE(manifest.contains(key)) << key;
  }
  const json& metadata = manifest["metadata"];
  EXPECT_EQ(metadata["dbt_schema_version"], "https://schemas.getdbt.com/dbt/manifest/v12.json");
  EXPECT_EQ(metadata["dbt_version"], "1.8.0");
  EXPECT_EQ(metadata["invocation_id"], invocation_.invocation_id);
  EXPECT_EQ(metadata["generated_at"], invocation_.generated_at);
  EXPECT_EQ(metadata["project_name"], "shop");
  EXPECT_EQ(metadata["project_id"], Md5Hex("shop"));
  EXPECT_EQ(metadata["adapter_type"], "duckdb");
  EXPECT_EQ(manifest["macros"]["macro.shop.cents_to_dollars"]["path"], "cents.sql");
  EXPECT_EQ(manifest["docs"]["doc.shop.orders"]["block_contents"], "All the orders.");
}

TEST_F(ArtifactsTest, CompiledModelHasDbtNodeFields) {
  const json manifest = Manifest();
  ASSERT_TRUE(manifest["nodes"].contains("model.shop.stg_orders"));
  const json& stg = manifest["nodes"]["model.shop.stg_orders"];
  for (const char* key : {"database",
                          "schema",
                          "name",
                          "resource_type",
                          "package_name",
                          "path",
                          "original_file_path",
                          "unique_id",
                          "fqn",
                          "alias",
                          "checksum",
                          "config",
                          "tags",
                          "description",
                          "columns",
                          "meta",
                          "docs",
                          "patch_path",
                          "build_path",
                          "unrendered_config",
                          "created_at",
                          "relation_name",
                          "raw_code",
                          "language",
                          "refs",
                          "sources",
                          "metrics",
                          "depends_on",
                          "compiled_path",
                          "compiled",
                          "compiled_code",
                          "extra_ctes_injected",
                          "extra_ctes",
                          "contract",
                          "access",
                          "constraints",
                          "version",
                          "latest_version"}) {
    EXPECT_TRUE(stg.contains(key)) << key;
  }
  EXPECT_EQ(stg["resource_type"], "model");
  EXPECT_EQ(stg["database"], "warehouse");
  EXPECT_EQ(stg["schema"], "main");
  EXPECT_EQ(stg["relation_name"], "\"warehouse\".\"main\".\"stg_orders\"");
  EXPECT_EQ(stg["path"], "staging/stg_orders.sql");
  EXPECT_EQ(stg["checksum"]["name"], "sha256");
  EXPECT_EQ(stg["checksum"]["checksum"], Sha256Hex(kStgOrdersSql));
  EXPECT_TRUE(
      std::regex_match(stg["checksum"]["checksum"].get<std::string>(), std::regex("[0-9a-f]{64}")));
  EXPECT_EQ(stg["compiled"], true);
  EXPECT_EQ(stg["compiled_path"], "target/compiled/shop/models/staging/stg_orders.sql");
  EXPECT_EQ(stg["sources"], json::parse(R"([["shop", "orders"]])"));
  EXPECT_EQ(stg["depends_on"]["nodes"], json::array({"source.shop.shop.orders"}));
  EXPECT_EQ(stg["depends_on"]["macros"], json::array({"macro.shop.cents_to_dollars"}));
  EXPECT_EQ(stg["access"], "protected");
  EXPECT_EQ(stg["config"]["materialized"], "view");
  EXPECT_TRUE(stg["config"]["pre-hook"].is_array());
  EXPECT_FALSE(stg["config"].contains("pre_hook"));
}

TEST_F(ArtifactsTest, UncompiledModelTakesItsLocationFromConfigAndRefsFromDependsOn) {
  const json manifest = Manifest();
  const json& orders = manifest["nodes"]["model.shop.orders"];
  EXPECT_EQ(orders["compiled"], false);
  EXPECT_FALSE(orders.contains("compiled_code"));
  EXPECT_EQ(orders["alias"], "orders");
  EXPECT_TRUE(orders["schema"].is_null());
  EXPECT_TRUE(orders["relation_name"].is_null());
  EXPECT_EQ(orders["refs"], json::parse(R"([{"name": "stg_orders", "package": null,
                                             "version": null}])"));
  EXPECT_EQ(orders["patch_path"], "shop://models/schema.yml");
  EXPECT_EQ(orders["description"], "One row per order.");
  const json& id = orders["columns"]["id"];
  EXPECT_EQ(id["description"], "The order id.");
  EXPECT_EQ(id["data_type"], "integer");
  EXPECT_TRUE(id["constraints"].is_array());
}

TEST_F(ArtifactsTest, GenericTestHasTestMetadataAndAttachedNode) {
  const json manifest = Manifest();
  const json& test = manifest["nodes"][unique_test_id_];
  EXPECT_EQ(test["resource_type"], "test");
  EXPECT_EQ(test["test_metadata"]["name"], "unique");
  EXPECT_TRUE(test["test_metadata"]["namespace"].is_null());
  EXPECT_EQ(test["test_metadata"]["kwargs"]["column_name"], "id");
  EXPECT_EQ(test["column_name"], "id");
  EXPECT_EQ(test["attached_node"], "model.shop.orders");
  EXPECT_EQ(test["file_key_name"], "models.orders");
  EXPECT_EQ(test["depends_on"]["nodes"], json::array({"model.shop.orders"}));
  EXPECT_EQ(test["depends_on"]["macros"], json::array({"macro.dbt.test_unique"}));
  EXPECT_EQ(test["config"]["severity"], "ERROR");
}

TEST_F(ArtifactsTest, CompiledGenericTestIsFiledUnderItsPropertiesFile) {
  CompiledNodeInfo info;
  info.compiled_code = "select id from orders group by id having count(*) > 1";
  const json manifest =
      BuildManifest(project_, graph_, {{unique_test_id_, info}}, {}, {}, invocation_);
  const json& test = manifest["nodes"][unique_test_id_];
  const std::string name = project_.Find(unique_test_id_)->name;
  EXPECT_EQ(test["compiled_path"], "target/compiled/shop/models/schema.yml/" + name + ".sql");
  EXPECT_EQ(test["compiled_code"], *info.compiled_code);
  EXPECT_TRUE(test["relation_name"].is_null()) << "no store_failures";
}

TEST_F(ArtifactsTest, SeedChecksumIsTheFilesSha256) {
  const json manifest = Manifest();
  const json& seed = manifest["nodes"]["seed.shop.raw_customers"];
  EXPECT_EQ(seed["resource_type"], "seed");
  EXPECT_EQ(seed["checksum"]["checksum"], Sha256Hex("id,name\n1,Ada\n"));
  EXPECT_EQ(seed["config"]["materialized"], "seed");
}

TEST_F(ArtifactsTest, SourcesHaveSourceFieldsAndFreshness) {
  const json manifest = Manifest();
  ASSERT_TRUE(manifest["sources"].contains("source.shop.shop.orders"));
  EXPECT_FALSE(manifest["nodes"].contains("source.shop.shop.orders"));
  const json& source = manifest["sources"]["source.shop.shop.orders"];
  EXPECT_EQ(source["resource_type"], "source");
  EXPECT_EQ(source["source_name"], "shop");
  EXPECT_EQ(source["identifier"], "orders");
  EXPECT_EQ(source["schema"], "raw");
  EXPECT_EQ(source["loaded_at_field"], "_loaded_at");
  EXPECT_EQ(source["description"], "Orders as loaded.");
  EXPECT_EQ(source["relation_name"], "\"raw\".\"orders\"");
  EXPECT_EQ(source["freshness"]["warn_after"], json::parse(R"({"count": 12, "period": "hour"})"));
  EXPECT_TRUE(source["freshness"]["error_after"]["count"].is_null());
}

TEST_F(ArtifactsTest, ParentAndChildMapsCoverEveryNodeWithSortedLists) {
  const json manifest = Manifest();
  const json& parents = manifest["parent_map"];
  const json& children = manifest["child_map"];
  for (const auto& [id, node] : project_.nodes()) {
    EXPECT_TRUE(parents.contains(id)) << id;
    EXPECT_TRUE(children.contains(id)) << id;
  }
  EXPECT_EQ(parents["model.shop.orders"], json::array({"model.shop.stg_orders"}));
  EXPECT_EQ(parents["source.shop.shop.orders"], json::array());
  EXPECT_EQ(children["source.shop.shop.orders"], json::array({"model.shop.stg_orders"}));
  EXPECT_EQ(children["model.shop.orders"], json::array({unique_test_id_}));
}

// The executor's estimates come from the last run_results.json; a file that is missing
// or not run_results gives none (the build goes on).
TEST_F(ArtifactsTest, ReadNodeSecondsReadsTheTimesRunResultsWrote) {
  NodeResult model;
  model.unique_id = "model.shop.orders";
  model.status = RunStatus::kSuccess;
  model.execution_time = 2.5;
  NodeResult test;
  test.unique_id = unique_test_id_;
  test.status = RunStatus::kPass;
  test.execution_time = 0.125;
  const std::filesystem::path path = dir_.path() / "target" / "run_results.json";
  ASSERT_TRUE(WriteJsonFile(path, BuildRunResults({model, test}, 3, invocation_)).ok());
  EXPECT_EQ(ReadNodeSeconds(path),
            (std::map<std::string, double>{{"model.shop.orders", 2.5}, {unique_test_id_, 0.125}}));

  EXPECT_TRUE(ReadNodeSeconds(dir_.path() / "target" / "missing.json").empty());
  Write("target/truncated.json", "{\"results\": [{\"unique_id\": \"model.shop.orders\", ");
  EXPECT_TRUE(ReadNodeSeconds(dir_.path() / "target" / "truncated.json").empty());
  Write("target/other.json", "[1, 2]");
  EXPECT_TRUE(ReadNodeSeconds(dir_.path() / "target" / "other.json").empty());
}

TEST_F(ArtifactsTest, RunResultsHaveDbtShapeAndStatuses) {
  NodeResult model;
  model.unique_id = "model.shop.orders";
  model.status = RunStatus::kSuccess;
  model.message = "OK";
  model.rows_affected = 42;
  model.execution_time = 0.25;
  model.thread_index = 1;
  model.timing = {{"compile", "2026-11-22T05:30:00.000001Z", "2026-11-22T05:30:00.100000Z"},
                  {"execute", "2026-11-22T05:30:00.100000Z", "2026-11-22T05:30:00.250000Z"}};
  model.compiled_code = "select 1";
  model.relation_name = "\"warehouse\".\"main\".\"orders\"";
  NodeResult test;
  test.unique_id = unique_test_id_;
  test.status = RunStatus::kFail;
  test.message = "Got 3 results, configured to fail if != 0";
  test.failures = 3;
  NodeResult skipped;
  skipped.unique_id = "model.shop.after";
  skipped.status = RunStatus::kSkipped;
  skipped.message = "skipped: upstream model.shop.orders failed";

  const json run_results = BuildRunResults({model, test, skipped}, 1.5, invocation_);
  EXPECT_EQ(run_results["metadata"]["dbt_schema_version"],
            "https://schemas.getdbt.com/dbt/run-results/v6.json");
  EXPECT_EQ(run_results["metadata"]["invocation_id"], invocation_.invocation_id);
  EXPECT_EQ(run_results["elapsed_time"], 1.5);
  EXPECT_EQ(run_results["args"]["which"], "build");
  ASSERT_EQ(run_results["results"].size(), 3u);

  const json& first = run_results["results"][0];
  for (const char* key :
       {"status", "timing", "thread_id", "execution_time", "adapter_response", "message",
        "failures", "unique_id", "compiled", "compiled_code", "relation_name", "batch_results"}) {
    EXPECT_TRUE(first.contains(key)) << key;
  }
  EXPECT_EQ(first["status"], "success");
  EXPECT_EQ(first["thread_id"], "Thread-2");
  EXPECT_EQ(first["timing"][1]["name"], "execute");
  EXPECT_EQ(first["adapter_response"]["rows_affected"], 42);
  EXPECT_EQ(first["adapter_response"]["_message"], "OK");
  EXPECT_TRUE(first["failures"].is_null());
  EXPECT_EQ(first["compiled"], true);

  EXPECT_EQ(run_results["results"][1]["status"], "fail");
  EXPECT_EQ(run_results["results"][1]["failures"], 3);
  EXPECT_EQ(run_results["results"][2]["status"], "skipped");
  EXPECT_EQ(run_results["results"][2]["adapter_response"], json::object());
  EXPECT_EQ(run_results["results"][2]["compiled"], false);
}

TEST_F(ArtifactsTest, WriteJsonFileIsAtomicAndCreatesParentDirectories) {
  const fs::path target = dir_.path() / "target";
  const fs::path path = target / "manifest.json";
  const json manifest = Manifest();
  ASSERT_TRUE(WriteJsonFile(path, manifest).ok());
  // Replacing an existing file works too.
  ASSERT_TRUE(WriteJsonFile(path, manifest).ok());

  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(target)) {
    files.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(files, ElementsAre("manifest.json")) << "no temporary file left behind";
  Result<std::string> text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find('\n'), std::string::npos) << "compact, as dbt writes it";
  EXPECT_EQ(json::parse(*text), manifest);
}

TEST_F(ArtifactsTest, WriteJsonFileReplacesInvalidUtf8InsteadOfFailing) {
  const fs::path path = dir_.path() / "run_results.json";
  ASSERT_TRUE(WriteJsonFile(path, json{{"message", std::string("caf\xe9")}}).ok());
  Result<std::string> text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(json::parse(*text)["message"], "caf\xef\xbf\xbd");
}

TEST_F(ArtifactsTest, WriteJsonFileNamesThePathOnError) {
  // A regular file where a directory is needed.
  Write("blocker", "x");
  const Status status = WriteJsonFile(dir_.path() / "blocker" / "manifest.json", json::object());
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("blocker"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace shoplytics::transform
