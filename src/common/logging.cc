#include "common/logging.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

namespace shoplytics {

LogLevel ParseLogLevel(std::string_view name) {
  if (name == "trace") return LogLevel::kTrace;
  if (name == "debug") return LogLevel::kDebug;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

LogFormat ParseLogFormat(std::string_view name) {
  return name == "json" ? LogFormat::kJson : LogFormat::kText;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

namespace {

std::string_view UpperName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "TRACE";
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO ";
    case LogLevel::kWarn:
      return "WARN ";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO ";
}

std::string_view AnsiColor(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
    case LogLevel::kDebug:
      return "\033[2m";  // dim
    case LogLevel::kInfo:
      return "\033[32m";  // green
    case LogLevel::kWarn:
      return "\033[33m";  // yellow
    case LogLevel::kError:
      return "\033[1;31m";  // bold red
  }
  return "";
}

// "2024-05-01T10:00:00.123Z" (utc) or "2024-05-01 12:00:00.123" (local time).
std::string FormatTimestamp(std::chrono::system_clock::time_point t, bool utc) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  int millis = static_cast<int>(ms.count() % 1000);
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  if (utc) {
    gmtime_r(&secs, &tm);
  } else {
    localtime_r(&secs, &tm);
  }
  char buf[32];
  std::strftime(buf, sizeof buf, utc ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{}.{:03d}{}", buf, millis, utc ? "Z" : "");
}

std::string TextValue(const LogField::Value& value) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    const bool needs_quotes = s->empty() || s->find_first_of(" \t\n\"=") != std::string::npos;
    return needs_quotes
               ? nlohmann::json(*s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
               : *s;
  }
  if (const auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) return fmt::format("{}", *d);
  return std::get<bool>(value) ? "true" : "false";
}

nlohmann::json JsonValue(const LogField::Value& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

void WriteStderr(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

struct Logger::Impl {
  std::mutex mu;  // serialises calls to the sink
};

Logger::Logger(LoggerOptions options)
    : level_(options.level), options_(std::move(options)), impl_(std::make_shared<Impl>()) {
  if (!options_.sink) options_.sink = WriteStderr;
  if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
}

std::string Logger::FormatLine(LogLevel level, std::string_view message,
                               const std::vector<LogField>& fields) const {
  const auto now = options_.now();
  if (options_.format == LogFormat::kJson) {
    nlohmann::ordered_json line;
    line["ts"] = FormatTimestamp(now, /*utc=*/true);
    line["level"] = LogLevelName(level);
    line["msg"] = message;
    for (const LogField& field : fields) {
      // A field never overwrites ts, level or msg.
      if (field.key == "ts" || field.key == "level" || field.key == "msg") continue;
      line[field.key] = JsonValue(field.value);
    }
    // Invalid UTF-8 in a message must not throw from a log call.
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  std::string out = FormatTimestamp(now, /*utc=*/false);
  out += ' ';
  if (options_.color) {
    out += AnsiColor(level);
    out += UpperName(level);
    out += "\033[0m";
  } else {
    out += UpperName(level);
  }
  out += ' ';
  out += message;
  for (const LogField& field : fields) {
    out += ' ';
    out += field.key;
    out += '=';
    out += TextValue(field.value);
  }
  out += '\n';
  return out;
}

void Logger::Log(LogLevel level, std::string_view message, const std::vector<LogField>& fields) {
  if (!Enabled(level)) return;
  std::string line = FormatLine(level, message, fields);
  std::lock_guard<std::mutex> lock(impl_->mu);
  options_.sink(line);
}

namespace {

LoggerOptions StderrOptions(LogLevel level, LogFormat format) {
  LoggerOptions options;
  options.level = level;
  options.format = format;
  options.color = isatty(2) == 1;
  return options;
}

std::unique_ptr<Logger>& GlobalLoggerSlot() {
  static std::unique_ptr<Logger> logger =
      std::make_unique<Logger>(StderrOptions(LogLevel::kInfo, LogFormat::kText));
  return logger;
}

}  // namespace

Logger& GlobalLogger() { return *GlobalLoggerSlot(); }

void SetGlobalLogger(LoggerOptions options) {
  GlobalLoggerSlot() = std::make_unique<Logger>(std::move(options));
}

void InitLogging(LogLevel level, LogFormat format) {
  SetGlobalLogger(StderrOptions(level, format));
}

}  // namespace shoplytics
