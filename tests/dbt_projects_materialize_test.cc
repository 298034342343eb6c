// End-to-end: the materializations of tests/projects/dp_materialize built by the shoplytics
// binary (view, table, ephemeral, incremental strategies and on_schema_change, hooks,
// alias, custom schema, enabled: false), with the warehouse checked after each run.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dbt_project_fixture.h"

namespace shoplytics {
namespace {

using testing::CliRun;
using Strings = std::vector<std::string>;

class DbtProjectMaterialize : public testing::DbtProjectFixture {
 protected:
  void SetUp() override { UseProject("dp_materialize"); }

  Strings Columns(const std::string& schema, const std::string& table) {
    return Rows("select column_name from information_schema.columns where table_schema = '" +
                schema + "' and table_name = '" + table + "' order by ordinal_position");
  }
  std::string TableType(const std::string& schema, const std::string& table) {
    Strings types = Rows("select table_type from information_schema.tables where table_schema = '" +
                         schema + "' and table_name = '" + table + "'");
    return types.empty() ? "missing" : types[0];
  }
  // Bob's score goes to 25 and dave arrives, both updated later than the first load.
  void ChangeSeed() {
    WriteFile("seeds/customers.csv",
              "id,name,score,updated_at\n"
              "1,alice,10,2024-01-01 00:00:00\n"
              "2,bob,25,2024-02-01 00:00:00\n"
              "3,carol,30,2024-01-01 00:00:00\n"
              "4,dave,40,2024-02-01 00:00:00\n");
  }
};

TEST_F(DbtProjectMaterialize, BuildsViewsTablesEphemeralsAliasesAndCustomSchemas) {
  CliRun seed = Run("seed");
  ASSERT_EQ(seed.exit_code, 0) << seed.out << seed.err;
  CliRun run = Run("run");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  // 13 enabled models, one of them ephemeral (not run), one disabled.
  EXPECT_TRUE(Contains(run.out, "Done. PASS=13 WARN=0 ERROR=0 SKIP=0 TOTAL=13")) << run.out;
  EXPECT_TRUE(Contains(run.out, "OK created sql view model main.v_customers")) << run.out;
  EXPECT_TRUE(Contains(run.out, "OK created sql table model main.t_customers")) << run.out;
  EXPECT_TRUE(Contains(run.out, "OK created sql table model main_marts.mart_scores")) << run.out;
  EXPECT_TRUE(Contains(run.out, "main.renamed_customers")) << run.out;
  EXPECT_FALSE(Contains(run.out, "disabled_model")) << run.out;
  EXPECT_FALSE(Contains(run.out, "eph_names")) << run.out;

  EXPECT_EQ(TableType("main", "v_customers"), "VIEW");
  EXPECT_EQ(TableType("main", "t_customers"), "BASE TABLE");
  EXPECT_EQ(Rows("select id, name from main.v_customers order by id"),
            (Strings{"1|alice", "2|bob", "3|carol"}));

  // Ephemeral: no relation, its SQL inlined as a CTE into the model that refs it.
  EXPECT_EQ(TableType("main", "eph_names"), "missing");
  EXPECT_EQ(Rows("select id, shout from main.uses_eph order by id"),
            (Strings{"1|ALICE", "2|BOB", "3|CAROL"}));
  Result<std::string> compiled =
      ReadFile(project_ / "target/compiled/dp_materialize/models/uses_eph.sql");
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  EXPECT_TRUE(Contains(*compiled, "__dbt__cte__eph_names")) << *compiled;
  EXPECT_TRUE(Contains(*compiled, "upper(name)")) << *compiled;

  // alias and custom schema place the relation.
  EXPECT_EQ(TableType("main", "renamed_customers"), "BASE TABLE");
  EXPECT_EQ(TableType("main", "aliased"), "missing");
  EXPECT_EQ(TableType("main_marts", "mart_scores"), "BASE TABLE");
  EXPECT_EQ(Rows("select name from main_marts.mart_scores order by name"),
            (Strings{"bob", "carol"}));

  // enabled: false builds nothing and is not in the manifest's nodes.
  EXPECT_EQ(TableType("main", "disabled_model"), "missing");
  nlohmann::json manifest = ReadJson("target/manifest.json");
  EXPECT_FALSE(manifest["nodes"].contains("model.dp_materialize.disabled_model"));
  EXPECT_EQ(manifest["nodes"]["model.dp_materialize.aliased"]["alias"], "renamed_customers");
  EXPECT_EQ(manifest["nodes"]["model.dp_materialize.mart_scores"]["schema"], "main_marts");

  // Hooks: the pre_hook created the audit table, the post_hook saw the built table.
  EXPECT_EQ(Rows("select model, stage, row_count from main.audit"), Strings{"hooked|post|3"});
  ASSERT_EQ(Run("run -s hooked").exit_code, 0);
  EXPECT_EQ(Rows("select count(*) from main.audit"), Strings{"2"});
}

TEST_F(DbtProjectMaterialize, IncrementalStrategiesUpdateAndInsertWithoutDuplicates) {
  ASSERT_EQ(Run("seed").exit_code, 0);
  const std::string models = "-s inc_append inc_delete_insert inc_merge";
  CliRun first = Run("run " + models);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_EQ(Rows("select count(*) from main.inc_append"), Strings{"3"});

  // A second run with nothing new: the is_incremental() filter over {{ this }} adds nothing.
  CliRun again = Run("run " + models);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(Rows("select count(*) from main.inc_append"), Strings{"3"});
  EXPECT_EQ(Rows("select count(*) from main.inc_delete_insert"), Strings{"3"});
  EXPECT_EQ(Rows("select count(*) from main.inc_merge"), Strings{"3"});

  ChangeSeed();
  ASSERT_EQ(Run("seed").exit_code, 0);
  CliRun changed = Run("run " + models);
  ASSERT_EQ(changed.exit_code, 0) << changed.out << changed.err;

  // append: only the new id arrived (the filter), bob's old row stays as it was.
  EXPECT_EQ(Rows("select id, name from main.inc_append order by id"),
            (Strings{"1|alice", "2|bob", "3|carol", "4|dave"}));
  // delete+insert and merge: bob updated in place, dave inserted, no key twice.
  for (const std::string table : {"inc_delete_insert", "inc_merge"}) {
    EXPECT_EQ(Rows("select id, name, score::int from main." + table + " order by id"),
              (Strings{"1|alice|10", "2|bob|25", "3|carol|30", "4|dave|40"}))
        << table;
    EXPECT_EQ(Rows("select count(*) from (select id from main." + table +
                   " group by id having count(*) > 1)"),
              Strings{"0"})
        << table;
  }
  nlohmann::json results = ReadJson("target/run_results.json");
  for (const nlohmann::json& result : results["results"]) {
    if (result["unique_id"] == "model.dp_materialize.inc_append") {
      EXPECT_EQ(result["message"], "INSERT 1") << result.dump();
    }
    if (result["unique_id"] == "model.dp_materialize.inc_merge") {
      // Only the two rows updated after the table's max(updated_at) were merged.
      EXPECT_EQ(result["message"], "INSERT 2") << result.dump();
    }
  }

  // Alice leaves the seed: append keeps her until --full-refresh rebuilds the table.
  WriteFile("seeds/customers.csv",
            "id,name,score,updated_at\n"
            "2,bob,25,2024-02-01 00:00:00\n"
            "3,carol,30,2024-01-01 00:00:00\n"
            "4,dave,40,2024-02-01 00:00:00\n");
  ASSERT_EQ(Run("seed").exit_code, 0);
  ASSERT_EQ(Run("run -s inc_append").exit_code, 0);
  EXPECT_EQ(Rows("select count(*) from main.inc_append where id = 1"), Strings{"1"});
  CliRun full = Run("run -s inc_append --full-refresh");
  ASSERT_EQ(full.exit_code, 0) << full.out << full.err;
  EXPECT_EQ(Rows("select id from main.inc_append order by id"), (Strings{"2", "3", "4"}));
}

// Incremental work runs under a small memory limit (1GB, which DuckDB shows as 953.6 MiB)
// and full rebuilds under DuckDB's default: each model records the limit it ran with, and
// the tests fail where they see the other one. A test follows the nodes it reads.
TEST_F(DbtProjectMaterialize, IncrementalWorkRunsUnderASmallMemoryLimit) {
  WriteFile("models/limit_inc.sql",
            "{{ config(materialized='incremental') }}\n"
            "select {{ 2 if is_incremental() else 1 }} as run,\n"
            "       current_setting('memory_limit') as memory_limit");
  WriteFile("models/limit_table.sql",
            "{{ config(materialized='table') }}\n"
            "select current_setting('memory_limit') as memory_limit");
  WriteFile("tests/limit_inc_is_limited.sql",
            "select * from {{ ref('limit_inc') }}\n"
            "where current_setting('memory_limit') <> '953.6 MiB'");
  WriteFile("tests/limit_table_is_not.sql",
            "select * from {{ ref('limit_table') }}\n"
            "where current_setting('memory_limit') = '953.6 MiB'");
  CliRun first = Run("run -s limit_inc limit_table");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  CliRun second = Run("build -s limit_inc limit_table");
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("PASS=4"), std::string::npos) << second.out;
  EXPECT_EQ(Rows("select run, memory_limit = '953.6 MiB' from main.limit_inc order by run"),
            (Strings{"1|false", "2|true"}));
  EXPECT_EQ(Rows("select memory_limit = '953.6 MiB' from main.limit_table"), Strings{"false"});

