// Logging: levels, text or JSON lines on stderr. (helper B owns this file)
#pragma once

#include <string_view>

namespace shoplytics {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

// Unknown names give kInfo / kText (CLI11 already validated them).
LogLevel ParseLogLevel(std::string_view name);
LogFormat ParseLogFormat(std::string_view name);

// Configures the process-wide logger. Safe to call more than once.
void InitLogging(LogLevel level, LogFormat format);

}  // namespace shoplytics
