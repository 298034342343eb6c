// String helpers: splitting, trimming, joining, case, and human-readable numbers.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoplytics {

// Split("a,,b", ',') == {"a", "", "b"}; Split("", ',') == {""}. Empty pieces are kept.
std::vector<std::string> Split(std::string_view text, char separator);
// As Split, then trims each piece and drops the empty ones: " a, ,b " -> {"a", "b"}.
std::vector<std::string> SplitAndTrim(std::string_view text, char separator);

// Removes ASCII whitespace (space, \t, \n, \r, \f, \v) at both ends. The view borrows `text`.
std::string_view Trim(std::string_view text);

std::string Join(const std::vector<std::string>& pieces, std::string_view separator);

bool StartsWith(std::string_view text, std::string_view prefix);
bool EndsWith(std::string_view text, std::string_view suffix);

// ASCII lower case; other bytes (UTF-8) are kept.
std::string ToLower(std::string_view text);

// Levenshtein distance: the fewest single-character insertions, deletions and
// substitutions that turn `a` into `b` (for "did you mean" suggestions).
size_t EditDistance(std::string_view a, std::string_view b);

// Counts in three significant digits with k, M, B, T (thousands, millions, billions,
// trillions): 999 -> "999", 1234 -> "1.2k", 350000 -> "350k", 1200000 -> "1.2M".
std::string HumanCount(double count);

// Bytes in binary units: 512 -> "512 B", 1536 -> "1.5 KiB", 3 << 20 -> "3.0 MiB".
std::string HumanBytes(uint64_t bytes);

// Durations: "120ms", "3.4s", "2m05s", "1h02m", "3d04h". Negative durations print as 0.
std::string HumanDuration(std::chrono::duration<double> duration);

}  // namespace shoplytics
