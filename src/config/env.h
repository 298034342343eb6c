// ${ENV} interpolation in configuration strings.
//
//   ${NAME}           the value of NAME; an error naming NAME when it is not set
//   ${NAME:-default}  the value of NAME, or `default` when NAME is unset or empty
//   $${               a literal "${" (any other '$' is kept as it is)
//
// NAME is [A-Za-z_][A-Za-z0-9_]*. A default is literal text up to the first '}': it is
// not interpolated again (no nesting).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace shoplytics {

// Looks up an environment variable: nullopt when it is not set. Injected so tests do
// not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (getenv).
EnvLookup ProcessEnv();

// Replaces every ${...} in `text`. Errors are kInvalidArgument and name the variable
// (or the malformed reference); callers add the file, line and key as context. An error
// message never contains the value of a variable.
Result<std::string> InterpolateEnv(std::string_view text, const EnvLookup& env);

// True when `text` holds at least one ${...} reference (not counting $${ escapes).
bool HasEnvReference(std::string_view text);

}  // namespace shoplytics
