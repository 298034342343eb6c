#include "pg/local_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "pg/connection.h"

namespace shoplytics::pg {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kLogFile = "shoplytics-server.log";
constexpr int kStartAttempts = 3;  // a free port can be taken before postgres binds it

// Settings for a disposable database that loads fast; appended to postgresql.conf.
constexpr const char* kSettings = R"(
# --- added by shoplytics: a disposable dev/test database tuned to load fast. ---
# fsync=off means a crash can corrupt it: never keep data you need here.
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
shared_buffers = 256MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
checkpoint_timeout = 30min
work_mem = 64MB
huge_pages = off
logging_collector = off
)";

// Who runs initdb and postgres: this process's user, or `postgres` when we are root.
struct Identity {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Result<Identity> ServerIdentity() {
  Identity id;
  if (geteuid() != 0) return id;
  struct passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    return FailedPreconditionError(
        "PostgreSQL refuses to run as root and there is no 'postgres' system user to run it "
        "as; install the postgresql package or run as an unprivileged user");
  }
  id.switch_user = true;
  id.uid = pw->pw_uid;
  id.gid = pw->pw_gid;
  return id;
}

std::string ErrnoText(int err) { return std::strerror(err); }

bool IsExecutable(const fs::path& path) { return ::access(path.c_str(), X_OK) == 0; }

bool HasServerBinaries(const fs::path& dir) {
  return IsExecutable(dir / "initdb") && IsExecutable(dir / "postgres");
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string PgConfigBinDir() {
  FILE* pipe = ::popen("pg_config --bindir 2>/dev/null", "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  ::pclose(pipe);
  return Trim(out);
}

Result<std::string> FindBinDir(const std::string& requested) {
  std::vector<std::string> tried;
  auto check = [&tried](const std::string& dir) {
    if (dir.empty()) return false;
    tried.push_back(dir);
    return HasServerBinaries(dir);
  };
  if (!requested.empty()) {
    if (check(requested)) return requested;
    return FailedPreconditionError("no initdb and postgres in " + requested);
  }
  if (const char* env = std::getenv("SHOPLYTICS_PG_BINDIR"); env != nullptr && check(env)) {
    return std::string(env);
  }
  if (std::string dir = PgConfigBinDir(); check(dir)) return dir;
  // Debian keeps each major version in /usr/lib/postgresql/<major>/bin; take the newest.
  std::vector<std::pair<int, std::string>> versions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    int major = std::atoi(entry.path().filename().c_str());
    fs::path bin = entry.path() / "bin";
    if (major > 0 && HasServerBinaries(bin)) versions.emplace_back(major, bin.string());
  }
  if (!versions.empty()) return std::max_element(versions.begin(), versions.end())->second;
  std::string where;
  for (const auto& dir : tried) where += dir + ", ";
  return FailedPreconditionError("PostgreSQL server binaries (initdb, postgres) not found in " +
                                 where +
                                 "/usr/lib/postgresql/*/bin; install the postgresql package "
                                 "or set SHOPLYTICS_PG_BINDIR");
}

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return argv;
}

// In a forked child: from here on only async-signal-safe calls, then exec.
[[noreturn]] void ExecChild(const Identity& id, std::vector<char*>& argv, int out_fd,
                            const char* out_path) {
  ::setsid();
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  if (id.switch_user) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(id.gid) != 0 || ::setuid(id.uid) != 0) {
      ::_exit(126);
    }
  }
  if (::chdir("/") != 0) ::_exit(126);
  if (out_path != nullptr) out_fd = ::open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (out_fd < 0) out_fd = null_fd;
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  ::close_range(3, ~0U, 0);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

// Runs a command to completion as `id`; returns its exit code and merged output.
Result<std::pair<int, std::string>> RunCaptured(const Identity& id, std::vector<std::string> args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return InternalError("pipe: " + ErrnoText(errno));
  std::vector<char*> argv = Argv(args);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return InternalError("fork: " + ErrnoText(errno));
  }
  if (pid == 0) ExecChild(id, argv, fds[1], nullptr);
  ::close(fds[1]);
  std::string output;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      output.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return std::make_pair(code, output);
}

