#include "seed/calendar.h"

#include <charconv>

namespace shoplytics::seed {

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t DaysFromCivil(CivilDate date) {
  int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (date.month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + date.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0)), m, d};
}

int Weekday(int64_t days) {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  int64_t w = (days + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

bool ParseDate(std::string_view text, int64_t* days) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int y = 0, m = 0, d = 0;
  auto parse = [](std::string_view s, int* v) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  };
  if (!parse(text.substr(0, 4), &y) || !parse(text.substr(5, 2), &m) ||
      !parse(text.substr(8, 2), &d)) {
    return false;
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  const int64_t z = DaysFromCivil({y, m, d});
  const CivilDate back = CivilFromDays(z);
  if (back.year != y || back.month != m || back.day != d) return false;
  *days = z;
  return true;
}

namespace {

void Append2(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

void AppendDateParts(std::string& out, CivilDate c) {
  out.push_back(static_cast<char>('0' + c.year / 1000));
  out.push_back(static_cast<char>('0' + c.year / 100 % 10));
  Append2(out, c.year % 100);
  out.push_back('-');
  Append2(out, c.month);
  out.push_back('-');
  Append2(out, c.day);
}

void AppendTimeParts(std::string& out, int64_t secs_of_day) {
  Append2(out, static_cast<int>(secs_of_day / 3600));
  out.push_back(':');
  Append2(out, static_cast<int>(secs_of_day / 60 % 60));
  out.push_back(':');
  Append2(out, static_cast<int>(secs_of_day % 60));
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::string FormatDate(int64_t days) {
  std::string out;
  AppendDateParts(out, CivilFromDays(days));
  return out;
}

void AppendIsoTimestamp(std::string& out, int64_t t) {
  const int64_t days = FloorDiv(t, kSecondsPerDay);
  AppendDateParts(out, CivilFromDays(days));
  out.push_back('T');
  AppendTimeParts(out, t - days * kSecondsPerDay);
  out.push_back('Z');
}

void AppendPgTimestamp(std::string& out, int64_t t) {
  const int64_t days = FloorDiv(t, kSecondsPerDay);
  AppendDateParts(out, CivilFromDays(days));
  out.push_back(' ');
  AppendTimeParts(out, t - days * kSecondsPerDay);
  out.append("+00");
}

bool IsBlackFriday(int64_t days) {
  const CivilDate c = CivilFromDays(days);
  if (c.month != 11 || Weekday(days) != 4) return false;
  // Fourth Thursday is between the 22nd and 28th, so Black Friday is the 23rd to the 29th.
  return c.day >= 23 && c.day <= 29;
}

double SeasonalFactor(int64_t days) {
  // Online shops sell most on Sunday evening and Monday, least on Saturday.
  static constexpr double kWeekday[7] = {1.06, 1.01, 0.99, 0.97, 0.94, 0.88, 1.15};
  static constexpr double kMonth[12] = {0.84, 0.86, 0.95, 0.95, 0.99, 0.95,
                                        0.96, 0.97, 0.98, 1.03, 1.22, 1.30};
  const CivilDate c = CivilFromDays(days);
  double f = kWeekday[Weekday(days)] * kMonth[c.month - 1];
  // Black Friday weekend through Cyber Monday.
  for (int back = 0; back <= 3; ++back) {
    if (IsBlackFriday(days - back)) f *= (back == 0 ? 2.6 : back == 3 ? 2.2 : 1.6);
  }
  if (c.month == 12) {
    if (c.day >= 8 && c.day <= 20) f *= 1.25;
    if (c.day == 24) f *= 0.75;
    if (c.day == 25) f *= 0.55;
    if (c.day >= 26) f *= 1.1;  // gift-card and sale spending
  }
  if (c.month == 2 && c.day >= 7 && c.day <= 13) f *= 1.15;
  if (c.month == 7 && c.day >= 15 && c.day <= 16) f *= 1.35;  // mid-summer sale
  return f;
}

}  // namespace shoplytics::seed
