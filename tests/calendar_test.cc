#include "model/calendar.h"

#include <doctest/doctest.h>

using namespace flowgate;

TEST_CASE("dates parse strictly and round-trip") {
  CHECK(parse_date("1970-01-01")->days == 0);
  CHECK(format_date(*parse_date("2026-11-29")) == "2026-11-29");
  CHECK(parse_date("2024-02-29").has_value());
  CHECK_FALSE(parse_date("2023-02-29").has_value());
  CHECK_FALSE(parse_date("2026-13-01").has_value());
  CHECK_FALSE(parse_date("2026-1-01").has_value());
  CHECK_FALSE(parse_date("26-01-01").has_value());
  CHECK(*parse_date("2025-01-01") < *parse_date("2025-01-02"));
  CHECK(format_date(Date{-1}) == "1969-12-31");
}

TEST_CASE("ISO 8601 durations") {
  CHECK(parse_duration("P45D")->days == 45);
  CHECK(parse_duration("P1M")->months == 1);
  CHECK(parse_duration("P2W")->days == 14);
  CHECK(parse_duration("P1Y2M3D") == Duration{1, 2, 3});
  CHECK(format_duration(*parse_duration("P1Y2M3D")) == "P1Y2M3D");
  CHECK(format_duration(*parse_duration("P45D")) == "P45D");
  CHECK_FALSE(parse_duration("P").has_value());
  CHECK_FALSE(parse_duration("45D").has_value());
  CHECK_FALSE(parse_duration("P1D1M").has_value());  // units out of order
  CHECK_FALSE(parse_duration("PT1H").has_value());   // no time part in deadlines
  CHECK_FALSE(parse_duration("P999999D").has_value());
}
