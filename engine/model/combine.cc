// combine: default deny, deny overrides, legal basis required where the law asks, obligations.
#include "model/combine.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
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

namespace {

// Records `rule` as the giver of `id` unless an earlier rule gave it.
void first_giver(std::vector<std::pair<std::string, const Rule*>>& givers, const std::string& id,
                 const Rule& rule) {
  auto at =
      std::lower_bound(givers.begin(), givers.end(), id,
                       [](const auto& giver, const std::string& key) { return giver.first < key; });
  if (at == givers.end() || at->first != id) givers.insert(at, {id, &rule});
}

// Adds `rule` to `named` unless it is there; `named` stays in precedence order (rules are
// elements of policy.rules, so their addresses are in that order).
void name(std::vector<const Rule*>& named, const Rule* rule) {
  auto at = std::lower_bound(named.begin(), named.end(), rule, std::less<const Rule*>());
  if (at == named.end() || *at != rule) named.insert(at, rule);
}

}  // namespace

Combination with_rule(Combination c, const Rule& rule) {
  if (c.deny) return c;
  switch (rule.effect) {
    case Effect::kDeny:
      // Any one deny decides, and the decision names the first in precedence order, so the law is
      // named where the policy alone would have allowed the flow. Explain lists every rule that
      // also denies.
      return Combination{&rule, nullptr, nullptr, {}, {}};
    case Effect::kAllow:
      if (!c.allow) c.allow = &rule;
      for (const auto& o : rule.obligations) first_giver(c.obligations, o.id, rule);
      break;
    case Effect::kOblige:
      for (const auto& o : rule.obligations) first_giver(c.obligations, o.id, rule);
      break;
    case Effect::kBasis:
      for (const auto& b : rule.bases) first_giver(c.bases, b.id, rule);
      break;
    case Effect::kRequireBasis:
      if (!c.requirement) c.requirement = &rule;
      break;
  }
  return c;
}

Decision decide(const Combination& c, bool purpose_consented) {
  if (c.deny) {
    return decided_by(false, {c.deny},
                      fmt::format("Denied by {}: \"{}\"", list({c.deny}), c.deny->quote));
  }
  if (!c.allow) {
    Decision d;
    d.rules = {"default-deny"};
    d.citations = {"§0"};
    d.reason =
        "No rule allows this flow, and the policy processes personal information only as it "
        "describes (\"We process your personal information only as described in this Policy.\")";
    return d;
  }
  // The bases that hold, each with the first row giving it. Without one, a requirement denies
  // (a row whose only basis is consent matches only when that consent is given, so a matched row
  // always gives one; this also fails closed should that ever change).
  std::vector<std::string> legal_basis;
  std::vector<const Rule*> rows;
  if (c.requirement) {
    for (const auto& [basis, row] : c.bases) {
      if (basis == "consent" && !purpose_consented) continue;
      legal_basis.push_back(basis);
      name(rows, row);
    }
    if (rows.empty()) {
      return decided_by(false, {c.requirement},
                        fmt::format("Denied by {}: the subject's jurisdiction requires a legal "
                                    "basis and no row of the policy's legal-basis table covers "
                                    "this data and purpose",
                                    list({c.requirement})));
    }
  }
  // Named: the first allow, then in precedence order the rows giving the bases and the first rule
  // giving each obligation.
  std::vector<const Rule*> others = rows;
  std::vector<std::string> obligations;
  for (const auto& [obligation, giver] : c.obligations) {
    obligations.push_back(obligation);
    name(others, giver);
  }
  std::vector<const Rule*> named{c.allow};
  for (const Rule* rule : others) {
    if (rule != c.allow) named.push_back(rule);
  }
  std::string reason = fmt::format("Allowed by {}", list({c.allow}));
  if (c.requirement) reason += fmt::format(", on the legal basis of {}", list(rows));
  Decision d = decided_by(true, named, std::move(reason));
  d.obligations = std::move(obligations);
  d.legal_basis = std::move(legal_basis);
  return d;
}

Decision combine(const std::vector<const Rule*>& matched, bool purpose_consented) {
  Combination c;
  for (const Rule* rule : matched) c = with_rule(std::move(c), *rule);
  return decide(c, purpose_consented);
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