Result<int> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return InternalError("socket: " + ErrnoText(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(fd);
    return UnavailableError("finding a free port on 127.0.0.1: " + ErrnoText(err));
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

struct PidFile {
  pid_t pid = 0;
  int port = 0;
};

// postmaster.pid: line 1 the pid, line 4 the port (PostgreSQL >= 9.1).
std::optional<PidFile> ReadPidFile(const std::string& data_dir) {
  std::ifstream in(fs::path(data_dir) / "postmaster.pid");
  if (!in) return std::nullopt;
  std::vector<std::string> lines;
  for (std::string line; lines.size() < 4 && std::getline(in, line);) lines.push_back(line);
  if (lines.size() < 4) return std::nullopt;
  PidFile file;
  file.pid = static_cast<pid_t>(std::atol(lines[0].c_str()));
  file.port = std::atoi(lines[3].c_str());
  if (file.pid <= 0 || file.port <= 0) return std::nullopt;
  return file;
}

bool ProcessAlive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

// The postmaster removes postmaster.pid as it exits; a zombie still answers kill(pid, 0).
bool PostmasterGone(pid_t pid, bool is_child, const std::string& data_dir) {
  if (is_child) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    return r == pid || (r < 0 && errno == ECHILD);
  }
  if (!ProcessAlive(pid)) return true;
  std::optional<PidFile> file = ReadPidFile(data_dir);
  return !file || file->pid != pid;
}

// Polls `done` with a short exponential backoff until it returns true or `timeout` passes.
template <typename Fn>
bool PollUntil(milliseconds timeout, Fn done) {
  auto deadline = Clock::now() + timeout;
  milliseconds delay{2};
  for (;;) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, milliseconds{100});
  }
}

std::string KeyValue(std::string_view key, std::string_view value) {
  bool plain = !value.empty() && value.find_first_of(" '\\\t\n") == std::string_view::npos;
  if (plain) return std::string(key) + "=" + std::string(value);
  std::string out = std::string(key) + "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string MakeDsn(int port, std::string_view dbname) {
  return "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres " +
         KeyValue("dbname", dbname);
}

Result<std::string> MakeTempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/shoplytics-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return InternalError("creating a temp dir " + pattern + ": " + ErrnoText(errno));
  }
  return pattern;
}

Status ChownTo(const std::string& path, const Identity& id) {
  if (!id.switch_user) return OkStatus();
  if (::chown(path.c_str(), id.uid, id.gid) != 0) {
    return InternalError("chown " + path + " to postgres: " + ErrnoText(errno));
  }
  return OkStatus();
}

// Every directory from / down to the parent of `data_dir`: the ones the server's user must
// be able to enter (search permission) to reach its data directory.
std::vector<std::string> Ancestors(const std::string& data_dir) {
  std::vector<std::string> ancestors;
  fs::path path;
  for (const fs::path& part : fs::path(data_dir).parent_path()) {
    path /= part;
    ancestors.push_back(path.string());
  }
  return ancestors;
}

struct Blocked {
  size_t index = 0;  // into the directories checked
  int error = 0;     // access()'s errno
};

