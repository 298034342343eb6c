#include "warehouse/database.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/files.h"
#include "warehouse/connection.h"

namespace shoplytics::warehouse {
namespace {

int64_t Count(Connection& conn, const std::string& sql) {
  Result<QueryResult> result = conn.Query(sql);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (!result.ok()) return -1;
  Result<int64_t> value = result->GetInt64(0, 0);
  EXPECT_TRUE(value.ok()) << value.status().ToString();
  return value.value_or(-1);
}

TEST(WarehouseDatabase, InMemoryDatabaseRunsQueries) {
  Result<Database> db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(db->path(), ":memory:");
  Result<Connection> conn = Connection::Open(*db);
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ(Count(*conn, "SELECT 40 + 2"), 42);
}

TEST(WarehouseDatabase, FileSurvivesManyOpenCloseCyclesAndReopens) {
  Result<TempDir> dir = TempDir::Create("warehouse-test");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  const std::string path = (dir->path() / "cycles.duckdb").string();
  for (int i = 0; i < 30; ++i) {
    Result<Database> db = Database::Open(path);
    ASSERT_TRUE(db.ok()) << "cycle " << i << ": " << db.status().ToString();
    Result<Connection> conn = Connection::Open(*db);
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE(conn->Execute("CREATE TABLE IF NOT EXISTS t (i BIGINT)").ok());
    ASSERT_TRUE(conn->Execute("INSERT INTO t VALUES (" + std::to_string(i) + ")").ok());
    // Connection and Database close here; a leaked handle would keep the file locked
    // and in-process state stale, and the next Open would see it.
  }
  Result<Database> db = Database::Open(path, {.read_only = true, .settings = {}});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Result<Connection> conn = Connection::Open(*db);
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ(Count(*conn, "SELECT count(*) FROM t"), 30);
  EXPECT_EQ(Count(*conn, "SELECT sum(i) FROM t"), 29 * 30 / 2);
}

// The storage format DuckDB records for the open file, e.g. "v1.4.0+".
int64_t HasStorageVersion(Connection& conn, const std::string& version) {
  return Count(conn,
               "SELECT count(*) FROM duckdb_databases() WHERE database_name = "
               "current_database() AND cast(tags AS VARCHAR) LIKE '%storage_version=" +
                   version + "%'");
}

TEST(WarehouseDatabase, NewFileIsWrittenInDuckDb14FormatAndAnOldFileKeepsItsOwn) {
  Result<TempDir> dir = TempDir::Create("warehouse-test");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  const std::string fresh = (dir->path() / "fresh.duckdb").string();
  const std::string old = (dir->path() / "old.duckdb").string();
  {
    Result<Database> db = Database::Open(fresh);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Result<Connection> conn = Connection::Open(*db);
    ASSERT_TRUE(conn.ok());
    EXPECT_EQ(HasStorageVersion(*conn, "v1.4.0"), 1);
  }
  {
    Result<Database> db =
        Database::Open(old, {.read_only = false,
                             .settings = {{"storage_compatibility_version", "v0.10.2"}}});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Result<Connection> conn = Connection::Open(*db);
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE(conn->Execute("CREATE TABLE t AS SELECT range AS i FROM range(10)").ok());
  }
  for (const std::string& path : {fresh, old}) {
    Result<Database> db = Database::Open(path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Result<Connection> conn = Connection::Open(*db);
    ASSERT_TRUE(conn.ok());
    EXPECT_EQ(HasStorageVersion(*conn, path == fresh ? "v1.4.0" : "v1.0.0"), 1) << path;
  }
}

TEST(WarehouseDatabase, ReadOnlyDatabaseRejectsWritesAsFailedPrecondition) {
  Result<TempDir> dir = TempDir::Create("warehouse-test");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  const std::string path = (dir->path() / "ro.duckdb").string();
  {
    Result<Database> db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    Result<Connection> conn = Connection::Open(*db);
    ASSERT_TRUE(conn->Execute("CREATE TABLE t AS SELECT 1 AS i").ok());
  }
  Result<Database> db = Database::Open(path, {.read_only = true, .settings = {}});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE(db->read_only());
  Result<Connection> conn = Connection::Open(*db);
  EXPECT_EQ(Count(*conn, "SELECT count(*) FROM t"), 1);
  Status status = conn->Execute("INSERT INTO t VALUES (2)");
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  EXPECT_NE(status.message().find("read-only"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("INSERT INTO t"), std::string::npos) << status.message();
}

TEST(WarehouseDatabase, ReadOnlyOpenOfMissingFileFailsNamingIt) {
  Result<TempDir> dir = TempDir::Create("warehouse-test");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  const std::string path = (dir->path() / "missing.duckdb").string();
  Result<Database> db = Database::Open(path, {.read_only = true, .settings = {}});
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find(path), std::string::npos) << db.status().message();
}

TEST(WarehouseDatabase, UnknownSettingIsInvalidArgumentNamingIt) {
  Result<Database> db = Database::OpenInMemory({.settings = {{"no_such_setting", "1"}}});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(db.status().message().find("no_such_setting"), std::string::npos);
}

TEST(WarehouseDatabase, SettingsAreApplied) {
  Result<Database> db = Database::OpenInMemory({.settings = {{"threads", "3"}}});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Result<Connection> conn = Connection::Open(*db);
  EXPECT_EQ(Count(*conn, "SELECT current_setting('threads')::BIGINT"), 3);
}

TEST(WarehouseDatabase, FileLockedByAnotherProcessIsFailedPreconditionNamingTheFile) {
  Result<TempDir> dir = TempDir::Create("warehouse-test");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  const std::string path = (dir->path() / "locked.duckdb").string();
  int ready[2];
  int release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child holds the file open for writing until the parent closes `release`.
    close(ready[0]);
    close(release[1]);
    Result<Database> db = Database::Open(path);
    char byte = db.ok() ? 'y' : 'n';
    if (write(ready[1], &byte, 1) != 1) _exit(3);
    char ignored;
    while (read(release[0], &ignored, 1) > 0) {
    }
    _exit(db.ok() ? 0 : 1);
  }
  close(ready[1]);
  close(release[0]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'y') << "the child could not open the database";

  Result<Database> db = Database::Open(path);
  close(release[1]);
  close(ready[0]);
  int child_status = 0;
  waitpid(child, &child_status, 0);

  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kFailedPrecondition) << db.status().ToString();
  EXPECT_NE(db.status().message().find(path), std::string::npos) << db.status().message();
  EXPECT_NE(db.status().message().find("another process"), std::string::npos)
      << db.status().message();
  EXPECT_TRUE(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0);
}

TEST(WarehouseDatabase, MovedFromDatabaseIsEmptyAndSafeToDestroy) {
  Result<Database> db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok());
  Database moved = std::move(*db);
  EXPECT_FALSE(db->valid());  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_TRUE(moved.valid());
  Result<Connection> from_empty = Connection::Open(*db);
  EXPECT_EQ(from_empty.status().code(), StatusCode::kFailedPrecondition);
  Database assigned;
  assigned = std::move(moved);
  EXPECT_TRUE(assigned.valid());
  EXPECT_FALSE(moved.valid());  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace shoplytics::warehouse
