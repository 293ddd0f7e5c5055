// find_dead_rules: a rule that matches no flow anywhere (dead), or whose removal changes no
// decision — verdict, obligations, legal basis — on any flow it matches (shadowed). Exact on the
// compiled model (RuleAnalysis: where the rule is the only one giving a part of the decision).
#include <fmt/format.h>

#include <map>

#include "analysis/lint_passes.h"
#include "model/combine.h"

namespace flowgate::lint {

void find_dead_rules(const LintContext& context, std::vector<Finding>& out) {
  const Policy& policy = context.policy;
  const RuleAnalysis& analysis = *context.analysis;
  const size_t n = policy.rules.size();
  std::map<std::string, const Rule*> by_id;
  for (const Rule& rule : policy.rules) by_id.emplace(rule.id, &rule);
  for (uint16_t r = 0; r < n; ++r) {
    const Rule& rule = policy.rules[r];
    const bool expired_before_policy = rule.statute && rule.statute->until &&
                                       policy.info.effective &&
                                       *rule.statute->until < *policy.info.effective;
    if (!analysis.matches(r) && expired_before_policy) {
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
    if (!analysis.matches(r)) {
      Finding f = rule_finding(rule, "dead-rule", FindingKind::kDeadRule, Severity::kWarning);
      f.message = fmt::format(
          "{} rule {} matches no flow: its match block and condition never hold together",
          effect_name(rule.effect), rule_label(rule));
      f.help = "check the ids and the condition; remove the rule if the statement is obsolete";
      f.fingerprint = "dead-rule:" + rule.id;
      out.push_back(std::move(f));
      continue;
    }
    if (analysis.changes(r)) continue;
    // Laws overlap by design (COPPA and the states' known-child rules): a statute that another
    // rule already enforces is worth knowing, not worth a warning.
    Finding f = rule_finding(rule, "shadowed-rule", FindingKind::kDeadRule,
                             rule.statute ? Severity::kNote : Severity::kWarning);
    std::vector<std::string> ids;
    for (const auto& id : analysis.decided_without(r)) {
      if (id == rule.id) continue;
      ids.push_back(id);
      if (auto other = by_id.find(id); other != by_id.end())
        f.related.push_back(related_rule(*other->second, "decides instead"));
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
