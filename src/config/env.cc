#include "config/env.h"

#include <cstdlib>

namespace shoplytics {

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

namespace {

bool IsValidName(std::string_view name) {
  if (name.empty()) return false;
  if (name[0] >= '0' && name[0] <= '9') return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Expands the reference whose body (between "${" and "}") is `body`.
Result<std::string> Expand(std::string_view body, const EnvLookup& env) {
  std::string_view name = body;
  std::optional<std::string_view> fallback;
  if (const size_t sep = body.find(":-"); sep != std::string_view::npos) {
    name = body.substr(0, sep);
    fallback = body.substr(sep + 2);
  }
  if (!IsValidName(name)) {
    return InvalidArgumentError("invalid environment variable reference '${" + std::string(body) +
                                "}': a name is letters, digits and '_', not starting with a digit");
  }
  std::optional<std::string> value = env(name);
  if (fallback && (!value || value->empty())) return std::string(*fallback);
  if (!value) {
    return InvalidArgumentError("environment variable " + std::string(name) +
                                " is not set (write ${" + std::string(name) +
                                ":-default} to give a default)");
  }
  return *value;
}

}  // namespace

Result<std::string> InterpolateEnv(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return InvalidArgumentError("unterminated '${' at offset " + std::to_string(i) +
                                  " (write $${ for a literal '${')");
    }
    ASSIGN_OR_RETURN(std::string value, Expand(text.substr(i + 2, close - i - 2), env));
    out += value;
    i = close + 1;
  }
  return out;
}

bool HasEnvReference(std::string_view text) {
  for (size_t i = text.find("${"); i != std::string_view::npos; i = text.find("${", i + 2)) {
    if (i == 0 || text[i - 1] != '$') return true;
  }
  return false;
}

}  // namespace shoplytics
