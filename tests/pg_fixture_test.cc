#include "pg_fixture.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace shoplytics::testing {
namespace {

// Both tests create the same table: they would collide if they shared a database.
class PostgresFixtureTest : public PostgresTest {
 protected:
  void CreateProbeTable() {
    pg::Connection conn = Connect();
    Status created = conn.Execute("CREATE TABLE probe (id int)");
    EXPECT_TRUE(created.ok()) << created.ToString();
    auto name = conn.Query("SELECT current_database()");
    ASSERT_TRUE(name.ok()) << name.status().ToString();
    EXPECT_EQ(name->Get(0, 0), database());
  }
};

TEST_F(PostgresFixtureTest, GivesEachTestItsOwnDatabase) { CreateProbeTable(); }

TEST_F(PostgresFixtureTest, GivesThisTestAnotherDatabase) { CreateProbeTable(); }

TEST_F(PostgresFixtureTest, UsesTheCtestServerWhenOneIsShared) {
  const char* dir = std::getenv("SHOPLYTICS_TEST_PG_DIR");
  if (dir == nullptr || !std::filesystem::exists(std::string(dir) + "/postmaster.pid")) {
    GTEST_SKIP() << "not run under ctest's pg fixture";
  }
  EXPECT_EQ(std::filesystem::weakly_canonical(server().data_dir()),
            std::filesystem::weakly_canonical(dir));
}

TEST(PostgresFixture, DatabaseNamesAreUnique) {
  EXPECT_NE(UniqueDatabaseName(), UniqueDatabaseName());
  EXPECT_LE(UniqueDatabaseName().size(), 63u);
}

}  // namespace
}  // namespace shoplytics::testing
