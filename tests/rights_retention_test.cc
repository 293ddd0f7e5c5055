// Rights and retention answers on the shipped policy (docs/design.md, "Rights and retention"),
// each pinned to the policy sentence or the statute it comes from: the EU's month plus two,
// Switzerland's 30 days, every US state's statutory figure, dates on both sides of a law or an
// amendment taking effect, and what happens to data on each event.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>

#include "analysis/retention.h"
#include "analysis/rights.h"
#include "policy_fixture.h"

using namespace flowgate;
using namespace flowgate::testing;

namespace {

const Policy& policy() {
  static const Checked checked = load_and_check(source_dir());
  REQUIRE(checked.errors == 0);
  return *checked.policy;
}

RightsAnswer ask(const char* region, const char* request, const char* on = "2026-11-29") {
  return answer_right(policy(), region, request, *parse_date(on));
}

std::string iso(const std::optional<Duration>& d) {
  return d ? format_duration(*d) : "null";
}

using Sections = std::vector<std::string>;

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A right the law grants, with its statutory response period.
void check_statutory(const char* region, const char* request, const char* deadline,
                     const char* extension, const char* source, const char* on = "2026-11-29") {
  auto a = ask(region, request, on);
  CHECK(a.available);
  CHECK(a.statutory);
  CHECK(iso(a.deadline) == deadline);
  CHECK(iso(a.extension) == extension);
  REQUIRE_FALSE(a.sources.empty());
  CHECK(mentions(a.sources.front(), source));
  CHECK(mentions(a.reason, region));
}

RetentionAnswer keep(const char* data, const char* event) {
  return answer_retention(policy(), data, event);
}

}  // namespace

