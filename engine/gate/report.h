// compute_report: everything `flowgate report` shows reviewers and auditors, as one value; and
// render_report_html, which writes it as one self-contained HTML page (inline CSS and SVG, no
// script, no network, print-friendly).
//
//   Report r = flowgate::compute_report(policy, {.as_of = day}, baseline);
//   std::string html = flowgate::render_report_html(r, svg);   // svg: `dot -Tsvg` of r.dot, or ""
//
// The parts: the subject classes, derived from the policy's region catalog (a representative of
// the EU as an adult and below its digital-consent age, CH, GB, JP, US-CA, a state of the
// universal-opt-out group with GPC on, a region in no group); the matrix of inventory data items ×
// subject classes, each cell the worst decision (reference evaluator) over the item's flows, with
// the query that gives it and the rules that decide; the data map (the gate's flow graph and its
// DOT text); lint findings against the baseline; rights per region with deadlines; the retention
// schedule; and sentence coverage of the policy text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analysis/coverage.h"
#include "analysis/lint_findings.h"
#include "analysis/retention.h"
#include "analysis/rights.h"
#include "gate/flow_graph.h"
#include "gate/gate_check.h"
#include "model/calendar.h"
#include "model/policy.h"
#include "model/query.h"

namespace flowgate {

// The colour of a cell: allowed, allowed with obligations to meet, denied.
enum class MatrixVerdict { kAllow, kObligations, kDeny };
const char* matrix_verdict_name(MatrixVerdict v);  // allow | obligations | deny

struct ReportSubject {
  SubjectClass subject;
  std::string basis;                 // how it was derived: "first member of EU on 2026-11-29"
  std::vector<std::string> members;  // the regions it stands for (a group's members), if any
};

struct MatrixCell {
  MatrixVerdict verdict = MatrixVerdict::kDeny;
  Query query;        // the first of the item's flows with the worst verdict
  Decision decision;  // the reference evaluator's on `query`
  size_t flows = 0;   // the item's flows decided
  size_t denied = 0;  // of which denied
  // A deny that the purpose's consent (or every feature in use) would lift: `signal_query` is
  // `query` with those signals, and the evaluator allows it.
  bool allowed_with_signal = false;
  Query signal_query;
};

struct MatrixRow {
  std::string item;               // inventory item id
  std::string data;               // its data category
  std::vector<MatrixCell> cells;  // one per subject class
};

// A rule some cell's decision names, in policy order, then the engine's own (default-deny, …).
struct DecidingRule {
  std::string id;
  const Rule* rule = nullptr;  // null for the engine's own rules
  std::string reason;          // the engine's rules: a decision's reason naming it
  std::vector<std::string> citations;
  size_t cells = 0;  // cells whose decision names it
};

struct SectionCoverage {
  std::string section;
  size_t sentences = 0, quoted = 0, listed = 0, unaccounted = 0;
};

// How the page groups lint findings: new ones (at warning or above, not in the baseline) in
// full, with the statements they concern; reviewed ones (baselined) and notes with their quote.
enum class LintGroup { kNew, kReviewed, kNote };
LintGroup lint_group(const Finding& finding);

struct RightsRow {
  std::string region;
  std::vector<RightsAnswer> answers;  // one per right, in vocabulary order
};

struct Report {
  std::string policy_name;
  std::string policy_version;
  Date as_of;
  std::vector<ReportSubject> subjects;
  std::vector<MatrixRow> matrix;
  std::vector<DecidingRule> rules;
  FlowGraph graph;
  std::string dot;                // the graph as Graphviz DOT (to_dot), for the caller to render
  std::vector<Finding> findings;  // lint, baseline applied; by LintGroup, then lint's order
  LintSummary lint;
  std::vector<RightsRow> rights;  // one per distinct region of the subject classes
  std::vector<const RetentionEntry*> retention;
  // Every inventory item with the period that holds for it (analysis/retention.h, item_period).
  std::vector<std::pair<const InventoryItem*, ItemPeriod>> periods;
  CoverageReport coverage;
  std::vector<SectionCoverage> coverage_by_section;  // in text order

  size_t cells(MatrixVerdict v) const;
  // The index of a rule in `rules` (anchors), or rules.size().
  size_t rule_index(std::string_view id) const;
};

struct ReportOptions {
  Date as_of;
};

// The subject classes of the report, derived from the policy's regions on `as_of`; a class whose
// region the catalog lacks is left out.
std::vector<ReportSubject> report_subjects(const Policy& policy, Date as_of);

// The policy must have passed check_policy. The baseline is applied to the lint findings.
Report compute_report(const Policy& policy, const ReportOptions& options, const Baseline& baseline);

// The query as `flowgate decide` reads it (one JSON object, compact).
std::string query_json_text(const Query& query);

// The page. `svg` is the data map drawn by Graphviz (`dot -Tsvg` of report.dot), or empty when
// it could not be drawn (the page then says so and keeps the table of paths). Every text of the
// policy is escaped.
std::string render_report_html(const Report& report, std::string_view svg,
                               std::string_view generator);

}  // namespace flowgate
