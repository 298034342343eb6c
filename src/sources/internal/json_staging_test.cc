#include "sources/internal/json_staging.h"

#include <gtest/gtest.h>

#include "warehouse/database.h"

namespace shoplytics::sources::internal {
namespace {

TEST(JsonStaging, ClearLeavesOnlyTheNextBatchInTheTable) {
  auto db = warehouse::Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto conn = warehouse::Connection::Open(*db);
  ASSERT_TRUE(conn.ok());
  auto staging = JsonStaging::Create(
      *conn, "_stage_things",
      {{"id", "VARCHAR", JsonKind::kString, "/id"}, {"n", "BIGINT", JsonKind::kInt, "/n"}});
  ASSERT_TRUE(staging.ok()) << staging.status().ToString();
  auto physical_rows = [&]() {
    // estimated_size counts the rows a table stores, deleted ones included.
    auto r = conn->Query(
        "SELECT estimated_size FROM duckdb_tables() WHERE table_name = '_stage_things'");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->GetInt64(0, 0).value_or(-1) : -1;
  };
  for (int batch = 0; batch < 3; ++batch) {
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(staging->Append({{"id", "t" + std::to_string(batch * 1000 + i)}, {"n", i}}).ok());
    }
    ASSERT_TRUE(staging->Flush().ok());
    EXPECT_EQ(staging->rows(), 1000);
    // Each batch finds only its own rows: none left behind by the batches before.
    EXPECT_EQ(physical_rows(), 1000) << "batch " << batch;
    auto first = conn->Query("SELECT min(id) FROM _stage_things");
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->GetString(0, 0).value_or(""), "t" + std::to_string(batch * 1000));
    ASSERT_TRUE(staging->Clear().ok());
    EXPECT_EQ(staging->rows(), 0);
  }
  ASSERT_TRUE(staging->Drop().ok());
}

}  // namespace
}  // namespace shoplytics::sources::internal
