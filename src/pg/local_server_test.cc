#include "pg/local_server.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "common/files.h"
#include "pg/connection.h"
#include "pg_fixture.h"

namespace shoplytics::pg {
namespace {

namespace fs = std::filesystem;

template <typename T>
T ValueOrDie(Result<T> result) {
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (!result.ok()) std::abort();
  return std::move(result).value();
}

std::string QueryOne(const std::string& dsn, const std::string& sql) {
  Connection conn = ValueOrDie(Connection::Open(dsn));
  return std::string(ValueOrDie(conn.Query(sql)).Get(0, 0));
}

// A path for a data directory that does not exist yet.
std::string FreshDirPath() {
  std::string dir = ::testing::TempDir() + "shoplytics-pg-test-XXXXXX";
  EXPECT_NE(::mkdtemp(dir.data()), nullptr);
  fs::remove(dir);
  return dir;
}

// Polls a condition that another process brings about (never a fixed sleep).
template <typename Fn>
bool Eventually(Fn done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST(LocalServer, StartsAnswersStopsAndRemovesItsTempDir) {
  std::unique_ptr<LocalServer> server = ValueOrDie(LocalServer::Start());
  const std::string dir = server->data_dir();
  const std::string dsn = server->dsn();
  EXPECT_EQ(dsn, "host=127.0.0.1 port=" + std::to_string(server->port()) +
                     " user=postgres dbname=postgres");
  EXPECT_FALSE(server->reused());
  EXPECT_EQ(QueryOne(dsn, "SELECT 1"), "1");
  EXPECT_TRUE(fs::exists(fs::path(dir) / "PG_VERSION"));

  ASSERT_TRUE(server->Stop().ok());
  EXPECT_FALSE(server->running());
  Result<Connection> after = Connection::Open(dsn + " connect_timeout=5");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(server->Stop().ok());  // idempotent
  server.reset();
  EXPECT_FALSE(fs::exists(dir));
}

TEST(LocalServer, DestructorStopsTheServer) {
  std::string dsn;
  std::string dir;
  {
    std::unique_ptr<LocalServer> server = ValueOrDie(LocalServer::Start());
    dsn = server->dsn();
    dir = server->data_dir();
  }
  EXPECT_FALSE(Connection::Open(dsn + " connect_timeout=5").ok());
  EXPECT_FALSE(fs::exists(dir));
}

TEST(LocalServer, IsTunedForAFastDisposableDatabaseAndListensOnLoopbackOnly) {
  auto server = ValueOrDie(shoplytics::testing::SharedTestServer());
  const std::string dsn = server->dsn();
  EXPECT_EQ(QueryOne(dsn, "SHOW fsync"), "off");
  EXPECT_EQ(QueryOne(dsn, "SHOW synchronous_commit"), "off");
  EXPECT_EQ(QueryOne(dsn, "SHOW full_page_writes"), "off");
  EXPECT_EQ(QueryOne(dsn, "SHOW wal_level"), "minimal");
  EXPECT_EQ(QueryOne(dsn, "SHOW shared_buffers"), "256MB");
  EXPECT_EQ(QueryOne(dsn, "SHOW work_mem"), "64MB");
  EXPECT_EQ(QueryOne(dsn, "SHOW max_wal_size"), "8GB");
  EXPECT_EQ(QueryOne(dsn, "SHOW listen_addresses"), "127.0.0.1");
  EXPECT_EQ(QueryOne(dsn, "SHOW server_encoding"), "UTF8");
}

TEST(LocalServer, CreateDatabaseGivesIsolatedDatabases) {
  auto server = ValueOrDie(shoplytics::testing::SharedTestServer());
  const std::string a = shoplytics::testing::UniqueDatabaseName();
  const std::string b = shoplytics::testing::UniqueDatabaseName();
  ASSERT_NE(a, b);
  std::string dsn_a = ValueOrDie(server->CreateDatabase(a));
  std::string dsn_b = ValueOrDie(server->CreateDatabase(b));
  EXPECT_EQ(server->CreateDatabase(a).status().code(), StatusCode::kAlreadyExists);
  {
    Connection conn_a = ValueOrDie(Connection::Open(dsn_a));
    ASSERT_TRUE(conn_a.Execute("CREATE TABLE only_in_a (id int)").ok());
    EXPECT_EQ(QueryOne(dsn_a, "SELECT current_database()"), a);
    EXPECT_EQ(QueryOne(dsn_b, "SELECT current_database()"), b);
    EXPECT_EQ(QueryOne(dsn_b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"), "0");
    // Dropping works while a session is still connected.
    EXPECT_TRUE(server->DropDatabase(a).ok());
  }
  EXPECT_TRUE(server->DropDatabase(b).ok());
  EXPECT_EQ(Connection::Open(dsn_a).status().code(), StatusCode::kNotFound);
}

TEST(LocalServer, KeptServerIsReusedAttachedStoppedAndRestartedWithItsData) {
  const std::string dir = FreshDirPath();
  LocalServerOptions options;
  options.data_dir = dir;
  options.keep_running = true;
  int port = 0;
  {
    auto server = ValueOrDie(LocalServer::Start(options));
    port = server->port();
    Connection conn = ValueOrDie(Connection::Open(server->dsn()));
    ASSERT_TRUE(conn.Execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('x')").ok());
  }
  // Still running after its object died; Start on the same dir and Attach find it.
  {
    auto again = ValueOrDie(LocalServer::Start(options));
    EXPECT_TRUE(again->reused());
    EXPECT_EQ(again->port(), port);
    auto attached = ValueOrDie(LocalServer::Attach(dir));
    EXPECT_EQ(attached->port(), port);
    EXPECT_EQ(QueryOne(attached->dsn(), "SELECT v FROM kept"), "x");
  }
  ASSERT_TRUE(LocalServer::StopDir(dir).ok());
  EXPECT_EQ(LocalServer::Attach(dir).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(LocalServer::StopDir(dir).ok());  // nothing to stop is fine
  // A stopped cluster is started again, with its data.
  {
    options.keep_running = false;
    auto restarted = ValueOrDie(LocalServer::Start(options));
    EXPECT_FALSE(restarted->reused());
    EXPECT_EQ(QueryOne(restarted->dsn(), "SELECT v FROM kept"), "x");
  }
  EXPECT_EQ(LocalServer::Attach(dir).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(fs::exists(fs::path(dir) / "PG_VERSION"));  // a given dir is never removed
  fs::remove_all(dir);
}

TEST(LocalServer, MissingBinariesAreAFailedPrecondition) {
  LocalServerOptions options;
  options.bin_dir = "/nonexistent/bin";
  Result<std::unique_ptr<LocalServer>> server = LocalServer::Start(options);
  EXPECT_EQ(server.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(server.status().message().find("/nonexistent/bin"), std::string::npos);
}

// Regression: as root, initdb (run as postgres) failed with a bare "could not access
// directory ...: Permission denied" for a project under a mode 0700 directory.
TEST(LocalServer, DataDirBeyondADirThePostgresUserCannotEnterIsAFailedPreconditionNamingIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "only a root process runs PostgreSQL as another user";
  Result<TempDir> parent = TempDir::Create("shoplytics-pg-private");
  ASSERT_TRUE(parent.ok()) << parent.status().ToString();
  ASSERT_EQ(::chmod(parent->path().c_str(), 0700), 0);
  const std::string blocking = parent->path().string();
  LocalServerOptions options;
  options.data_dir = blocking + "/project/.shoplytics/pg";
  Result<std::unique_ptr<LocalServer>> server = LocalServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kFailedPrecondition) << server.status().ToString();
  EXPECT_NE(server.status().message().find("cannot enter " + blocking + " ("), std::string::npos)
      << server.status().message();
  EXPECT_NE(server.status().message().find("chmod o+x " + blocking), std::string::npos)
      << server.status().message();
}

// The watchdog: a process killed with SIGKILL runs no destructor, yet its server stops
// and its temp dir goes away.
TEST(LocalServer, ServerOfAKilledProcessIsStoppedAndRemovedByTheWatchdog) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    Result<std::unique_ptr<LocalServer>> server = LocalServer::Start();
    std::string line = server.ok() ? (*server)->data_dir() + "\n" + (*server)->dsn() + "\n"
                                   : std::string("error\n");
    if (::write(fds[1], line.data(), line.size()) < 0) ::_exit(2);
    ::raise(SIGKILL);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
  ::close(fds[0]);
  ::waitpid(child, nullptr, 0);
  size_t newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos) << out;
  const std::string dir = out.substr(0, newline);
  const std::string dsn = out.substr(newline + 1, out.size() - newline - 2);
  ASSERT_NE(dir, "error");
  EXPECT_TRUE(Eventually([&] { return !fs::exists(dir); })) << dir;
  EXPECT_FALSE(Connection::Open(dsn + " connect_timeout=5").ok());
}

}  // namespace
}  // namespace shoplytics::pg
