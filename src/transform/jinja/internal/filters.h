// Built-in filters (x | name(args)), tests (x is name(args)) and methods of values
// (s.lower(), d.items(), xs.append(x)).
#pragma once

#include <string_view>

#include "transform/jinja/value.h"

namespace shoplytics::transform::jinja::internal {

using FilterFunction = Result<Value> (*)(const Value& input, const CallArgs& args);
using TestFunction = Result<bool> (*)(const Value& input, const CallArgs& args);

// nullptr when there is no such filter or test.
FilterFunction FindFilter(std::string_view name);
TestFunction FindTest(std::string_view name);

// True when values of `object`'s type have a method `name`.
bool HasMethod(const Value& object, std::string_view name);
// Calls method `name` of `object`. Precondition: HasMethod(object, name).
Result<Value> CallMethod(const Value& object, std::string_view name, const CallArgs& args);

// Iteration as Jinja does it: list items, dict keys, string characters; undefined is
// empty. Other types are an error.
Result<List> Iterate(const Value& value);

}  // namespace shoplytics::transform::jinja::internal
