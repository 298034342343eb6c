#include "cli_runner.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace shoplytics::testing {

namespace {
std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}
}  // namespace

std::string ShellQuote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

CliRun RunShoplytics(const std::string& args, const std::string& scratch_dir,
                     const std::string& env) {
  const std::string out = scratch_dir + "/cli.stdout", err = scratch_dir + "/cli.stderr";
  const std::string command = (env.empty() ? "" : "env " + env + " ") +
                              std::string(SHOPLYTICS_BINARY) + " " + args + " </dev/null >" +
                              ShellQuote(out) + " 2>" + ShellQuote(err);
  const int raw = std::system(command.c_str());
  CliRun run;
  run.exit_code = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = Slurp(out);
  run.err = Slurp(err);
  return run;
}

}  // namespace shoplytics::testing
