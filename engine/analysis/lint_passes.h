// The lint passes and what they share (internal to engine/analysis): the compiler's analysis of
// the rules (which match, which change a decision, which meet), and helpers that describe flows as
// compact cubes.
// lint_policy (lint.cc) builds one LintContext and runs every pass on it.
#pragma once

#include <map>
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
  // The rule analysis, or null when the policy passed the analysis budget (then only the passes
  // that read the rules alone run).
  const RuleAnalysis* analysis;

  LintContext(const Policy& p, const LintOptions& o, const RuleAnalysis* a)
      : policy(p), options(o), analysis(a) {}

  // Whether an allow and a deny or require_basis rule match some flow together.
  bool meet(uint16_t allow, uint16_t other) const;
  uint32_t date_class(Date on) const;
  uint32_t age_band(int age) const;

  // The leaves of a vocabulary (data, purpose or recipient) a rule's match covers, sorted; each
  // computed once, as the passes ask for every pair of rules that meet.
  const std::vector<std::string>& covered(const Rule& rule, VocabularyKind kind) const;
  // compact_ids, each set of leaves written once.
  const std::string& compact(VocabularyKind kind, const std::vector<std::string>& leaves) const;

 private:
  mutable std::map<std::pair<const Rule*, VocabularyKind>, std::vector<std::string>> covered_;
  mutable std::map<std::pair<VocabularyKind, std::vector<std::string>>, std::string> compact_;
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
// The rules of these indices into policy.rules.
std::vector<const Rule*> rules_of(const Policy& policy, const std::vector<uint16_t>& set);
// The flows two rules both match, as one compact cube (lint_contradictions.cc).
std::string shared_cube(const LintContext& context, const Rule& a, const Rule& b);
// Up to `limit` ids, then "and N more".
std::string abbreviate(const std::vector<std::string>& ids, size_t limit);

}  // namespace flowgate::lint
