#include "transform/selector.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/files.h"

namespace shoplytics::transform {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& root, const std::string& relative, std::string_view text) {
  fs::create_directories((root / relative).parent_path());
  std::ofstream(root / relative) << text;
}

// sources shop.orders, shop.customers; seed raw_payments; staging views over them; two
// mart tables; a unique test, a relationships test and a singular test.
class DbtSelectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path root = dir_.path();
    Write(root, "dbt_project.yml", R"(name: shop
models:
  shop:
    marts:
      +materialized: table
      +tags: [finance]
)");
    Write(root, "models/sources.yml",
          "sources:\n  - name: shop\n    tables: [{name: orders}, {name: customers}]\n");
    Write(root, "seeds/raw_payments.csv", "id\n1\n");
    Write(root, "models/staging/stg_orders.sql", "select 1");
    Write(root, "models/staging/stg_customers.sql", "select 1");
    Write(root, "models/staging/stg_payments.sql", "select 1");
    Write(root, "models/staging/schema.yml", R"(models:
  - name: stg_orders
    columns: [{name: id, tests: [unique]}]
  - name: stg_payments
    config: {tags: [nightly]}
)");
    Write(root, "models/marts/orders.sql", "select 1");
    Write(root, "models/marts/customers.sql", "select 1");
    Write(root, "models/marts/marts.yml", R"(models:
  - name: orders
    columns:
      - name: customer_id
        tests:
          - relationships: {to: ref('customers'), field: id, name: orders_customer_fk}
)");
    Write(root, "tests/assert_x.sql", "select 1");
    Result<Project> loaded = Project::Load(root);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    project_ = std::move(loaded).value();
    SetDependsOn("model.shop.stg_orders", {"source.shop.shop.orders"});
    SetDependsOn("model.shop.stg_customers", {"source.shop.shop.customers"});
    SetDependsOn("model.shop.stg_payments", {"seed.shop.raw_payments"});
    SetDependsOn("model.shop.orders", {"model.shop.stg_orders", "model.shop.stg_payments"});
    SetDependsOn("model.shop.customers", {"model.shop.stg_customers", "model.shop.orders"});
    SetDependsOn("test.shop.assert_x", {"model.shop.orders"});
    Result<Graph> graph = Graph::Build(project_);
    ASSERT_TRUE(graph.ok()) << graph.status().ToString();
    graph_ = std::move(graph).value();
  }

  void SetDependsOn(const std::string& id, std::vector<std::string> parents) {
    Node* node = project_.FindMutable(id);
    ASSERT_NE(node, nullptr) << id;
    node->depends_on = std::move(parents);
  }

  // The selection as "type:name" (sources "source:shop.orders"), sorted; or the error.
  std::string Select(std::vector<std::string> select, std::vector<std::string> exclude = {},
                     IndirectSelection indirect = IndirectSelection::kEager) {
    Result<std::set<std::string>> ids =
        SelectNodes(project_, graph_, {std::move(select), std::move(exclude), indirect});
    if (!ids.ok()) return "error: " + ids.status().message();
    std::vector<std::string> names;
    for (const std::string& id : *ids) {
      const Node& node = *project_.Find(id);
      const std::string name = node.resource_type == ResourceType::kSource
                                   ? node.source_name + "." + node.name
                                   : node.name;
      names.push_back(fmt::format("{}:{}", ResourceTypeName(node.resource_type), name));
    }
    return fmt::format("{}", fmt::join(names, " "));
  }

  TempDir dir_ = std::move(TempDir::Create("dbtselector")).value();
  Project project_;
  Graph graph_;
};

