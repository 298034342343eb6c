// The Jinja parser: tokens to a TemplateAst.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "transform/jinja/internal/ast.h"

namespace shoplytics::transform::jinja::internal {

// Parses `source` (named `file` in errors). Syntax errors, unknown filters and tests, and
// unclosed blocks are kInvalidArgument "file:line:col: message" saying what was expected.
Result<std::unique_ptr<TemplateAst>> Parse(std::string file, std::string_view source);

}  // namespace shoplytics::transform::jinja::internal
