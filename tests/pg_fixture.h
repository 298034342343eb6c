// PostgresTest: a GoogleTest fixture that gives each test its own fresh database.
//
// All tests share one PostgreSQL server. Under ctest it is the `pg` fixture's server
// (PgServerStart / PgServerStop in CMakeLists.txt), found through the
// SHOPLYTICS_TEST_PG_DIR environment variable that ctest sets. When the test binary runs
// by itself, the first PostgresTest starts a private LocalServer in a temp dir, shared by
// the rest of the process and stopped (and its dir removed) at exit, or by its watchdog
// if the process is killed.
//
// SetUp creates a database with a unique name (tests run in parallel processes);
// TearDown drops it, ending any session still connected.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "common/status.h"
#include "pg/connection.h"
#include "pg/local_server.h"

namespace shoplytics::testing {

// The server shared by this test process (see above). Never null when OK.
Result<pg::LocalServer*> SharedTestServer();

// A database name no other test process is using: "shoplytics_t<pid>_<n>_<random>".
std::string UniqueDatabaseName();

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // DSN of this test's database.
  const std::string& dsn() const { return dsn_; }
  const std::string& database() const { return database_; }
  pg::LocalServer& server() const { return *server_; }

  // Opens a connection to dsn(); a failure fails the test and returns a closed
  // connection (whose calls return kFailedPrecondition).
  pg::Connection Connect();

 private:
  pg::LocalServer* server_ = nullptr;
  std::string database_;
  std::string dsn_;
};

}  // namespace shoplytics::testing
