#include "transform/project.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/files.h"

namespace shoplytics::transform {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A project written into a fresh temporary directory.
class TestProject {
 public:
  TestProject() : dir_(std::move(TempDir::Create("dbtproject")).value()) {}

  TestProject& Write(const std::string& relative, std::string_view text) {
    const fs::path path = dir_.path() / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return *this;
  }
  const fs::path& root() const { return dir_.path(); }
  Result<Project> Load() const {
    return Project::Load(root(), [](std::string_view name) {
      return name == "SHOP_SCHEMA" ? std::optional<std::string>("analytics") : std::nullopt;
    });
  }

 private:
  TempDir dir_;
};

constexpr std::string_view kProjectFile = R"(name: shop
version: "1.0"
profile: shop_profile
vars:
  start_date: "2024-01-01"
models:
  shop:
    +materialized: view
    +tags: [nightly]
    staging:
      +schema: staging
      +tags: staging
      +pre-hook: "select 1"
    marts:
      materialized: table
      orders:
        +alias: fct_orders
seeds:
  shop:
    +schema: raw
)";

Project LoadOrDie(const TestProject& project) {
  Result<Project> loaded = project.Load();
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  return loaded.ok() ? *loaded : Project();
}

std::vector<std::string> Ids(const Project& project) {
  std::vector<std::string> ids;
  for (const auto& [id, node] : project.nodes()) ids.push_back(id);
  return ids;
}

TEST(DbtProject, DiscoversFilesUnderDefaultPathsWithDbtIds) {
  TestProject files;
  files.Write("dbt_project.yml", kProjectFile)
      .Write("models/staging/stg_orders.sql", "select * from {{ ref('raw_orders') }}")
      .Write("models/marts/orders.sql", "select 1")
      .Write("models/notes.txt", "not a model")
      .Write("seeds/raw_orders.csv", "id,amount\n1,10\n")
      .Write("snapshots/orders_snapshot.sql",
             "{% snapshot orders_snapshot %}\nselect 1\n{% endsnapshot %}\n")
      .Write("tests/assert_positive.sql", "select 1 where false")
      .Write("macros/cents.sql", "{% macro cents(x) %}{{ x }} * 100{% endmacro %}");
  const Project project = LoadOrDie(files);
  EXPECT_EQ(project.name(), "shop");
  EXPECT_EQ(project.version(), "1.0");
  EXPECT_EQ(project.profile(), "shop_profile");
  EXPECT_EQ(*project.vars().GetString("start_date"), "2024-01-01");
  EXPECT_EQ(Ids(project), (std::vector<std::string>{
                              "model.shop.orders", "model.shop.stg_orders", "seed.shop.raw_orders",
                              "snapshot.shop.orders_snapshot", "test.shop.assert_positive"}));
  const Node& stg = *project.Find("model.shop.stg_orders");
  EXPECT_EQ(stg.original_file_path, "models/staging/stg_orders.sql");
  EXPECT_EQ(stg.path, "staging/stg_orders.sql");
  EXPECT_EQ(stg.fqn, (std::vector<std::string>{"shop", "staging", "stg_orders"}));
  EXPECT_EQ(stg.raw_code, "select * from {{ ref('raw_orders') }}");
  EXPECT_EQ(project.Find("snapshot.shop.orders_snapshot")->raw_code, "\nselect 1\n");
  EXPECT_EQ(project.Find("seed.shop.raw_orders")->seed_file,
            (files.root() / "seeds/raw_orders.csv").generic_string());
  EXPECT_FALSE(project.Find("test.shop.assert_positive")->test_metadata.has_value());
  ASSERT_EQ(project.macro_files().size(), 1u);
  EXPECT_EQ(project.macro_files()[0].path, "macros/cents.sql");
}

TEST(DbtProject, HonoursConfiguredResourcePaths) {
  TestProject files;
  files.Write("dbt_project.yml", "name: shop\nmodel-paths: [transform]\nseed-paths: [data]\n")
      .Write("transform/a.sql", "select 1")
      .Write("models/ignored.sql", "select 1")
      .Write("data/b.csv", "x\n1\n");
  const Project project = LoadOrDie(files);
  EXPECT_EQ(Ids(project), (std::vector<std::string>{"model.shop.a", "seed.shop.b"}));
  EXPECT_EQ(project.profile(), "shop");  // defaults to the project name
  EXPECT_EQ(project.paths().snapshot_paths, std::vector<std::string>{"snapshots"});
}

