#include "common/progress.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace shoplytics {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

ProgressSnapshot Snap(int64_t done, std::optional<int64_t> total, double elapsed_seconds) {
  ProgressSnapshot s;
  s.label = "orders";
  s.unit = "rows";
  s.done = done;
  s.total = total;
  s.elapsed = std::chrono::duration<double>(elapsed_seconds);
  return s;
}

TEST(ProgressLine, FormatsCountRateElapsedAndEta) {
  struct Case {
    ProgressSnapshot snapshot;
    std::string_view expected;
  };
  const Case kCases[] = {
      {Snap(0, std::nullopt, 0), "orders 0 rows  0s"},
      {Snap(1'200'000, std::nullopt, 3.43), "orders 1.2M rows  350k rows/s  3.4s"},
      {Snap(1'200'000, 2'900'000, 3.43),
       "orders [########............]  41%  1.2M/2.9M rows  350k rows/s  3.4s  ETA 4.8s"},
      {Snap(0, 1000, 0), "orders [....................]   0%  0/1.0k rows  0s  ETA ?"},
      {Snap(500, 500, 2), "orders [####################] 100%  500/500 rows  250 rows/s  2.0s"},
      {Snap(3'600'000, 36'000'000, 60),
       "orders [##..................]  10%  3.6M/36.0M rows  "
       "60.0k rows/s  1m00s  ETA 9m00s"},
  };
  for (const Case& c : kCases) EXPECT_EQ(FormatProgressLine(c.snapshot), c.expected);
}

TEST(ProgressLine, SummaryGivesCountTimeAndRate) {
  EXPECT_EQ(FormatProgressSummary(Snap(2'900'000, std::nullopt, 8.3)),
            "orders: 2.9M rows in 8.3s (349k rows/s)");
}

// A fake clock and a captured output drive the bar with no sleeps.
struct Harness {
  std::chrono::steady_clock::time_point now{};
  std::vector<std::string> writes;

  ProgressOptions Options(bool tty) {
    ProgressOptions options;
    options.label = "orders";
    options.total = 1000;
    options.is_tty = tty;
    options.out = [this](std::string_view text) { writes.emplace_back(text); };
    options.now = [this] { return now; };
    return options;
  }
};

TEST(ProgressBar, DrawsNothingWhenNotATerminal) {
  Harness h;
  {
    ProgressBar bar(h.Options(/*tty=*/false));
    for (int i = 0; i < 10; ++i) {
      h.now += seconds(1);
      bar.Add(100);
    }
  }
  EXPECT_TRUE(h.writes.empty());
}

TEST(ProgressBar, PrintsOnlyASummaryWhenNotATerminalAndAsked) {
  Harness h;
  ProgressOptions options = h.Options(/*tty=*/false);
  options.summary_when_not_tty = true;
  ProgressBar bar(std::move(options));
  h.now += seconds(1);
  bar.Add(400);
  h.now += seconds(1);
  bar.Add(600);
  bar.Finish();
  bar.Finish();
  ASSERT_EQ(h.writes.size(), 1u);
  EXPECT_EQ(h.writes[0], "orders: 1.0k rows in 2.0s (500 rows/s)\n");
}

TEST(ProgressBar, RedrawsOnOneLineAtMostTenTimesASecond) {
  Harness h;
  ProgressBar bar(h.Options(/*tty=*/true));
  for (int i = 0; i < 100; ++i) {
    h.now += milliseconds(10);  // 100 calls over one second
    bar.Add(5);
  }
  EXPECT_EQ(h.writes.size(), 10u);
  for (const std::string& w : h.writes) {
    EXPECT_EQ(w.front(), '\r');
    EXPECT_EQ(w.find('\n'), std::string::npos);
  }
  bar.Finish();
  ASSERT_EQ(h.writes.size(), 11u);
  EXPECT_EQ(h.writes.back(),
            "\rorders [##########..........]  50%  500/1.0k rows  500 rows/s  1.0s  ETA 1.0s\n");
}

TEST(ProgressBar, PadsAShorterLineToEraseTheLongerOne) {
  Harness h;
  ProgressOptions options = h.Options(/*tty=*/true);
  options.total.reset();
  ProgressBar bar(std::move(options));
  h.now += seconds(1);
  bar.Add(1'234'567);  // "orders 1.2M rows  1.2M rows/s  1.0s"
  h.now += seconds(9);
  bar.Finish();  // "orders 1.2M rows  123k rows/s  10s", shorter
  ASSERT_EQ(h.writes.size(), 2u);
  EXPECT_EQ(h.writes[1].size(), h.writes[0].size() + 1);  // +1 for the '\n'
  EXPECT_EQ(h.writes[1], "\rorders 1.2M rows  123k rows/s  10s \n");
}

TEST(ProgressBar, CountsAddsFromManyThreads) {
  Harness h;
  ProgressOptions options = h.Options(/*tty=*/false);
  ProgressBar bar(std::move(options));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&bar] {
      for (int i = 0; i < 10000; ++i) bar.Add(1);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(bar.done(), 40000);
}

}  // namespace
}  // namespace shoplytics
