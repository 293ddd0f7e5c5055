// The shipped policy: `flowgate check` is clean on it, and the jurisdiction facts the rules depend
// on are pinned to their sources, so an edit that changes one is a visible, reviewed change.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "policy_fixture.h"

using namespace flowgate;
using namespace flowgate::testing;

namespace {

const Checked& shipped() {
  static const Checked checked = load_and_check(source_dir());
  return checked;
}

Date day(const char* text) {
  return *parse_date(text);
}

const Jurisdiction& jurisdiction(const std::string& id) {
  for (const auto& j : shipped().policy->jurisdictions) {
    if (j.id == id) return j;
  }
  FAIL("no jurisdiction ", id);
  throw;
}

template <typename Fact>
const Fact* in_force(const std::vector<Fact>& facts, Date on) {
  for (const auto& f : facts) {
    if (f.effective <= on && (!f.until || on <= *f.until)) return &f;
  }
  return nullptr;
}

bool grants(const std::string& id, const std::string& right, const char* on) {
  for (const auto& f : jurisdiction(id).rights) {
    if (f.right.id == right && f.effective <= day(on) && (!f.until || day(on) <= *f.until))
      return true;
  }
  return false;
}

bool member(const char* group, const char* region, const char* on) {
  return shipped().policy->regions.contains(group, region, day(on));
}

}  // namespace

TEST_SUITE("shipped-policy") {
  TEST_CASE("flowgate check is clean on the shipped files") {
    std::string listing;
    for (const auto& d : shipped().diagnostics) {
      listing += fmt::format("{}:{}:{} {} {}\n", d.location.file, d.location.line,
                             d.location.column, d.code, d.message);
    }
    INFO(listing);
    CHECK(shipped().diagnostics.empty());
    CHECK(shipped().policy->rules.size() > 30);
    CHECK(shipped().policy->inventory.size() >= 24);
  }

  TEST_CASE("EU/EEA and Switzerland: membership with dates (TEU Art. 49-50, EEA Agreement)") {
    CHECK(member("EU_EEA", "DE", "2026-11-29"));
    CHECK(member("EU_EEA", "NO", "2026-11-29"));
    CHECK(member("EU_EEA", "LI", "2026-11-29"));
    CHECK_FALSE(member("EU_EEA", "CH", "2026-11-29"));
    CHECK(member("EEA_CH", "CH", "2026-11-29"));
    CHECK(member("EU", "HR", "2013-07-01"));
    CHECK_FALSE(member("EU", "HR", "2013-06-30"));
    CHECK(member("EU", "GB", "2019-06-01"));  // before the Withdrawal Agreement took effect
    CHECK_FALSE(member("EU", "GB", "2020-02-01"));
  }

  TEST_CASE("EU adequacy decisions (GDPR Art. 45): Japan from Decision (EU) 2019/419") {
    CHECK(member("EU_ADEQUATE", "JP", "2026-11-29"));
    CHECK_FALSE(member("EU_ADEQUATE", "JP", "2019-01-22"));
    CHECK(member("EU_ADEQUATE", "CH", "2026-11-29"));
    CHECK(member("EU_ADEQUATE", "US", "2026-11-29"));  // EU-US Data Privacy Framework
    CHECK_FALSE(
        member("EU_ADEQUATE", "US", "2021-01-01"));  // Privacy Shield struck down (Schrems II)
    CHECK_FALSE(member("EU_ADEQUATE", "CN", "2026-11-29"));
  }

  TEST_CASE("GDPR Art. 12(3): one month, extendable by two more") {
    const auto* response = in_force(jurisdiction("EU_EEA").response, day("2026-11-29"));
    REQUIRE(response);
    CHECK(format_duration(response->deadline) == "P1M");
    REQUIRE(response->extension);
    CHECK(format_duration(*response->extension) == "P2M");
    CHECK(response->source.find("12(3)") != std::string::npos);
  }

  TEST_CASE("Virginia CDPA § 59.1-577: 45 days plus 45, no universal opt-out duty") {
    const auto* response = in_force(jurisdiction("US-VA").response, day("2026-11-29"));
    REQUIRE(response);
    CHECK(format_duration(response->deadline) == "P45D");
    CHECK(format_duration(*response->extension) == "P45D");
    CHECK(response->source.find("59.1-577") != std::string::npos);
    CHECK_FALSE(member("US_UNIVERSAL_OPT_OUT", "US-VA", "2026-11-29"));
    CHECK(member("US_PRIVACY_LAW", "US-VA", "2023-01-01"));
    CHECK_FALSE(member("US_PRIVACY_LAW", "US-VA", "2022-12-31"));
  }

  TEST_CASE("universal opt-out signals: Colorado from 2024-07-01 (C.R.S. § 6-1-1306), California") {
    CHECK(member("US_UNIVERSAL_OPT_OUT", "US-CO", "2024-07-01"));
    CHECK_FALSE(member("US_UNIVERSAL_OPT_OUT", "US-CO", "2024-06-30"));
    CHECK(member("US_UNIVERSAL_OPT_OUT", "US-CT", "2025-01-01"));
    CHECK(member("US_UNIVERSAL_OPT_OUT", "US-TX", "2025-01-01"));
    CHECK(member("US_UNIVERSAL_OPT_OUT", "US-CA", "2026-11-29"));
    const auto* co = in_force(jurisdiction("US-CO").universal_opt_out, day("2024-07-01"));
    REQUIRE(co);
    CHECK(co->source.find("6-1-1306") != std::string::npos);
  }

  TEST_CASE("Iowa grants no right to correct; Utah's arrives with HB 418 (2025)") {
    CHECK_FALSE(grants("US-IA", "correct", "2026-11-29"));
    CHECK(grants("US-IA", "access", "2026-11-29"));
    const auto* iowa = in_force(jurisdiction("US-IA").response, day("2026-11-29"));
    REQUIRE(iowa);
    CHECK(format_duration(iowa->deadline) == "P90D");
    CHECK_FALSE(grants("US-UT", "correct", "2026-06-30"));
    CHECK(grants("US-UT", "correct", "2026-07-01"));
  }

  TEST_CASE("laws enacted but not yet in force are known, and not yet members") {
    CHECK_FALSE(member("US_PRIVACY_LAW", "US-OK", "2026-11-29"));
    CHECK(member("US_PRIVACY_LAW", "US-OK", "2027-01-01"));
    CHECK_FALSE(member("US_PRIVACY_LAW", "US-FL", "2026-11-29"));
  }

  TEST_CASE("GDPR Art. 8 ages of digital consent, from each member state's law") {
    auto age = [](const char* region) {
      const DigitalConsentAge* found = nullptr;
      for (const auto& a : shipped().policy->digital_consent_ages) {
        if (a.region.id == region && a.effective <= day("2026-11-29") &&
            (!found || found->effective < a.effective)) {
          found = &a;
        }
      }
      REQUIRE(found);
      return found->age;
    };
    CHECK(age("DE") == 16);
    CHECK(age("FR") == 15);
    CHECK(age("IT") == 14);
    CHECK(age("BE") == 13);
    CHECK(age("NL") == 16);
  }
}
