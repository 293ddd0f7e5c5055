// lint: what `flowgate lint` finds in a checked policy, on the compiled model. Entry point:
// lint_policy. The passes, one concept a file:
//
//   lint_contradictions.cc  an allow and a deny covering the same flows (PolicyLint's C1–C5/N1–N4)
//   lint_dead_rules.cc      rules that match nothing, or change no decision anywhere
//   lint_gaps.cc            inventory flows the rules deny; purposes without a legal basis where
//   the
//                           jurisdiction requires one; recipients one disclosure section names and
//                           the other does not; policy statements the law in force contradicts
//   lint_hygiene.cc         unused vocabulary, statements without quotes, unverified legal facts
//   lint_baseline.cc        the reviewed baseline (lint-baseline.yaml at the policy root)
//   lint_report.cc          text, json, sarif 2.1.0 and junit renderings
//
// Every finding carries a stable fingerprint (its code and the ids of the statements it concerns,
// never a line number), so a reviewed baseline keeps matching while files are edited.
// Not thread-safe per Policy; lint_policy only reads the policy.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compile/compiler.h"
#include "flowgate/diagnostic.h"
#include "model/calendar.h"

namespace flowgate {

struct Policy;

// The kinds of findings, each with its codes (the SARIF rule ids).
enum class FindingKind : uint8_t { kContradiction, kDeadRule, kGap, kHygiene };
const char* finding_kind_name(FindingKind kind);  // "contradiction", "dead-rule", "gap", "hygiene"

// A second statement a finding points at: the other rule of a contradiction, the law that
// contradicts a rights entry, the allows a deny overrides.
struct RelatedStatement {
  std::string id;  // a rule, rights entry, vocabulary term or jurisdiction id
  SourceLocation location;
  std::vector<std::string> citations;  // policy sections ("§1.1"), or the law's sources
  std::string quote;                   // the sentence it encodes, when it has one
  std::string role;                    // "deny", "allow", "law", "overridden allow", …
};

struct Finding {
  std::string code;  // stable, kebab-case: "contradiction", "shadowed-rule", …
  FindingKind kind = FindingKind::kContradiction;
  Severity severity = Severity::kWarning;
  std::string subject;  // the id of the statement the finding is about
  SourceLocation location;
  std::vector<std::string> citations;  // of the statement at `location`
  std::string quote;
  std::string message;             // one or two sentences a compliance officer can read
  std::string help;                // what to do about it
  std::string taxonomy;            // contradictions: "C3", "N2", … (PolicyLint); empty otherwise
  std::vector<std::string> flows;  // compact cubes: "media.* → service_provider.cloud_storage …"
  std::vector<RelatedStatement> related;
  std::string fingerprint;  // code:id[:id…] — stable across edits that move lines

