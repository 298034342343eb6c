#include "transform/compiler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/files.h"
#include "duck_rows.h"
#include "warehouse/adapter.h"
#include "warehouse/connection.h"

namespace shoplytics::transform {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Files = std::vector<std::pair<std::string, std::string>>;
using Rows = std::vector<std::string>;

constexpr std::string_view kProjectFile = R"(name: shop
version: "1.0"
profile: shop
)";

// A project written into a fresh temporary directory, compiled against the "analytics"
// schema of an in-memory DuckDB with a stubbed environment.
class TestProject {
 public:
  explicit TestProject(const Files& files = {})
      : dir_(std::move(TempDir::Create("compilertest")).value()) {
    Write("dbt_project.yml", kProjectFile);
    for (const auto& [path, text] : files) Write(path, text);
  }

  TestProject& Write(const std::string& relative, std::string_view text) {
    const fs::path path = dir_.path() / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return *this;
  }

  static CompileOptions Options() {
    CompileOptions options;
    options.target.target_name = "dev";
    options.target.type = "duckdb";
    options.target.path = ":memory:";
    options.target.schema = "analytics";
    options.env = [](std::string_view name) -> std::optional<std::string> {
      if (name == "SHOP_REGION") return "eu";
      return std::nullopt;
    };
    return options;
  }

  Result<std::unique_ptr<Compiler>> Create(CompileOptions options = Options()) const {
    ASSIGN_OR_RETURN(Project project, Project::Load(dir_.path(), options.env));
    return Compiler::Create(std::move(project), adapter_, std::move(options));
  }

  std::unique_ptr<Compiler> CreateOrDie(CompileOptions options = Options()) const {
    Result<std::unique_ptr<Compiler>> compiler = Create(std::move(options));
    EXPECT_TRUE(compiler.ok()) << compiler.status().ToString();
    if (!compiler.ok()) return nullptr;
    return std::move(*compiler);
  }

  const warehouse::DuckDbAdapter& adapter() const { return adapter_; }

 private:
  TempDir dir_;
  warehouse::DuckDbAdapter adapter_;
};

// The compiled SQL of `id`, or "error: <message>".
std::string CompileText(const Compiler& compiler, const std::string& id,
                        warehouse::Connection* conn = nullptr) {
  Result<CompiledNode> compiled = compiler.Compile(id, conn);
  if (!compiled.ok()) return "error: " + compiled.status().message();
  return compiled->sql;
}

// The unique id of the generic test `name` on `column`.
std::string GenericTestId(const Compiler& compiler, std::string_view name,
                          std::string_view column) {
  for (const auto& [id, node] : compiler.project().nodes()) {
    if (node.test_metadata && node.test_metadata->name == name && node.column_name == column) {
      return id;
    }
  }
  ADD_FAILURE() << "no " << name << " test on " << column;
  return "";
}

// --- Compiled SQL of model.shop.m, table-driven.

struct SqlCase {
  const char* name;
  Files files;
  std::string expected;
  CompileOptions options = TestProject::Options();
};

CompileOptions WithVars(json vars) {
  CompileOptions options = TestProject::Options();
  options.vars = std::move(vars);
  return options;
}

CompileOptions ForDialect(std::string dialect) {
  CompileOptions options = TestProject::Options();
  options.dialect = std::move(dialect);
  return options;
}

constexpr std::string_view kSources = R"(version: 2
sources:
  - name: raw
    schema: landing
    tables:
      - name: orders
        identifier: orders_v1
      - name: customers
  - name: crm
    tables:
      - name: accounts
)";

constexpr std::string_view kVarsProject = R"(name: shop
version: "1.0"
profile: shop
vars:
  region: global
  limit: 10
  shop:
    scoped: from_scope
    region: scoped_region
)";

constexpr std::string_view kOwnSchemaMacro =
    R"({% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %})";

constexpr std::string_view kEphemeral = "{{ config(materialized='ephemeral') }}select 1 as id";

