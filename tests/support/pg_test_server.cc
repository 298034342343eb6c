// pg_test_server: the ctest fixture that shares one PostgreSQL among all test processes.
//
//   pg_test_server start DIR   stops any server left in DIR, wipes DIR, starts a fresh one
//                              that keeps running after this program exits
//   pg_test_server stop DIR    stops the server in DIR (if any) and removes DIR
//
// The tests find the server through SHOPLYTICS_TEST_PG_DIR=DIR (LocalServer::Attach).
#include <cstdio>
#include <filesystem>
#include <string>

#include "pg/local_server.h"

namespace {

using shoplytics::Status;
using shoplytics::pg::LocalServer;

int Fail(const Status& status) {
  std::fprintf(stderr, "pg_test_server: %s\n", status.ToString().c_str());
  return 1;
}

int Start(const std::string& dir) {
  if (Status stopped = LocalServer::StopDir(dir); !stopped.ok()) return Fail(stopped);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  shoplytics::pg::LocalServerOptions options;
  options.data_dir = dir;
  options.keep_running = true;
  auto server = LocalServer::Start(options);
  if (!server.ok()) return Fail(server.status());
  std::printf("PostgreSQL for the tests: %s (data dir %s)\n", (*server)->dsn().c_str(),
              dir.c_str());
  return 0;
}

int Stop(const std::string& dir) {
  if (Status stopped = LocalServer::StopDir(dir); !stopped.ok()) return Fail(stopped);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) return Fail(shoplytics::InternalError("removing " + dir + ": " + ec.message()));
  std::printf("stopped the test PostgreSQL in %s\n", dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "start") return Start(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "stop") return Stop(argv[2]);
  std::fprintf(stderr, "usage: pg_test_server start|stop DIR\n");
  return 2;
}
