// Built-in filters (x | name(args)) and tests (x is name(args)).
#pragma once

#include <string_view>

#include "transform/jinja/value.h"

namespace shoplytics::transform::jinja::internal {

using FilterFunction = Result<Value> (*)(const Value& input, const CallArgs& args);
using TestFunction = Result<bool> (*)(const Value& input, const CallArgs& args);

// nullptr when there is no such filter or test.
FilterFunction FindFilter(std::string_view name);
TestFunction FindTest(std::string_view name);

// Iteration as Jinja does it: list items, dict keys, string characters; undefined is
// empty. Other types are an error.
Result<List> Iterate(const Value& value);

}  // namespace shoplytics::transform::jinja::internal
