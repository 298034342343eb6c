// Text helpers shared by the filters and the methods of values.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "transform/jinja/value.h"

namespace shoplytics::transform::jinja::internal {

// Python's str.isspace() for ASCII.
bool IsSpace(char c);
// ASCII case mapping; other bytes (UTF-8) are kept.
std::string ToLowerString(std::string s);
std::string ToUpperString(std::string s);
// Python's str.title() and str.capitalize().
std::string Title(const std::string& s);
std::string Capitalize(const std::string& s);
// Python's strip/lstrip/rstrip: whitespace, or the characters of `chars` if not null/none.
std::string Strip(std::string_view s, const Value* chars, bool left, bool right);
// Replaces the first `count` occurrences of `from` (all when count < 0).
std::string ReplaceAll(const std::string& s, const std::string& from, const std::string& to,
                       int64_t count);
// Python's str.split(sep, maxsplit): on runs of whitespace when sep is null or none.
List SplitString(const std::string& s, const Value* sep, int64_t max);

// "function(): message" as kInvalidArgument.
Status ArgumentError(std::string_view function, std::string_view message);
// An optional int argument (`fallback` when missing or none).
Result<int64_t> IntArgument(std::string_view function, const Value* arg, int64_t fallback);
// An optional string argument; undefined counts as missing (Jinja prints it as "").
Result<std::string> StringArgument(std::string_view function, const Value* arg,
                                   std::string fallback = "");

// Python's int()/float() of a string, after trimming; nullopt when it does not parse.
template <typename T>
std::optional<T> ParseNumber(const std::string& text) {
  std::string s = Strip(text, nullptr, true, true);
  std::string digits;
  for (char c : s) {
    if (c != '_') digits += c;
  }
  if (!digits.empty() && digits[0] == '+') digits.erase(0, 1);
  T out{};
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace shoplytics::transform::jinja::internal