std::vector<SqlCase> SqlCases() {
  return {
      {"RefOneArgument",
       {{"models/a.sql", "select 1"}, {"models/m.sql", "select * from {{ ref('a') }}"}},
       R"(select * from "analytics"."a")"},
      {"RefWithPackage",
       {{"models/a.sql", "select 1"}, {"models/m.sql", "select * from {{ ref('shop', 'a') }}"}},
       R"(select * from "analytics"."a")"},
      {"RefToModelWithOwnAliasParsedAfter",
       {{"models/z.sql", "{{ config(alias='orders_v2') }}select 1"},
        {"models/m.sql", "select * from {{ ref('z') }}"}},
       R"(select * from "analytics"."orders_v2")"},
      {"RefToModelWithOwnAliasParsedBefore",
       {{"models/a.sql", "{{ config(alias='orders_v2') }}select 1"},
        {"models/m.sql", "select * from {{ ref('a') }}"}},
       R"(select * from "analytics"."orders_v2")"},
      {"RefToModelWithOwnCustomSchema",
       {{"models/z.sql", "{{ config(schema='marts') }}select 1"},
        {"models/m.sql", "select * from {{ ref('z') }}"}},
       R"(select * from "analytics_marts"."z")"},
      {"CustomSchemaFromProjectFile",
       {{"dbt_project.yml", std::string(kProjectFile) + "models:\n  shop:\n    staging:\n      "
                                                        "+schema: staging\n"},
        {"models/staging/a.sql", "select 1"},
        {"models/m.sql", "select * from {{ ref('a') }}"}},
       R"(select * from "analytics_staging"."a")"},
      {"ProjectGenerateSchemaNameOverridesConcatenation",
       {{"macros/schema.sql", std::string(kOwnSchemaMacro)},
        {"models/z.sql", "{{ config(schema='marts') }}select 1"},
        {"models/a.sql", "select 1"},
        {"models/m.sql", "select * from {{ ref('z') }} join {{ ref('a') }}"}},
       R"(select * from "marts"."z" join "analytics"."a")"},
      {"This", {{"models/m.sql", "select * from {{ this }}"}}, R"(select * from "analytics"."m")"},
      {"ThisWithOwnAliasAndSchema",
       {{"models/m.sql",
         "{{ config(alias='mm', schema='s') }}{{ this }} {{ this.schema }} {{ this.identifier }} "
         "{{ this.name }} {{ this.database }}"}},
       R"("analytics_s"."mm" analytics_s mm mm memory)"},
      {"RefAttributes",
       {{"models/z.sql", "{{ config(alias='zz') }}select 1"},
        {"models/m.sql", "{{ ref('z').schema }}.{{ ref('z').identifier }}"}},
       "analytics.zz"},
      {"SourceWithSchemaAndIdentifierOverrides",
       {{"models/sources.yml", std::string(kSources)},
        {"models/m.sql", "{{ source('raw', 'orders') }} {{ source('raw', 'customers') }}"}},
       R"("landing"."orders_v1" "landing"."customers")"},
      {"SourceSchemaDefaultsToSourceName",
       {{"models/sources.yml", std::string(kSources)},
        {"models/m.sql", "{{ source('crm', 'accounts') }}"}},
       R"("crm"."accounts")"},
      {"ConfigGetWithDefault",
       {{"models/m.sql",
         "{{ config(materialized='table') }}{{ config.get('materialized') }} "
         "{{ config.get('nope', 'fallback') }} {{ config.get('nope') is none }}"}},
       "table fallback True"},
      {"VarGlobal",
       {{"dbt_project.yml", std::string(kVarsProject)}, {"models/m.sql", "{{ var('limit') }}"}},
       "10"},
      {"VarScopedUnderProjectNameWins",
       {{"dbt_project.yml", std::string(kVarsProject)},
        {"models/m.sql", "{{ var('scoped') }} {{ var('region') }}"}},
       "from_scope scoped_region"},
      {"VarFromCommandLineWins",
       {{"dbt_project.yml", std::string(kVarsProject)}, {"models/m.sql", "{{ var('region') }}"}},
       "cli",
       WithVars({{"region", "cli"}})},
      {"VarDefault", {{"models/m.sql", "{{ var('missing', 'dflt') }}"}}, "dflt"},
      {"EnvVar",
       {{"models/m.sql", "{{ env_var('SHOP_REGION') }} {{ env_var('SHOP_NOPE', 'us') }}"}},
       "eu us"},
      {"DispatchPrefersDuckdb",
       {{"macros/d.sql",
         "{% macro default__size() %}default{% endmacro %}"
         "{% macro duckdb__size() %}duck{% endmacro %}"},
        {"models/m.sql", "{{ adapter.dispatch('size')() }}"}},
       "duck"},
      {"DispatchFallsBackToDefault",
       {{"macros/d.sql", "{% macro default__size() %}default{% endmacro %}"},
        {"models/m.sql", "{{ adapter.dispatch('size')() }}"}},
       "default"},
      {"DispatchForPostgresTakesItsMacrosThenDefault",
       {{"macros/d.sql",
         "{% macro default__size() %}default{% endmacro %}"
         "{% macro duckdb__size() %}duck{% endmacro %}"
         "{% macro postgres__kind() %}pg{% endmacro %}"
         "{% macro duckdb__kind() %}duck{% endmacro %}"},
        {"models/m.sql",
         "{{ adapter.dispatch('size')() }} {{ adapter.dispatch('kind')() }} {{ target.type }} "
         "{{ adapter.type }}"}},
       "default pg postgres postgres",
       ForDialect("postgres")},
      {"ProjectMacroWithArguments",
       {{"macros/money.sql", "{% macro cents_to_dollars(col) %}({{ col }} / 100.0){% endmacro %}"},
        {"models/m.sql", "select {{ cents_to_dollars('amount') }}"}},
       "select (amount / 100.0)"},
      {"TargetVariables",
       {{"models/m.sql", "{{ target.name }} {{ target.schema }}"}},
       "dev analytics"},
      {"EphemeralInjectedAsCte",
       {{"models/e.sql", std::string(kEphemeral)},
        {"models/m.sql", "select * from {{ ref('e') }}"}},
       "with __dbt__cte__e as (\nselect 1 as id\n)\nselect * from __dbt__cte__e"},
      {"EphemeralReadingEphemeralInnerFirst",
       {{"models/e1.sql", std::string(kEphemeral)},
        {"models/e2.sql", "{{ config(materialized='ephemeral') }}select * from {{ ref('e1') }}"},
        {"models/m.sql", "select * from {{ ref('e2') }}"}},
       "with __dbt__cte__e1 as (\nselect 1 as id\n),\n__dbt__cte__e2 as (\nselect * from "
       "__dbt__cte__e1\n)\nselect * from __dbt__cte__e2"},
      {"EphemeralDiamondInjectedOnce",
       {{"models/e1.sql", std::string(kEphemeral)},
        {"models/e2.sql", "{{ config(materialized='ephemeral') }}select * from {{ ref('e1') }}"},
        {"models/m.sql", "select * from {{ ref('e2') }} join {{ ref('e1') }}"}},
       "with __dbt__cte__e1 as (\nselect 1 as id\n),\n__dbt__cte__e2 as (\nselect * from "
       "__dbt__cte__e1\n)\nselect * from __dbt__cte__e2 join __dbt__cte__e1"},
      {"EphemeralAfterLeadingWith",
       {{"models/e.sql", std::string(kEphemeral)},
        {"models/m.sql", "-- note\nWITH x as (select * from {{ ref('e') }}) select * from x"}},
       "-- note\nWITH __dbt__cte__e as (\nselect 1 as id\n),\n x as (select * from "
       "__dbt__cte__e) select * from x"},
      {"EphemeralByProjectConfig",
       {{"dbt_project.yml", std::string(kProjectFile) +
                                "models:\n  shop:\n    eph:\n      +materialized: ephemeral\n"},
        {"models/eph/e.sql", "select 2 as id"},
        {"models/m.sql", "select * from {{ ref('e') }}"}},
       "with __dbt__cte__e as (\nselect 2 as id\n)\nselect * from __dbt__cte__e"},
  };
}

TEST(CompilerSql, CompilesEachCase) {
  for (const SqlCase& c : SqlCases()) {
    SCOPED_TRACE(c.name);
    TestProject project(c.files);
    std::unique_ptr<Compiler> compiler = project.CreateOrDie(c.options);
    if (compiler == nullptr) continue;
    EXPECT_EQ(CompileText(*compiler, "model.shop.m"), c.expected);
  }
}

// --- Errors of Create (parse) or Compile, table-driven.

struct ErrorCase {
  const char* name;
  Files files;
  std::vector<std::string> substrings;
};