TEST(DbtProject, ResolvesConfigFromProjectTreeThenPropertiesThenInFileLayer) {
  TestProject files;
  files.Write("dbt_project.yml", kProjectFile)
      .Write("models/staging/stg_orders.sql", "select 1")
      .Write("models/marts/orders.sql", "select 1")
      .Write("models/marts/customers.sql", "select 1")
      .Write("models/marts/schema.yml", R"(version: 2
models:
  - name: customers
    config:
      materialized: incremental
      unique_key: customer_id
      tags: [pii, nightly]
      post-hook: "analyze {{ this }}"
)")
      .Write("seeds/raw.csv", "x\n1\n");
  Project project = LoadOrDie(files);

  const NodeConfig& stg = project.Find("model.shop.stg_orders")->config;
  EXPECT_EQ(stg.materialized(), "view");
  EXPECT_EQ(stg.GetString("schema"), "staging");
  EXPECT_EQ(stg.tags(), (std::vector<std::string>{"nightly", "staging"}));
  EXPECT_EQ(stg.pre_hooks(), std::vector<std::string>{"select 1"});

  const NodeConfig& orders = project.Find("model.shop.orders")->config;
  EXPECT_EQ(orders.materialized(), "table");           // a known config key without '+'
  EXPECT_EQ(orders.GetString("alias"), "fct_orders");  // the model's own fqn level

  const NodeConfig& customers = project.Find("model.shop.customers")->config;
  EXPECT_EQ(customers.materialized(), "incremental");  // properties beat the project tree
  EXPECT_EQ(customers.GetString("unique_key"), "customer_id");
  EXPECT_EQ(customers.tags(), (std::vector<std::string>{"nightly", "pii"}));
  EXPECT_EQ(customers.post_hooks(), std::vector<std::string>{"analyze {{ this }}"});
  EXPECT_TRUE(customers.GetString("alias").empty());

  EXPECT_EQ(project.Find("seed.shop.raw")->config.materialized(), "seed");
  EXPECT_EQ(project.Find("seed.shop.raw")->config.GetString("schema"), "raw");
  EXPECT_TRUE(project.warnings().empty()) << project.warnings()[0];

  // The config() call of the SQL is the last layer.
  ASSERT_TRUE(
      project
          .ApplyInFileConfig("model.shop.customers", {{"materialized", "table"},
                                                      {"tags", "finance"},
                                                      {"post_hook", json::array({"grant select"})}})
          .ok());
  const NodeConfig& merged = project.Find("model.shop.customers")->config;
  EXPECT_EQ(merged.materialized(), "table");
  EXPECT_EQ(merged.tags(), (std::vector<std::string>{"nightly", "pii", "finance"}));
  EXPECT_EQ(merged.post_hooks(), (std::vector<std::string>{"analyze {{ this }}", "grant select"}));
}

