// combine: how the rules that match a flow decide it (docs/design.md, "How the rules combine"), in
// one function, so "why was this denied" has one place to read. Both the reference evaluator and
// the compiler's leaves come from here.
#pragma once

#include <vector>

#include "model/policy.h"
#include "model/query.h"

namespace flowgate {

// `matched` are the rules whose match and condition hold for one flow (a basis row whose only
// basis is consent matches only when that purpose's consent is given; in rule order). Default
// deny; any deny wins, and the first deny is the one named; a require_basis rule denies unless a
// basis rule matched; obligations of allow and oblige rules are added up. The legal basis reported
// is what holds: consent only when the subject gave it for the flow's purpose
// (`purpose_consented`), the row's other bases always.
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
