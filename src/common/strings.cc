#include "common/strings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace shoplytics {

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      pieces.emplace_back(text.substr(start));
      return pieces;
    }
    pieces.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::vector<std::string> SplitAndTrim(std::string_view text, char separator) {
  std::vector<std::string> pieces;
  for (const std::string& piece : Split(text, separator)) {
    std::string_view trimmed = Trim(piece);
    if (!trimmed.empty()) pieces.emplace_back(trimmed);
  }
  return pieces;
}

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return text.substr(0, 0);
  const size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

std::string Join(const std::vector<std::string>& pieces, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) out += separator;
    out += pieces[i];
  }
  return out;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

namespace {

// One decimal below 100, none above: at most four characters, so a progress line
// that redraws ten times a second keeps its width.
std::string ScaledNumber(double value) {
  return value < 100 ? fmt::format("{:.1f}", value) : fmt::format("{:.0f}", value);
}

}  // namespace

std::string HumanCount(double count) {
  if (!std::isfinite(count)) return "?";
  if (count < 0) return "-" + HumanCount(-count);
  if (std::round(count) < 1000) {
    return count == std::floor(count) ? fmt::format("{:.0f}", count) : fmt::format("{:.1f}", count);
  }
  constexpr const char* kUnits[] = {"k", "M", "B", "T"};
  double scaled = count;
  for (size_t unit = 0; unit < std::size(kUnits); ++unit) {
    scaled /= 1000;
    // Rounding may carry into the next unit: 999999 is "1.0M", not "1000k".
    const bool last = unit + 1 == std::size(kUnits);
    if (last || std::round(scaled) < 1000) {
      return ScaledNumber(scaled) + kUnits[unit];
    }
  }
  return "?";
}

std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double scaled = static_cast<double>(bytes);
  for (size_t unit = 0; unit < std::size(kUnits); ++unit) {
    scaled /= 1024;
    const bool last = unit + 1 == std::size(kUnits);
    if (last || std::round(scaled) < 1024) return ScaledNumber(scaled) + " " + kUnits[unit];
  }
  return "?";
}

std::string HumanDuration(std::chrono::duration<double> duration) {
  double seconds = duration.count();
  if (!(seconds > 0)) return "0s";
  if (seconds < 1) return fmt::format("{:.0f}ms", std::floor(seconds * 1000));
  if (seconds < 10) return fmt::format("{:.1f}s", std::floor(seconds * 10) / 10);
  const auto total = static_cast<int64_t>(seconds);
  if (total < 60) return fmt::format("{}s", total);
  if (total < 3600) return fmt::format("{}m{:02d}s", total / 60, total % 60);
  if (total < 86400) return fmt::format("{}h{:02d}m", total / 3600, total % 3600 / 60);
  return fmt::format("{}d{:02d}h", total / 86400, total % 86400 / 3600);
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace shoplytics