TEST(DbtProject, MergeConfigLayerAccumulatesListsAndOverridesTheRest) {
  NodeConfig config;
  ASSERT_TRUE(MergeConfigLayer(config, {{"+tags", "a"},
                                        {"materialized", "view"},
                                        {"meta", {{"owner", "x"}, {"tier", 1}}}})
                  .ok());
  ASSERT_TRUE(MergeConfigLayer(config, {{"tags", {"b", "a"}},
                                        {"materialized", "table"},
                                        {"pre-hook", "select 1"},
                                        {"meta", {{"owner", "y"}}}})
                  .ok());
  EXPECT_EQ(config.tags(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(config.materialized(), "table");
  EXPECT_EQ(config.pre_hooks(), std::vector<std::string>{"select 1"});
  EXPECT_EQ(config.Get("meta"), (json{{"owner", "y"}, {"tier", 1}}));
  EXPECT_EQ(MergeConfigLayer(config, {{"enabled", "maybe"}}).message(),
            "config enabled: expected a boolean, got \"maybe\"");
  EXPECT_EQ(MergeConfigLayer(config, {{"tags", {1}}}).message(),
            "config tags: expected a string or a list of strings, got [1]");
}

TEST(DbtProject, WarnsOfConfigPathsThatMatchNoResource) {
  TestProject files;
  files
      .Write("dbt_project.yml", R"(name: shop
models:
  shop:
    +materialized: view
    stagin:
      +schema: staging
    marts:
      meta: {owner: finance}
      core:
        +materialized: table
  other_package:
    +enabled: false
)")
      .Write("models/marts/orders.sql", "select 1")
      .Write("models/staging/stg.sql", "select 1");
  const Project project = LoadOrDie(files);
  EXPECT_EQ(project.warnings(),
            (std::vector<std::string>{
                "dbt_project.yml:5: models.shop.stagin: this config path matches no resource",
                "dbt_project.yml:9: models.shop.marts.core: this config path matches no resource",
                "dbt_project.yml:11: models.other_package: this config path matches no "
                "resource"}));
}

TEST(DbtProject, LeavesOutDisabledNodesAndTheirTests) {
  TestProject files;
  files
      .Write("dbt_project.yml",
             "name: shop\nmodels:\n  shop:\n    legacy:\n      +enabled: false\n")
      .Write("models/legacy/old.sql", "select 1")
      .Write("models/new.sql", "select 1")
      .Write("models/later.sql", "select 1")
      .Write("models/later.yml",
             "models:\n  - name: later\n    tests: [{not_null: {column_name: id}}]\n")
      .Write("models/schema.yml", R"(models:
  - name: old
    columns:
      - name: id
        tests: [unique]
  - name: new
    columns:
      - name: id
        tests: [unique]
)");
  Project project = LoadOrDie(files);
  EXPECT_EQ(Ids(project),
            (std::vector<std::string>{"model.shop.later", "model.shop.new",
                                      "test.shop.not_null_later_id", "test.shop.unique_new_id"}));
  EXPECT_EQ(project.disabled(),
            (std::vector<std::string>{"model.shop.old", "test.shop.unique_old_id"}));
  ASSERT_TRUE(project.ApplyInFileConfig("model.shop.later", {{"enabled", false}}).ok());
  EXPECT_EQ(project.Find("model.shop.later"), nullptr);
  EXPECT_EQ(Ids(project), (std::vector<std::string>{"model.shop.new", "test.shop.unique_new_id"}));
  EXPECT_EQ(project.disabled(),
            (std::vector<std::string>{"model.shop.old", "test.shop.unique_old_id",
                                      "model.shop.later", "test.shop.not_null_later_id"}));
}

TEST(DbtProject, ParsesModelPropertiesAndGenericTests) {
  TestProject files;
  files.Write("dbt_project.yml", "name: shop\ndata_tests:\n  shop:\n    +store_failures: true\n")
      .Write("models/customers.sql", "select 1")
      .Write("models/marts/orders.sql", "select 1")
      .Write("models/marts/orders.yml", R"(version: 2
models:
  - name: orders
    description: One row per order.
    data_tests:
      - row_count_above:
          threshold: 10
    columns:
      - name: order_id
        description: The key.
        data_type: integer
        tests:
          - unique
          - not_null:
              config:
                severity: warn
                where: "status != 'test'"
      - name: status
        tests:
          - accepted_values:
              values: [placed, shipped]
              config:
                warn_if: ">10"
                error_if: ">100"
      - name: customer_id
        data_tests:
          - relationships:
              to: ref('customers')
              field: id
              severity: warn
          - relationships:
              name: customer_fk_two_argument_ref
              to: ref("shop", "customers")
              field: id
          - dbt_utils.not_constant:
              name: customer_id_varies
)");
  const Project project = LoadOrDie(files);
  const Node& orders = *project.Find("model.shop.orders");
  EXPECT_EQ(orders.description, "One row per order.");
  EXPECT_EQ(orders.patch_path, "models/marts/orders.yml:3");
  ASSERT_EQ(orders.columns.size(), 3u);
  EXPECT_EQ(orders.columns[0].name, "order_id");
  EXPECT_EQ(orders.columns[0].description, "The key.");
  EXPECT_EQ(orders.columns[0].data_type, "integer");

  std::vector<std::string> tests;
  for (const auto& [id, node] : project.nodes()) {
    if (node.resource_type == ResourceType::kTest) tests.push_back(id);
  }
  EXPECT_EQ(tests, (std::vector<std::string>{
                       "test.shop.accepted_values_orders_status__placed__shipped",
                       "test.shop.customer_fk_two_argument_ref", "test.shop.customer_id_varies",
                       "test.shop.not_null_orders_order_id",
                       "test.shop.relationships_orders_customer_id__id__ref_customers_",
                       "test.shop.row_count_above_orders_10", "test.shop.unique_orders_order_id"}));

  const Node& not_null = *project.Find("test.shop.not_null_orders_order_id");
  EXPECT_EQ(not_null.attached_node, "model.shop.orders");
  EXPECT_EQ(not_null.column_name, "order_id");
  EXPECT_EQ(not_null.original_file_path, "models/marts/orders.yml");
  EXPECT_EQ(not_null.fqn, (std::vector<std::string>{"shop", "marts", "not_null_orders_order_id"}));
  EXPECT_EQ(not_null.config.GetString("severity"), "warn");
  EXPECT_EQ(not_null.config.GetString("where"), "status != 'test'");
  EXPECT_EQ(not_null.config.Get("store_failures"), json(true));  // from dbt_project.yml
  EXPECT_EQ(not_null.test_metadata->kwargs,
            (json{{"column_name", "order_id"}, {"model", "ref('orders')"}}));

  const Node& accepted = *project.Find("test.shop.accepted_values_orders_status__placed__shipped");
  EXPECT_EQ(accepted.test_metadata->kwargs["values"], json::array({"placed", "shipped"}));
  EXPECT_EQ(accepted.config.GetString("warn_if"), ">10");
  EXPECT_EQ(accepted.config.GetString("error_if"), ">100");
  EXPECT_EQ(accepted.config.GetString("severity"), "ERROR");

  const Node& relationship =
      *project.Find("test.shop.relationships_orders_customer_id__id__ref_customers_");
  EXPECT_EQ(relationship.depends_on,
            (std::vector<std::string>{"model.shop.orders", "model.shop.customers"}));
  EXPECT_EQ(relationship.config.GetString("severity"), "warn");
  EXPECT_EQ(relationship.test_metadata->kwargs["field"], "id");

  EXPECT_EQ(project.Find("test.shop.customer_fk_two_argument_ref")->depends_on,
            (std::vector<std::string>{"model.shop.orders", "model.shop.customers"}));

  const Node& custom = *project.Find("test.shop.customer_id_varies");
  EXPECT_EQ(custom.test_metadata->name, "not_constant");
  EXPECT_EQ(custom.test_metadata->namespace_name, "dbt_utils");
  EXPECT_EQ(project.Find("test.shop.row_count_above_orders_10")->test_metadata->kwargs["threshold"],
            json(10));
}

TEST(DbtProject, ParsesSourcesWithInheritedFreshness) {
  TestProject files;
  files.Write("dbt_project.yml", "name: shop\n").Write("models/staging/sources.yml", R"(version: 2
sources:
  - name: shop
    schema: ${SHOP_SCHEMA}
    loaded_at_field: _loaded_at
    freshness:
      warn_after: {count: 12, period: hour}
      error_after: {count: 1, period: day}
    tables:
      - name: orders
        identifier: raw_orders
        description: Orders as loaded.
        columns:
          - name: id
            tests: [unique, not_null]
      - name: customers
        loaded_at_field: updated_at
        freshness:
          warn_after: {count: 30, period: minute}
      - name: countries
        freshness: null
  - name: stripe
    tables:
      - name: charges
)");
  const Project project = LoadOrDie(files);
  const Node& orders = *project.Find("source.shop.shop.orders");
  EXPECT_EQ(orders.resource_type, ResourceType::kSource);
  EXPECT_EQ(orders.source_name, "shop");
  EXPECT_EQ(orders.identifier, "raw_orders");
  EXPECT_EQ(orders.schema, "analytics");  // ${SHOP_SCHEMA}
  EXPECT_EQ(orders.loaded_at_field, "_loaded_at");
  EXPECT_EQ(orders.description, "Orders as loaded.");
  EXPECT_EQ(orders.fqn, (std::vector<std::string>{"shop", "staging", "shop", "orders"}));
  ASSERT_TRUE(orders.freshness.warn_after.has_value());
  EXPECT_EQ(orders.freshness.warn_after->count, 12);
  EXPECT_EQ(orders.freshness.warn_after->period, "hour");
  EXPECT_EQ(orders.freshness.error_after->period, "day");

  const Node& customers = *project.Find("source.shop.shop.customers");
  EXPECT_EQ(customers.identifier, "customers");
  EXPECT_EQ(customers.loaded_at_field, "updated_at");
  EXPECT_EQ(customers.freshness.warn_after->count, 30);
  EXPECT_EQ(customers.freshness.error_after->count, 1);  // inherited key by key
  EXPECT_FALSE(project.Find("source.shop.shop.countries")->freshness.IsSet());
  EXPECT_EQ(project.Find("source.shop.stripe.charges")->schema, "stripe");

  const Node* unique = project.Find("test.shop.source_unique_shop_orders_id");
  ASSERT_NE(unique, nullptr);
  EXPECT_EQ(unique->attached_node, "source.shop.shop.orders");
  EXPECT_EQ(unique->test_metadata->kwargs["model"], "source('shop', 'orders')");
  EXPECT_NE(project.Find("test.shop.source_not_null_shop_orders_id"), nullptr);
  EXPECT_EQ((*project.FindSource("shop", "orders"))->unique_id, "source.shop.shop.orders");
  EXPECT_EQ(project.FindSource("shop", "order").status().message(),
            "source 'shop.order' not found (did you mean 'shop.orders'?)");
}

TEST(DbtProject, ParsesSeedAndSnapshotProperties) {
  TestProject files;
  files.Write("dbt_project.yml", "name: shop\nsnapshots:\n  shop:\n    +target_schema: snapshots\n")
      .Write("seeds/countries.csv", "code,name\nDE,Germany\n")
      .Write("seeds/props.yml", R"(seeds:
  - name: countries
    config:
      column_types:
        code: varchar(2)
      delimiter: ","
)")
      .Write("snapshots/snaps.sql", R"({% snapshot orders_snap %}
{{ config(strategy='timestamp', unique_key='id', updated_at='updated_at') }}
select * from {{ source('shop', 'orders') }}
{% endsnapshot %}
{%- snapshot customers_snap -%}select 2{%- endsnapshot -%})")
      .Write("snapshots/props.yml", R"(snapshots:
  - name: customers_snap
    config:
      strategy: check
      check_cols: [name, email]
      hard_deletes: new_record
  - name: payments_snap
    relation: source('stripe', 'payments')
    config: {strategy: timestamp, unique_key: id, updated_at: created}
)");
  const Project project = LoadOrDie(files);
  EXPECT_EQ(project.Find("seed.shop.countries")->config.Get("column_types"),
            (json{{"code", "varchar(2)"}}));
  const NodeConfig& snap = project.Find("snapshot.shop.customers_snap")->config;
  EXPECT_EQ(snap.GetString("strategy"), "check");
  EXPECT_EQ(snap.GetStringList("check_cols"), (std::vector<std::string>{"name", "email"}));
  EXPECT_EQ(snap.GetString("hard_deletes"), "new_record");
  EXPECT_EQ(snap.GetString("target_schema"), "snapshots");
  EXPECT_EQ(project.Find("snapshot.shop.customers_snap")->raw_code, "select 2");
  EXPECT_NE(project.Find("snapshot.shop.orders_snap"), nullptr);
  // dbt 1.9's snapshots declared in YAML.
  const Node& payments = *project.Find("snapshot.shop.payments_snap");
  EXPECT_EQ(payments.raw_code, "select * from {{ source('stripe', 'payments') }}");
  EXPECT_EQ(payments.original_file_path, "snapshots/props.yml");
  EXPECT_EQ(payments.config.GetString("updated_at"), "created");
  EXPECT_EQ(payments.config.GetString("target_schema"), "snapshots");
}

TEST(DbtProject, FindRefSuggestsTheClosestName) {
  TestProject files;
  files.Write("dbt_project.yml", "name: shop\n")
      .Write("models/stg_orders.sql", "select 1")
      .Write("seeds/raw_orders.csv", "x\n1\n");
  const Project project = LoadOrDie(files);
  EXPECT_EQ((*project.FindRef("raw_orders"))->unique_id, "seed.shop.raw_orders");
  EXPECT_EQ(project.FindRef("stg_order").status().message(),
            "ref 'stg_order' not found (did you mean 'stg_orders'?)");
  EXPECT_EQ(project.FindRef("zzz").status().message(), "ref 'zzz' not found");
  EXPECT_EQ((*project.FindRef("stg_orders", "shop"))->unique_id, "model.shop.stg_orders");
  EXPECT_EQ(project.FindRef("stg_orders", "other").status().message(),
            "ref 'other.stg_orders' not found: no package 'other' (this project is 'shop')");
}

// Each case: files beside a minimal dbt_project.yml, and the error expected.
TEST(DbtProject, ErrorsNameTheFileLineAndKey) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> files;
    std::string expected;
  };
  const std::vector<Case> kCases = {
      {{{"models/a.sql", "select 1"},
        {"models/a.yml", "models:\n  - name: a\n    descripton: x\n"}},
       "models/a.yml:3: models[0].descripton: unknown key 'descripton' (did you mean "
       "'description'?)"},
      {{{"models/a.sql", "select 1"},
        {"models/a.yml",
         "models:\n  - name: a\n    columns:\n      - name: id\n        tests:\n"
         "          - relationships:\n              to: ref('b')\n"}},
       "models/a.yml:6: models[0].columns[0].tests[0]: relationships needs `to: ref('...')` and "
       "`field: <column>`"},
      {{{"models/a.sql", "select 1"},
        {"models/a.yml",
         "models:\n  - name: a\n    columns:\n      - name: id\n        tests:\n"
         "          - relationships: {to: ref('aa_'), field: id}\n"}},
       "models/a.yml:6: test relationships_a_id__id__ref_aa__: ref 'aa_' not found (did you mean "
       "'a'?)"},
      {{{"models/b.yml", "models:\n  - name: nope\n"}},
       "models/b.yml:2: models[0].name: no model named 'nope' in this project"},
      {{{"models/a.sql", "select 1"},
        {"models/a.yml", "models:\n  - name: a\n    config:\n      enabled: maybe\n"}},
       "models/a.yml:4: models[0].config.enabled: expected a boolean (true or false), got "
       "'maybe'"},
      {{{"models/x/a.sql", "select 1"}, {"models/y/a.sql", "select 2"}},
       "models/y/a.sql: model 'a' is defined twice (also in models/x/a.sql)"},
      {{{"models/s.yml",
         "sources:\n  - name: shop\n    freshness:\n      warn_after: "
         "{count: 1, period: week}\n    tables: [{name: t}]\n"}},
       "models/s.yml:4: sources[0].freshness.warn_after.period: expected minute, hour or day, "
       "got 'week'"},
      {{{"models/a.yml", "models: {name: a}\n"}}, "models/a.yml:1: models: expected a list"},
      {{{"snapshots/s.sql", "select 1"}},
       "snapshots/s.sql:1: no {% snapshot <name> %} ... {% endsnapshot %} block"},
  };
  for (const Case& test_case : kCases) {
    TestProject files;
    files.Write("dbt_project.yml", "name: shop\n");
    for (const auto& [path, text] : test_case.files) files.Write(path, text);
    Result<Project> project = files.Load();
    EXPECT_EQ(project.status().message(), test_case.expected);
  }
}

TEST(DbtProject, MissingProjectFileOrNameIsAnError) {
  TestProject files;
  EXPECT_EQ(files.Load().status().code(), StatusCode::kNotFound);
  files.Write("dbt_project.yml", "version: 2\n");
  EXPECT_EQ(files.Load().status().message(), "dbt_project.yml:1: name: required key is missing");
  files.Write("dbt_project.yml", "name: shop\nmodels:\n  shop:\n    +enabled: sometimes\n");
  files.Write("models/a.sql", "select 1");
  EXPECT_EQ(files.Load().status().message(),
            "dbt_project.yml:4: models.shop.+enabled: expected a boolean (true or false), got "
            "'sometimes'");
}

}  // namespace
}  // namespace shoplytics::transform
