// summarize_gate: the gate's findings as a person reads them and a baseline names them. Findings of
// one cause are one group: one rule, one SDK, one declared entry of its manifest (every reading and
// subject class of it), or one forbidden hop of its paths (every data type that takes it). Each
// group has a location (the manifest entry or inventory flow it starts at), what to do about it,
// and a fingerprint: sarif_fingerprint(rule, the ids of its statements, its file) — never its
// wording or line, so a baseline and code-scanning alerts survive rewording and edits.
//
// The gate's baseline is lint's file format (read_baseline, write_baseline, match_baseline in
// analysis/lint_findings.h) with these fingerprints; a baselined group does not fail the gate, and
// an entry that matches no group any more is stale.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analysis/lint_findings.h"
#include "gate/flow_graph.h"
#include "gate/gate_check.h"

namespace flowgate {

// A gate rule: what it means and how to resolve it (SARIF rule metadata, --help).
struct GateRuleInfo {
  std::string_view id;
  std::string_view title;             // one sentence
  std::string_view description;       // a paragraph
  std::string_view fix;               // what to do, general form
  Severity level = Severity::kError;  // the level its findings usually have
};
const std::vector<GateRuleInfo>& gate_rules();
const GateRuleInfo* find_gate_rule(std::string_view id);

struct GateGroup {
  std::string rule;
  Severity level = Severity::kError;
  std::string component;
  SourceLocation location;
  std::vector<size_t> members;          // indices into GateReport::findings
  std::vector<std::string> entries;     // distinct declared entries
  std::vector<std::string> readings;    // distinct readings ("data for purpose")
  std::vector<std::string> rules;       // policy rules to blame, distinct
  std::vector<std::string> denied_for;  // subject classes, distinct
  std::string summary;                  // one sentence: what and why
  std::string fix;                      // what to do about this one
  std::string key;                      // the statements' ids, fingerprint input
  std::string fingerprint;
  const BaselineEntry* baseline = nullptr;  // set when a baseline entry accepts it
};

struct GateSdkLine {
  size_t component = 0;
  bool failed = false;
  size_t errors = 0, warnings = 0, notes = 0, baselined = 0;  // groups
};

struct GateSummary {
  std::vector<GateSdkLine> sdks;  // one per component, in report order
  std::vector<GateGroup> groups;  // by component, then location
  std::vector<BaselineEntry> stale;
  size_t failing = 0;    // error groups not baselined
  size_t baselined = 0;  // groups a baseline entry accepts
  size_t todo = 0;       // of those, with reason kBaselineTodo
  bool failed() const { return failing > 0; }
};

// Groups the report's findings (a path finding that repeats an error of the SDK's own declared flow
// is left out) and applies `baseline` (nullptr: none).
GateSummary summarize_gate(const GateReport& report, const Baseline* baseline);

// The baseline accepting every error and warning group, keeping `previous`' reasons.
Baseline gate_baseline(const Baseline& previous, const GateSummary& summary);

// The header comment of a gate baseline file.
std::string gate_baseline_header();

}  // namespace flowgate
