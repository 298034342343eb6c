// End-to-end: seeds with column_types and `shoplytics snapshot` over
// tests/projects/dp_snapshot: timestamp and check strategies (a column list and 'all'),
// hard deletes ignored, invalidated and recorded, run again after the seed changes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dbt_project_fixture.h"

namespace shoplytics {
namespace {

using testing::CliRun;
using Strings = std::vector<std::string>;

class DbtProjectSnapshot : public testing::DbtProjectFixture {
 protected:
  void SetUp() override { UseProject("dp_snapshot"); }

  // "id|name|city|current" or "...|closed", one line per version, oldest first.
  Strings Versions(const std::string& snapshot) {
    return Rows(
        "select id, name, city, case when dbt_valid_to is null then 'current' else "
        "'closed' end from snapshots." +
        snapshot + " order by id, dbt_valid_from, dbt_valid_to nulls last");
  }

  // Bob is renamed (and his updated_at moves), carol moves city without a new updated_at,
  // dave is deleted.
  void ChangeSeed() {
    WriteFile("seeds/people.csv",
              "id,name,city,updated_at\n"
              "1,alice,paris,2024-01-01 00:00:00\n"
              "2,robert,rome,2024-03-01 00:00:00\n"
              "3,carol,bergen,2024-01-01 00:00:00\n");
  }
};

TEST_F(DbtProjectSnapshot, SeedAppliesColumnTypes) {
  CliRun seed = Run("seed");
  ASSERT_EQ(seed.exit_code, 0) << seed.out << seed.err;
  EXPECT_TRUE(Contains(seed.out, "OK loaded seed file main.people")) << seed.out;
  EXPECT_TRUE(Contains(seed.out, "INSERT 4")) << seed.out;
  EXPECT_EQ(Rows("select column_name, data_type from information_schema.columns where "
                 "table_name = 'people' order by ordinal_position"),
            (Strings{"id|INTEGER", "name|VARCHAR", "city|VARCHAR", "updated_at|TIMESTAMP"}));
  // A second seed replaces the table: no duplicate rows.
  ASSERT_EQ(Run("seed").exit_code, 0);
  EXPECT_EQ(Rows("select count(*) from main.people"), Strings{"4"});
}

TEST_F(DbtProjectSnapshot, ClosesChangedVersionsAndRecordsHardDeletes) {
  ASSERT_EQ(Run("seed").exit_code, 0);
  CliRun first = Run("snapshot");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_TRUE(Contains(first.out, "Done. PASS=5 WARN=0 ERROR=0 SKIP=0 TOTAL=5")) << first.out;
  EXPECT_TRUE(Contains(first.out, "OK snapshotted snapshot snapshots.people_ts")) << first.out;
  EXPECT_EQ(Rows("select count(*), count(dbt_scd_id), count(dbt_valid_from), count(dbt_valid_to) "
                 "from snapshots.people_ts"),
            Strings{"4|4|4|0"});
  // The timestamp strategy's first versions are valid from their updated_at.
  EXPECT_EQ(Rows("select distinct dbt_valid_from::varchar from snapshots.people_ts"),
            Strings{"2024-01-01 00:00:00"});

  ChangeSeed();
  ASSERT_EQ(Run("seed").exit_code, 0);
  CliRun second = Run("snapshot");
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;

  // timestamp: bob's old version closed at his new updated_at; carol's move is invisible
  // (same updated_at); dave, deleted, stays current (hard_deletes: ignore).
  EXPECT_EQ(Versions("people_ts"),
            (Strings{"1|alice|paris|current", "2|bob|rome|closed", "2|robert|rome|current",
                     "3|carol|oslo|current", "4|dave|kyiv|current"}));
  EXPECT_EQ(Rows("select dbt_valid_to::varchar from snapshots.people_ts where name = 'bob'"),
            Strings{"2024-03-01 00:00:00"});
  EXPECT_EQ(Rows("select dbt_valid_from::varchar from snapshots.people_ts where name = 'robert'"),
            Strings{"2024-03-01 00:00:00"});
  // check ['name']: the city change is not a change.
  EXPECT_EQ(Versions("people_check"),
            (Strings{"1|alice|paris|current", "2|bob|rome|closed", "2|robert|rome|current",
                     "3|carol|oslo|current", "4|dave|kyiv|current"}));
  // check 'all': the city change is one.
  EXPECT_EQ(Versions("people_check_all"),
            (Strings{"1|alice|paris|current", "2|bob|rome|closed", "2|robert|rome|current",
                     "3|carol|oslo|closed", "3|carol|bergen|current", "4|dave|kyiv|current"}));
  // invalidate: dave's version is closed, nothing new for him.
  EXPECT_EQ(Versions("people_invalidate"),
            (Strings{"1|alice|paris|current", "2|bob|rome|closed", "2|robert|rome|current",
                     "3|carol|oslo|current", "4|dave|kyiv|closed"}));
  // new_record: dave's version is closed and a deletion record is current.
  EXPECT_EQ(Rows("select id, dbt_is_deleted, dbt_valid_to is null from snapshots.people_new_record "
                 "where id = 4 order by dbt_valid_from, dbt_valid_to nulls last"),
            (Strings{"4|False|false", "4|True|true"}));
  EXPECT_EQ(Rows("select count(*) from snapshots.people_new_record where dbt_is_deleted = 'False' "
                 "and dbt_valid_to is null"),
            Strings{"3"});

  // A third run with nothing changed writes no new versions.
  CliRun third = Run("snapshot");
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;
  EXPECT_EQ(Rows("select count(*) from snapshots.people_ts"), Strings{"5"});
  EXPECT_EQ(Rows("select count(*) from snapshots.people_check_all"), Strings{"6"});
  EXPECT_EQ(Rows("select count(*) from snapshots.people_invalidate"), Strings{"5"});
  EXPECT_EQ(Rows("select count(*) from snapshots.people_new_record"), Strings{"6"});
}

}  // namespace
}  // namespace shoplytics
