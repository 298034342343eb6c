// End-to-end: a table model's publish is atomic under kill -9. The binary is killed while
// rebuilding tests/projects/dp_atomic's slow table; the warehouse must still hold the old
// table with its old rows, and a later run must complete.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "dbt_project_fixture.h"

namespace shoplytics {
namespace {

using testing::CliRun;
using Strings = std::vector<std::string>;

class DbtProjectAtomic : public testing::DbtProjectFixture {
 protected:
  void SetUp() override { UseProject("dp_atomic"); }

  // Starts `shoplytics run --vars <vars>` with stdout and stderr going to `log`.
  pid_t Start(const std::string& vars, const std::filesystem::path& log) {
    const std::string project = project_.string();
    const pid_t pid = fork();
    if (pid == 0) {
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) _exit(126);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      execl(SHOPLYTICS_BINARY, SHOPLYTICS_BINARY, "run", "--vars", vars.c_str(), "--project-dir",
            project.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  }

  static std::string Slurp(const std::filesystem::path& path) {
    Result<std::string> text = ReadFile(path);
    return text.ok() ? *text : "";
  }
};

TEST_F(DbtProjectAtomic, KillNineDuringRebuildLeavesTheOldTable) {
  CliRun small = Run("run");
  ASSERT_EQ(small.exit_code, 0) << small.out << small.err;
  ASSERT_EQ(Rows("select n, s, size from main.slow"), Strings{"100|900|10"});

  // 2e5 x 2e5 rows: minutes of work, killed a moment after it starts.
  const std::filesystem::path log = dir_->path() / "big.log";
  const pid_t pid = Start("{size: 200000}", log);
  ASSERT_GT(pid, 0);
  bool started = false;
  int status = 0;
  bool exited = false;
  // A hang guard, not a performance threshold: START comes within milliseconds.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < give_up) {
    if (Slurp(log).find("START sql table model main.slow") != std::string::npos) {
      started = true;
      break;
    }
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!exited) {
    if (started) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    exited = waitpid(pid, &status, WNOHANG) == pid;
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
  }
  ASSERT_TRUE(started) << Slurp(log);
  ASSERT_FALSE(exited) << "the big build finished before it could be killed:\n" << Slurp(log);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(Slurp(log).find("OK created") != std::string::npos) << Slurp(log);

  // The old table, whole; no half-built relation in its place or beside it.
  EXPECT_EQ(Rows("select n, s, size from main.slow"), Strings{"100|900|10"});
  EXPECT_EQ(Rows("select table_type from information_schema.tables where table_name = 'slow'"),
            Strings{"BASE TABLE"});
  EXPECT_EQ(Rows("select count(*) from information_schema.tables where table_name like "
                 "'%shoplytics_tmp%'"),
            Strings{"0"});

  // The warehouse opens for writing again and a run completes.
  CliRun after = Run("run --vars '{size: 20}'");
  ASSERT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_EQ(Rows("select n, size from main.slow"), Strings{"400|20"});
}

}  // namespace
}  // namespace shoplytics