  // Set by apply_baseline.
  bool baselined = false;
  std::string baseline_reason;
};

// The finding lint gives when its analysis of the rules passes its budget: it is never
// baselined, and while it stands no baseline entry is stale and --update-baseline keeps the file.
inline constexpr const char* kAnalysisBudgetCode = "analysis-budget";

struct LintOptions {
  Date as_of;  // the law in force on this date (default: today, set by the caller)
  // What the analyses that need to know which rules match together may cost; past it lint
  // reports analysis-budget and runs the per-rule checks only (compile/compiler.h).
  CompileBudget budget = {};
};

struct LintStats {
  double milliseconds = 0;
  bool analysed = false;     // false: past the analysis budget (an analysis-budget finding)
  size_t diagram_nodes = 0;  // what the analysis built
};

// Runs every pass on a policy that passed check_policy without errors. Findings are sorted by
// kind, then severity, then location.
std::vector<Finding> lint_policy(const Policy& policy, const LintOptions& options,
                                 LintStats* stats = nullptr);

// ---- baseline (lint_baseline.cc) ----------------------------------------------------------------

inline constexpr const char* kBaselineFile = "lint-baseline.yaml";
inline constexpr const char* kBaselineTodo = "TODO: review";

struct BaselineEntry {
  std::string fingerprint;
  std::string reason;
  std::string message;  // informative: what the finding said when it was reviewed
  uint32_t line = 0;
};

struct Baseline {
  std::vector<BaselineEntry> entries;
  bool exists = false;
};

// Reads `path`; a missing file is an empty baseline. Problems (bad YAML, an entry without a
// fingerprint or without a reason, a duplicate) are reported to `sink` with file:line:col.
Baseline read_baseline(const std::string& path, const std::string& display_path,
                       DiagnosticSink& sink);
// Marks the findings whose fingerprint the baseline holds (with its reason). Returns the
// baseline's entries that match no finding any more (stale).
std::vector<BaselineEntry> apply_baseline(const Baseline& baseline, std::vector<Finding>& findings);
// The baseline for these findings (those at or above `threshold`), keeping the reasons of
// `previous`; new entries get kBaselineTodo. Written atomically (temp file, then rename).
// Returns false with `error` set when the file cannot be written.
Baseline updated_baseline(const Baseline& previous, const std::vector<Finding>& findings,
                          Severity threshold);
// `header`: the comment lines at the top of the file (each starting with "# "); empty: lint's.
bool write_baseline(const Baseline& baseline, const std::string& path, std::string& error,
                    const std::string& header = {});

// The same machinery for any report whose findings carry fingerprints (the gate's baseline):
// for each fingerprint, the entry that holds it (nullptr when none), and the entries that match
// none (stale).
struct BaselineMatch {
  std::vector<const BaselineEntry*> entries;
  std::vector<BaselineEntry> stale;
};
BaselineMatch match_baseline(const Baseline& baseline,
                             const std::vector<std::string>& fingerprints);
// The baseline for these (fingerprint, message) pairs, in order, keeping the reasons of
// `previous`; new entries get kBaselineTodo.
Baseline updated_baseline(const Baseline& previous,
                          const std::vector<std::pair<std::string, std::string>>& findings);

// Whether `s` is at least as severe as `threshold` (error > warning > note).
bool at_or_above(Severity s, Severity threshold);

// ---- rendering (lint_report.cc) -----------------------------------------------------------------

struct LintSummary {
  size_t total = 0;
  size_t failing = 0;    // at or above the threshold and not baselined
  size_t baselined = 0;  // at or above the threshold, in the baseline
  size_t todo = 0;       // baselined with reason kBaselineTodo
  std::vector<BaselineEntry> stale;
};

// Findings of one cause, merged for the short text report: the same code and severity, and the
// same statement (one excluded right across many regions), or the same related statements (many
// rules the same requirement denies), or neither related statements nor a different fix (facts of
// many regions none verified). Merging is transitive; JSON, SARIF and JUnit list every finding.
struct FindingGroup {
  std::vector<const Finding*> members;  // in report order
  std::vector<std::string> subjects;    // distinct, in order of first appearance
  std::vector<std::string> related;     // distinct related ids, likewise
  // The statement the group is about: the one subject, or else a related statement every member
  // shares (the cause), or else the first member's subject.
  std::string anchor_id;
  SourceLocation anchor_location;
  std::vector<std::string> anchor_citations;
  std::string anchor_quote;
  bool anchor_is_cause = false;  // the anchor is the shared related statement
};

struct FindingCount {
  std::string code;
  const char* description = "";  // what the code means, one sentence
  size_t count = 0;
  size_t todo = 0;  // baselined with reason kBaselineTodo
};

// What `flowgate lint` shows by default: new findings first, merged by cause; then one count line
// per code for the reviewed (baselined) ones and for those below the threshold.
struct LintDigest {
  std::vector<FindingGroup> fresh;  // new findings at or above the threshold
  size_t fresh_findings = 0;
  std::vector<FindingCount> baselined;  // at or above the threshold, in the baseline
  std::vector<FindingCount> below;      // below the threshold, reviewed or not
  size_t errors = 0, warnings = 0, notes = 0;
};

LintDigest digest_lint(const std::vector<Finding>& findings, Severity threshold);

// The short report (the default): the digest and the summary, a few lines a finding.
std::string render_lint_brief(const LintDigest& digest, const LintSummary& summary,
                              Severity threshold, bool color);
// Every finding with its quotes, related statements, flows, fix and baseline reason (--verbose).
std::string render_lint_text(const std::vector<Finding>& findings, const LintSummary& summary,
                             Severity threshold, bool color);
std::string render_lint_json(const std::vector<Finding>& findings, const LintSummary& summary);
// SARIF 2.1.0: one run, tool.driver.rules for every code, one result per finding with its
// physical location (uri relative to the policy root) and related locations.
std::string render_lint_sarif(const std::vector<Finding>& findings, const std::string& version,
                              const std::string& policy_root);
// JUnit XML: one testcase per finding code, a failure per finding at or above the threshold that
// is not baselined (baselined and below-threshold findings are listed in system-out).
std::string render_lint_junit(const std::vector<Finding>& findings, Severity threshold);

}  // namespace flowgate
