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

  // Starts `shoplytics run --vars <vars> [-s <select>]` with stdout and stderr going to `log`.
  pid_t Start(const std::string& vars, const std::filesystem::path& log,
              const std::string& select = "slow") {
    const std::string project = project_.string();
    const pid_t pid = fork();
    if (pid == 0) {
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) _exit(126);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      execl(SHOPLYTICS_BINARY, SHOPLYTICS_BINARY, "run", "--vars", vars.c_str(), "-s",
            select.c_str(), "--project-dir", project.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  }

  // Waits for `marker` in the log, lets the build run ~300 ms more, and kills it with
  // SIGKILL. Fails when the marker never comes or the build ends on its own.
  void KillAfterStart(pid_t pid, const std::filesystem::path& log, const std::string& marker) {
    bool started = false;
    int status = 0;
    bool exited = false;
    // A hang guard, not a performance threshold: START comes within milliseconds.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < give_up) {
      if (Slurp(log).find(marker) != std::string::npos) {
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
  KillAfterStart(pid, log, "START sql table model main.slow");
  if (HasFatalFailure()) return;
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

TEST_F(DbtProjectAtomic, KillNineDuringAnIncrementalRunLeavesTheOldRows) {
  WriteFile("models/slow_inc.sql",
            "{{ config(materialized='incremental', unique_key='k') }}\n"
            "select a.range % 5 as k, count(*) as n, {{ var('size') }} as size\n"
            "from range({{ var('size') }}) a, range({{ var('size') }}) b group by 1\n");
  CliRun small = Run("run -s slow_inc");
  ASSERT_EQ(small.exit_code, 0) << small.out << small.err;
  const Strings before = Rows("select k, n, size from main.slow_inc order by k");
  ASSERT_EQ(before, (Strings{"0|20|10", "1|20|10", "2|20|10", "3|20|10", "4|20|10"}));

  const std::filesystem::path log = dir_->path() / "big_inc.log";
  const pid_t pid = Start("{size: 200000}", log, "slow_inc");
  ASSERT_GT(pid, 0);
  KillAfterStart(pid, log, "START sql incremental model main.slow_inc");
  if (HasFatalFailure()) return;

  EXPECT_EQ(Rows("select k, n, size from main.slow_inc order by k"), before);
  CliRun after = Run("run -s slow_inc --vars '{size: 20}'");
  ASSERT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_EQ(Rows("select k, n, size from main.slow_inc order by k"),
            (Strings{"0|80|20", "1|80|20", "2|80|20", "3|80|20", "4|80|20"}));
}

}  // namespace
}  // namespace shoplytics