TEST_F(DbtSelectorTest, EachSelectorForm) {
  struct Case {
    std::vector<std::string> select;
    std::vector<std::string> exclude;
    std::string expected;
  };
  const std::vector<Case> kCases = {
      {{"stg_orders"}, {}, "model:stg_orders test:unique_stg_orders_id"},
      {{"stg_orders+"},
       {},
       "model:customers model:orders model:stg_orders test:assert_x test:orders_customer_fk "
       "test:unique_stg_orders_id"},
      {{"+stg_orders"}, {}, "model:stg_orders source:shop.orders test:unique_stg_orders_id"},
      {{"1+orders"},
       {},
       "model:orders model:stg_orders model:stg_payments test:assert_x test:orders_customer_fk "
       "test:unique_stg_orders_id"},
      {{"orders+1"}, {}, "model:customers model:orders test:assert_x test:orders_customer_fk"},
      {{"tag:finance"}, {}, "model:customers model:orders test:assert_x test:orders_customer_fk"},
      {{"tag:nightly"}, {}, "model:stg_payments"},
      {{"path:models/staging"},
       {},
       "model:stg_customers model:stg_orders model:stg_payments test:unique_stg_orders_id"},
      {{"path:models/staging/"},
       {},
       "model:stg_customers model:stg_orders model:stg_payments test:unique_stg_orders_id"},
      {{"models/staging/stg_orders.sql"}, {}, "model:stg_orders test:unique_stg_orders_id"},
      {{"source:shop"}, {}, "source:shop.customers source:shop.orders"},
      {{"source:shop.orders+"},
       {},
       "model:customers model:orders model:stg_orders source:shop.orders test:assert_x "
       "test:orders_customer_fk test:unique_stg_orders_id"},
      {{"config.materialized:table"},
       {},
       "model:customers model:orders test:assert_x test:orders_customer_fk"},
      {{"+customers,config.materialized:view"},
       {},
       "model:stg_customers model:stg_orders model:stg_payments test:unique_stg_orders_id"},
      {{"stg_orders stg_customers"},
       {},
       "model:stg_customers model:stg_orders test:unique_stg_orders_id"},
      {{"stg_orders", "stg_customers"},
       {},
       "model:stg_customers model:stg_orders test:unique_stg_orders_id"},
      {{"staging"},
       {},
       "model:stg_customers model:stg_orders model:stg_payments test:unique_stg_orders_id"},
      {{"shop.marts.orders"}, {}, "model:orders test:assert_x test:orders_customer_fk"},
      {{"stg_*"},
       {},
       "model:stg_customers model:stg_orders model:stg_payments test:unique_stg_orders_id"},
      {{"@stg_payments"},
       {},
       "model:customers model:orders model:stg_customers model:stg_orders model:stg_payments "
       "seed:raw_payments source:shop.customers source:shop.orders test:assert_x "
       "test:orders_customer_fk test:unique_stg_orders_id"},
      {{"resource_type:seed"}, {}, "seed:raw_payments"},
      {{"test_type:singular"}, {}, "test:assert_x"},
      {{"test_name:relationships"}, {}, "test:orders_customer_fk"},
      {{"+orders"},
       {"stg_payments"},
       "model:orders model:stg_orders seed:raw_payments source:shop.orders test:assert_x "
       "test:orders_customer_fk test:unique_stg_orders_id"},
      {{},
       {"orders", "resource_type:source"},
       "model:customers model:stg_customers model:stg_orders model:stg_payments "
       "seed:raw_payments test:unique_stg_orders_id"},
      {{"nothing_matches"}, {}, ""},
  };
  for (const Case& test_case : kCases) {
    EXPECT_EQ(Select(test_case.select, test_case.exclude), test_case.expected)
        << fmt::format("--select {} --exclude {}", test_case.select, test_case.exclude);
  }
}

TEST_F(DbtSelectorTest, IndirectSelectionModes) {
  EXPECT_EQ(Select({"orders"}, {}, IndirectSelection::kEager),
            "model:orders test:assert_x test:orders_customer_fk");
  EXPECT_EQ(Select({"orders"}, {}, IndirectSelection::kCautious), "model:orders test:assert_x");
  EXPECT_EQ(Select({"orders customers"}, {}, IndirectSelection::kCautious),
            "model:customers model:orders test:assert_x test:orders_customer_fk");
  EXPECT_EQ(Select({"orders"}, {}, IndirectSelection::kEmpty), "model:orders");
}

TEST_F(DbtSelectorTest, MalformedSelectorsAreErrorsNamingTheAtom) {
  EXPECT_EQ(Select({"tagx:a"}), "error: --select 'tagx:a': unknown selector method 'tagx'");
  EXPECT_EQ(Select({}, {"resource_type:view"}),
            "error: --exclude 'resource_type:view': unknown resource type 'view' (model, seed, "
            "snapshot, test, source)");
  EXPECT_EQ(Select({"tag:"}), "error: --select 'tag:': expected [@][n+]method:value[+n]");
  EXPECT_EQ(Select({"@+orders"}), "error: --select '@+orders': '@' cannot be combined with '+'");
}

}  // namespace
}  // namespace shoplytics::transform
