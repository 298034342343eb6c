// The shoplytics command line. Exit codes: 0 success, 1 the work failed, 2 bad usage or
// configuration (including a capability that is not built yet).
#pragma once

namespace shoplytics::cli {

int Main(int argc, char** argv);

}  // namespace shoplytics::cli
