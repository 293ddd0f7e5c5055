// combine: default deny, deny overrides, legal basis required where the law asks, obligations.
#include "model/combine.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace flowgate {
namespace {

std::string list(const std::vector<const Rule*>& rules) {
  std::string out;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i) out += i + 1 == rules.size() ? " and " : ", ";
    std::string sections;
    for (const auto& section : cited_sections(*rules[i])) {
      sections += (sections.empty() ? "" : ", ") + section;
    }
    out += fmt::format("{} ({})", rules[i]->id, sections);
  }
  return out;
}

Decision decided_by(bool allow, const std::vector<const Rule*>& rules, std::string reason) {
  Decision d;
  d.allow = allow;
  std::set<std::string> citations;
  for (const Rule* rule : rules) {
    d.rules.push_back(rule->id);
    for (auto& section : cited_sections(*rule)) citations.insert(std::move(section));
  }
  d.citations.assign(citations.begin(), citations.end());
  d.reason = std::move(reason);
  return d;
}

}  // namespace

std::vector<std::string> cited_sections(const Rule& rule) {
  std::vector<std::string> out;
  for (const auto& c : rule.citations) out.push_back(c.section);
  if (rule.statute) out.push_back(rule.statute->section);
  return out;
}

Decision combine(const std::vector<const Rule*>& matched, bool purpose_consented) {
  std::vector<const Rule*> allows, denies, obliges, bases, requirements;
  for (const Rule* rule : matched) {
    switch (rule->effect) {
      case Effect::kAllow:
        allows.push_back(rule);
        break;
      case Effect::kDeny:
        denies.push_back(rule);
        break;
      case Effect::kOblige:
        obliges.push_back(rule);
        break;
      case Effect::kBasis:
        bases.push_back(rule);
        break;
      case Effect::kRequireBasis:
        requirements.push_back(rule);
        break;
    }
  }
  if (!denies.empty()) {
    // Any one deny decides, and the decision names the first in precedence order: the policy's
    // own rules in file order, then the rules the model derives from them, then the statutes'
    // (federal before state), so the law is named where the policy alone would have allowed the
    // flow. Explain lists every rule that also denies. Naming each combination of denies would
    // make a decision record per combination: with the statutes beside the policy, thousands,
    // past what an app can ship in its bundle.
    const Rule* first = denies.front();
    return decided_by(false, {first},
                      fmt::format("Denied by {}: \"{}\"", list({first}), first->quote));
  }
  if (allows.empty()) {
    Decision d;
    d.rules = {"default-deny"};
    d.citations = {"§0"};
    d.reason =
        "No rule allows this flow, and the policy processes personal information only as it "
        "describes (\"We process your personal information only as described in this Policy.\")";
    return d;
  }
  if (!requirements.empty() && bases.empty()) {
    return decided_by(
        false, requirements,
        fmt::format("Denied by {}: the subject's jurisdiction requirements a legal basis "
                    "and no row of the policy's legal-basis table covers this data "
                    "and purpose",
                    list(requirements)));
  }
  std::vector<const Rule*> deciding = allows;
  deciding.insert(deciding.end(), bases.begin(), bases.end());
  deciding.insert(deciding.end(), obliges.begin(), obliges.end());
  Decision d = decided_by(true, deciding, fmt::format("Allowed by {}", list(allows)));
  std::set<std::string> obligations, legal_basis;
  for (const Rule* rule : allows) {
    for (const auto& o : rule->obligations) obligations.insert(o.id);
  }
  for (const Rule* rule : obliges) {
    for (const auto& o : rule->obligations) obligations.insert(o.id);
  }
  if (!requirements.empty()) {
    for (const Rule* rule : bases) {
      for (const auto& b : rule->bases) {
        if (b.id != "consent" || purpose_consented) legal_basis.insert(b.id);
      }
    }
    d.reason += fmt::format(", on the legal basis of {}", list(bases));
  }
  d.obligations.assign(obligations.begin(), obligations.end());
  d.legal_basis.assign(legal_basis.begin(), legal_basis.end());
  return d;
}

Decision unknown_id_decision(const std::string& what, const std::string& id) {
  Decision d;
  d.rules = {"unknown-id"};
  d.citations = {"§0"};
  d.reason = id.empty() ? "The query names an id the policy does not know (a data category, "
                          "purpose, recipient or region); an unknown id is denied"
                        : fmt::format("'{}' is not a {} the policy knows; an unknown id is denied",
                                      id, what);
  return d;
}

Decision not_in_force_decision(const PolicyInfo& info) {
  Decision d;
  d.rules = {"policy-not-in-force"};
  d.citations = {"§9"};
  d.reason = fmt::format(
      "This version of the policy ({}) takes effect on {}; an earlier version, "
      "not encoded here, governed flows before then",
      info.version, info.effective ? format_date(*info.effective) : "?");
  return d;
}

}  // namespace flowgate
