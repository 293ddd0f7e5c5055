// find_dead_rules: a rule that matches no flow anywhere (dead), or whose removal changes no
// decision — verdict, obligations, legal basis — on any flow it matches (shadowed). Exact on the
// compiled model: every reachable leaf of the rule-set diagram is combined with and without it.
#include <fmt/format.h>

#include <map>
#include <set>

#include "analysis/lint_passes.h"
#include "model/combine.h"

namespace flowgate::lint {

void find_dead_rules(const LintContext& context, std::vector<Finding>& out) {
  const Policy& policy = context.policy;
  const size_t n = policy.rules.size();
  std::vector<bool> matches(n, false), changes(n, false);
  std::vector<std::set<std::string>> deciders(n);
  auto effect_of = [&](const std::vector<uint16_t>& set) -> std::pair<std::string, Decision> {
    // Consent for the flow's purpose changes only the bases reported: compare both ways.
    auto rules = rules_of(policy, set);
    Decision without_consent = combine(rules, false);
    return {decision_effect(without_consent) + "/" + decision_effect(combine(rules, true)),
            without_consent};
  };
  for (uint32_t s : context.reachable) {
    const auto& set = context.diagram.rule_sets[s];
    if (set.empty()) continue;
    std::string with = effect_of(set).first;
    for (size_t i = 0; i < set.size(); ++i) {
      uint16_t r = set[i];
      matches[r] = true;
      if (changes[r]) continue;
      std::vector<uint16_t> without = set;
      without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
      auto [effect, decision] = effect_of(without);
      if (effect != with) {
        changes[r] = true;
      } else {
        for (const auto& id : decision.rules) deciders[r].insert(id);
      }
    }
  }
  for (uint16_t r = 0; r < n; ++r) {
    const Rule& rule = policy.rules[r];
    const bool expired_before_policy = rule.statute && rule.statute->until &&
                                       policy.info.effective &&
                                       *rule.statute->until < *policy.info.effective;
    if (!matches[r] && expired_before_policy) {
      Finding f = rule_finding(rule, "dead-rule", FindingKind::kDeadRule, Severity::kNote);
      f.message = fmt::format(
          "statute rule {} applies only until {}, before this version of the policy took effect "
          "({}); it decides no flow this policy governs",
          rule_label(rule), format_date(*rule.statute->until), format_date(*policy.info.effective));
      f.help = "kept as the record of the law's history; remove it when that history is not needed";
      f.fingerprint = "dead-rule:" + rule.id;
      out.push_back(std::move(f));
      continue;
    }
    if (!matches[r]) {
      Finding f = rule_finding(rule, "dead-rule", FindingKind::kDeadRule, Severity::kWarning);
      f.message = fmt::format(
          "{} rule {} matches no flow: its match block and condition never hold together",
          effect_name(rule.effect), rule_label(rule));
      f.help = "check the ids and the condition; remove the rule if the statement is obsolete";
      f.fingerprint = "dead-rule:" + rule.id;
      out.push_back(std::move(f));
      continue;
    }
    if (changes[r]) continue;
    // Laws overlap by design (COPPA and the states' known-child rules): a statute that another
    // rule already enforces is worth knowing, not worth a warning.
    Finding f = rule_finding(rule, "shadowed-rule", FindingKind::kDeadRule,
                             rule.statute ? Severity::kNote : Severity::kWarning);
    std::vector<std::string> ids;
    for (const auto& id : deciders[r]) {
      if (id == rule.id) continue;
      ids.push_back(id);
      for (const Rule& other : policy.rules) {
        if (other.id == id) f.related.push_back(related_rule(other, "decides instead"));
      }
    }
    const char* what = rule.effect == Effect::kAllow  ? "every flow it allows is decided the same "
                                                        "way without it"
                       : rule.effect == Effect::kDeny ? "every flow it denies is denied anyway"
                                                      : "every flow it matches is decided the same "
                                                        "way without it";
    f.message = fmt::format("{} rule {} changes no decision: {}, by {}", effect_name(rule.effect),
                            rule_label(rule), what, abbreviate(ids, 5));
    f.help = rule.effect == Effect::kDeny
                 ? "a negative commitment the default deny already enforces still documents the "
                   "policy; keep it and record why in lint-baseline.yaml, or remove it"
                 : "the statement has no effect: narrow the rule that overrides it, or record in "
                   "lint-baseline.yaml why the policy text says it anyway";
    f.fingerprint = "shadowed-rule:" + rule.id;
    out.push_back(std::move(f));
  }
}

}  // namespace flowgate::lint
