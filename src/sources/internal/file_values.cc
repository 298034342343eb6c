#include "sources/internal/file_values.h"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "common/hash.h"

namespace shoplytics::sources::internal {

namespace fs = std::filesystem;
namespace chr = std::chrono;

Result<std::vector<std::string>> ListFiles(const fs::path& dir, const std::string& glob) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return NotFoundError("folder " + dir.string() + " does not exist (looking for " + glob + ")");
  }
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string rel = fs::relative(it->path(), dir, ec).generic_string();
    if (fnmatch(glob.c_str(), rel.c_str(), FNM_PATHNAME) == 0) files.push_back(rel);
  }
  if (ec) return InternalError("listing " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

Result<fs::path> SourceDir(const ConfigNode& node, const fs::path& project_dir) {
  ASSIGN_OR_RETURN(std::string path, node.GetString("path", "data"));
  fs::path dir(path);
  return dir.is_absolute() ? dir : project_dir / dir;
}

Result<std::string> FileChecksum(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return NotFoundError("cannot open " + path.string());
  Hasher64 hasher;
  std::string buffer(1 << 20, '\0');
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) {
    hasher.Update(std::string_view(buffer.data(), n));
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return InternalError("reading " + path.string() + " failed");
  return HashToHex(hasher.Digest());
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days of "YYYY-MM-DD" at the start of `s`.
std::optional<int32_t> DatePrefix(std::string_view s) {
  int y, m, d;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &m) ||
      !Digits(s, 8, 2, &d)) {
    return std::nullopt;
  }
  const chr::year_month_day ymd{chr::year(y), chr::month(m), chr::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<int32_t>(chr::sys_days(ymd).time_since_epoch().count());
}

}  // namespace

std::optional<int32_t> ParseDate(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  return DatePrefix(text);
}

std::optional<std::string> DateInName(std::string_view name) {
  for (size_t i = 0; i + 10 <= name.size(); ++i) {
    if (DatePrefix(name.substr(i, 10))) return std::string(name.substr(i, 10));
  }
  return std::nullopt;
}

std::string FormatDate(int32_t days) {
  const chr::year_month_day ymd{chr::sys_days(chr::days(days))};
  char out[16];
  std::snprintf(out, sizeof(out), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

std::optional<warehouse::Timestamp> ParseTimestamp(std::string_view s) {
  std::optional<int32_t> days = DatePrefix(s);
  if (!days || s.size() < 19 || (s[10] != 'T' && s[10] != ' ')) return std::nullopt;
  int hh, mm, ss;
  if (s[13] != ':' || s[16] != ':' || !Digits(s, 11, 2, &hh) || !Digits(s, 14, 2, &mm) ||
      !Digits(s, 17, 2, &ss) || hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  int64_t micros = 0;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int scale = 100000, count = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++count;
    }
    if (count == 0) return std::nullopt;
  }
  int64_t offset_minutes = 0;
  if (pos < s.size()) {
    const char sign = s[pos];
    if (sign == 'Z' || sign == 'z') {
      ++pos;
    } else if (sign == '+' || sign == '-') {
      int oh = 0, om = 0;
      if (!Digits(s, pos + 1, 2, &oh)) return std::nullopt;
      pos += 3;
      if (pos < s.size()) {
        if (s[pos] == ':') ++pos;
        if (!Digits(s, pos, 2, &om)) return std::nullopt;
        pos += 2;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      offset_minutes = (sign == '+' ? 1 : -1) * (oh * 60 + om);
    }
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t seconds =
      static_cast<int64_t>(*days) * 86400 + hh * 3600 + mm * 60 + ss - offset_minutes * 60;
  return warehouse::Timestamp(chr::microseconds(seconds * 1000000 + micros));
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<bool> ParseBool(std::string_view text) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "true" || t == "t" || t == "yes" || t == "y" || t == "1") return true;
  if (t == "false" || t == "f" || t == "no" || t == "n" || t == "0") return false;
  return std::nullopt;
}

Result<std::string> CanonicalDecimal(std::string_view text, int precision, int scale) {
  const std::string bad = "bad decimal '" + std::string(text) + "'";
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  const size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  auto all_digits = [](std::string_view p) {
    return std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if ((whole.empty() && frac.empty()) || !all_digits(whole) || !all_digits(frac)) {
    return InvalidArgumentError(bad);
  }
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  if (whole.empty()) whole = "0";
  if (static_cast<int>(frac.size()) > scale) {
    return InvalidArgumentError("decimal '" + std::string(text) + "' has more than " +
                                std::to_string(scale) + " decimal places");
  }
  if (whole != "0" && static_cast<int>(whole.size()) > precision - scale) {
    return InvalidArgumentError("decimal '" + std::string(text) + "' is out of range for decimal(" +
                                std::to_string(precision) + "," + std::to_string(scale) + ")");
  }
  std::string out;
  const bool zero = whole == "0" && frac.empty();
  if (negative && !zero) out += '-';
  out += whole;
  if (!frac.empty()) {
    out += '.';
    out += frac;
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace shoplytics::sources::internal