TEST_SUITE("rights-retention") {
  // ---- the example of docs/design.md
  // ------------------------------------------------------------------------
  TEST_CASE("§11.2.1 \"except this right is unavailable in Iowa and Utah\": Iowa, correct") {
    auto a = ask("US-IA", "correct");
    CHECK(a.region == "US-IA");
    CHECK(a.request == "correct");
    CHECK_FALSE(a.available);
    CHECK_FALSE(a.deadline);
    CHECK_FALSE(a.extension);
    CHECK(a.citations == Sections{"§11.2.1"});  // §7.2's general "you may have" gives way
    CHECK_FALSE(a.policy_out_of_date);
    CHECK(mentions(a.reason, "Iowa Consumer Data Protection Act does not grant it"));
    CHECK(mentions(a.reason, "unavailable in Iowa and Utah"));
  }

  // ---- EU/EEA: GDPR Art. 12(3), one month plus two
  // ------------------------------------------------
  TEST_CASE("GDPR Art. 15, Art. 12(3); §11.1.4 \"In EU, normally within 1 month\": DE access") {
    check_statutory("DE", "access", "P1M", "P2M", "GDPR Art. 15");
    CHECK(ask("DE", "access").citations == Sections{"§11.1.4"});  // §11.1.4 promises it to the EEA
  }
  TEST_CASE(
      "GDPR Art. 17, Art. 12(3); §7.3 \"You have the right to delete your account\": FR delete") {
    check_statutory("FR", "delete", "P1M", "P2M", "GDPR Art. 17");
    auto a = ask("FR", "delete");
    CHECK(a.promised);
    CHECK(a.citations == Sections{"§7.3", "§11.1.4"});
  }
  TEST_CASE("GDPR Art. 16 in the EEA; §11.1.4's response promise is \"In EU\" only: NO correct") {
    check_statutory("NO", "correct", "P1M", "P2M", "GDPR Art. 16");
    CHECK(ask("NO", "correct").citations == Sections{"§7.2"});
  }
  TEST_CASE(
      "GDPR Art. 77; §11.1.4 \"To lodge a complaint with a supervisory authority\": DE complain") {
    auto a = ask("DE", "complain");
    CHECK(a.available);
    CHECK(a.statutory);
    CHECK(mentions(a.sources.front(), "GDPR Art. 77"));
    CHECK(a.citations == Sections{"§11.1.4"});  // the EEA promise, not §7.8's "you may have"
    // No deadline pinned: Art. 12(3)'s period covers requests under Art. 15-22, not complaints to
    // the authority, and the response facts do not yet say which requests they cover.
  }

  // ---- Switzerland: DPO Art. 18, 30 days, no statutory extension
  // ----------------------------------
  TEST_CASE("FADP Art. 25, DPO Art. 18(1) \"within 30 days\": CH access") {
    check_statutory("CH", "access", "P30D", "null", "FADP Art. 25");
    CHECK(ask("CH", "access").citations == Sections{"§11.1.4"});
  }
  TEST_CASE("FADP 1992 Art. 8, VDSG Art. 1(4): CH access under the former Act (2023-08-31)") {
    check_statutory("CH", "access", "P30D", "null", "FADP 1992 Art. 8", "2023-08-31");
  }

  // ---- each US state in force on 2026-11-29: access, with its statutory response period
  // -----------
  TEST_CASE("Cal. Civ. Code § 1798.130(a)(2): California, 45 days + 45") {
    check_statutory("US-CA", "access", "P45D", "P45D", "Cal. Civ. Code");
  }
  TEST_CASE("Va. Code § 59.1-577(B)(1): Virginia, 45 days + 45") {
    check_statutory("US-VA", "access", "P45D", "P45D", "Va. Code § 59.1-577(A)(1)");
  }
  TEST_CASE("C.R.S. § 6-1-1306(2): Colorado, 45 days + 45") {
    check_statutory("US-CO", "access", "P45D", "P45D", "C.R.S. § 6-1-1306(1)(b)");
  }
  TEST_CASE("Conn. Gen. Stat. § 42-518(b)(1): Connecticut, 45 days + 45") {
    check_statutory("US-CT", "access", "P45D", "P45D", "Conn. Gen. Stat. § 42-518(a)(1)");
  }
  TEST_CASE("Utah Code § 13-61-203: Utah, 45 days + 45") {
    check_statutory("US-UT", "access", "P45D", "P45D", "Utah Code § 13-61-201(1)");
  }
  TEST_CASE("Tex. Bus. & Com. Code § 541.052(b): Texas, 45 days + 45") {
    check_statutory("US-TX", "access", "P45D", "P45D", "§ 541.051(b)(1)");
  }
  TEST_CASE("ORS 646A.576: Oregon, 45 days + 45") {
    check_statutory("US-OR", "access", "P45D", "P45D", "ORS 646A.574");
  }
  TEST_CASE("Mont. Code Ann. § 30-14-2808: Montana, 45 days + 45") {
    check_statutory("US-MT", "access", "P45D", "P45D", "Mont. Code Ann. § 30-14-2808(1)(a)");
  }
  TEST_CASE("Iowa Code § 715D.3(2)(a) \"90 days; one 45-day extension\": Iowa access") {
    check_statutory("US-IA", "access", "P90D", "P45D", "Iowa Code § 715D.3(1)(a)");
    CHECK(ask("US-IA", "access").citations == Sections{"§7", "§7.1"});
  }
  TEST_CASE("Del. Code tit. 6, § 12D-104(c): Delaware, 45 days + 45") {
    check_statutory("US-DE", "access", "P45D", "P45D", "§ 12D-104(a)(1)");
  }
  TEST_CASE("Neb. Rev. Stat. § 87-1108(2): Nebraska, 45 days + 45") {
    check_statutory("US-NE", "access", "P45D", "P45D", "Neb. Rev. Stat. § 87-1107");
  }
  TEST_CASE("RSA 507-H:4: New Hampshire, 45 days + 45") {
    check_statutory("US-NH", "access", "P45D", "P45D", "RSA 507-H:4");
  }
  TEST_CASE("N.J.S.A. 56:8-166.10: New Jersey, 45 days + 45") {
    check_statutory("US-NJ", "access", "P45D", "P45D", "N.J.S.A. 56:8-166.10(a)(1)");
  }
  TEST_CASE("Tenn. Code § 47-18-3304(b)(1): Tennessee, 45 days + 45") {
    check_statutory("US-TN", "access", "P45D", "P45D", "Tenn. Code § 47-18-3304(a)(2)(A)");
  }
  TEST_CASE("Minn. Stat. § 325M.14: Minnesota, 45 days + 45") {
    check_statutory("US-MN", "access", "P45D", "P45D", "Minn. Stat. § 325M.14");
  }
  TEST_CASE("Md. Code, Com. Law § 14-4705: Maryland, 45 days + 45") {
    check_statutory("US-MD", "access", "P45D", "P45D", "§ 14-4705(b)(1)");
  }
  TEST_CASE("IC 24-15-3-1(c)(1): Indiana, 45 days + 45") {
    check_statutory("US-IN", "access", "P45D", "P45D", "IC 24-15-3-1(b)(1)");
  }
  TEST_CASE("KRS 367.3615: Kentucky, 45 days + 45") {
    check_statutory("US-KY", "access", "P45D", "P45D", "KRS 367.3615(2)(a)");
  }
  TEST_CASE("R.I. Gen. Laws § 6-48.1-6(b)(1): Rhode Island, 45 days + 45") {
    check_statutory("US-RI", "access", "P45D", "P45D", "R.I. Gen. Laws § 6-48.1-5");
  }

  // ---- before and after a law takes effect
  // ---------------------------------------------------------
  TEST_CASE("Oklahoma SB 546 (2026), in force 2027-01-01: access on 2026-11-29 and 2027-01-01") {
    auto before = ask("US-OK", "access");
    CHECK_FALSE(before.available);
    CHECK_FALSE(before.deadline);
    CHECK(mentions(before.reason, "only from 2027-01-01"));
    CHECK(before.citations == Sections{"§7", "§7.1"});  // "You may have the right to know"
    check_statutory("US-OK", "access", "P45D", "P45D", "SB 546", "2027-01-01");
  }
  TEST_CASE("Indiana IC 24-15, in force 2026-01-01: delete on 2025-12-31 is §7.3's promise only") {
    auto before = ask("US-IN", "delete", "2025-12-31");
    CHECK(before.available);  // §7.3 "You have the right to delete your account"
    CHECK_FALSE(before.statutory);
    CHECK(before.citations == Sections{"§7.3"});
    CHECK_FALSE(before.deadline);  // no law, and the policy fixes no figure (§7.9)
    check_statutory("US-IN", "delete", "P45D", "P45D", "IC 24-15-3-1(b)(3)", "2026-01-01");
  }
  TEST_CASE("Indiana IC 24-15-3-1(b)(2): correct on 2025-12-31 (no law) and 2026-01-01") {
    auto before = ask("US-IN", "correct", "2025-12-31");
    CHECK_FALSE(before.available);
    CHECK(before.citations == Sections{"§7.2"});  // not yet in US_PRIVACY_LAW: §11.2.1 silent
    auto after = ask("US-IN", "correct", "2026-01-01");
    CHECK(after.available);
    CHECK(after.citations == Sections{"§11.2.1"});
  }
  TEST_CASE(
      "Maryland § 14-4705, rights apply to processing from 2026-04-01 (law in force 2025-10-01)") {
    auto before = ask("US-MD", "correct", "2026-03-31");
    CHECK_FALSE(before.available);
    CHECK(mentions(before.reason, "only from 2026-04-01"));
    check_statutory("US-MD", "correct", "P45D", "P45D", "§ 14-4705(b)(3)", "2026-04-01");
  }
  TEST_CASE("Cal. Civ. Code § 1798.106 (CPRA, 2023-01-01): California correct before and after") {
    CHECK_FALSE(ask("US-CA", "correct", "2022-12-31").available);
    check_statutory("US-CA", "correct", "P45D", "P45D", "§ 1798.106", "2023-01-01");
  }

  // ---- after an amendment
  // -------------------------------------------------------------------------
  TEST_CASE("Utah HB 418 (2025), § 13-61-201(4) from 2026-07-01, vs §11.2.1's exclusion: before") {
    auto a = ask("US-UT", "correct", "2026-06-30");
    CHECK_FALSE(a.available);
    CHECK(a.citations == Sections{"§11.2.1"});
    CHECK(mentions(a.reason, "only from 2026-07-01"));
  }
  TEST_CASE(
      "Utah HB 418 (2025): from 2026-07-01 the statute grants correct; §11.2.1 is out of date") {
    auto a = ask("US-UT", "correct", "2026-07-01");
    CHECK(a.available);
    CHECK(a.statutory);
    CHECK(a.policy_out_of_date);
    CHECK(iso(a.deadline) == "P45D");
    CHECK(iso(a.extension) == "P45D");
    CHECK(a.citations == Sections{"§11.2.1"});
    CHECK(mentions(a.reason, "out of date"));
    CHECK(mentions(a.sources.front(), "HB 418"));
  }
  TEST_CASE("Conn. P.A. 25-113 removes 'solely' from the profiling opt-out (2026-07-01)") {
    auto before = ask("US-CT", "opt_out_profiling", "2026-06-30");
    auto after = ask("US-CT", "opt_out_profiling", "2026-07-01");
    CHECK(before.available);
    CHECK(after.available);
    CHECK(mentions(before.sources.front(), "as enacted"));
    CHECK(mentions(after.sources.front(), "P.A. 25-113"));
  }

  // ---- California
  // ----------------------------------------------------------------------------------
  TEST_CASE(
      "Cal. Civ. Code § 1798.120; §11.2.2 \"Do Not Sell or Share\": California opt_out_sale") {
    check_statutory("US-CA", "opt_out_sale", "P45D", "P45D", "§ 1798.120");
    CHECK(ask("US-CA", "opt_out_sale").citations == Sections{"§11.2.2"});
  }
  TEST_CASE("Cal. Civ. Code § 1798.121; §11.2.2 limit use of sensitive information") {
    check_statutory("US-CA", "limit_sensitive", "P45D", "P45D", "§ 1798.121");
  }
  TEST_CASE(
      "No statutory appeal in California; §11.2.2 \"You may appeal our refusal\" promises it") {
    auto a = ask("US-CA", "appeal");
    CHECK(a.available);
    CHECK_FALSE(a.statutory);
    CHECK(a.promised);
    CHECK(a.citations == Sections{"§11.2.2"});
  }

  // ---- regions with no privacy law: only the policy's promises
  // -------------------------------------
  TEST_CASE("§7.3 \"You have the right to delete your account\": Japan, no law") {
    auto a = ask("JP", "delete");
    CHECK(a.available);
    CHECK_FALSE(a.statutory);
    CHECK(a.citations == Sections{"§7.3"});
    CHECK_FALSE(a.deadline);
    CHECK_FALSE(a.extension);
    CHECK(a.sources.empty());
    CHECK(mentions(a.reason, "no privacy law recorded for JP"));
  }
  TEST_CASE(
      "§7.3 for Florida (FDBR not recorded: jurisdictions/us/README.md); §7.2 correct is not") {
    CHECK(ask("US-FL", "delete").available);
    auto correct = ask("US-FL", "correct");
    CHECK_FALSE(correct.available);
    CHECK(correct.citations == Sections{"§7.2"});
    CHECK(mentions(correct.reason, "leaves it to applicable law"));
  }
  TEST_CASE("§11.2.1 toggle \"You may opt out of targeted advertising\": promised in Japan too") {
    auto a = ask("JP", "opt_out_targeted_ads");
    CHECK(a.available);
    CHECK(a.citations == Sections{"§11.2.1"});
  }
  TEST_CASE("§7.8 \"you may have the right to submit your complaint\": Japan, left to the law") {
    auto a = ask("JP", "complain");
    CHECK_FALSE(a.available);
    CHECK(a.citations == Sections{"§7.8"});
  }
  TEST_CASE("§11.2.1 \"Right to appeal. You can appeal\": Iowa, also Iowa Code § 715D.3(3)") {
    auto a = ask("US-IA", "appeal");
    CHECK(a.available);
    CHECK(a.statutory);
    CHECK(a.promised);
    CHECK(mentions(a.sources.front(), "Iowa Code § 715D.3(3)"));
    CHECK(a.citations == Sections{"§11.2.1"});
    // No deadline pinned: appeals have their own period (60 days, in the file's notes only).
  }

  // ---- §11.2.1 "Right of Non-discrimination": the statutes that grant it
  // ---------------------------------
  TEST_CASE("Tex. Bus. & Com. Code § 541.101(b)(3); §11.2.1 \"Right of Non-discrimination\": TX") {
    auto a = ask("US-TX", "non_discrimination", "2026-12-04");
    CHECK(a.available);
    CHECK(a.statutory);
    CHECK_FALSE(a.promised);  // §11.2.1 is conditional: "you may have the following rights"
    CHECK_FALSE(a.policy_out_of_date);
    REQUIRE_FALSE(a.sources.empty());
    CHECK(mentions(a.sources.front(), "Tex. Bus. & Com. Code § 541.101(b)(3)"));
    CHECK(a.citations == Sections{"§11.2.1"});
    CHECK(a.entries == std::vector<std::string>{"us-non-discrimination"});
    CHECK(mentions(a.reason, "Texas Data Privacy and Security Act grants"));
    // No deadline pinned: the response fact is for requests, and this is not one.
  }
  TEST_CASE("Va. Code § 59.1-578(A)(4): Virginia non-discrimination") {
    auto a = ask("US-VA", "non_discrimination", "2026-12-04");
    CHECK(a.available);
    CHECK(a.statutory);
    REQUIRE_FALSE(a.sources.empty());
    CHECK(mentions(a.sources.front(), "Va. Code § 59.1-578(A)(4)"));
    CHECK(a.citations == Sections{"§11.2.1"});
  }
  TEST_CASE("Tex. Bus. & Com. Code § 541.101(b)(3), in force 2024-07-01: not yet on 2024-06-30") {
    auto before = ask("US-TX", "non_discrimination", "2024-06-30");
    CHECK_FALSE(before.available);
    CHECK_FALSE(before.statutory);
    CHECK(before.citations.empty());  // Texas is not yet in US_PRIVACY_LAW: §11.2.1 is silent
    CHECK(mentions(before.reason, "only from 2024-07-01"));
    CHECK(ask("US-TX", "non_discrimination", "2024-07-01").statutory);
  }
  TEST_CASE("Colorado and New Jersey: the narrower \"based solely on the exercise of a right\"") {
    auto co = ask("US-CO", "non_discrimination", "2026-12-04");
    CHECK(co.statutory);
    CHECK(mentions(co.sources.front(), "C.R.S. § 6-1-1308(1)(c)(II)"));
    auto nj = ask("US-NJ", "non_discrimination", "2026-12-04");
    CHECK(nj.statutory);
    CHECK(mentions(nj.sources.front(), "N.J.S.A. 56:8-166.6(c)(2)"));
  }
  TEST_CASE("Cal. Civ. Code § 1798.125(a)(1); §11.2.2 \"We will not discriminate against you\"") {
    auto a = ask("US-CA", "non_discrimination", "2026-12-04");
    CHECK(a.available);
    CHECK(a.statutory);
    CHECK(a.promised);
    CHECK(mentions(a.sources.front(), "§ 1798.125(a)(1)"));
    CHECK(a.citations == Sections{"§11.2.2"});
    CHECK(mentions(a.reason, "the policy promises it too"));
  }
  TEST_CASE("Every state in US_PRIVACY_LAW on 2026-12-04 grants non-discrimination by statute") {
    for (const char* region :
         {"US-CA", "US-VA", "US-CO", "US-CT", "US-UT", "US-TX", "US-OR", "US-MT", "US-IA", "US-DE",
          "US-NE", "US-NH", "US-NJ", "US-TN", "US-MN", "US-MD", "US-IN", "US-KY", "US-RI"}) {
      CAPTURE(region);
      auto a = ask(region, "non_discrimination", "2026-12-04");
      CHECK(a.available);
      CHECK(a.statutory);
    }
  }
  TEST_CASE("N.J.S.A. 56:8-166.7(a): New Jersey's 45 + 45 days are not in § 56:8-166.10") {
    auto a = ask("US-NJ", "access", "2026-12-04");
    REQUIRE(a.sources.size() >= 2);
    CHECK(mentions(a.sources[0], "N.J.S.A. 56:8-166.10(a)(1)"));
    CHECK(mentions(a.sources[1], "N.J.S.A. 56:8-166.7(a)"));
  }
  TEST_CASE("R.I. Gen. Laws § 6-48.1-5(e)(2): correction and deletion in one paragraph") {
    CHECK(mentions(ask("US-RI", "correct", "2026-12-04").sources.front(), "§ 6-48.1-5(e)(2)"));
    CHECK(mentions(ask("US-RI", "delete", "2026-12-04").sources.front(), "§ 6-48.1-5(e)(2)"));
    CHECK(mentions(ask("US-RI", "non_discrimination", "2026-12-04").sources.front(),
                   "§ 6-48.1-5(b)"));
  }
  TEST_CASE("KRS 367.3615(4): Kentucky's appeal, decision within 60 days") {
    auto a = ask("US-KY", "appeal", "2026-12-04");
    CHECK(a.statutory);
    CHECK(mentions(a.sources.front(), "KRS 367.3615(4)"));
  }
  TEST_CASE("Iowa Code § 715D.4(3) grants non-discrimination; Iowa still has no correction right") {
    CHECK(ask("US-IA", "non_discrimination", "2026-12-04").statutory);
    CHECK_FALSE(ask("US-IA", "correct", "2026-12-04").available);
  }

  // ---- bad input
  // -----------------------------------------------------------------------------------
  TEST_CASE("unknown regions and requests are errors, not answers") {
    CHECK_THROWS_AS(ask("XX", "access"), std::invalid_argument);
    CHECK_THROWS_AS(ask("EU_EEA", "access"), std::invalid_argument);
    CHECK_THROWS_AS(ask("de", "access"), std::invalid_argument);
    CHECK_THROWS_AS(ask("DE", "be_forgotten"), std::invalid_argument);
    CHECK(answer_rights(policy(), "DE", *parse_date("2026-11-29")).size() ==
          policy().vocabulary(VocabularyKind::kRight).size());
  }

  // ---- retention
  // -----------------------------------------------------------------------------------
  TEST_CASE(
      "§6 \"delete or anonymize\" and §7.3 \"all your personal information will be deleted\"") {
    auto a = keep("media.photo", "account_deleted");
    REQUIRE(a.entries.size() == 2);
    CHECK(a.entries[0].id == "delete-on-account-deletion");
    CHECK(a.entries[0].outcome == "delete_or_anonymize");
    CHECK(a.entries[1].id == "erase-all-on-account-deletion");
    CHECK(a.outcome == std::optional<std::string>("delete"));  // satisfies both
    // Only those both allow: §6's "other legitimate purposes" (retention_extended) is not in §7.3.
    CHECK(a.exceptions ==
          Sections{"legal_hold", "legal_grounds_to_retain", "legal_claim_retention_request"});
    CHECK(a.citations == Sections{"§6", "§7.3"});
    CHECK(mentions(a.reason, "§7.3 says delete"));
  }
  TEST_CASE("§6 \"If you deactivate your account ... we will delete or anonymize\": deactivation") {
    auto a = keep("media.photo", "account_deactivated");
    REQUIRE(a.entries.size() == 1);  // §7.3's "will be deleted" is "Upon deleting your account"
    CHECK(a.entries[0].id == "delete-or-anonymize-on-deactivation");
    CHECK(a.outcome == std::optional<std::string>("delete_or_anonymize"));
    CHECK(a.exceptions == Sections{"legal_hold", "retention_extended", "legal_grounds_to_retain",
                                   "legal_claim_retention_request"});
    CHECK(a.citations == Sections{"§6"});
    CHECK(mentions(a.entries[0].quote, "If you deactivate your account"));
  }
  TEST_CASE("§6 deactivation keeps \"anonymize\" for every §1 category; deletion does not") {
    for (const auto& term : policy().vocabulary(VocabularyKind::kData).terms()) {
      CAPTURE(term.id);
      CHECK(keep(term.id.c_str(), "account_deactivated").outcome ==
            std::optional<std::string>("delete_or_anonymize"));
      CHECK(keep(term.id.c_str(), "account_deleted").outcome ==
            std::optional<std::string>("delete"));
    }
  }
  TEST_CASE("§6 \"or the retention period is expired, we will delete or anonymize\"") {
    auto a = keep("technical.device.info", "retention_expired");
    REQUIRE(a.entries.size() == 1);
    CHECK(a.outcome == std::optional<std::string>("delete_or_anonymize"));
    CHECK(a.exceptions == Sections{"legal_hold", "retention_extended", "legal_grounds_to_retain",
                                   "legal_claim_retention_request"});
    CHECK(a.citations == Sections{"§6"});
    CHECK(mentions(a.entries[0].quote, "retention period is expired"));
  }
  TEST_CASE("§6 \"delete personal information\": a group (media) is covered by data: any") {
    auto a = keep("media", "personal_information_deleted");
    REQUIRE(a.entries.size() == 1);
    CHECK(a.entries[0].id == "delete-on-personal-information-deletion");
  }
  TEST_CASE("§7.3 \"you may also request deletion of the personal information you provide\"") {
    auto a = keep("correspondence.support", "deletion_requested");
    REQUIRE(a.entries.size() == 2);
    CHECK(a.entries[0].id == "erase-on-deletion-request");
    CHECK(a.entries[1].id == "delete-provided-information-on-request");
    CHECK(a.outcome == std::optional<std::string>("delete"));
    CHECK(a.citations == Sections{"§1.1", "§7.3"});
  }
  TEST_CASE("§7.3 \"erase your personal information\": a deletion request covers technical data") {
    auto a = keep("technical.ads.identifier", "deletion_requested");
    REQUIRE(a.entries.size() == 1);
    CHECK(a.entries[0].id == "erase-on-deletion-request");
    CHECK(a.outcome == std::optional<std::string>("delete"));
    CHECK(a.exceptions ==
          Sections{"legal_hold", "legal_grounds_to_retain", "legal_claim_retention_request"});
    CHECK(a.citations == Sections{"§7.3"});
    CHECK(mentions(a.entries[0].quote, "erase your personal information"));
  }
  TEST_CASE("§7.3: every §1 data category (payment, technical, cookies too) has an answer") {
    for (const auto& term : policy().vocabulary(VocabularyKind::kData).terms()) {
      CAPTURE(term.id);
      auto a = keep(term.id.c_str(), "deletion_requested");
      CHECK_FALSE(a.entries.empty());
      CHECK(a.outcome == std::optional<std::string>("delete"));
    }
    CHECK(keep("payment.result", "deletion_requested").outcome ==
          std::optional<std::string>("delete"));
    CHECK(keep("cookies.identifier", "deletion_requested").outcome ==
          std::optional<std::string>("delete"));
  }
  TEST_CASE("§6 \"Compliance with legal requirements regarding data retention\": a legal hold") {
    auto a = keep("payment.result", "legal_hold");
    CHECK(a.entries.empty());
    CHECK(a.suspends.size() == 6);  // §6 four times (one per event), §7.3 twice
    CHECK(a.outcome == std::optional<std::string>("retain"));
    CHECK(a.citations == Sections{"§6", "§7.3"});
    CHECK(keep("correspondence.support", "legal_hold").suspends.size() == 7);  // + §1.1/§7.3
  }
  TEST_CASE("§7.3 \"valid grounds for us to do so under applicable laws\": permitted by law") {
    auto a = keep("payment.result", "legal_grounds_to_retain");
    CHECK(a.entries.empty());
    // §7.3 by its own words, §6 as one of its "other legitimate purposes"
    CHECK(a.suspends.size() == 6);
    CHECK(a.outcome == std::optional<std::string>("retain"));
    CHECK(a.citations == Sections{"§6", "§7.3"});
  }
  TEST_CASE(
      "§6 \"Extension of the period for ... other legitimate purposes\" suspends §6, not §7.3") {
    auto a = keep("technical.network.ip_address", "retention_extended");
    REQUIRE(a.suspends.size() == 4);
    for (const auto& m : a.suspends) CHECK(m.citations == Sections{"§6"});
  }
  TEST_CASE("§7.6 \"you request us to retain your personal information\": legal claims") {
    auto a = keep("payment.result", "legal_claim_retention_request");
    REQUIRE(a.entries.size() == 1);
    CHECK(a.entries[0].id == "retain-for-legal-claims-on-request");
    CHECK(a.outcome == std::optional<std::string>("retain"));
    CHECK(a.suspends.size() == 6);  // every deletion of §6 and §7.3 that covers payment data
    CHECK(a.citations == Sections{"§6", "§7.3", "§7.6"});
  }
  TEST_CASE("§7.6 \"that we were supposed to delete\": the request suspends every deletion entry") {
    for (const auto& entry : policy().retention) {
      if (entry.outcome == RetentionOutcome::kRetain) continue;
      CAPTURE(entry.id);
      CHECK(std::any_of(entry.except_when.begin(), entry.except_when.end(),
                        [](const IdRef& e) { return e.id == "legal_claim_retention_request"; }));
    }
    auto a = keep("correspondence.support", "legal_claim_retention_request");
    CHECK(a.suspends.size() == 7);
  }
  TEST_CASE("unknown data categories and events are errors") {
    CHECK_THROWS_AS(keep("photos", "account_deleted"), std::invalid_argument);
    CHECK_THROWS_AS(keep("media.photo", "account_closed"), std::invalid_argument);
  }
}