// Checks, in a forked child that switches to `id` as ExecChild does, that it can enter each
// of `dirs` in turn; returns the first one it cannot.
Result<std::optional<Blocked>> FirstUnenterable(const std::vector<std::string>& dirs,
                                                const Identity& id) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return InternalError("pipe: " + ErrnoText(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return InternalError("fork: " + ErrnoText(errno));
  }
  if (pid == 0) {  // async-signal-safe calls only
    if (::setgroups(0, nullptr) != 0 || ::setgid(id.gid) != 0 || ::setuid(id.uid) != 0) {
      ::_exit(126);
    }
    for (size_t i = 0; i < dirs.size(); ++i) {
      if (::access(dirs[i].c_str(), X_OK) != 0) {
        Blocked blocked{i, errno};
        ::_exit(::write(fds[1], &blocked, sizeof blocked) == sizeof blocked ? 1 : 125);
      }
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  Blocked blocked;
  ssize_t n;
  while ((n = ::read(fds[0], &blocked, sizeof blocked)) < 0 && errno == EINTR) {
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::optional<Blocked>();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && n == sizeof blocked &&
      blocked.index < dirs.size()) {
    return std::optional<Blocked>(blocked);
  }
  const std::string how = "the check process ended with wait status " + std::to_string(status);
  return InternalError("checking which directories the postgres user can enter: " + how);
}

// As root, initdb and postgres run as `postgres`, which must be able to enter every parent
// of the data directory; a project in /root or under a mkdtemp dir (mode 0700) is out of
// its reach, and initdb would only say "could not access directory ...: Permission denied".
Status CheckServerCanReach(const std::string& data_dir, const Identity& id) {
  if (!id.switch_user) return OkStatus();
  const std::vector<std::string> ancestors = Ancestors(data_dir);
  ASSIGN_OR_RETURN(std::optional<Blocked> blocked, FirstUnenterable(ancestors, id));
  if (!blocked) return OkStatus();
  const std::string& dir = ancestors[blocked->index];
  std::string mode;
  if (struct stat st{}; ::stat(dir.c_str(), &st) == 0) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    mode = std::string(", mode ") + octal;
  }
  return FailedPreconditionError(
      "as root, shoplytics runs PostgreSQL as the 'postgres' user, which cannot enter " + dir +
      " (" + ErrnoText(blocked->error) + mode + ") on the way to the data directory " + data_dir +
      "; allow it with 'chmod o+x " + dir +
      "', or put the project somewhere the postgres user can reach");
}

Status InitDb(const std::string& bin_dir, const std::string& data_dir, const Identity& id) {
  ASSIGN_OR_RETURN(auto run, RunCaptured(id, {bin_dir + "/initdb", "-D", data_dir, "-U", "postgres",
                                              "--auth=trust", "--encoding=UTF8", "--locale=C",
                                              "--no-sync", "--no-instructions"}));
  if (run.first != 0) {
    return FailedPreconditionError("initdb " + data_dir + " failed (exit " +
                                   std::to_string(run.first) + "): " + Trim(run.second));
  }
  std::ofstream conf(fs::path(data_dir) / "postgresql.conf", std::ios::app);
  conf << kSettings;
  if (!conf) return InternalError("appending settings to " + data_dir + "/postgresql.conf");
  return OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------------------

Result<std::unique_ptr<LocalServer>> LocalServer::Start(LocalServerOptions options) {
  std::unique_ptr<LocalServer> server(new LocalServer());
  ASSIGN_OR_RETURN(Identity id, ServerIdentity());
  if (options.data_dir.empty()) {
    ASSIGN_OR_RETURN(server->data_dir_, MakeTempDir());
    server->temp_dir_ = true;
    options.keep_running = false;
  } else {
    std::error_code ec;
    server->data_dir_ = fs::absolute(options.data_dir, ec).lexically_normal().string();
    while (server->data_dir_.size() > 1 && server->data_dir_.back() == '/') {
      server->data_dir_.pop_back();
    }
    if (ReadPidFile(server->data_dir_)) {
      Result<std::unique_ptr<LocalServer>> attached = Attach(server->data_dir_);
      if (attached.ok()) {
        return attached;  // not ours: the destructor leaves it running
      }
      if (attached.status().code() != StatusCode::kNotFound) return attached.status();
    }
  }
  server->owned_ = !options.keep_running;
  const std::string& dir = server->data_dir_;
  ASSIGN_OR_RETURN(std::string bin_dir, FindBinDir(options.bin_dir));

  std::error_code ec;
  if (!fs::exists(fs::path(dir) / "PG_VERSION", ec)) {
    fs::create_directories(dir, ec);
    if (ec) return InternalError("creating " + dir + ": " + ec.message());
    RETURN_IF_ERROR(ChownTo(dir, id));
    RETURN_IF_ERROR(CheckServerCanReach(dir, id));
    RETURN_IF_ERROR(InitDb(bin_dir, dir, id));
  }
  // A postmaster.pid whose process is gone (a crash, a reboot) would stop postgres.
  if (std::optional<PidFile> stale = ReadPidFile(dir); stale && !ProcessAlive(stale->pid)) {
    fs::remove(fs::path(dir) / "postmaster.pid", ec);
  }
  RETURN_IF_ERROR(server->Launch(bin_dir, options.start_timeout));
  if (server->owned_) server->StartWatchdog();
  return server;
}

Status LocalServer::Launch(const std::string& bin_dir, milliseconds timeout) {
  ASSIGN_OR_RETURN(Identity id, ServerIdentity());
  const std::string log = log_path();
  // A unix socket path is limited to ~107 bytes; past that, TCP only.
  const bool socket_fits = data_dir_.size() + std::strlen("/.s.PGSQL.65535") < 100;
  Status last;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    ASSIGN_OR_RETURN(port_, FreeLoopbackPort());
    dsn_ = MakeDsn(port_, "postgres");
    std::vector<std::string> args = {
        bin_dir + "/postgres",
        "-D",
        data_dir_,
        "-c",
        "port=" + std::to_string(port_),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=" + (socket_fits ? data_dir_ : std::string())};
    std::vector<char*> argv = Argv(args);
    pid_t pid = ::fork();
    if (pid < 0) return InternalError("fork: " + ErrnoText(errno));
    if (pid == 0) ExecChild(id, argv, -1, log.c_str());
    pid_ = pid;
    is_child_ = true;
    last = WaitReady(timeout);
    if (last.ok()) return OkStatus();
    if (pid_ > 0) {
      Stop().IgnoreError();  // timed out: do not leave it half-started
      return last;
    }
    std::string tail = LogTail(5);
    if (tail.find("could not bind") == std::string::npos &&
        tail.find("already in use") == std::string::npos) {
      return last;
    }
  }
  return last;
}

// Polls a connection: the postmaster accepts one only once recovery and startup are done.
Status LocalServer::WaitReady(milliseconds timeout) {
  Status last = UnavailableError("not tried");
  bool exited = false;
  bool ready = PollUntil(timeout, [&] {
    if (is_child_ && PostmasterGone(pid_, true, data_dir_)) {
      exited = true;
      return true;
    }
    if (!is_child_ && !ProcessAlive(pid_)) {
      exited = true;
      return true;
    }
    Result<Connection> conn = Connection::Open(dsn_);
    last = conn.status();
    return conn.ok();
  });
  if (exited) {
    pid_ = 0;
    return UnavailableError("PostgreSQL in " + data_dir_ + " exited during startup; log " +
                            log_path() + ":\n" + LogTail());
  }
  if (!ready) {
    return DeadlineExceededError("PostgreSQL in " + data_dir_ + " did not accept connections " +
                                 "within " + std::to_string(timeout.count()) + " ms (last: " +
                                 last.message() + "); log " + log_path() + ":\n" + LogTail());
  }
  return OkStatus();
}

Result<std::unique_ptr<LocalServer>> LocalServer::Attach(const std::string& data_dir) {
  std::error_code ec;
  std::string dir = fs::absolute(data_dir, ec).lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::optional<PidFile> file = ReadPidFile(dir);
  if (!file) return NotFoundError("no PostgreSQL running in " + dir + " (no postmaster.pid)");
  if (!ProcessAlive(file->pid)) {
    return NotFoundError("no PostgreSQL running in " + dir + " (postmaster.pid names pid " +
                         std::to_string(file->pid) + ", which is gone)");
  }
  std::unique_ptr<LocalServer> server(new LocalServer());
  server->data_dir_ = dir;
  server->pid_ = file->pid;
  server->port_ = file->port;
  server->dsn_ = MakeDsn(file->port, "postgres");
  server->reused_ = true;
  RETURN_IF_ERROR(server->WaitReady(milliseconds{30'000}));
  return server;
}

Status LocalServer::StopDir(const std::string& data_dir) {
  std::optional<PidFile> file = ReadPidFile(data_dir);
  if (!file || !ProcessAlive(file->pid)) return OkStatus();
  std::unique_ptr<LocalServer> server(new LocalServer());
  std::error_code ec;
  server->data_dir_ = fs::absolute(data_dir, ec).lexically_normal().string();
  server->pid_ = file->pid;
  server->port_ = file->port;
  return server->Stop();
}

LocalServer::LocalServer() : creator_(::getpid()) {}

// A forked child (a test's subprocess, say) inherits the object but not the server.
LocalServer::~LocalServer() {
  if (::getpid() != creator_) return;
  if (owned_ && pid_ > 0) {
    Status stopped = Stop();
    if (!stopped.ok()) std::fprintf(stderr, "shoplytics: %s\n", stopped.ToString().c_str());
  }
  StopWatchdog();
  if (temp_dir_ && pid_ == 0) {
    std::error_code ec;
    fs::remove_all(data_dir_, ec);
  }
}

Status LocalServer::Stop() {
  if (pid_ <= 0) {
    StopWatchdog();
    return OkStatus();
  }
  const pid_t pid = pid_;
  auto gone = [&] { return PostmasterGone(pid, is_child_, data_dir_); };
  // SIGINT is the fast shutdown; SIGQUIT the immediate one; SIGKILL leaves shared memory.
  bool stopped = false;
  for (auto [signal, wait] :
       {std::pair{SIGINT, milliseconds{60'000}}, std::pair{SIGQUIT, milliseconds{10'000}},
        std::pair{SIGKILL, milliseconds{10'000}}}) {
    if (::kill(pid, signal) != 0 && errno == ESRCH) {
      gone();  // reap it if it is our child
      stopped = true;
      break;
    }
    if (PollUntil(wait, gone)) {
      stopped = true;
      break;
    }
  }
  if (!stopped) {
    return DeadlineExceededError("PostgreSQL (pid " + std::to_string(pid) + ") in " + data_dir_ +
                                 " did not stop");
  }
  pid_ = 0;
  StopWatchdog();
  return OkStatus();
}

// The watchdog is `sh` reading a pipe whose only writer is this process (close-on-exec, so
// postgres and other children do not hold it). When this process dies for any reason the
// read sees EOF and the shell stops the postmaster and removes a temp data directory.
// Stop() kills the watchdog first, so it never acts on a server we stopped ourselves.
void LocalServer::StartWatchdog() {
  static constexpr const char* kScript =
      "while read -r _; do :; done\n"
      "kill -INT \"$3\" 2>/dev/null\n"
      "i=0\n"
      "while kill -0 \"$3\" 2>/dev/null && [ -e \"$1/postmaster.pid\" ] && [ $i -lt 600 ]; do\n"
      "  sleep 0.1; i=$((i+1))\n"
      "done\n"
      "[ \"$2\" = 1 ] && rm -rf \"$1\"\n"
      "exit 0\n";
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  std::vector<std::string> args = {"/bin/sh",
                                   "-c",
                                   kScript,
                                   "shoplytics-pg-watchdog",
                                   data_dir_,
                                   temp_dir_ ? "1" : "0",
                                   std::to_string(pid_)};
  std::vector<char*> argv = Argv(args);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  if (pid == 0) {
    ::setsid();
    ::dup2(fds[0], 0);
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
    }
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[0]);
  watchdog_pid_ = pid;
  watchdog_fd_ = fds[1];
}

void LocalServer::StopWatchdog() {
  if (watchdog_pid_ > 0) {
    ::kill(watchdog_pid_, SIGKILL);
    while (::waitpid(watchdog_pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    watchdog_pid_ = 0;
  }
  if (watchdog_fd_ >= 0) {
    ::close(watchdog_fd_);
    watchdog_fd_ = -1;
  }
}

std::string LocalServer::DsnFor(std::string_view dbname) const { return MakeDsn(port_, dbname); }

std::string LocalServer::log_path() const { return data_dir_ + "/" + kLogFile; }

Result<std::string> LocalServer::CreateDatabase(std::string_view name) {
  ASSIGN_OR_RETURN(Connection conn, Connection::Open(dsn_));
  RETURN_IF_ERROR(conn.Execute("CREATE DATABASE " + conn.QuoteIdentifier(name)));
  return DsnFor(name);
}

Status LocalServer::DropDatabase(std::string_view name) {
  ASSIGN_OR_RETURN(Connection conn, Connection::Open(dsn_));
  return conn.Execute("DROP DATABASE IF EXISTS " + conn.QuoteIdentifier(name) + " WITH (FORCE)");
}

std::string LocalServer::LogTail(int lines) const {
  std::ifstream in(log_path());
  if (!in) return "(no log at " + log_path() + ")";
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& line : tail) out += "  | " + line + "\n";
  return out.empty() ? "(empty log)" : Trim(out);
}

}  // namespace shoplytics::pg