  CliRun off = Run("run -s limit_inc", "SHOPLYTICS_INCREMENTAL_MEMORY_LIMIT=0");
  ASSERT_EQ(off.exit_code, 0) << off.out << off.err;
  EXPECT_EQ(Rows("select count(*) from main.limit_inc where memory_limit = '953.6 MiB'"),
            Strings{"1"});
}

TEST_F(DbtProjectMaterialize, OnSchemaChangeIgnoreFailAppendAndSync) {
  ASSERT_EQ(Run("seed").exit_code, 0);
  const std::string models = "-s osc_ignore osc_fail osc_append_new_columns osc_sync_all_columns";
  ASSERT_EQ(Run("run " + models).exit_code, 0);
  EXPECT_EQ(Columns("main", "osc_fail"), (Strings{"id", "name", "score"}));

  // The SELECT now drops `name` and adds `loud_name`.
  CliRun changed = Run("run " + models + " --vars '{extra_column: true}'");
  EXPECT_EQ(changed.exit_code, 1) << changed.out << changed.err;
  EXPECT_TRUE(Contains(changed.out, "Done. PASS=3 WARN=0 ERROR=1 SKIP=0 TOTAL=4")) << changed.out;
  EXPECT_TRUE(Contains(changed.out, "ERROR creating sql incremental model main.osc_fail"))
      << changed.out;
  EXPECT_TRUE(Contains(changed.out, "loud_name")) << changed.out;

  // fail: the table is untouched.
  EXPECT_EQ(Columns("main", "osc_fail"), (Strings{"id", "name", "score"}));
  EXPECT_EQ(Rows("select id, name from main.osc_fail order by id"),
            (Strings{"1|alice", "2|bob", "3|carol"}));
  // ignore: the table keeps its columns; the new one is dropped, the missing one NULL.
  EXPECT_EQ(Columns("main", "osc_ignore"), (Strings{"id", "name", "score"}));
  EXPECT_EQ(Rows("select count(*) from main.osc_ignore"), Strings{"3"});
  // append_new_columns: the new column is added, the removed one kept (NULL in new rows).
  EXPECT_EQ(Columns("main", "osc_append_new_columns"),
            (Strings{"id", "name", "score", "loud_name"}));
  EXPECT_EQ(Rows("select id, name, loud_name from main.osc_append_new_columns order by id"),
            (Strings{"1|NULL|alice!", "2|NULL|bob!", "3|NULL|carol!"}));
  // sync_all_columns: the table's columns become the SELECT's.
  EXPECT_EQ(Columns("main", "osc_sync_all_columns"), (Strings{"id", "score", "loud_name"}));
  EXPECT_EQ(Rows("select id, loud_name from main.osc_sync_all_columns order by id"),
            (Strings{"1|alice!", "2|bob!", "3|carol!"}));

  // --full-refresh rebuilds the failing one with the new shape.
  CliRun full = Run("run -s osc_fail --full-refresh --vars '{extra_column: true}'");
  EXPECT_EQ(full.exit_code, 0) << full.out << full.err;
  EXPECT_EQ(Columns("main", "osc_fail"), (Strings{"id", "loud_name", "score"}));
}

TEST_F(DbtProjectMaterialize, EphemeralChainsMergeUpdateColumnsAndViewToIncremental) {
  ASSERT_EQ(Run("seed").exit_code, 0);
  // An ephemeral reading an ephemeral, both read again by a table: each CTE once.
  WriteFile("models/eph_question.sql",
            "{{ config(materialized='ephemeral') }}\n"
            "select id, shout || '?' as q from {{ ref('eph_names') }}\n");
  WriteFile("models/uses_both.sql",
            "{{ config(materialized='table') }}\n"
            "select a.id, a.q, b.shout from {{ ref('eph_question') }} a\n"
            "join {{ ref('eph_names') }} b using (id)\n");
  // merge updates only merge_update_columns of matched rows.
  WriteFile("models/merge_score_only.sql",
            "{{ config(materialized='incremental', unique_key='id', "
            "incremental_strategy='merge', merge_update_columns=['score']) }}\n"
            "select id, name || '{{ var('suffix', '') }}' as name, score from "
            "{{ ref('customers') }}\n");
  // A view today, an incremental table tomorrow.
  WriteFile("models/becomes_incremental.sql",
            "{{ config(materialized=var('becomes', 'view'), unique_key='id') }}\n"
            "select id, name from {{ ref('customers') }}\n");
  CliRun first = Run("run -s uses_both merge_score_only becomes_incremental");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_EQ(Rows("select id, q, shout from main.uses_both order by id"),
            (Strings{"1|ALICE?|ALICE", "2|BOB?|BOB", "3|CAROL?|CAROL"}));
  EXPECT_EQ(TableType("main", "eph_question"), "missing");
  EXPECT_EQ(TableType("main", "becomes_incremental"), "VIEW");

  ChangeSeed();
  ASSERT_EQ(Run("seed").exit_code, 0);
  CliRun second =
      Run("run -s merge_score_only becomes_incremental --vars '{suffix: X, becomes: incremental}'");
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  // Matched rows keep their name (only score is updated); the new row arrives whole.
  EXPECT_EQ(Rows("select id, name, score::int from main.merge_score_only order by id"),
            (Strings{"1|alice|10", "2|bob|25", "3|carol|30", "4|daveX|40"}));
  EXPECT_EQ(TableType("main", "becomes_incremental"), "BASE TABLE");
  EXPECT_EQ(Rows("select count(*) from main.becomes_incremental"), Strings{"4"});
}

TEST_F(DbtProjectMaterialize, ProjectGenerateSchemaNameOverridesTheDefault) {
  // The common override: a custom schema is used as is, not appended to the target's.
  WriteFile("macros/generate_schema_name.sql",
            "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
            "  {%- if custom_schema_name is none -%}{{ target.schema }}"
            "{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}\n"
            "{%- endmacro %}\n");
  ASSERT_EQ(Run("seed").exit_code, 0);
  CliRun run = Run("run -s +mart_scores");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(Contains(run.out, "OK created sql table model marts.mart_scores")) << run.out;
  EXPECT_EQ(TableType("marts", "mart_scores"), "BASE TABLE");
  EXPECT_EQ(TableType("main_marts", "mart_scores"), "missing");
  EXPECT_EQ(TableType("main", "t_customers"), "BASE TABLE");
}

TEST_F(DbtProjectMaterialize, TheBuildKeepsFreedBlocksUnlessTheProfileSaysOtherwise) {
  // A model that records the setting of the warehouse the run opened.
  WriteFile("models/allocator_setting.sql",
            "{{ config(materialized='table') }}\n"
            "select current_setting('block_allocator_memory') as kept, "
            "current_setting('memory_limit') as memory_limit\n");
  ASSERT_EQ(Run("run -s allocator_setting").exit_code, 0);
  // Half of the memory limit (9.4 GiB of 18.8 here); DuckDB's default, which a plain open
  // of the file keeps, is none.
  Strings kept = Rows("select kept, memory_limit from main.allocator_setting");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_NE(kept[0].substr(0, kept[0].find('|')), "0 bytes") << kept[0];
  EXPECT_EQ(Rows("select count(*) from duckdb_settings() where name = 'block_allocator_memory' "
                 "and value = '0 bytes'"),
            Strings{"1"});

  // The profile's own value wins.
  WriteFile("profiles.yml",
            "dp_materialize:\n"
            "  target: dev\n"
            "  outputs:\n"
            "    dev:\n"
            "      type: duckdb\n"
            "      path: dp_materialize.duckdb\n"
            "      threads: 1\n"
            "      settings:\n"
            "        block_allocator_memory: 64MB\n");
  CliRun run = Run("run -s allocator_setting");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(Rows("select kept from main.allocator_setting"), Strings{"61.0 MiB"});
}

}  // namespace
}  // namespace shoplytics
