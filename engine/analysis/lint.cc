// lint_policy: analyses the rules once (RuleAnalysis) and runs the passes on it (lint_passes.h).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <variant>

#include "analysis/lint_passes.h"
#include "model/combine.h"
#include "reference/reference_evaluator.h"

namespace flowgate {

const char* finding_kind_name(FindingKind kind) {
  switch (kind) {
    case FindingKind::kContradiction:
      return "contradiction";
    case FindingKind::kDeadRule:
      return "dead-rule";
    case FindingKind::kGap:
      return "gap";
    case FindingKind::kHygiene:
      return "hygiene";
  }
  return "?";
}

bool at_or_above(Severity s, Severity threshold) {
  auto rank = [](Severity x) {
    return x == Severity::kError ? 2 : x == Severity::kWarning ? 1 : 0;
  };
  return rank(s) >= rank(threshold);
}

namespace lint {

bool LintContext::meet(uint16_t allow, uint16_t other) const {
  const auto& pairs = analysis->allows_meeting();
  return std::binary_search(pairs.begin(), pairs.end(), std::make_pair(allow, other));
}

const std::vector<std::string>& LintContext::covered(const Rule& rule, VocabularyKind kind) const {
  auto [it, fresh] = covered_.try_emplace({&rule, kind});
  if (fresh) {
    const IdSet& set = kind == VocabularyKind::kData      ? rule.data
                       : kind == VocabularyKind::kPurpose ? rule.purpose
                                                          : rule.recipient;
    it->second = leaves_covered(set, policy.vocabulary(kind));
  }
  return it->second;
}

const std::string& LintContext::compact(VocabularyKind kind,
                                        const std::vector<std::string>& leaves) const {
  auto [it, fresh] = compact_.try_emplace({kind, leaves});
  if (fresh) it->second = compact_ids(policy.vocabulary(kind), leaves);
  return it->second;
}

uint32_t LintContext::date_class(Date on) const {
  const auto& points = analysis->domains().shape.date_breakpoints;
  return static_cast<uint32_t>(std::upper_bound(points.begin(), points.end(), on.days) -
                               points.begin());
}

uint32_t LintContext::age_band(int age) const {
  const auto& thresholds = analysis->domains().shape.age_thresholds;
  return 1 + static_cast<uint32_t>(std::upper_bound(thresholds.begin(), thresholds.end(), age) -
                                   thresholds.begin());
}

std::vector<std::string> leaves_covered(const IdSet& set, const Vocabulary& vocabulary) {
  // The set's ids are looked up once; each leaf is then a bit test per id (covers() would look
  // every id up again for every leaf, and the passes call this for every pair of rules).
  std::vector<Vocabulary::Index> under;
  for (const auto& ref : set.ids) {
    if (auto t = vocabulary.find(ref.id)) under.push_back(*t);
  }
  std::vector<std::string> out;
  for (Vocabulary::Index t = 0; t < vocabulary.size(); ++t) {
    if (!vocabulary.is_leaf(t)) continue;
    if (set.any || std::any_of(under.begin(), under.end(),
                               [&](Vocabulary::Index u) { return vocabulary.is_under(t, u); })) {
      out.push_back(vocabulary.term(t).id);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string compact_ids(const Vocabulary& vocabulary, const std::vector<std::string>& leaves) {
  std::set<std::string> wanted(leaves.begin(), leaves.end());
  if (wanted.empty()) return "nothing";
  // Whether every leaf under a term is wanted, from its children's answers (memoised over the
  // DAG): one pass over the terms, where asking leaves_under of every term costs a pass each.
  enum : uint8_t { kUnknown, kInside, kOutside };
  std::vector<uint8_t> state(vocabulary.size(), kUnknown);
  std::function<bool(Vocabulary::Index)> inside = [&](Vocabulary::Index t) {
    if (state[t] == kUnknown) {
      bool all = vocabulary.is_leaf(t) ? wanted.count(vocabulary.term(t).id) > 0 : true;
      for (Vocabulary::Index c : vocabulary.children(t)) all = inside(c) && all;
      state[t] = all ? kInside : kOutside;
    }
    return state[t] == kInside;
  };
  size_t leaf_count = 0;
  bool every_leaf = true;
  for (Vocabulary::Index t = 0; t < vocabulary.size(); ++t) {
    if (!vocabulary.is_leaf(t)) continue;
    ++leaf_count;
    every_leaf = every_leaf && inside(t);
  }
  if (every_leaf && wanted.size() == leaf_count) return "any";
  // Candidates: terms wholly inside the set, with their leaves (walked down the children, which
  // costs the term's own part of the DAG); greedily the largest first.
  std::vector<uint32_t> seen(vocabulary.size(), 0);
  uint32_t stamp = 0;
  auto leaves_under = [&](Vocabulary::Index top) {
    std::vector<Vocabulary::Index> out, stack{top};
    ++stamp;
    while (!stack.empty()) {
      Vocabulary::Index t = stack.back();
      stack.pop_back();
      if (seen[t] == stamp) continue;
      seen[t] = stamp;
      if (vocabulary.is_leaf(t)) out.push_back(t);
      for (Vocabulary::Index c : vocabulary.children(t)) stack.push_back(c);
    }
    return out;
  };
  std::vector<std::pair<Vocabulary::Index, std::vector<Vocabulary::Index>>> candidates;
  for (Vocabulary::Index t = 0; t < vocabulary.size(); ++t) {
    if (inside(t)) candidates.emplace_back(t, leaves_under(t));
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  std::vector<bool> covered(vocabulary.size(), false);
  std::vector<std::string> parts;
  for (const auto& [t, under] : candidates) {
    bool adds = false;
    for (Vocabulary::Index leaf : under) {
      adds = adds || !covered[leaf];
      covered[leaf] = true;
    }
    if (!adds) continue;
    const Term& term = vocabulary.term(t);
    parts.push_back(vocabulary.is_leaf(t) ? term.id : term.id + ".*");
  }
  std::sort(parts.begin(), parts.end());
  return parts.size() == 1 ? parts[0] : "{" + fmt::to_string(fmt::join(parts, ", ")) + "}";
}

std::vector<std::string> intersect(const std::vector<std::string>& a,
                                   const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<std::string> sections_of(const std::vector<Citation>& citations) {
  std::vector<std::string> out;
  for (const auto& c : citations) out.push_back(c.section);
  return out;
}

std::string abbreviate(const std::vector<std::string>& ids, size_t limit) {
  if (ids.size() <= limit) return fmt::to_string(fmt::join(ids, ", "));
  std::vector<std::string> head(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(limit));
  return fmt::format("{} and {} more", fmt::join(head, ", "), ids.size() - limit);
}

std::string rule_label(const Rule& rule) {
  return fmt::format("{} ({})", rule.id, fmt::join(cited_sections(rule), ", "));
}

RelatedStatement related_rule(const Rule& rule, std::string role) {
  return {rule.id, rule.location, cited_sections(rule), rule.quote, std::move(role)};
}

Finding rule_finding(const Rule& rule, std::string code, FindingKind kind, Severity severity) {
  Finding f;
  f.code = std::move(code);
  f.kind = kind;
  f.severity = severity;
  f.subject = rule.id;
  f.location = rule.location;
  f.citations = sections_of(rule.citations);
  f.quote = rule.quote;
  return f;
}

std::vector<const Rule*> rules_of(const Policy& policy, const std::vector<uint16_t>& set) {
  std::vector<const Rule*> out;
  for (uint16_t r : set) out.push_back(&policy.rules[r]);
  return out;
}

}  // namespace lint

std::vector<Finding> lint_policy(const Policy& policy, const LintOptions& options,
                                 LintStats* stats) {
  auto start = std::chrono::steady_clock::now();
  std::vector<Finding> findings;
  auto analysed = RuleAnalysis::analyse(policy, options.budget);
  if (auto* over = std::get_if<Diagnostic>(&analysed)) {
    // Contradictions, dead rules and gaps need to know which rules match together; the rules'
    // own checks do not, and still run.
    Finding f;
    f.code = kAnalysisBudgetCode;
    f.kind = FindingKind::kHygiene;
    f.severity = Severity::kError;
    f.location = over->location;
    f.message = over->message + "; contradictions, dead rules and gaps were not analysed";
    f.help = over->help;
    f.fingerprint = f.code;
    findings.push_back(std::move(f));
  }
  const auto* analysis = std::get_if<RuleAnalysis>(&analysed);
  lint::LintContext context(policy, options, analysis);
  if (analysis) {
    lint::find_contradictions(context, findings);
    lint::find_dead_rules(context, findings);
    lint::find_gaps(context, findings);
  }
  lint::find_hygiene(context, findings);
  lint::find_undefined_text_terms(context, findings);
  auto rank = [](Severity s) {
    return s == Severity::kError ? 0 : s == Severity::kWarning ? 1 : 2;
  };
  std::stable_sort(findings.begin(), findings.end(), [&](const Finding& a, const Finding& b) {
    return std::make_tuple(static_cast<int>(a.kind), rank(a.severity), a.location.file,
                           a.location.line, a.location.column, a.fingerprint) <
           std::make_tuple(static_cast<int>(b.kind), rank(b.severity), b.location.file,
                           b.location.line, b.location.column, b.fingerprint);
  });
  if (stats) {
    stats->analysed = analysis != nullptr;
    stats->diagram_nodes = analysis ? analysis->diagram_nodes() : 0;
    stats->milliseconds =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  return findings;
}

}  // namespace flowgate
