// Secret: a sensitive string (a password, a DSN, an API key or token).
//
// Printing a Secret in any way (operator<<, fmt, ToString) gives "***", so a Secret can
// be put in a log line or a Status message without leaking. The real value is read only
// through reveal(), at the one place that hands it to a driver or an HTTP header.
#pragma once

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace shoplytics {

class Secret {
 public:
  static constexpr std::string_view kMask = "***";

  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  // The real value. Never log or format what this returns.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  // "***", whatever the value (also when it is empty).
  std::string ToString() const { return std::string(kMask); }

  friend bool operator==(const Secret& a, const Secret& b) { return a.value_ == b.value_; }

 private:
  std::string value_;
};

std::ostream& operator<<(std::ostream& out, const Secret& secret);

}  // namespace shoplytics

template <>
struct fmt::formatter<shoplytics::Secret> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const shoplytics::Secret&, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(shoplytics::Secret::kMask, ctx);
  }
};
