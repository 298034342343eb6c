// RawStore: batches merge into raw, the lake and the cursor together.
#include "sources/raw_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/files.h"
#include "lake/lake.h"
#include "warehouse/database.h"

namespace shoplytics::sources {
namespace {

namespace fs = std::filesystem;

class RawStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("rawstore");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    auto db = warehouse::Database::Open((dir_->path() / "w.duckdb").string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::make_unique<warehouse::Database>(std::move(db).value());
    auto conn = warehouse::Connection::Open(*db_);
    ASSERT_TRUE(conn.ok());
    conn_ = std::make_unique<warehouse::Connection>(std::move(conn).value());
    store_ = std::make_unique<RawStore>(*conn_, lake());
    ASSERT_TRUE(store_->EnsureSchemas().ok());
  }

  fs::path lake() const { return dir_->path() / "lake"; }

  // Stages rows given as a VALUES list of (id, name, updated).
  void Stage(const std::string& values, const std::string& extra_cols = "") {
    ASSERT_TRUE(conn_->Execute("CREATE OR REPLACE TEMP TABLE stage AS SELECT * FROM (VALUES " +
                               values + ") t(id, name, updated" + extra_cols + ")")
                    .ok());
  }

  BatchResult Commit(const std::string& cursor = "") {
    BatchInfo b;
    b.ref = {"shop", "customers"};
    b.staging = "stage";
    b.key = {"id"};
    b.logical_date = "2025-03-01";
    if (!cursor.empty()) b.cursor = Cursor{cursor, ""};
    auto r = store_->CommitBatch(b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : BatchResult{};
  }

  std::string Scalar(const std::string& sql) {
    auto r = conn_->Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok()) return "";
    auto v = r->GetString(0, 0);
    return v.ok() ? *v : "";
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<warehouse::Database> db_;
  std::unique_ptr<warehouse::Connection> conn_;
  std::unique_ptr<RawStore> store_;
};

TEST_F(RawStoreTest, MergesBatchesByKeyAndMovesTheCursorWithThem) {
  Stage("(1, 'ann', 10), (2, 'bob', 11)");
  BatchResult first = Commit("11");
  EXPECT_EQ(first.rows, 2);
  EXPECT_EQ(first.inserted, 2);
  // An update of 2 and a new 3; key 3 twice in one batch keeps the last.
  Stage("(2, 'bobby', 12), (3, 'cy', 13), (3, 'cyd', 14)");
  BatchResult second = Commit("14");
  EXPECT_EQ(second.inserted, 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM raw.shop_customers"), "3");
  EXPECT_EQ(Scalar("SELECT name FROM raw.shop_customers WHERE id = 2"), "bobby");
  EXPECT_EQ(Scalar("SELECT name FROM raw.shop_customers WHERE id = 3"), "cyd");
  auto cursor = store_->LoadCursor({"shop", "customers"});
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(cursor->has_value());
  EXPECT_EQ((*cursor)->value, "14");
  // Both batches are in the lake and listed.
  EXPECT_EQ(Scalar("SELECT count(*) FROM meta.batches"), "2");
  EXPECT_TRUE(fs::exists(second.lake_file));
  EXPECT_EQ(second.lake_file.parent_path().filename(), "dt=2025-03-01");
  EXPECT_EQ(Scalar("SELECT count(*) FROM read_parquet('" + second.lake_file.string() + "')"), "3");
}

TEST_F(RawStoreTest, RowsListedAgainUnchangedKeepTheBatchThatLastChangedThem) {
  Stage("(1, 'ann', 10), (2, 'bob', 11), (3, NULL, 12)");
  BatchResult first = Commit();
  EXPECT_EQ(first.unchanged, 0);
  // 1 and 3 (a NULL equals a NULL) again as they are, 2 changed, 4 new.
  Stage("(1, 'ann', 10), (2, 'bobby', 11), (3, NULL, 12), (4, 'di', 13)");
  BatchResult second = Commit();
  EXPECT_EQ(second.rows, 4);
  EXPECT_EQ(second.unchanged, 2);
  EXPECT_EQ(second.inserted, 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM raw.shop_customers"), "4");
  EXPECT_EQ(Scalar("SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM raw.shop_customers "
                   "WHERE _batch_id = '" + first.batch_id + "'"),
            "1,3");
  EXPECT_EQ(Scalar("SELECT string_agg(id::VARCHAR || name, ',' ORDER BY id) FROM "
                   "raw.shop_customers WHERE _batch_id = '" + second.batch_id + "'"),
            "2bobby,4di");
  // The lake keeps the batch as it came.
  EXPECT_EQ(Scalar("SELECT count(*) FROM read_parquet('" + second.lake_file.string() + "')"), "4");
  // A batch holding a key twice is merged whole: the last row wins even when an earlier
  // one equals raw's.
  Stage("(4, 'di', 13), (4, 'dee', 14)");
  BatchResult third = Commit();
  EXPECT_EQ(third.unchanged, 0);
  EXPECT_EQ(Scalar("SELECT name FROM raw.shop_customers WHERE id = 4"), "dee");
  // Nothing changed at all: raw is left as it is.
  Stage("(1, 'ann', 10)");
  BatchResult fourth = Commit();
  EXPECT_EQ(fourth.unchanged, 1);
  EXPECT_EQ(fourth.inserted, 0);
  EXPECT_EQ(Scalar("SELECT _batch_id FROM raw.shop_customers WHERE id = 1"), first.batch_id);
}

TEST_F(RawStoreTest, AddsNewColumnsAndRefusesIncompatibleTypeChanges) {
  Stage("(1, 'ann', 10)");
  Commit();
  Stage("(2, 'bob', 11, 'gift')", ", note");
  BatchResult drift = Commit();
  EXPECT_EQ(drift.added_columns, std::vector<std::string>{"note"});
  EXPECT_EQ(Scalar("SELECT note FROM raw.shop_customers WHERE id = 2"), "gift");

  Stage("(3, DATE '2025-01-01', 12)");  // name: VARCHAR -> DATE
  BatchInfo b;
  b.ref = {"shop", "customers"};
  b.staging = "stage";
  b.key = {"id"};
  b.cursor = Cursor{"99", ""};
  auto r = store_->CommitBatch(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("column name"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("shop"), std::string::npos);
  // Nothing of the refused batch is visible: rows, cursor, manifest.
  EXPECT_EQ(Scalar("SELECT count(*) FROM raw.shop_customers"), "2");
  auto cursor = store_->LoadCursor({"shop", "customers"});
  ASSERT_TRUE(cursor.ok());
  EXPECT_FALSE(cursor->has_value());
  EXPECT_EQ(Scalar("SELECT count(*) FROM meta.batches"), "2");
}

TEST_F(RawStoreTest, RebuildsRawFromTheLake) {
  Stage("(1, 'ann', 10), (2, 'bob', 11)");
  Commit("11");
  Stage("(2, 'bobby', 12), (4, 'dee', 13)");
  Commit("13");
  const std::string before =
      Scalar("SELECT string_agg(id || name, ',' ORDER BY id) FROM raw.shop_customers");
  ASSERT_TRUE(conn_->Execute("DELETE FROM raw.shop_customers WHERE id = 1").ok());
  auto rebuilt = store_->RebuildFromLake("shop");
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_EQ(rebuilt->batches, 2);
  EXPECT_EQ(Scalar("SELECT string_agg(id || name, ',' ORDER BY id) FROM raw.shop_customers"),
            before);
  // A listed batch whose file went missing is a clear error.
  auto files = Scalar("SELECT min(lake_path) FROM meta.batches");
  fs::remove(files);
  auto broken = store_->RebuildFromLake("");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(broken.status().message().find(files), std::string::npos);
}

TEST_F(RawStoreTest, RetentionDeletesOldPartitionsAndTheirManifestRows) {
  Stage("(1, 'ann', 10)");
  Commit();  // dt=2025-03-01
  const int64_t today = 20150;  // 2025-03-03
  auto kept = lake::ApplyRetention(*conn_, lake(), 7, today);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->partitions_deleted, 0);
  auto dropped = lake::ApplyRetention(*conn_, lake(), 1, today);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->partitions_deleted, 1);
  EXPECT_EQ(dropped->files_deleted, 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM meta.batches"), "0");
  EXPECT_FALSE(fs::exists(lake() / "shop" / "customers" / "dt=2025-03-01"));
  // raw keeps its rows: retention is about the lake only.
  EXPECT_EQ(Scalar("SELECT count(*) FROM raw.shop_customers"), "1");
}

}  // namespace
}  // namespace shoplytics::sources
