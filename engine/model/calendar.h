// Dates (YYYY-MM-DD, as days since 1970-01-01) and ISO 8601 durations (P1M, P45D): the two kinds
// of time that legal facts carry. libstdc++ 12 has no std::chrono::parse, so parsing is here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowgate {

struct Date {
  int32_t days = 0;  // since 1970-01-01
  friend auto operator<=>(const Date&, const Date&) = default;
};

// Strict YYYY-MM-DD with a real calendar day (leap years checked); nullopt otherwise.
std::optional<Date> parse_date(std::string_view text);
std::string format_date(Date date);
// Today in UTC.
Date today();

// An ISO 8601 duration with whole years, months, weeks and days (no time part): what statutes
// use for response deadlines.
struct Duration {
  int32_t years = 0;
  int32_t months = 0;
  int32_t days = 0;  // weeks are folded into days
  friend bool operator==(const Duration&, const Duration&) = default;
};

std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration(const Duration& duration);

}  // namespace flowgate
