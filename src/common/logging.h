// Logging: levels, text or JSON lines on stderr.
//
// One process-wide logger, configured once by the CLI (InitLogging) and used through
// LOG_INFO("loaded {} rows into {}", n, table) and friends, or LogEvent() with
// structured fields. Text lines are "2024-05-01 12:00:00.123 INFO  message key=value"
// (level coloured only when stderr is a terminal); JSON lines are one object each:
// {"ts":"2024-05-01T10:00:00.123Z","level":"info","msg":"...", <fields>}.
//
// Thread-safe: every call may come from any thread; a line is written whole.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace shoplytics {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

// Unknown names give kInfo / kText (CLI11 already validated them).
LogLevel ParseLogLevel(std::string_view name);
LogFormat ParseLogFormat(std::string_view name);
// "trace", "debug", "info", "warn", "error".
std::string_view LogLevelName(LogLevel level);

// Configures the process-wide logger: stderr, colour when stderr is a TTY.
// Safe to call more than once.
void InitLogging(LogLevel level, LogFormat format);

// A structured field of a log line: a string, integer, floating-point or boolean value.
// Text lines append them as key=value; JSON lines add them as members.
struct LogField {
  using Value = std::variant<std::string, int64_t, double, bool>;
  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  LogField(std::string k, std::string_view v) : key(std::move(k)), value(std::string(v)) {}
  LogField(std::string k, const char* v) : key(std::move(k)), value(std::string(v)) {}
  LogField(std::string k, bool v) : key(std::move(k)), value(v) {}
  LogField(std::string k, double v) : key(std::move(k)), value(v) {}
  template <typename T,
            typename = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>
  LogField(std::string k, T v) : key(std::move(k)), value(static_cast<int64_t>(v)) {}

  std::string key;
  Value value;
};

struct LoggerOptions {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  bool color = false;  // ANSI colour on the level (text format only)
  // Receives each complete line, '\n' included, under the logger's mutex.
  // Empty: stderr.
  std::function<void(std::string_view line)> sink;
  // Empty: std::chrono::system_clock::now.
  std::function<std::chrono::system_clock::time_point()> now;
};

class Logger {
 public:
  explicit Logger(LoggerOptions options);

  bool Enabled(LogLevel level) const { return level >= level_; }
  LogLevel level() const { return level_; }
  void Log(LogLevel level, std::string_view message, const std::vector<LogField>& fields = {});

  // Renders one line without writing it.
  std::string FormatLine(LogLevel level, std::string_view message,
                         const std::vector<LogField>& fields) const;

 private:
  LogLevel level_;
  LoggerOptions options_;
  struct Impl;
  std::shared_ptr<Impl> impl_;  // the mutex that serialises sink calls
};

// The process-wide logger (the stderr default before InitLogging).
Logger& GlobalLogger();
// Replaces the process-wide logger, e.g. with one whose sink captures lines in a test.
// Not to be called while other threads log.
void SetGlobalLogger(LoggerOptions options);

// LogEvent(LogLevel::kInfo, "batch committed", {{"source", "shop"}, {"rows", n}});
inline void LogEvent(LogLevel level, std::string_view message,
                     const std::vector<LogField>& fields = {}) {
  Logger& logger = GlobalLogger();
  if (logger.Enabled(level)) logger.Log(level, message, fields);
}

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  Logger& logger = GlobalLogger();
  if (logger.Enabled(level)) logger.Log(level, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void LogTrace(fmt::format_string<Args...> format, Args&&... args) {
  Log(LogLevel::kTrace, format, std::forward<Args>(args)...);
}
template <typename... Args>
void LogDebug(fmt::format_string<Args...> format, Args&&... args) {
  Log(LogLevel::kDebug, format, std::forward<Args>(args)...);
}
template <typename... Args>
void LogInfo(fmt::format_string<Args...> format, Args&&... args) {
  Log(LogLevel::kInfo, format, std::forward<Args>(args)...);
}
template <typename... Args>
void LogWarn(fmt::format_string<Args...> format, Args&&... args) {
  Log(LogLevel::kWarn, format, std::forward<Args>(args)...);
}
template <typename... Args>
void LogError(fmt::format_string<Args...> format, Args&&... args) {
  Log(LogLevel::kError, format, std::forward<Args>(args)...);
}

}  // namespace shoplytics

// The macros skip evaluating their arguments when the level is off.
#define SHOPLYTICS_LOG(level, ...)                     \
  do {                                                 \
    if (::shoplytics::GlobalLogger().Enabled(level)) { \
      ::shoplytics::Log(level, __VA_ARGS__);           \
    }                                                  \
  } while (0)
#define LOG_TRACE(...) SHOPLYTICS_LOG(::shoplytics::LogLevel::kTrace, __VA_ARGS__)
#define LOG_DEBUG(...) SHOPLYTICS_LOG(::shoplytics::LogLevel::kDebug, __VA_ARGS__)
#define LOG_INFO(...) SHOPLYTICS_LOG(::shoplytics::LogLevel::kInfo, __VA_ARGS__)
#define LOG_WARN(...) SHOPLYTICS_LOG(::shoplytics::LogLevel::kWarn, __VA_ARGS__)
#define LOG_ERROR(...) SHOPLYTICS_LOG(::shoplytics::LogLevel::kError, __VA_ARGS__)
