// The Jinja lexer: source text to tokens, with whitespace control applied.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace shoplytics::transform::jinja::internal {

enum class TokenType {
  kText,           // template text between tags, already trimmed by `-` markers
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,
  kString,  // value holds the unescaped text
  kInt,
  kFloat,
  kOperator,  // text holds it: ( ) [ ] { } . , : | ~ + - * / // % ** = == != < <= > >=
  kEnd,
};

struct Token {
  TokenType type;
  uint32_t offset;        // into the source, for line:col
  std::string_view text;  // views the source (for kText, the trimmed text)
  std::string value;      // kString: the unescaped string
  int64_t int_value = 0;
  double float_value = 0;
};

// "3:15" for a byte offset in `source` (lines and columns from 1).
std::string LineCol(std::string_view source, uint32_t offset);

// Tokenizes `source`. Comments are dropped; {% raw %}...{% endraw %} becomes one kText
// token; the body of {% docs name %}...{% enddocs %} is one kText token between the two
// tags. Errors are kInvalidArgument "file:line:col: message". The tokens view `source`,
// which must outlive them.
Result<std::vector<Token>> Tokenize(std::string_view source, const std::string& file);

}  // namespace shoplytics::transform::jinja::internal
