// Dates and times for the synthetic shop: UTC seconds since the Unix epoch, civil dates,
// and the seasonality that makes the shop's orders look like a real shop's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shoplytics::seed {

constexpr int64_t kSecondsPerDay = 86400;

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

// Days since 1970-01-01 for a civil date (proleptic Gregorian), and back.
int64_t DaysFromCivil(CivilDate date);
CivilDate CivilFromDays(int64_t days);
// 0 = Monday ... 6 = Sunday.
int Weekday(int64_t days);

// Parses YYYY-MM-DD; false when malformed or not a real date.
bool ParseDate(std::string_view text, int64_t* days);

// "2025-11-28"
std::string FormatDate(int64_t days);
// Appends "2025-11-28T14:03:09Z".
void AppendIsoTimestamp(std::string& out, int64_t unix_seconds);
// Appends "2025-11-28 14:03:09+00" as PostgreSQL's timestamptz text.
void AppendPgTimestamp(std::string& out, int64_t unix_seconds);

// Relative demand of a day compared with an ordinary day: weekday, month of the year,
// and holiday peaks (Black Friday, Cyber Monday, the Christmas run-up, Valentine's).
double SeasonalFactor(int64_t days);

// True for Black Friday (the day after the fourth Thursday of November).
bool IsBlackFriday(int64_t days);

}  // namespace shoplytics::seed
