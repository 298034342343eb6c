#include "common/logging.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace shoplytics {
namespace {

// 2024-05-01T10:00:00.123Z
const auto kFixedTime =
    std::chrono::system_clock::time_point(std::chrono::milliseconds(1714557600123));

struct Captured {
  std::vector<std::string> lines;
};

LoggerOptions CaptureOptions(Captured& captured, LogLevel level, LogFormat format) {
  LoggerOptions options;
  options.level = level;
  options.format = format;
  options.sink = [&captured](std::string_view line) { captured.lines.emplace_back(line); };
  options.now = [] { return kFixedTime; };
  return options;
}

// Restores the default logger when a test that replaced it ends.
class GlobalLoggerTest : public ::testing::Test {
 protected:
  void TearDown() override { InitLogging(LogLevel::kInfo, LogFormat::kText); }
  Captured captured_;
};

TEST(LogLevel, ParsesNamesAndFallsBackToInfo) {
  EXPECT_EQ(ParseLogLevel("trace"), LogLevel::kTrace);
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::kError);
  EXPECT_EQ(ParseLogLevel("loud"), LogLevel::kInfo);
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(LogLevelName(LogLevel::kWarn), "warn");
}

TEST_F(GlobalLoggerTest, DropsLinesBelowTheLevel) {
  SetGlobalLogger(CaptureOptions(captured_, LogLevel::kWarn, LogFormat::kText));
  LogTrace("t");
  LogDebug("d");
  LogInfo("i");
  LogWarn("w {}", 1);
  LogError("e {}", 2);
  ASSERT_EQ(captured_.lines.size(), 2u);
  EXPECT_NE(captured_.lines[0].find("WARN  w 1"), std::string::npos) << captured_.lines[0];
  EXPECT_NE(captured_.lines[1].find("ERROR e 2"), std::string::npos) << captured_.lines[1];
}

TEST_F(GlobalLoggerTest, MacrosDoNotEvaluateArgumentsWhenTheLevelIsOff) {
  SetGlobalLogger(CaptureOptions(captured_, LogLevel::kInfo, LogFormat::kText));
  int evaluated = 0;
  auto count = [&evaluated] { return ++evaluated; };
  LOG_DEBUG("value {}", count());
  EXPECT_EQ(evaluated, 0);
  LOG_INFO("loaded {} rows into {}", count(), "raw.shop_orders");
  EXPECT_EQ(evaluated, 1);
  ASSERT_EQ(captured_.lines.size(), 1u);
  EXPECT_NE(captured_.lines[0].find("INFO  loaded 1 rows into raw.shop_orders\n"),
            std::string::npos);
}

TEST_F(GlobalLoggerTest, TraceLevelPassesEverything) {
  SetGlobalLogger(CaptureOptions(captured_, LogLevel::kTrace, LogFormat::kText));
  LOG_TRACE("t");
  LOG_DEBUG("d");
  LOG_INFO("i");
  LOG_WARN("w");
  LOG_ERROR("e");
  EXPECT_EQ(captured_.lines.size(), 5u);
}

TEST(Logger, JsonLinesAreValidJsonWithTimestampLevelMessageAndFields) {
  Captured captured;
  Logger logger(CaptureOptions(captured, LogLevel::kInfo, LogFormat::kJson));
  logger.Log(LogLevel::kWarn, "batch \"late\"\nretrying",
             {{"source", "shop"}, {"rows", 42}, {"ratio", 0.5}, {"full", true}});
  ASSERT_EQ(captured.lines.size(), 1u);
  const std::string& line = captured.lines[0];
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one object per line";
  const auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["ts"], "2024-05-01T10:00:00.123Z");
  EXPECT_EQ(json["level"], "warn");
  EXPECT_EQ(json["msg"], "batch \"late\"\nretrying");
  EXPECT_EQ(json["source"], "shop");
  EXPECT_EQ(json["rows"], 42);
  EXPECT_EQ(json["ratio"], 0.5);
  EXPECT_EQ(json["full"], true);
}

TEST(Logger, JsonFieldsCannotOverwriteTheStandardMembers) {
  Captured captured;
  Logger logger(CaptureOptions(captured, LogLevel::kInfo, LogFormat::kJson));
  logger.Log(LogLevel::kInfo, "real", {{"msg", "fake"}, {"level", "error"}});
  const auto json = nlohmann::json::parse(captured.lines.at(0));
  EXPECT_EQ(json["msg"], "real");
  EXPECT_EQ(json["level"], "info");
}

TEST(Logger, JsonSurvivesInvalidUtf8) {
  Captured captured;
  Logger logger(CaptureOptions(captured, LogLevel::kInfo, LogFormat::kJson));
  logger.Log(LogLevel::kInfo, "bad \xff byte");
  EXPECT_NO_THROW(nlohmann::json::parse(captured.lines.at(0)));
}

TEST(Logger, TextLinesAppendFieldsAsKeyValue) {
  Captured captured;
  Logger logger(CaptureOptions(captured, LogLevel::kInfo, LogFormat::kText));
  logger.Log(LogLevel::kInfo, "extracted",
             {{"source", "shop"}, {"rows", 7}, {"note", "two words"}});
  const std::string& line = captured.lines.at(0);
  EXPECT_NE(line.find(" INFO  extracted source=shop rows=7 note=\"two words\"\n"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find('\033'), std::string::npos) << "no colour unless asked";
}

TEST(Logger, ColourOnlyWhenAsked) {
  Captured captured;
  LoggerOptions options = CaptureOptions(captured, LogLevel::kInfo, LogFormat::kText);
  options.color = true;
  Logger logger(std::move(options));
  logger.Log(LogLevel::kError, "boom");
  EXPECT_NE(captured.lines.at(0).find("\033[1;31mERROR\033[0m boom"), std::string::npos);
}

TEST(Logger, LinesFromManyThreadsStayWhole) {
  std::vector<std::string> lines;
  LoggerOptions options;
  options.format = LogFormat::kJson;
  options.sink = [&lines](std::string_view line) { lines.emplace_back(line); };
  Logger logger(std::move(options));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < 200; ++i) logger.Log(LogLevel::kInfo, "x", {{"t", t}, {"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(lines.size(), 800u);
  for (const auto& line : lines) EXPECT_NO_THROW(nlohmann::json::parse(line));
}

}  // namespace
}  // namespace shoplytics
