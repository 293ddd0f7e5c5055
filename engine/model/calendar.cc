// Civil-date arithmetic (Howard Hinnant's days_from_civil) and ISO 8601 parsing.
#include "model/calendar.h"

#include <fmt/format.h>

#include <chrono>

namespace flowgate {
namespace {

bool parse_digits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

}  // namespace

Date date_from_civil(int year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return Date{era * 146097 + static_cast<int32_t>(doe) - 719468};
}

std::optional<Date> parse_date(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!parse_digits(text, 0, 4, year) || !parse_digits(text, 5, 2, month) ||
      !parse_digits(text, 8, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
    return std::nullopt;
  }
  return date_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::string format_date(Date date) {
  int32_t z = date.days + 719468;
  const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int year = static_cast<int>(yoe) + era * 400 + (month <= 2);
  return fmt::format("{:04}-{:02}-{:02}", year, month, day);
}

Date today() {
  using namespace std::chrono;
  auto days_since_epoch = floor<days>(system_clock::now()).time_since_epoch().count();
  return Date{static_cast<int32_t>(days_since_epoch)};
}

std::optional<Duration> parse_duration(std::string_view text) {
  if (text.size() < 3 || text[0] != 'P') return std::nullopt;
  Duration duration;
  size_t i = 1;
  char last_unit = 0;
  static constexpr std::string_view kOrder = "YMWD";
  while (i < text.size()) {
    int64_t value = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + (text[i++] - '0');
      if (++digits > 5) return std::nullopt;
    }
    if (digits == 0 || i >= text.size()) return std::nullopt;
    char unit = text[i++];
    auto position = kOrder.find(unit);
    if (position == std::string_view::npos) return std::nullopt;
    if (last_unit != 0 && position <= kOrder.find(last_unit)) return std::nullopt;
    last_unit = unit;
    auto v = static_cast<int32_t>(value);
    switch (unit) {
      case 'Y':
        duration.years = v;
        break;
      case 'M':
        duration.months = v;
        break;
      case 'W':
        duration.days += 7 * v;
        break;
      case 'D':
        duration.days += v;
        break;
    }
  }
  return duration;
}

std::string format_duration(const Duration& duration) {
  std::string out = "P";
  if (duration.years) out += fmt::format("{}Y", duration.years);
  if (duration.months) out += fmt::format("{}M", duration.months);
  if (duration.days || out == "P") out += fmt::format("{}D", duration.days);
  return out;
}

}  // namespace flowgate
