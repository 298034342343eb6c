// For config tests only: an EnvLookup over a fixed map instead of the process environment.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/env.h"

namespace shoplytics::testing {

// Looks names up in `vars`; a name not in it is unset.
inline EnvLookup FakeEnv(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace shoplytics::testing
