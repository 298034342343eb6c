#include "common/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "common/strings.h"

namespace shoplytics {

namespace {

constexpr int kBarWidth = 20;

double Rate(const ProgressSnapshot& s) {
  const double seconds = s.elapsed.count();
  return seconds > 0 ? static_cast<double>(s.done) / seconds : 0;
}

std::string Bar(double fraction) {
  const int filled = static_cast<int>(fraction * kBarWidth);
  return "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "]";
}

void WriteStderr(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

std::string FormatProgressLine(const ProgressSnapshot& s) {
  std::string line(s.label);
  if (!line.empty()) line += ' ';
  const double rate = Rate(s);
  if (s.total && *s.total > 0) {
    const double fraction = std::clamp(static_cast<double>(s.done) / *s.total, 0.0, 1.0);
    line += Bar(fraction);
    line += ' ';
    const std::string percent = std::to_string(static_cast<int>(fraction * 100)) + "%";
    line += std::string(4 - std::min<size_t>(4, percent.size()), ' ') + percent;
    line += "  " + HumanCount(s.done) + "/" + HumanCount(*s.total) + " " + std::string(s.unit);
  } else {
    line += HumanCount(s.done) + " " + std::string(s.unit);
  }
  if (s.elapsed.count() > 0) {
    line += "  " + HumanCount(rate) + " " + std::string(s.unit) + "/s";
  }
  line += "  " + HumanDuration(s.elapsed);
  if (s.total && s.done < *s.total) {
    line += "  ETA ";
    line += rate > 0 ? HumanDuration(std::chrono::duration<double>((*s.total - s.done) / rate))
                     : std::string("?");
  }
  return line;
}

std::string FormatProgressSummary(const ProgressSnapshot& s) {
  std::string line;
  if (!s.label.empty()) line = std::string(s.label) + ": ";
  line += HumanCount(s.done) + " " + std::string(s.unit) + " in " + HumanDuration(s.elapsed);
  if (s.elapsed.count() > 0) {
    line += " (" + HumanCount(Rate(s)) + " " + std::string(s.unit) + "/s)";
  }
  return line;
}

ProgressBar::ProgressBar(ProgressOptions options)
    : options_(std::move(options)), total_(options_.total.value_or(-1)) {
  if (!options_.out) {
    options_.out = WriteStderr;
    if (!options_.is_tty) options_.is_tty = isatty(2) == 1;
  }
  is_tty_ = options_.is_tty.value_or(false);
  if (!options_.now) options_.now = [] { return std::chrono::steady_clock::now(); };
  start_ = options_.now();
  last_draw_ = start_;
}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Add(int64_t n) {
  done_.fetch_add(n, std::memory_order_relaxed);
  if (!is_tty_) return;
  // A thread that finds another one drawing skips: the next Add will draw.
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  if (options_.now() - last_draw_ < options_.redraw_interval) return;
  Draw(/*final=*/false);
}

void ProgressBar::SetTotal(int64_t total) { total_.store(total, std::memory_order_relaxed); }

void ProgressBar::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (is_tty_) {
    Draw(/*final=*/true);
  } else if (options_.summary_when_not_tty) {
    options_.out(FormatProgressSummary(Snapshot()) + "\n");
  }
}

ProgressSnapshot ProgressBar::Snapshot() const {
  ProgressSnapshot s;
  s.label = options_.label;
  s.unit = options_.unit;
  s.done = done();
  const int64_t total = total_.load(std::memory_order_relaxed);
  if (total >= 0) s.total = total;
  s.elapsed = options_.now() - start_;
  return s;
}

void ProgressBar::Draw(bool final) {
  last_draw_ = options_.now();
  std::string line = FormatProgressLine(Snapshot());
  const size_t width = line.size();
  // Spaces erase what a longer previous line left behind.
  if (width < last_width_) line += std::string(last_width_ - width, ' ');
  last_width_ = width;
  options_.out("\r" + line + (final ? "\n" : ""));
}

}  // namespace shoplytics
