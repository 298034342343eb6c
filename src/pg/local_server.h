// LocalServer: a private PostgreSQL for tests and the demo.
//
// Start() runs initdb in a data directory (a fresh temp dir by default), then starts the
// postmaster listening on 127.0.0.1 only, on a free port, with its unix socket in the
// data directory, trust authentication and settings for a disposable database that loads
// fast (fsync=off, synchronous_commit=off, full_page_writes=off, wal_level=minimal, ...).
// NEVER put data you want to keep in it: a crash can corrupt it.
//
// PostgreSQL refuses to run as root; when the process is root, initdb and postgres run as
// the `postgres` system user (which must exist) and the data directory is chowned to it.
// That user must be able to enter every parent of the data directory (not the case under
// /root or a mode 0700 temp dir): Start() checks this before initdb.
// The binaries come from $SHOPLYTICS_PG_BINDIR, `pg_config --bindir`, or the newest
// /usr/lib/postgresql/*/bin.
//
// Lifetime. By default the server belongs to this process: the destructor stops it and
// removes a temp data directory, and a watchdog process (a tiny `sh` holding a pipe from
// this process) stops it and removes the temp directory if the process dies without
// running destructors (SIGKILL, abort). With keep_running (only for a given data_dir),
// the server outlives the process, and a later Start() on the same directory (or
// Attach()) finds it through postmaster.pid and reuses it; StopDir() stops it. A server
// that Start() found already running is never stopped by the destructor, only by Stop().
//
// Not thread-safe; one object per server.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "pg/connection.h"  // RedactDsn, Connection: what callers of a LocalServer use next

namespace shoplytics::pg {

struct LocalServerOptions {
  // Empty: a fresh directory under $TMPDIR (or /tmp), removed when the object dies.
  // Otherwise the directory holds the cluster: created and initdb'ed when missing or
  // empty, reused when it already holds one (and attached to when that one is running).
  std::string data_dir;
  // Keep the server running when the object dies (needs data_dir). Default: stop it.
  bool keep_running = false;
  // Empty: search as described above.
  std::string bin_dir;
  // How long to wait for the server to accept connections.
  std::chrono::milliseconds start_timeout{60'000};
};

class LocalServer {
 public:
  // Starts (or reuses, see LocalServerOptions::data_dir) a server. Errors: kFailedPrecondition
  // when the binaries or the postgres user are missing, when the postgres user cannot enter
  // a parent of a new data directory (the message names the first such directory), or when
  // initdb fails;
  // kDeadlineExceeded / kUnavailable when the server does not come up (the message ends
  // with the tail of the server log).
  static Result<std::unique_ptr<LocalServer>> Start(LocalServerOptions options = {});

  // Attaches to the server running in data_dir (found through its postmaster.pid) and
  // waits until it accepts connections. kNotFound when none runs there. The returned
  // object does not stop the server when it dies; Stop() does.
  static Result<std::unique_ptr<LocalServer>> Attach(const std::string& data_dir);

  // Stops the server running in data_dir, if any (OK when none runs there).
  static Status StopDir(const std::string& data_dir);

  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  ~LocalServer();

  // Fast shutdown (SIGINT to the postmaster: open sessions are ended) and wait for the
  // postmaster to exit. Idempotent. Does not remove the data directory.
  Status Stop();

  // "host=127.0.0.1 port=N user=postgres dbname=postgres".
  const std::string& dsn() const { return dsn_; }
  // The same server, database `dbname`.
  std::string DsnFor(std::string_view dbname) const;
  int port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string log_path() const;
  // True when Start() found this server already running and attached to it.
  bool reused() const { return reused_; }
  bool running() const { return pid_ > 0; }

  // CREATE DATABASE name; returns its DSN. kAlreadyExists when it exists.
  Result<std::string> CreateDatabase(std::string_view name);
  // DROP DATABASE IF EXISTS name WITH (FORCE): ends sessions still connected to it.
  Status DropDatabase(std::string_view name);

  // The last `lines` lines of the server log (for error messages).
  std::string LogTail(int lines = 20) const;

 private:
  LocalServer();
  Status Launch(const std::string& bin_dir, std::chrono::milliseconds timeout);
  Status WaitReady(std::chrono::milliseconds timeout);
  void StartWatchdog();
  void StopWatchdog();

  std::string data_dir_;
  std::string dsn_;
  int port_ = 0;
  pid_t pid_ = 0;          // the postmaster; 0 once stopped
  bool is_child_ = false;  // we forked the postmaster (reap it with waitpid)
  bool owned_ = false;     // the destructor stops the server
  bool temp_dir_ = false;  // the destructor removes data_dir_
  bool reused_ = false;
  pid_t creator_ = 0;  // the process that made this object; a forked child never stops
  pid_t watchdog_pid_ = 0;
  int watchdog_fd_ = -1;  // write end of the watchdog's pipe
};

}  // namespace shoplytics::pg
