// The lint passes and what they share (internal to engine/analysis): the rule-set diagram of the
// compiled model, the rule sets reachable on it, and helpers that describe flows as compact cubes.
// lint_policy (lint.cc) builds one LintContext and runs every pass on it.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/lint_findings.h"
#include "compile/compiler.h"
#include "model/policy.h"
#include "model/query.h"

namespace flowgate::lint {

struct LintContext {
  const Policy& policy;
  LintOptions options;
  RuleSetDiagram diagram;
  std::vector<uint32_t> reachable;  // indices into diagram.rule_sets reachable from the root
  // Pairs (allow, deny) of rule indices that match some flow together.
  std::set<std::pair<uint16_t, uint16_t>> allow_deny_pairs;
  // Pairs (rule, rule) that match some flow together, for any effects (first < second).
  std::set<std::pair<uint16_t, uint16_t>> co_matching;

  // `d`: the rule-set diagram, or empty when the policy passed the analysis budget (then only the
  // passes that read the rules alone run).
  LintContext(const Policy& p, const LintOptions& o, RuleSetDiagram d);

  // The leaf reached by a full assignment (one value per variable): an index into rule_sets.
  uint32_t leaf(const std::vector<uint32_t>& values) const;
  uint32_t date_class(Date on) const;
  uint32_t age_band(int age) const;
};

void find_contradictions(const LintContext& context, std::vector<Finding>& out);
void find_dead_rules(const LintContext& context, std::vector<Finding>& out);
void find_gaps(const LintContext& context, std::vector<Finding>& out);
void find_hygiene(const LintContext& context, std::vector<Finding>& out);
void find_undefined_text_terms(const LintContext& context, std::vector<Finding>& out);

// ---- helpers (lint.cc) --------------------------------------------------------------------------

// The leaves of a vocabulary that an id set covers (all of them for `any`).
std::vector<std::string> leaves_covered(const IdSet& set, const Vocabulary& vocabulary);
// A set of leaves as few ids as possible: "any" when it is every leaf; groups written "media.*".
std::string compact_ids(const Vocabulary& vocabulary, const std::vector<std::string>& leaves);
std::vector<std::string> intersect(const std::vector<std::string>& a,
                                   const std::vector<std::string>& b);
std::vector<std::string> sections_of(const std::vector<Citation>& citations);
// "ca-table-all-categories-to-cloud-and-affiliates (§11.2.2)"
std::string rule_label(const Rule& rule);
RelatedStatement related_rule(const Rule& rule, std::string role);
// A finding about a rule: its location, citations and quote filled in.
Finding rule_finding(const Rule& rule, std::string code, FindingKind kind, Severity severity);
// What a decision does to a flow, without the record's prose: verdict, obligations, bases.
std::string decision_effect(const Decision& decision);
// The rules a rule set holds.
std::vector<const Rule*> rules_of(const Policy& policy, const std::vector<uint16_t>& set);
// The flows two rules both match, as one compact cube (lint_contradictions.cc).
std::string shared_cube(const Policy& policy, const Rule& a, const Rule& b);
// Up to `limit` ids, then "and N more".
std::string abbreviate(const std::vector<std::string>& ids, size_t limit);

}  // namespace flowgate::lint
