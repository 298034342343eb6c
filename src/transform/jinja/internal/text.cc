#include "transform/jinja/internal/text.h"

namespace shoplytics::transform::jinja::internal {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
static char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string ToLowerString(std::string s) {
  for (char& c : s) c = Lower(c);
  return s;
}
std::string ToUpperString(std::string s) {
  for (char& c : s) c = Upper(c);
  return s;
}

std::string Strip(std::string_view s, const Value* chars, bool left, bool right) {
  auto strip_char = [&](char c) {
    if (chars == nullptr || chars->is_none()) return IsSpace(c);
    return chars->ToString().find(c) != std::string::npos;
  };
  size_t begin = 0, end = s.size();
  if (left) {
    while (begin < end && strip_char(s[begin])) ++begin;
  }
  if (right) {
    while (end > begin && strip_char(s[end - 1])) --end;
  }
  return std::string(s.substr(begin, end - begin));
}

std::string ReplaceAll(const std::string& s, const std::string& from, const std::string& to,
                       int64_t count) {
  if (from.empty()) return s;
  std::string out;
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
    ++done;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

std::string Title(const std::string& s) {
  std::string out = s;
  bool start = true;
  for (char& c : out) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alpha) c = start ? Upper(c) : Lower(c);
    start = !alpha && !(c >= '0' && c <= '9');
  }
  return out;
}

std::string Capitalize(const std::string& s) {
  std::string out = ToLowerString(s);
  if (!out.empty()) out[0] = Upper(out[0]);
  return out;
}

Status ArgumentError(std::string_view function, std::string_view message) {
  return InvalidArgumentError(std::string(function) + "(): " + std::string(message));
}

Result<int64_t> IntArgument(std::string_view function, const Value* arg, int64_t fallback) {
  if (arg == nullptr || arg->is_none()) return fallback;
  if (arg->is_int()) return arg->as_int();
  if (arg->is_bool()) return int64_t{arg->as_bool()};
  return ArgumentError(function,
                       "expected an integer argument, got " + std::string(arg->TypeName()));
}

// A string value, or an undefined one as "" (Jinja's Undefined prints as nothing).
Result<std::string> StringArgument(std::string_view function, const Value* arg,
                                   std::string fallback) {
  if (arg == nullptr || arg->is_undefined()) return fallback;
  if (!arg->is_string()) {
    return ArgumentError(function,
                         "expected a string argument, got " + std::string(arg->TypeName()));
  }
  return arg->as_string();
}

// Splits on runs of whitespace (sep None) or on `sep`, at most `max` times (-1: no limit).
List SplitString(const std::string& s, const Value* sep, int64_t max) {
  List out;
  if (sep == nullptr || sep->is_none()) {
    size_t i = 0;
    while (true) {
      while (i < s.size() && IsSpace(s[i])) ++i;
      if (i >= s.size()) break;
      if (max >= 0 && static_cast<int64_t>(out.size()) == max) {
        size_t end = s.size();
        while (end > i && IsSpace(s[end - 1])) --end;
        out.emplace_back(s.substr(i, end - i));
        break;
      }
      size_t start = i;
      while (i < s.size() && !IsSpace(s[i])) ++i;
      out.emplace_back(s.substr(start, i - start));
    }
    return out;
  }
  std::string separator = sep->ToString();
  if (separator.empty()) return {Value(s)};
  size_t pos = 0;
  while (max < 0 || static_cast<int64_t>(out.size()) < max) {
    size_t hit = s.find(separator, pos);
    if (hit == std::string::npos) break;
    out.emplace_back(s.substr(pos, hit - pos));
    pos = hit + separator.size();
  }
  out.emplace_back(s.substr(pos));
  return out;
}

}  // namespace shoplytics::transform::jinja::internal
