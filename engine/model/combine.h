// combine: how the rules that match a flow decide it (docs/design.md, "How the rules combine"), in
// one function, so "why was this denied" has one place to read. Both the reference evaluator and
// the compiler's leaves come from here.
#pragma once

#include <vector>

#include "model/policy.h"
#include "model/query.h"

namespace flowgate {

// What the rules matching a flow decide, taken one rule at a time in precedence order (the order of
// policy.rules: the policy's own rules in file order, then the rules the model derives, then the
// statutes'): only what the decision needs. The first deny decides and the rest is dropped; of the
// allows only the first is named; obligations and legal bases are kept by id, each with the first
// rule giving it. So the combinations a policy can produce grow with what its decisions can differ
// in, not with the sets of rules that can match together — the compiler folds rules into these,
// and a diagram whose leaves were rule sets would grow exponentially with overlapping rules.
// Which other rules matched is for explain, which matches every rule again on request.
struct Combination {
  const Rule* deny = nullptr;         // the first deny
  const Rule* allow = nullptr;        // the first allow
  const Rule* requirement = nullptr;  // the first require_basis rule
  // Per obligation id (of allow and oblige rules) and per basis id (of basis rows): the first rule
  // giving it, sorted by id.
  std::vector<std::pair<std::string, const Rule*>> obligations;
  std::vector<std::pair<std::string, const Rule*>> bases;
  friend bool operator==(const Combination&, const Combination&) = default;
};

// `c` with `rule` matched too; `rule` comes after every rule already in `c` in precedence order.
Combination with_rule(Combination c, const Rule& rule);

// The decision for a combination. Default deny; any deny wins, named alone; a require_basis rule
// denies unless a basis row matched; else the first allow decides, with every obligation of the
// allow and oblige rules that matched. The legal basis reported is what holds: consent only when
// the subject gave it for the flow's purpose (`purpose_consented`), a row's other bases always
// (a basis row whose only basis is consent matches only when that consent is given).
Decision decide(const Combination& c, bool purpose_consented);

// `matched` are the rules whose match and condition hold for one flow, in rule order: their
// combination, decided.
Decision combine(const std::vector<const Rule*>& matched, bool purpose_consented);

// What a decision by `rule` cites: the policy sections, then the statute's section.
std::vector<std::string> cited_sections(const Rule& rule);

// The decision for a query naming an id the policy does not define; `what` and `id` say which,
// or both are empty when the caller cannot tell (the runtime's one unknown-id record).
Decision unknown_id_decision(const std::string& what = {}, const std::string& id = {});

// The decision for a query dated before this version of the policy took effect (§9: the policy
// changes; an earlier version, not encoded here, governed that date).
Decision not_in_force_decision(const PolicyInfo& info);

}  // namespace flowgate