std::vector<ErrorCase> ErrorCases() {
  return {
      {"UnknownRefNamesClosestModelAndPosition",
       {{"models/orders.sql", "select 1"}, {"models/m.sql", "select *\nfrom {{ ref('orderz') }}"}},
       {"model m", "models/m.sql:2:", "ref 'orderz' not found", "did you mean 'orders'"}},
      {"UnknownSource",
       {{"models/sources.yml", std::string(kSources)},
        {"models/m.sql", "select * from {{ source('raw', 'refunds') }}"}},
       {"model m", "models/m.sql:1:", "refunds"}},
      {"Cycle",
       {{"models/a.sql", "select * from {{ ref('b') }}"},
        {"models/b.sql", "select * from {{ ref('a') }}"}},
       {"cycle: model.shop.a -> model.shop.b -> model.shop.a"}},
      {"MissingVar",
       {{"models/m.sql", "{{ var('start_date') }}"}},
       {"model m", "required var 'start_date' not found"}},
      {"MissingEnvVar",
       {{"models/m.sql", "{{ env_var('SHOP_SECRET') }}"}},
       {"model m", "env var required but not provided: 'SHOP_SECRET'"}},
      {"EveryFailingNodeReported",
       {{"models/a.sql", "{{ ref('nope_a') }}"}, {"models/b.sql", "{{ ref('nope_b') }}"}},
       {"model a", "nope_a", "model b", "nope_b"}},
      {"RaiseCompilerError",
       {{"models/m.sql", "{{ exceptions.raise_compiler_error('bad grain') }}"}},
       {"model m", "bad grain"}},
      {"SyntaxErrorInModel",
       {{"models/m.sql", "select {{ 1 + }}"}},
       {"model m: models/m.sql:1:15: expected an expression"}},
      {"SyntaxErrorInMacroFile",
       {{"macros/a.sql", "{% macro x() %}{% if %}{% endmacro %}"}, {"models/m.sql", "select 1"}},
       {"macros/a.sql:1:22:"}},
      {"MacroDefinedInTwoFiles",
       {{"macros/a.sql", "{% macro x() %}1{% endmacro %}"},
        {"macros/b.sql", "{% macro x() %}2{% endmacro %}"},
        {"models/m.sql", "select 1"}},
       {"macro 'x'", "macros/a.sql", "macros/b.sql"}},
      {"UndefinedFunction",
       {{"models/m.sql", "{{ undefined_fn() }}"}},
       {"model m: models/m.sql:1:4: 'undefined_fn' is undefined"}},
      {"RefToItself",
       {{"models/m.sql", "{{ ref('m') }}"}},
       {"cycle: model.shop.m -> model.shop.m"}},
      {"UnknownDocsBlock",
       {{"models/m.sql", "select 1"},
        {"models/schema.yml",
         "version: 2\nmodels:\n  - name: m\n    description: \"{{ doc('nope') }}\"\n"}},
       {"model m", "docs block 'nope' not found"}},
  };
}

TEST(CompilerErrors, NameTheNodeAndTheProblem) {
  for (const ErrorCase& c : ErrorCases()) {
    SCOPED_TRACE(c.name);
    TestProject project(c.files);
    Result<std::unique_ptr<Compiler>> compiler = project.Create();
    ASSERT_FALSE(compiler.ok());
    for (const std::string& substring : c.substrings) {
      EXPECT_NE(compiler.status().message().find(substring), std::string::npos)
          << compiler.status().message() << "\n  lacks: " << substring;
    }
  }
}

// --- Parse: depends_on and config.

