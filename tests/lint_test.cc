// flowgate lint on the shipped policy and on scratch edits of it: contradictions with both
// citations, the out-of-date Utah exclusion, gaps, dead rules, the baseline, and the renderings.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/lint_findings.h"
#include "policy_fixture.h"

namespace flowgate {
namespace {

using testing::load_and_check;
using testing::ScratchPolicy;

const Date kAsOf = *parse_date("2026-11-29");

std::vector<Finding> lint_dir(const std::string& dir, Date as_of = kAsOf) {
  auto checked = load_and_check(dir);
  REQUIRE(checked.errors == 0);
  return lint_policy(*checked.policy, LintOptions{as_of});
}

const Finding* find(const std::vector<Finding>& findings, const std::string& fingerprint) {
  for (const auto& f : findings) {
    if (f.fingerprint == fingerprint) return &f;
  }
  return nullptr;
}

// A rule as a scratch edit would add it: media to cloud storage, quoting §3.
const char* kMediaToCloud = R"(rules:
  - id: scratch-media-to-cloud
    effect: allow
    match:
      data: media
      purpose: core_functionality
      action: transmit
      recipient: service_provider.cloud_storage
    citations: ["§3"]
    quote: "We may engage with service providers to provide you with different services on behalf of us; e.g. payment company, cloud storage services and other services."
)";

TEST_SUITE("lint") {
  TEST_CASE("the §1.1 media deny against the §11.2.2 cloud-storage row, with both citations") {
    auto findings = lint_dir(testing::source_dir());
    const Finding* f = find(findings,
                            "contradiction:ca-table-all-categories-to-cloud-and-affiliates:"
                            "media-stays-on-device");
    REQUIRE(f != nullptr);
    CHECK(f->severity == Severity::kWarning);
    CHECK(f->citations == std::vector<std::string>{"§11.2.2"});
    CHECK(f->quote.find("All categories detailed in Section 1") != std::string::npos);
    REQUIRE(f->related.size() == 1);
    CHECK(f->related[0].id == "media-stays-on-device");
    CHECK(f->related[0].citations == std::vector<std::string>{"§1.1"});
    CHECK(f->related[0].quote.find("will only be cached in your device") != std::string::npos);
    CHECK(f->taxonomy == "N2");  // fewer recipients, more data than the deny
    REQUIRE(f->flows.size() == 1);
    CHECK(f->flows[0].rfind("media.* → {affiliate, service_provider.cloud_storage}", 0) == 0);
    CHECK(f->message.find("deny wins") != std::string::npos);
    CHECK(f->location.file == "rules/california.yaml");
    // §3's affiliates and authorities are overridden for media too.
    CHECK(find(findings, "contradiction:share-with-affiliates:media-stays-on-device"));
    CHECK(find(findings, "contradiction:share-with-authorities:media-stays-on-device"));
    // California's no-sale statement against §3's sharing with advertisers.
    CHECK(find(findings, "contradiction:share-ads-id-with-advertisers:ca-no-sale-or-sharing"));
  }

  TEST_CASE("Utah's right to correct: excluded by §11.2.1, granted by law from 2026-07-01") {
    auto findings = lint_dir(testing::source_dir());
    const Finding* f = find(findings, "law-contradicts-policy:us-correct-not-iowa-utah:US-UT");
    REQUIRE(f != nullptr);
    CHECK(f->severity == Severity::kWarning);
    CHECK(f->citations == std::vector<std::string>{"§11.2.1"});
    REQUIRE(!f->related.empty());
    CHECK(f->related[0].location.file == "jurisdictions/us/utah.yaml");
    CHECK(find(findings, "law-contradicts-policy:us-correct-not-iowa-utah:US-IA") == nullptr);
    // Before the amendment took effect, it is announced as a note.
    auto before = lint_dir(testing::source_dir(), *parse_date("2026-01-30"));
    const Finding* early = find(before, "law-contradicts-policy:us-correct-not-iowa-utah:US-UT");
    REQUIRE(early != nullptr);
    CHECK(early->severity == Severity::kNote);
    CHECK(early->message.find("from 2026-07-01") != std::string::npos);
  }

  TEST_CASE("gaps: denied inventory flows, missing legal bases, §3 against the §11.2.2 table") {
    auto findings = lint_dir(testing::source_dir());
    auto count = [&](const std::string& code) {
      return std::count_if(findings.begin(), findings.end(),
                           [&](const Finding& f) { return f.code == code; });
    };
    CHECK(count("inventory-flow-denied") > 0);
    CHECK(count("missing-legal-basis") > 0);
    const Finding* authority = find(findings, "disclosure-mismatch:§3:§11.2.2:authority");
    REQUIRE(authority != nullptr);
    CHECK(authority->kind == FindingKind::kGap);
    // Targeted advertising to Google is denied for Californians.
    bool ca = false;
    for (const auto& f : findings) {
      if (f.code == "inventory-flow-denied" &&
          f.message.find("ca-no-sale-or-sharing") != std::string::npos) {
        ca = true;
      }
    }
    CHECK(ca);
  }

  TEST_CASE("a scratch rule sending media to cloud storage contradicts §1.1 and is shadowed") {
    ScratchPolicy scratch;
    scratch.write("rules/zz-scratch.yaml", kMediaToCloud);
    auto findings = lint_dir(scratch.dir().string());
    const Finding* f = find(findings, "contradiction:scratch-media-to-cloud:media-stays-on-device");
    REQUIRE(f != nullptr);
    CHECK(f->taxonomy == "C3");  // same data, the deny covers more recipients
    CHECK(f->citations == std::vector<std::string>{"§3"});
    CHECK(f->related.at(0).citations == std::vector<std::string>{"§1.1"});
    CHECK(f->flows.at(0).rfind("media.* → service_provider.cloud_storage for core_functionality, "
                               "transmit, subjects in any region",
                               0) == 0);
    CHECK(find(findings, "shadowed-rule:scratch-media-to-cloud"));
  }

  // Lint's analysis builds diagrams as compile does, under the same kind of budget: past it, one
  // analysis-budget error naming the rules, and only the per-rule checks run.
  TEST_CASE("past the analysis budget: analysis-budget, and no cross-rule findings") {
    auto checked = load_and_check(testing::source_dir());
    REQUIRE(checked.errors == 0);
    LintOptions options{kAsOf};
    options.budget.max_nodes = 1000;
    auto findings = lint_policy(*checked.policy, options);
    const Finding* f = find(findings, "analysis-budget");
    REQUIRE(f != nullptr);
    CHECK(f->severity == Severity::kError);
    CHECK(f->location.line > 0);
    CHECK(f->message.find("the policy is too costly to analyse") != std::string::npos);
    CHECK(f->message.find("1000 diagram nodes (the analysis budget)") != std::string::npos);
    CHECK(f->message.find("were not analysed") != std::string::npos);
    for (const auto& other : findings) {
      CHECK(other.kind != FindingKind::kContradiction);
      CHECK(other.kind != FindingKind::kDeadRule);
    }
    // The baseline: the budget finding cannot be accepted, an entry for a finding that was not
    // looked for is not stale, and an update keeps every entry.
    Baseline baseline;
    baseline.exists = true;
    baseline.entries = {{"analysis-budget", "accepted", "", 1},
                        {"contradiction:a:b", "reviewed", "", 2}};
    CHECK(apply_baseline(baseline, findings).empty());
    CHECK_FALSE(find(findings, "analysis-budget")->baselined);
    CHECK(updated_baseline(baseline, findings, Severity::kWarning).entries.size() == 2);
    CHECK(find(lint_dir(testing::source_dir()), "analysis-budget") == nullptr);
  }

  TEST_CASE("an item leaving the device without a retention period: GDPR Art. 30(1)(f)") {
    ScratchPolicy scratch;
    auto findings = lint_dir(scratch.dir().string());
    const Finding* f = find(findings, "missing-retention-period:support-messages");
    REQUIRE(f != nullptr);
    CHECK(f->kind == FindingKind::kGap);
    CHECK(f->severity == Severity::kWarning);
    CHECK(f->location.file == "data_inventory.yaml");
    CHECK(f->location.line > 0);
    CHECK(f->citations == std::vector<std::string>{"§1.1"});
    REQUIRE(f->related.size() == 1);
    CHECK(f->related[0].role == "law");
    CHECK(f->related[0].citations == std::vector<std::string>{"GDPR Art. 30(1)(f)"});
    CHECK(f->related[0].quote.find("envisaged time limits for erasure") != std::string::npos);
    CHECK(f->help.find("period:") != std::string::npos);
    CHECK_FALSE(find(findings, "missing-retention-period:photos"));  // stays on the device
    REQUIRE(find(findings, "missing-retention-period:store-user-id"));

    // The item's own period, or a retention entry's period covering its data, answers it.
    std::ifstream in(scratch.dir() / "data_inventory.yaml");
    std::string inventory((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string item = "  - id: support-messages\n";
    size_t at = inventory.find(item);
    REQUIRE(at != std::string::npos);
    inventory.insert(at + item.size(),
                     "    period: {duration: P2Y, from: account_deleted, source: \"test\"}\n");
    scratch.write("data_inventory.yaml", inventory);
    scratch.write("rules/zz-period.yaml", R"(retention:
  - id: zz-delete-payment-data
    data: [payment]
    event: account_deleted
    outcome: delete
    period: {duration: P6M}
    citations: ["§7.3"]
    quote: "Upon deleting your account, all your personal information will be deleted."
)");
    findings = lint_dir(scratch.dir().string());
    CHECK_FALSE(find(findings, "missing-retention-period:support-messages"));
    CHECK_FALSE(find(findings, "missing-retention-period:store-user-id"));
    CHECK(find(findings, "missing-retention-period:device-identifiers"));
  }

  TEST_CASE("the text names what nothing defines: a recipient §3 lists and no term describes") {
    ScratchPolicy scratch;
    CHECK_FALSE(find(lint_dir(scratch.dir().string()),
                     "undefined-text-term:recipient:Data brokers"));  // nothing undefined today
    std::ifstream in(scratch.dir() / "rules" / "kapi-action-privacy-policy.txt");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string anchor = "\n4. HOW WE TRANSFER";
    size_t at = text.rfind(anchor);  // the heading, not the table of contents
    REQUIRE(at != std::string::npos);
    text.insert(at, "\n\xC2\xB7 Data brokers. We may sell information to data brokers.");
    uint32_t line = 1 + std::count(text.begin(), text.begin() + at + 1, '\n');
    scratch.write("rules/kapi-action-privacy-policy.txt", text);
    auto findings = lint_dir(scratch.dir().string());
    const Finding* f = find(findings, "undefined-text-term:recipient:Data brokers");
    REQUIRE(f);
    CHECK(f->location.file == "rules/kapi-action-privacy-policy.txt");
    CHECK(f->location.line == line);
    CHECK(f->location.column == 4);  // after the two-byte middle dot and its space
    CHECK(f->citations == std::vector<std::string>{"§3"});
    // Bullets §3 lists that terms do describe are not findings.
    CHECK_FALSE(find(findings, "undefined-text-term:recipient:Change of corporate ownership"));
  }

  TEST_CASE("baseline: update keeps reasons, marks new entries TODO, matches by fingerprint") {
    ScratchPolicy scratch;
    auto findings = lint_dir(scratch.dir().string());
    std::string path = (scratch.dir() / kBaselineFile).string();
    // The shipped baseline is not copied by ScratchPolicy: every warning is new.
    DiagnosticSink sink;
    Baseline none = read_baseline(path, kBaselineFile, sink);
    CHECK_FALSE(none.exists);
    Baseline first = updated_baseline(none, findings, Severity::kWarning);
    REQUIRE(!first.entries.empty());
    CHECK(std::all_of(first.entries.begin(), first.entries.end(),
                      [](const BaselineEntry& e) { return e.reason == kBaselineTodo; }));
    first.entries[0].reason = "reviewed: the deny is meant to win";
    std::string error;
    REQUIRE(write_baseline(first, path, error));
    Baseline read = read_baseline(path, kBaselineFile, sink);
    CHECK_FALSE(sink.has_errors());
    REQUIRE(read.entries.size() == first.entries.size());
    CHECK(read.entries[0].reason == "reviewed: the deny is meant to win");
    // A new rule brings new findings; the update keeps the reviewed reason.
    scratch.write("rules/zz-scratch.yaml", kMediaToCloud);
    auto more = lint_dir(scratch.dir().string());
    auto stale = apply_baseline(read, more);
    CHECK(stale.empty());
    const Finding* fresh = find(more, "contradiction:scratch-media-to-cloud:media-stays-on-device");
    REQUIRE(fresh != nullptr);
    CHECK_FALSE(fresh->baselined);
    Baseline second = updated_baseline(read, more, Severity::kWarning);
    CHECK(second.entries.size() > read.entries.size());
    bool kept = false;
    for (const auto& e : second.entries) {
      if (e.fingerprint == read.entries[0].fingerprint) kept = e.reason == read.entries[0].reason;
    }
    CHECK(kept);
  }

  TEST_CASE("baseline: an entry without a reason is an error with its line") {
    ScratchPolicy scratch;
    scratch.write(kBaselineFile,
                  "baseline:\n  - fingerprint: \"dead-rule:x\"\n    reason: \"ok\"\n"
                  "  - fingerprint: \"dead-rule:y\"\n");
    DiagnosticSink sink;
    read_baseline((scratch.dir() / kBaselineFile).string(), kBaselineFile, sink);
    REQUIRE(sink.error_count() == 1);
    CHECK(sink.diagnostics()[0].code == "baseline-reason");
    CHECK(sink.diagnostics()[0].location.line == 4);
  }

  TEST_CASE("the shipped baseline covers every warning, each with a reviewed reason") {
    std::string root = testing::source_dir();
    DiagnosticSink sink;
    Baseline baseline =
        read_baseline((std::filesystem::path(root) / kBaselineFile).string(), kBaselineFile, sink);
    REQUIRE_FALSE(sink.has_errors());
    REQUIRE(baseline.exists);
    for (const auto& e : baseline.entries) CHECK_MESSAGE(e.reason != kBaselineTodo, e.fingerprint);
    auto findings = lint_dir(root);
    auto stale = apply_baseline(baseline, findings);
    CHECK(stale.empty());
    for (const auto& f : findings) {
      if (at_or_above(f.severity, Severity::kWarning)) CHECK_MESSAGE(f.baselined, f.fingerprint);
    }
  }

  TEST_CASE("renderings: json parses with every finding; junit counts; sarif has its shape") {
    auto findings = lint_dir(testing::source_dir());
    LintSummary summary;
    summary.total = findings.size();
    auto json = nlohmann::json::parse(render_lint_json(findings, summary));
    CHECK(json["findings"].size() == findings.size());
    CHECK(json["summary"]["total"] == findings.size());
    auto sarif = nlohmann::json::parse(render_lint_sarif(findings, "0.0.0", "/policy"));
    CHECK(sarif["version"] == "2.1.0");
    const auto& results = sarif["runs"][0]["results"];
    CHECK(results.size() == findings.size());
    for (const auto& r : results) {
      CHECK(
          r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].get<std::string>().rfind(
              "/", 0) != 0);  // relative to the policy root
    }
    std::string junit = render_lint_junit(findings, Severity::kWarning);
    CHECK(junit.rfind("<?xml", 0) == 0);
    CHECK(junit.find("<failure") != std::string::npos);  // nothing baselined here
  }

  TEST_CASE("the short report merges findings of one cause and counts the reviewed ones") {
    auto finding = [](std::string code, std::string subject, std::vector<std::string> related) {
      Finding f;
      f.code = std::move(code);
      f.subject = subject;
      f.location = {"rules/" + subject + ".yaml", 3, 5};
      f.message = "about " + subject;
      f.help = "fix " + f.code;
      for (auto& id : related)
        f.related.push_back({id, {"rules/" + id + ".yaml", 1, 1}, {}, "", ""});
      f.fingerprint = f.code + ":" + subject;
      return f;
    };
    std::vector<Finding> findings;
    // One rights entry excluding a right that the law of 50 regions grants: one cause.
    for (int i = 0; i < 50; ++i) {
      findings.push_back(
          finding("law-contradicts-policy", "excludes-correct", {fmt::format("R{:02}", i)}));
    }
    // Three rules one requirement denies: one cause; a fourth with another requirement: another.
    for (std::string rule : {"a", "b", "c"}) {
      findings.push_back(finding("missing-legal-basis", rule, {"eu-requires-basis"}));
    }
    findings.push_back(finding("missing-legal-basis", "d", {"br-requires-basis"}));
    // A reviewed finding and a note: counted, not listed.
    findings.push_back(finding("dead-rule", "old", {}));
    findings.back().baselined = true;
    findings.back().baseline_reason = "kept on purpose";
    findings.push_back(finding("unused-term", "t", {}));
    findings.back().severity = Severity::kNote;

    LintDigest digest = digest_lint(findings, Severity::kWarning);
    REQUIRE(digest.fresh.size() == 3);
    CHECK(digest.fresh_findings == 54);
    const FindingGroup& rights = digest.fresh[0];
    CHECK(rights.members.size() == 50);
    CHECK(rights.subjects == std::vector<std::string>{"excludes-correct"});
    CHECK(rights.related.size() == 50);
    CHECK(rights.anchor_id == "excludes-correct");
    const FindingGroup& basis = digest.fresh[1];
    CHECK(basis.subjects == std::vector<std::string>{"a", "b", "c"});
    CHECK(basis.anchor_is_cause);
    CHECK(basis.anchor_id == "eu-requires-basis");
    CHECK(basis.anchor_location.file == "rules/eu-requires-basis.yaml");
    CHECK(digest.fresh[2].subjects == std::vector<std::string>{"d"});
    REQUIRE(digest.baselined.size() == 1);
    CHECK(digest.baselined[0].code == "dead-rule");
    REQUIRE(digest.below.size() == 1);
    CHECK(digest.below[0].count == 1);

    LintSummary summary;
    summary.total = findings.size();
    summary.failing = 54;
    summary.baselined = 1;
    std::string text = render_lint_brief(digest, summary, Severity::kWarning, false);
    CHECK(std::count(text.begin(), text.end(), '\n') < 25);
    CHECK(text.find("law-contradicts-policy] x50") != std::string::npos);
    CHECK(text.find("R00, R01, R02, R03, R04, R05 and 44 more") != std::string::npos);
    CHECK(text.find("affects: a, b, c") != std::string::npos);
    CHECK(text.find("= fix: fix missing-legal-basis") != std::string::npos);
    // The full report still lists each of them.
    std::string verbose = render_lint_text(findings, summary, Severity::kWarning, false);
    for (const char* region : {"R00", "R25", "R49"})
      CHECK(verbose.find(region) != std::string::npos);
  }
}

}  // namespace
}  // namespace flowgate
