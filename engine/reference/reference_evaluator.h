// The reference evaluator: decides a query by walking the loaded rules one by one — no diagram, no
// precomputation beyond the vocabulary closure. It is the plain statement of what a policy means;
// the compiled diagram must agree with it on every query (docs/design.md, "Two engines, one
// truth").
#pragma once

#include "model/policy.h"
#include "model/query.h"

namespace flowgate {

// The policy must have passed check_policy (conditions resolved and typed).
Decision evaluate_reference(const Policy& policy, const Query& query);

// A checked condition's value for a query.
bool evaluate_condition(const Expr& expr, const Policy& policy, const Query& query);

// Whether a match set covers a leaf id (any, or the id under one of the set's ids).
bool covers(const IdSet& set, const Vocabulary& vocabulary, const std::string& id);
// Whether a destination set covers a place ("device" or a region) on a date.
bool place_covers(const IdSet& set, const Policy& policy, const std::string& place, Date on);
// A basis row whose only basis is consent holds only with that purpose's consent.
bool is_consent_only_basis(const Rule& rule);

// Whether one rule's match block and condition hold for a query whose ids are all known.
bool rule_matches(const Rule& rule, const Policy& policy, const Query& query);

}  // namespace flowgate
