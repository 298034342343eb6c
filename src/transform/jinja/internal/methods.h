// Methods of values: s.lower(), s.split(','), xs.append(x), d.items(), d.get(k, default).
#pragma once

#include <string_view>

#include "transform/jinja/value.h"

namespace shoplytics::transform::jinja::internal {

// True when values of `object`'s type have a method `name`.
bool HasMethod(const Value& object, std::string_view name);
// Calls method `name` of `object`. Precondition: HasMethod(object, name).
Result<Value> CallMethod(const Value& object, std::string_view name, const CallArgs& args);

}  // namespace shoplytics::transform::jinja::internal