TEST(CompilerParse, FillsDependsOnForModelsSnapshotsAndSingularTests) {
  TestProject project(
      Files{{"models/sources.yml", std::string(kSources)},
            {"models/a.sql", "select 1 as id"},
            {"models/m.sql",
             "select * from {{ ref('a') }} join {{ source('raw', 'orders') }} "
             "join {{ ref('a') }}"},
            {"snapshots/snap.sql",
             "{% snapshot snap %}{{ config(target_schema='snapshots', unique_key='id', "
             "strategy='check', check_cols='all') }}select * from {{ ref('m') }}"
             "{% endsnapshot %}"},
            {"tests/assert_positive.sql", "select * from {{ ref('a') }} where id < 0"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const Project& p = compiler->project();
  EXPECT_EQ(p.Find("model.shop.m")->depends_on,
            (std::vector<std::string>{"model.shop.a", "source.shop.raw.orders"}));
  EXPECT_EQ(p.Find("snapshot.shop.snap")->depends_on, std::vector<std::string>{"model.shop.m"});
  EXPECT_EQ(p.Find("test.shop.assert_positive")->depends_on,
            std::vector<std::string>{"model.shop.a"});
  EXPECT_TRUE(compiler->graph().Parents("snapshot.shop.snap").contains("model.shop.m"));
  EXPECT_EQ(CompileText(*compiler, "test.shop.assert_positive"),
            R"(select * from "analytics"."a" where id < 0)");
  EXPECT_EQ(compiler->RelationOf(*p.Find("snapshot.shop.snap")).schema, "snapshots");
}

TEST(CompilerParse, MergesConfigCallsOverProjectConfig) {
  TestProject project(Files{
      {"dbt_project.yml", std::string(kProjectFile) + "models:\n  shop:\n    +tags: [nightly]\n    "
                                                      "+materialized: view\n"},
      {"models/m.sql",
       "{{ config(materialized='incremental', tags=['finance'], unique_key=['id', 'day'], "
       "on_schema_change='append_new_columns') }}{{ config(tags='hourly') }}select 1"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const NodeConfig& config = compiler->project().Find("model.shop.m")->config;
  EXPECT_EQ(config.materialized(), "incremental");
  EXPECT_EQ(config.tags(), (std::vector<std::string>{"nightly", "finance", "hourly"}));
  EXPECT_EQ(config.GetStringList("unique_key"), (std::vector<std::string>{"id", "day"}));
  EXPECT_EQ(CompileText(*compiler, "model.shop.m"), "select 1");
}

TEST(CompilerParse, ConfigEnabledFalseDropsTheModel) {
  TestProject project(
      Files{{"models/m.sql", "{{ config(enabled=false) }}select 1"}, {"models/a.sql", "select 2"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(compiler->project().Find("model.shop.m"), nullptr);
  EXPECT_FALSE(compiler->graph().Contains("model.shop.m"));
  EXPECT_EQ(compiler->Infos().count("model.shop.m"), 0u);
}

TEST(CompilerParse, RendersDocInDescriptions) {
  TestProject project(Files{
      {"macros/docs.sql", "{% docs orders %}One row per order.{% enddocs %}"},
      {"models/orders.sql", "select 1 as id"},
      {"models/schema.yml",
       "version: 2\nmodels:\n  - name: orders\n    description: \"{{ doc('orders') }}\"\n"
       "    columns:\n      - name: id\n        description: \"Key of {{ doc('orders') }}\"\n"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const Node* node = compiler->project().Find("model.shop.orders");
  EXPECT_EQ(node->description, "One row per order.");
  ASSERT_EQ(node->columns.size(), 1u);
  EXPECT_EQ(node->columns[0].description, "Key of One row per order.");
}

TEST(CompilerParse, LogWritesInfoMessagesToTheSink) {
  std::vector<std::string> logged;
  CompileOptions options = TestProject::Options();
  options.log = [&logged](const std::string& message) { logged.push_back(message); };
  TestProject project(
      Files{{"models/m.sql", "{{ log('visible', info=True) }}{{ log('debug only') }}select 1"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie(std::move(options));
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(logged, std::vector<std::string>{"visible"});
  EXPECT_EQ(CompileText(*compiler, "model.shop.m"), "select 1");
}

// --- Compile with a warehouse: is_incremental and run_query.

class CompilerWarehouseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(warehouse::Database::OpenInMemory().value());
    conn_ = std::move(warehouse::Connection::Open(db_).value());
  }
  void Exec(const std::string& sql) {
    Result<warehouse::QueryResult> result = conn_.Query(sql);
    ASSERT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  }
  Rows Query(const std::string& sql) { return testing::DuckRows(conn_, sql); }

  warehouse::Database db_;
  warehouse::Connection conn_;
};

constexpr std::string_view kIncremental =
    "{{ config(materialized='incremental') }}select 1 as id"
    "{% if is_incremental() %} where id > (select max(id) from {{ this }}){% endif %}";

TEST_F(CompilerWarehouseTest, IsIncrementalOnlyWhenTheTableExists) {
  TestProject project(Files{{"models/inc.sql", std::string(kIncremental)}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  Result<CompiledNode> first = compiler->Compile("model.shop.inc", &conn_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->is_incremental);
  EXPECT_EQ(first->sql, "select 1 as id");

  Exec("create schema analytics; create table analytics.inc as select 1 as id");
  Result<CompiledNode> second = compiler->Compile("model.shop.inc", &conn_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->is_incremental);
  EXPECT_EQ(second->sql, R"(select 1 as id where id > (select max(id) from "analytics"."inc"))");
  EXPECT_EQ(CompileText(*compiler, "model.shop.inc", nullptr), "select 1 as id");
}

TEST_F(CompilerWarehouseTest, IsIncrementalFalseWithFullRefreshOrWhenNotIncremental) {
  Exec(
      "create schema analytics; create table analytics.inc as select 1 as id; "
      "create table analytics.tbl as select 1 as id");
  TestProject project(Files{{"models/inc.sql", std::string(kIncremental)},
                            {"models/tbl.sql",
                             "{{ config(materialized='table') }}{% if is_incremental() %}incr{% "
                             "else %}full{% endif %}"}});
  CompileOptions options = TestProject::Options();
  options.full_refresh = true;
  std::unique_ptr<Compiler> refreshing = project.CreateOrDie(options);
  ASSERT_NE(refreshing, nullptr);
  EXPECT_EQ(CompileText(*refreshing, "model.shop.inc", &conn_), "select 1 as id");
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.tbl", &conn_), "full");
}

TEST_F(CompilerWarehouseTest, LoadRelationAndGetRelationFindWhatTheWarehouseHolds) {
  Exec("create schema analytics; create table analytics.present as select 1 as id");
  TestProject project(Files{
      {"models/present.sql",
       "{% set r = load_relation(this) %}{% if r is none %}none{% else %}{{ r }} {{ r.schema }}.{{ "
       "r.identifier }}{% endif %}"},
      {"models/absent.sql", "{% if load_relation(this) is none %}none{% else %}some{% endif %}"},
      {"models/other.sql",
       "{{ adapter.get_relation(database=this.database, schema='analytics', "
       "identifier='present') }}|{{ adapter.get_relation(this.database, 'analytics', 'nope') "
       "is none }}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.present", &conn_),
            "\"analytics\".\"present\" analytics.present");
  EXPECT_EQ(CompileText(*compiler, "model.shop.absent", &conn_), "none");
  EXPECT_EQ(CompileText(*compiler, "model.shop.other", &conn_), "\"analytics\".\"present\"|True");
  EXPECT_TRUE(compiler->NeedsConnection("model.shop.absent"));
}

TEST_F(CompilerWarehouseTest, GetColumnsInRelationListsTheColumnsOrNothingForAMissingRelation) {
  Exec("create schema analytics; create table analytics.present (id bigint, name varchar)");
  TestProject project(Files{
      {"models/present.sql",
       "{% for c in adapter.get_columns_in_relation(this) %}{{ c.name }} {{ c.dtype }};"
       "{% endfor %}"},
      {"models/absent.sql",
       "{{ adapter.get_columns_in_relation(this) | length }}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.present", &conn_), "id BIGINT;name VARCHAR;");
  EXPECT_EQ(CompileText(*compiler, "model.shop.absent", &conn_), "0");
  EXPECT_TRUE(compiler->NeedsConnection("model.shop.absent"));
}

TEST_F(CompilerWarehouseTest, GetColumnsInRelationNamesARelationThatExistsButCannotBeRead) {
  Exec("create schema analytics; create table analytics.gone (x integer); "
       "create view analytics.broken as select * from analytics.gone; drop table analytics.gone");
  TestProject project(
      Files{{"models/broken.sql", "{{ adapter.get_columns_in_relation(this) | length }}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const std::string text = CompileText(*compiler, "model.shop.broken", &conn_);
  EXPECT_NE(text.find("adapter.get_columns_in_relation(\"analytics\".\"broken\")"),
            std::string::npos)
      << text;
}

TEST_F(CompilerWarehouseTest, IsIncrementalFalseWhenTheRelationIsAView) {
  Exec("create schema analytics; create view analytics.inc as select 1 as id");
  TestProject project(Files{{"models/inc.sql", std::string(kIncremental)}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.inc", &conn_), "select 1 as id");
}

TEST_F(CompilerWarehouseTest, IsIncrementalInsideAProjectMacro) {
  Exec("create schema analytics; create table analytics.inc as select 1 as id");
  TestProject project(Files{
      {"macros/filter.sql",
       "{% macro only_new() %}{% if is_incremental() %} where id > 1{% endif %}{% endmacro %}"},
      {"models/inc.sql",
       "{{ config(materialized='incremental') }}select 1 as id{{ only_new() }}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.inc", &conn_), "select 1 as id where id > 1");
}

TEST_F(CompilerWarehouseTest, RunQueryReturnsRowsAtExecuteAndNoneAtParse) {
  TestProject project(
      Files{{"models/m.sql",
             "{% set result = run_query('select 42 as x, 7 as y') %}"
             "{% if result is none %}none{% else %}{{ result.rows[0][0] }},{{ result.rows[0][1] }}"
             "{% endif %}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.m", &conn_), "42,7");
  EXPECT_NE(CompileText(*compiler, "model.shop.m", nullptr).find("needs a warehouse connection"),
            std::string::npos);
}

// Tests only read: a test's run_query SELECT returns what it returned to a test before,
// until ForgetReads (which the runner calls around every node that may write). A model's
// run_query always runs, as does a statement that is not a single SELECT; a test that
// changes the table it was given leaves the next one the result as it was read.
TEST_F(CompilerWarehouseTest, TestsReuseRunQuerySelectsUntilForgetReads) {
  Exec("create table t as select 1 as n");
  const std::string count =
      "{% set r = run_query('-- rows\\nselect count(*) from t') %}"
      "select {{ r.rows[0][0] if r is not none else 0 }} as n";
  const std::string with_count =
      "{% set r = run_query('with c as (select count(*) as n from t) select n from c') %}"
      "select {{ r.rows[0][0] if r is not none else 0 }} as n";
  TestProject project(Files{
      {"tests/first.sql", count},
      {"tests/second.sql", count},
      {"tests/with_count.sql", with_count},
      {"tests/changes_rows.sql",
       "{% set r = run_query('-- rows\\nselect count(*) from t') %}"
       "{% if r is not none %}{% do r.rows.append([99]) %}{% endif %}"
       "select {{ r.rows | length if r is not none else 0 }} as n"},
      {"tests/reads_rows.sql",
       "{% set r = run_query('-- rows\\nselect count(*) from t') %}"
       "select {{ r.rows | length if r is not none else 0 }} as n"},
      {"models/m.sql", count}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "test.shop.first", &conn_), "select 1 as n");
  EXPECT_EQ(CompileText(*compiler, "test.shop.with_count", &conn_), "select 1 as n");
  Exec("insert into t values (2)");  // behind the compiler's back: no node wrote
  EXPECT_EQ(CompileText(*compiler, "test.shop.second", &conn_), "select 1 as n");
  EXPECT_EQ(CompileText(*compiler, "test.shop.with_count", &conn_), "select 2 as n");
  EXPECT_EQ(CompileText(*compiler, "model.shop.m", &conn_), "select 2 as n");
  EXPECT_EQ(CompileText(*compiler, "test.shop.changes_rows", &conn_), "select 2 as n");
  EXPECT_EQ(CompileText(*compiler, "test.shop.reads_rows", &conn_), "select 1 as n");

  compiler->ForgetReads();
  EXPECT_EQ(CompileText(*compiler, "test.shop.second", &conn_), "select 2 as n");
  Exec("insert into t values (3)");
  EXPECT_EQ(CompileText(*compiler, "test.shop.first", &conn_), "select 2 as n");
  compiler->ForgetReads();
  EXPECT_EQ(CompileText(*compiler, "test.shop.first", &conn_), "select 3 as n");
}

TEST_F(CompilerWarehouseTest, ExecuteIsFalseAtParseTrueAtCompile) {
  std::vector<std::string> logged;
  CompileOptions options = TestProject::Options();
  options.log = [&logged](const std::string& message) { logged.push_back(message); };
  TestProject project(
      Files{{"models/m.sql", "{{ log('execute=' ~ execute, info=True) }}{{ execute }}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie(std::move(options));
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.m", &conn_), "True");
  EXPECT_EQ(logged, (std::vector<std::string>{"execute=False", "execute=True"}));
}

TEST_F(CompilerWarehouseTest, NestedEphemeralsRunOnDuckDb) {
  TestProject project(
      Files{{"models/e1.sql", std::string(kEphemeral)},
            {"models/e2.sql",
             "{{ config(materialized='ephemeral') }}select id + 1 as id from "
             "{{ ref('e1') }}"},
            {"models/m.sql", "with x as (select * from {{ ref('e2') }}) select id from x"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(Query(CompileText(*compiler, "model.shop.m", &conn_)), Rows{"2"});
  EXPECT_TRUE(compiler->IsEphemeral(*compiler->project().Find("model.shop.e1")));
}

TEST_F(CompilerWarehouseTest, HooksRenderThis) {
  TestProject project(Files{
      {"dbt_project.yml",
       std::string(kProjectFile) + "models:\n  shop:\n    +pre-hook: \"delete from {{ this }}\"\n"},
      {"models/m.sql", "{{ config(alias='mm', post_hook=\"analyze {{ this }}\") }}select 1"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  Result<CompiledNode> compiled = compiler->Compile("model.shop.m", &conn_);
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  EXPECT_EQ(compiled->pre_hooks, std::vector<std::string>{R"(delete from "analytics"."mm")"});
  EXPECT_EQ(compiled->post_hooks, std::vector<std::string>{R"(analyze "analytics"."mm")"});
  EXPECT_EQ(compiled->relation.identifier, "mm");
}

// --- Generic tests run on DuckDB and find the failing rows.

constexpr std::string_view kTestedSchema = R"(version: 2
models:
  - name: orders
    columns:
      - name: id
        tests: [unique, not_null]
      - name: status
        tests:
          - accepted_values:
              values: ['placed', 'shipped']
      - name: customer_id
        tests:
          - relationships:
              to: ref('customers')
              field: id
          - is_positive
)";

class CompilerGenericTest : public CompilerWarehouseTest {
 protected:
  void SetUp() override {
    CompilerWarehouseTest::SetUp();
    Exec("create schema analytics");
    Exec(
        "create table analytics.orders as select * from (values (1, 'placed', 10), "
        "(1, 'lost', 20), (null, 'shipped', 99), (2, 'placed', -5)) t(id, status, customer_id)");
    Exec("create table analytics.customers as select * from (values (10), (20)) t(id)");
  }

  // Failing rows of the generic test `name` on `column`.
  size_t Failures(const Compiler& compiler, std::string_view name, std::string_view column) {
    const std::string sql = CompileText(compiler, GenericTestId(compiler, name, column), &conn_);
    return Query(sql).size();
  }

  TestProject project_{Files{{"models/orders.sql", "select 1"},
                             {"models/customers.sql", "select 1"},
                             {"models/schema.yml", std::string(kTestedSchema)},
                             {"macros/tests.sql",
                              "{% test is_positive(model, column_name) %}select * from {{ model }} "
                              "where {{ column_name }} <= 0{% endtest %}"}}};
};

TEST_F(CompilerGenericTest, BuiltInsFindTheFailingRows) {
  std::unique_ptr<Compiler> compiler = project_.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(Failures(*compiler, "unique", "id"), 1u);
  EXPECT_EQ(Failures(*compiler, "not_null", "id"), 1u);
  EXPECT_EQ(Failures(*compiler, "accepted_values", "status"), 1u);
  EXPECT_EQ(Failures(*compiler, "relationships", "customer_id"), 2u);
}

TEST_F(CompilerGenericTest, DbtsUniqueAndRelationshipsCarryAKeyCheckForTheAdapter) {
  std::unique_ptr<Compiler> compiler = project_.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  auto check = [&](std::string_view name, std::string_view column) {
    Result<CompiledNode> compiled =
        compiler->Compile(GenericTestId(*compiler, name, column), &conn_);
    EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
    return compiled.ok() ? compiled->key_check : std::nullopt;
  };
  EXPECT_EQ(check("unique", "id"),
            (KeyCheck{KeyCheck::Kind::kUnique, R"("analytics"."orders")", "id", "", ""}));
  EXPECT_EQ(check("relationships", "customer_id"),
            (KeyCheck{KeyCheck::Kind::kRelationships, R"("analytics"."orders")", "customer_id",
                      R"("analytics"."customers")", "id"}));
  EXPECT_EQ(check("not_null", "id"), std::nullopt);
  EXPECT_EQ(check("is_positive", "customer_id"), std::nullopt);
  // A project's own unique test is its own: no check stands in for it.
  TestProject overridden{
      Files{{"models/orders.sql", "select 1"},
            {"models/customers.sql", "select 1"},
            {"models/schema.yml", std::string(kTestedSchema)},
            {"macros/tests.sql",
             "{% test unique(model, column_name) %}select 1{% endtest %}"
             "{% test is_positive(model, column_name) %}select 1{% endtest %}"}}};
  std::unique_ptr<Compiler> own = overridden.CreateOrDie();
  ASSERT_NE(own, nullptr);
  Result<CompiledNode> compiled = own->Compile(GenericTestId(*own, "unique", "id"), &conn_);
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  EXPECT_EQ(compiled->key_check, std::nullopt);
}

TEST_F(CompilerGenericTest, CustomTestFromMacros) {
  std::unique_ptr<Compiler> compiler = project_.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const std::string id = GenericTestId(*compiler, "is_positive", "customer_id");
  EXPECT_EQ(CompileText(*compiler, id, &conn_),
            R"(select * from "analytics"."orders" where customer_id <= 0)");
  EXPECT_EQ(Failures(*compiler, "is_positive", "customer_id"), 1u);
  EXPECT_EQ(compiler->Infos().at(id).macros,
            std::vector<std::string>{"macro.shop.test_is_positive"});
  EXPECT_EQ(compiler->project().Find(id)->depends_on,
            std::vector<std::string>{"model.shop.orders"});
}

TEST_F(CompilerGenericTest, TestsDependOnTheirModels) {
  std::unique_ptr<Compiler> compiler = project_.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const std::string id = GenericTestId(*compiler, "relationships", "customer_id");
  EXPECT_TRUE(compiler->graph().Parents(id).contains("model.shop.customers"));
  EXPECT_TRUE(compiler->graph().Parents(id).contains("model.shop.orders"));
}

TEST(CompilerGenericTests, NamespacedTestWithoutItsPackageIsAClearError) {
  TestProject project(Files{
      {"models/orders.sql", "select 1 as id"},
      {"models/schema.yml",
       "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        tests:\n"
       "          - dbt_utils.not_constant\n"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const std::string text =
      CompileText(*compiler, GenericTestId(*compiler, "not_constant", "id"), nullptr);
  EXPECT_NE(text.find("dbt_utils.not_constant"), std::string::npos) << text;
  EXPECT_NE(text.find("package 'dbt_utils' is not installed"), std::string::npos) << text;
}

TEST(CompilerGenericTests, UnknownGenericTestNamesIt) {
  TestProject project(Files{
      {"models/orders.sql", "select 1 as id"},
      {"models/schema.yml",
       "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        tests:\n"
       "          - is_even\n"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const std::string text = CompileText(*compiler, GenericTestId(*compiler, "is_even", "id"));
  EXPECT_NE(text.find("unknown generic test 'is_even'"), std::string::npos) << text;
}

// --- Infos.

TEST(CompilerInfos, RecordRelationsRefsSourcesMacrosAndCompiledCode) {
  TestProject project(
      Files{{"models/sources.yml", std::string(kSources)},
            {"macros/money.sql", "{% macro cents(col) %}{{ col }} / 100{% endmacro %}"},
            {"models/a.sql", "{{ config(alias='a_v2', schema='marts') }}select 1 as amount"},
            {"models/e.sql", std::string(kEphemeral)},
            {"models/m.sql",
             "select {{ cents('amount') }} from {{ ref('a') }}, {{ source('raw', 'orders') }}, "
             "{{ ref('e') }}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  std::map<std::string, CompiledNodeInfo> infos = compiler->Infos();
  const CompiledNodeInfo& a = infos.at("model.shop.a");
  EXPECT_EQ(a.relation_name, R"("memory"."analytics_marts"."a_v2")");
  EXPECT_EQ(a.database, "memory");
  EXPECT_EQ(a.schema, "analytics_marts");
  EXPECT_EQ(a.alias, "a_v2");
  EXPECT_EQ(infos.at("model.shop.e").relation_name, "");
  const CompiledNodeInfo& m = infos.at("model.shop.m");
  EXPECT_EQ(m.refs, (std::vector<std::vector<std::string>>{{"a"}, {"e"}}));
  EXPECT_EQ(m.sources, (std::vector<std::pair<std::string, std::string>>{{"raw", "orders"}}));
  EXPECT_EQ(m.macros, std::vector<std::string>{"macro.shop.cents"});
  EXPECT_FALSE(m.compiled_code.has_value());

  const std::string sql = CompileText(*compiler, "model.shop.m");
  EXPECT_EQ(sql,
            "with __dbt__cte__e as (\nselect 1 as id\n)\nselect amount / 100 from "
            R"("analytics_marts"."a_v2", "landing"."orders_v1", __dbt__cte__e)");
  EXPECT_EQ(compiler->Infos().at("model.shop.m").compiled_code, sql);
}

TEST(CompilerInfos, TargetFileNamesTheDatabase) {
  CompileOptions options = TestProject::Options();
  options.target.path = "/data/warehouse.duckdb";
  TestProject project(Files{{"models/m.sql", "select 1"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie(options);
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(compiler->database(), "warehouse");
  EXPECT_EQ(compiler->Infos().at("model.shop.m").relation_name, R"("warehouse"."analytics"."m")");
}

// --- ModelConfigOf.

Node ModelWithConfig(json config) {
  Node node;
  node.unique_id = "model.shop.orders";
  node.name = "orders";
  node.original_file_path = "models/orders.sql";
  node.config = NodeConfig(std::move(config));
  return node;
}

TEST(CompilerModelConfig, ReadsMaterializationStrategyKeysAndSchemaChange) {
  Result<ModelConfig> config =
      ModelConfigOf(ModelWithConfig({{"materialized", "incremental"},
                                     {"incremental_strategy", "delete+insert"},
                                     {"unique_key", json::array({"id", "day"})},
                                     {"on_schema_change", "sync_all_columns"},
                                     {"merge_exclude_columns", "created_at"}}),
                    /*full_refresh=*/false);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->materialized, Materialization::kIncremental);
  EXPECT_EQ(config->incremental_strategy, IncrementalStrategy::kDeleteInsert);
  EXPECT_EQ(config->unique_key, (std::vector<std::string>{"id", "day"}));
  EXPECT_EQ(config->on_schema_change, OnSchemaChange::kSyncAllColumns);
  EXPECT_EQ(config->merge_exclude_columns, std::vector<std::string>{"created_at"});
  EXPECT_FALSE(config->full_refresh);
}

TEST(CompilerModelConfig, DefaultsAndFullRefresh) {
  Result<ModelConfig> config = ModelConfigOf(ModelWithConfig({{"unique_key", "id"}}), true);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->materialized, Materialization::kView);
  EXPECT_FALSE(config->incremental_strategy.has_value());
  EXPECT_EQ(config->unique_key, std::vector<std::string>{"id"});
  EXPECT_EQ(config->on_schema_change, OnSchemaChange::kIgnore);
  EXPECT_TRUE(config->full_refresh);
  Result<ModelConfig> pinned =
      ModelConfigOf(ModelWithConfig({{"full_refresh", false}}), /*full_refresh=*/true);
  ASSERT_TRUE(pinned.ok());
  EXPECT_FALSE(pinned->full_refresh);
}

TEST(CompilerModelConfig, BadValuesNameTheModelAndTheValue) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"materialized", "materialized_view"},
           {"incremental_strategy", "insert_overwrite"},
           {"on_schema_change", "explode"}}) {
    SCOPED_TRACE(key);
    Result<ModelConfig> config = ModelConfigOf(ModelWithConfig({{key, value}}), false);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find("model orders"), std::string::npos)
        << config.status().message();
    EXPECT_NE(config.status().message().find(value), std::string::npos)
        << config.status().message();
  }
}

// --- Regressions: relations seen at parse, refs to disabled models, overrides.

// The parse rendering is reused by Compile; it once saw placeholders instead of names.
TEST(CompilerRegression, ParseRenderingSeesRealRelationNames) {
  std::vector<std::string> logged;
  CompileOptions options = TestProject::Options();
  options.log = [&logged](const std::string& message) { logged.push_back(message); };
  TestProject project(
      Files{{"models/m.sql",
             "{{ log('building ' ~ this, info=True) }}select 1{% if this.name == 'm' %} as m"
             "{% endif %} -- {{ this.identifier | upper }} {{ ref('a').identifier | upper }}"},
            {"models/a.sql", "{{ config(alias='a_v2') }}select 1"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie(options);
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.m"), "select 1 as m -- M A_V2");
  EXPECT_EQ(logged, std::vector<std::string>{R"(building "analytics"."m")"});
}

TEST(CompilerRegression, RefToDisabledModelSaysSo) {
  TestProject project(Files{{"models/orders.sql", "{{ config(enabled=false) }}select 1"},
                            {"models/m.sql", "select *\nfrom {{ ref('orders') }}"}});
  Result<std::unique_ptr<Compiler>> compiler = project.Create();
  ASSERT_FALSE(compiler.ok());
  EXPECT_NE(compiler.status().message().find(
                "model m: models/m.sql:2:9: ref 'orders' names model.shop.orders, which is "
                "disabled"),
            std::string::npos)
      << compiler.status().message();
}

TEST(CompilerRelations, ProjectGenerateAliasNameAppliesToModelsAndSeeds) {
  TestProject project(
      Files{{"macros/alias.sql",
             "{% macro generate_alias_name(custom_alias_name=none, node=none) %}"
             "{% if custom_alias_name %}{{ custom_alias_name }}{% else %}x_{{ node.name }}"
             "{% endif %}{% endmacro %}"},
            {"models/a.sql", "select 1"},
            {"models/b.sql", "{{ config(alias='bee') }}select 1"},
            {"seeds/s.csv", "id\n1\n"},
            {"models/m.sql", "{{ ref('a') }} {{ ref('b') }} {{ ref('s') }} {{ this }}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.m"),
            R"("analytics"."x_a" "analytics"."bee" "analytics"."x_s" "analytics"."x_m")");
  EXPECT_EQ(compiler->Infos().at("seed.shop.s").relation_name, R"("memory"."analytics"."x_s")");
}

TEST(CompilerGenericTests, WhereConfigStoreFailuresAndCustomArguments) {
  TestProject project(Files{
      {"models/orders.sql", "select 1 as id"},
      {"models/schema.yml",
       "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        tests:\n"
       "          - at_least:\n              value: 3\n              config:\n"
       "                where: \"id > 0\"\n                store_failures: true\n"
       "          - not_null:\n              config:\n                where: \"id > 0\"\n"},
      {"macros/t.sql",
       "{% test at_least(model, column_name, value) %}select * from {{ model }} where "
       "{{ column_name }} < {{ value }}{% endtest %}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const std::string at_least = GenericTestId(*compiler, "at_least", "id");
  EXPECT_EQ(CompileText(*compiler, at_least),
            R"(select * from (select * from "analytics"."orders" where id > 0) dbt_subquery )"
            "where id < 3");
  std::map<std::string, CompiledNodeInfo> infos = compiler->Infos();
  EXPECT_EQ(infos.at(at_least).relation_name,
            R"("memory"."analytics_dbt_test__audit"."at_least_orders_id__3")");
  EXPECT_EQ(infos.at(at_least).macros, std::vector<std::string>{"macro.shop.test_at_least"});
  const std::string not_null = GenericTestId(*compiler, "not_null", "id");
  EXPECT_NE(CompileText(*compiler, not_null).find("where id > 0"), std::string::npos);
  EXPECT_EQ(compiler->Infos().at(not_null).relation_name, "");
}

// A project's get_where_subquery(relation) decides what every generic test reads, built-in
// and custom alike (dbt's documented hook); config.get('where') is the test's own.
TEST(CompilerGenericTests, ProjectGetWhereSubqueryFiltersEveryGenericTest) {
  TestProject project(Files{
      {"models/orders.sql", "select 1 as id"},
      {"models/schema.yml",
       "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        tests:\n"
       "          - unique:\n              config:\n                where: __latest__\n"
       "          - at_least:\n              value: 3\n"},
      {"macros/t.sql",
       "{% test at_least(model, column_name, value) %}select * from {{ model }} where "
       "{{ column_name }} < {{ value }}{% endtest %}"},
      {"macros/where.sql",
       "{% macro get_where_subquery(relation) %}{% set where = config.get('where') %}"
       "{% if where == '__latest__' and execute %}(select * from {{ relation }} where id = (select "
       "max(id) "
       "from {{ relation }})) dbt_subquery{% else %}{{ relation }}{% endif %}{% endmacro %}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, GenericTestId(*compiler, "unique", "id")),
            "select id as unique_field, count(*) as n_records\n"
            R"(from (select * from "analytics"."orders" where id = (select max(id) from )"
            R"("analytics"."orders")) dbt_subquery)"
            "\nwhere id is not null\ngroup by id\nhaving count(*) > 1");
  EXPECT_EQ(CompileText(*compiler, GenericTestId(*compiler, "at_least", "id")),
            R"(select * from "analytics"."orders" where id < 3)");
}

TEST(CompilerCompile, UnknownNodeIsNotFound) {
  TestProject project(Files{{"models/m.sql", "select 1"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  Result<CompiledNode> compiled = compiler->Compile("model.shop.nope", nullptr);
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().code(), StatusCode::kNotFound);
}

// A macro calling a macro of another file that runs a query: the model is re-rendered at
// compile time, and an ephemeral model compiled on its own gets no CTE of itself.
TEST_F(CompilerWarehouseTest, EphemeralUsingThisAndANestedRunQueryMacro) {
  TestProject project(Files{
      {"macros/outer.sql", "{% macro outer_m() %}{{ inner_m() }}{% endmacro %}"},
      {"macros/inner.sql",
       "{% macro inner_m() %}{% if execute %}{% set r = run_query('select 5') %}"
       "{{ r.rows[0][0] }}{% endif %}{% endmacro %}"},
      {"models/e.sql",
       "{{ config(materialized='ephemeral') }}select {{ outer_m() }} as v, '{{ this }}' as t"},
      {"models/m.sql", "select * from {{ ref('e') }}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.e", &conn_), "select 5 as v, '__dbt__cte__e' as t");
  EXPECT_EQ(CompileText(*compiler, "model.shop.m", &conn_),
            "with __dbt__cte__e as (\nselect 5 as v, '__dbt__cte__e' as t\n)\n"
            "select * from __dbt__cte__e");
  EXPECT_EQ(Query(CompileText(*compiler, "model.shop.m", &conn_)), Rows{"5|__dbt__cte__e"});
  const std::string no_conn = CompileText(*compiler, "model.shop.m", nullptr);
  EXPECT_NE(no_conn.find("run_query needs a warehouse connection"), std::string::npos);
  EXPECT_NE(no_conn.find("in macro 'outer_m' called at models/e.sql:1:"), std::string::npos)
      << no_conn;
}

// run_query's cells are typed as dbt's agate table types them, so that a macro can
// compare a count with a number.
TEST_F(CompilerWarehouseTest, RunQueryCellsAreTypedLikeAgate) {
  TestProject project(
      Files{{"models/m.sql",
        "{% if execute %}{% set r = run_query(\"select 3 as n, 2.5 as d, true as b, 'x' as s, "
        "null as z, date '2026-01-02' as t\") %}"
        "{{ r.rows[0][0] >= 2 }} {{ r.rows[0][0] + 1 }} {{ r.rows[0][1] * 2 }} "
        "{{ r.rows[0][2] is sameas true }} {{ r.rows[0][3] ~ '!' }} {{ r.rows[0][4] is none }} "
        "{{ r.rows[0][5] }}{% endif %}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.m", &conn_),
            "True 4 5.0 True x! True 2026-01-02");
}

TEST(CompilerGenericTests, CustomTestArgumentRefToEphemeralInjectsItsCte) {
  TestProject project(
      Files{{"models/e.sql", std::string(kEphemeral)},
            {"models/m.sql", "select 1 as v"},
            {"models/sources.yml", std::string(kSources)},
            {"models/schema.yml",
             "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: v\n        tests:\n"
             "          - relationships:\n              to: source('raw', 'customers')\n"
             "              field: id\n          - in_other:\n              to: ref('e')\n"},
            {"macros/t.sql",
             "{% test in_other(model, column_name, to) %}select * from {{ model }} where "
             "{{ column_name }} not in (select id from {{ to }}){% endtest %}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, GenericTestId(*compiler, "in_other", "v")),
            "with __dbt__cte__e as (\nselect 1 as id\n)\n"
            R"(select * from "analytics"."m" where v not in (select id from __dbt__cte__e))");
  EXPECT_NE(CompileText(*compiler, GenericTestId(*compiler, "relationships", "v"))
                .find(R"(from "landing"."customers")"),
            std::string::npos);
}

TEST(CompilerHooks, ConfigHookListsRenderEach) {
  TestProject project(Files{
      {"models/m.sql", "{{ config(pre_hook=['select 1 from {{ this }}', 'select 2']) }}select 1"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  Result<CompiledNode> compiled = compiler->Compile("model.shop.m", nullptr);
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  EXPECT_EQ(compiled->pre_hooks,
            (std::vector<std::string>{R"(select 1 from "analytics"."m")", "select 2"}));
}

TEST_F(CompilerWarehouseTest, GenericTestsOnAnEphemeralModelReadItsCte) {
  TestProject project(
      Files{{"models/e.sql",
             "{{ config(materialized='ephemeral') }}select * from (values (1), (1), (null)) t(id)"},
            {"models/schema.yml",
             "version: 2\nmodels:\n  - name: e\n    columns:\n      - name: id\n"
             "        tests: [unique, not_null]\n"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const std::string unique = CompileText(*compiler, GenericTestId(*compiler, "unique", "id"));
  EXPECT_EQ(unique.rfind("with __dbt__cte__e as (", 0), 0u) << unique;
  EXPECT_EQ(unique.find("\"e\""), std::string::npos) << unique;
  EXPECT_EQ(Query(unique).size(), 1u);
  EXPECT_EQ(Query(CompileText(*compiler, GenericTestId(*compiler, "not_null", "id"))).size(), 1u);
}

TEST_F(CompilerWarehouseTest, ConcurrentCompilesEachWithItsConnection) {
  Exec("create schema analytics; create table analytics.inc as select 1 as id");
  TestProject project(Files{{"models/inc.sql", std::string(kIncremental)},
                            {"models/e.sql", std::string(kEphemeral)},
                            {"models/m.sql", "select * from {{ ref('e') }}, {{ ref('inc') }}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie();
  ASSERT_NE(compiler, nullptr);
  const std::string inc = CompileText(*compiler, "model.shop.inc", &conn_);
  const std::string m = CompileText(*compiler, "model.shop.m", &conn_);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      warehouse::Connection conn = std::move(warehouse::Connection::Open(db_).value());
      for (int i = 0; i < 25; ++i) {
        if (CompileText(*compiler, "model.shop.inc", &conn) != inc) ++mismatches;
        if (CompileText(*compiler, "model.shop.m", &conn) != m) ++mismatches;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_NE(inc.find("where id >"), std::string::npos);
}

// dbt: a model configured full_refresh: false is protected from --full-refresh, so it stays
// incremental; full_refresh: true rebuilds it without the flag.
TEST_F(CompilerWarehouseTest, ConfigFullRefreshWinsOverTheFlag) {
  Exec(
      "create schema analytics; create table analytics.inc as select 1 as id; "
      "create table analytics.inc2 as select 1 as id");
  TestProject project(
      Files{{"models/inc.sql", "{{ config(full_refresh=false) }}" + std::string(kIncremental)},
            {"models/inc2.sql", "{{ config(full_refresh=true) }}" + std::string(kIncremental)}});
  CompileOptions options = TestProject::Options();
  options.full_refresh = true;
  std::unique_ptr<Compiler> refreshing = project.CreateOrDie(options);
  ASSERT_NE(refreshing, nullptr);
  EXPECT_NE(CompileText(*refreshing, "model.shop.inc", &conn_).find("where id >"),
            std::string::npos);
  std::unique_ptr<Compiler> plain = project.CreateOrDie();
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(CompileText(*plain, "model.shop.inc2", &conn_), "select 1 as id");
}

TEST(CompilerContext, ModelConfigVarsOfAnyTypeAndSingularTestInfos) {
  TestProject project(
      Files{{"dbt_project.yml", std::string(kProjectFile) + "vars:\n  cfg:\n    k: v\n"},
            {"models/m.sql",
             "{{ config(materialized='table') }}{{ model.config.materialized }} "
             "{{ var('cfg')['k'] }} {{ var('n') + 1 }} {{ target.database }}"},
            {"tests/t.sql", "select * from {{ ref('m') }}"}});
  std::unique_ptr<Compiler> compiler = project.CreateOrDie(WithVars({{"n", 41}}));
  ASSERT_NE(compiler, nullptr);
  EXPECT_EQ(CompileText(*compiler, "model.shop.m"), "table v 42 memory");
  EXPECT_EQ(CompileText(*compiler, "test.shop.t"), R"(select * from "analytics"."m")");
  const CompiledNodeInfo info = compiler->Infos().at("test.shop.t");
  EXPECT_EQ(info.relation_name, "");
  EXPECT_EQ(info.compiled_code, R"(select * from "analytics"."m")");
  EXPECT_EQ(info.refs, std::vector<std::vector<std::string>>{{"m"}});
}

}  // namespace
}  // namespace shoplytics::transform
