// Runs the built shoplytics binary as a user would, for end-to-end CLI tests.
#pragma once

#include <string>

namespace shoplytics::testing {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Quotes one argument for /bin/sh.
std::string ShellQuote(const std::string& arg);

// Runs `shoplytics ARGS` (ARGS already quoted for the shell) with stdout and stderr
// captured through files in scratch_dir, and optional extra environment ("K=V K2=V2").
CliRun RunShoplytics(const std::string& args, const std::string& scratch_dir,
                     const std::string& env = "");

}  // namespace shoplytics::testing
