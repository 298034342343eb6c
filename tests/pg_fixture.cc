#include "pg_fixture.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>

namespace shoplytics::testing {

namespace {

constexpr const char* kServerDirEnv = "SHOPLYTICS_TEST_PG_DIR";

struct SharedServer {
  std::mutex mu;
  std::unique_ptr<pg::LocalServer> server;  // guarded by mu
  Status error;                             // guarded by mu; sticky first failure
};

// Destroyed at exit, which stops a private server and removes its temp dir.
SharedServer& Shared() {
  static SharedServer shared;
  return shared;
}

Result<std::unique_ptr<pg::LocalServer>> FindOrStartServer() {
  if (const char* dir = std::getenv(kServerDirEnv); dir != nullptr && *dir != '\0') {
    Result<std::unique_ptr<pg::LocalServer>> attached = pg::LocalServer::Attach(dir);
    if (attached.ok()) return attached;
    // E.g. the test was run with ctest -FS pg: fall back to a private server.
    std::fprintf(stderr, "%s=%s has no running server (%s); starting a private one\n",
                 kServerDirEnv, dir, attached.status().ToString().c_str());
  }
  return pg::LocalServer::Start();
}

}  // namespace

Result<pg::LocalServer*> SharedTestServer() {
  SharedServer& shared = Shared();
  std::lock_guard<std::mutex> lock(shared.mu);
  if (shared.server) return shared.server.get();
  if (!shared.error.ok()) return shared.error;
  Result<std::unique_ptr<pg::LocalServer>> server = FindOrStartServer();
  if (!server.ok()) {
    shared.error = server.status().WithContext("starting the test PostgreSQL");
    return shared.error;
  }
  shared.server = std::move(server).value();
  return shared.server.get();
}

std::string UniqueDatabaseName() {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}();
  char name[64];
  std::snprintf(name, sizeof name, "shoplytics_t%ld_%d_%08x", static_cast<long>(::getpid()),
                counter.fetch_add(1), salt);
  return name;
}

void PostgresTest::SetUp() {
  Result<pg::LocalServer*> server = SharedTestServer();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  server_ = *server;
  std::string name = UniqueDatabaseName();
  Result<std::string> dsn = server_->CreateDatabase(name);
  ASSERT_TRUE(dsn.ok()) << dsn.status().ToString();
  database_ = name;
  dsn_ = *dsn;
}

void PostgresTest::TearDown() {
  if (server_ == nullptr || database_.empty()) return;
  Status dropped = server_->DropDatabase(database_);
  EXPECT_TRUE(dropped.ok()) << dropped.ToString();
  database_.clear();
}

pg::Connection PostgresTest::Connect() {
  Result<pg::Connection> conn = pg::Connection::Open(dsn_);
  if (!conn.ok()) {
    ADD_FAILURE() << conn.status().ToString();
    return pg::Connection();
  }
  return std::move(conn).value();
}

}  // namespace shoplytics::testing
