// ISO 8601 dates and durations; the civil-date arithmetic is the runtime's (flowgate/runtime.h).
#include "model/calendar.h"

#include <fmt/format.h>

#include <chrono>

#include "flowgate/runtime.h"

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

}  // namespace

std::optional<Date> parse_date(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!parse_digits(text, 0, 4, year) || !parse_digits(text, 5, 2, month) ||
      !parse_digits(text, 8, 2, day)) {
    return std::nullopt;
  }
  if (!runtime::is_civil_date(year, month, day)) return std::nullopt;
  return Date{runtime::days_from_civil(year, month, day)};
}

std::string format_date(Date date) {
  const runtime::CivilDate civil = runtime::civil_from_days(date.days);
  return fmt::format("{:04}-{:02}-{:02}", civil.year, civil.month, civil.day);
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
