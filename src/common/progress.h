// A progress line for long work: rows done, rate, elapsed and, with a total, a bar,
// percentage and ETA.
//
//   orders [########............]  42%  1.2M/2.9M rows  350k rows/s  3.4s  ETA 4.9s
//
// On a terminal the line is redrawn in place (\r) at most ten times a second. Anywhere
// else nothing is drawn while the work runs; Finish() prints one summary line when
// `summary_when_not_tty` is set:
//
//   orders: 2.9M rows in 8.3s (350k rows/s)
//
// Add() and SetTotal() are thread-safe; Add() from many worker threads is cheap (an
// atomic add, and a redraw by whichever thread finds the line stale).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace shoplytics {

struct ProgressOptions {
  std::string label;             // what is counted, e.g. a table: "orders"
  std::optional<int64_t> total;  // known total, for the bar, percentage and ETA
  std::string unit = "rows";
  // Where the line goes and whether it is a terminal. Empty `out`: stderr, with
  // `is_tty` taken from isatty(2) when not set.
  std::function<void(std::string_view)> out;
  std::optional<bool> is_tty;
  bool summary_when_not_tty = false;
  // Empty: std::chrono::steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
  std::chrono::milliseconds redraw_interval{100};
};

// What a line shows; FormatProgressLine and FormatProgressSummary are pure functions of it.
struct ProgressSnapshot {
  std::string_view label;
  std::string_view unit;
  int64_t done = 0;
  std::optional<int64_t> total;
  std::chrono::duration<double> elapsed{0};
};

std::string FormatProgressLine(const ProgressSnapshot& snapshot);
std::string FormatProgressSummary(const ProgressSnapshot& snapshot);

class ProgressBar {
 public:
  explicit ProgressBar(ProgressOptions options);
  // Calls Finish() if it was not called.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Add(int64_t n);
  void SetTotal(int64_t total);
  // Draws the final line and ends it with '\n' (terminal), or prints the summary (not a
  // terminal, when asked). Later calls do nothing.
  void Finish();

  int64_t done() const { return done_.load(std::memory_order_relaxed); }
  ProgressSnapshot Snapshot() const;

 private:
  void Draw(bool final);  // requires mu_

  ProgressOptions options_;
  bool is_tty_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> total_;  // -1: unknown
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_draw_;  // guarded by mu_
  size_t last_width_ = 0;                            // guarded by mu_
  bool finished_ = false;                            // guarded by mu_
};

}  // namespace shoplytics
