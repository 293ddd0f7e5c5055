// The reference evaluator: decides a query by walking the loaded rules one by one — no diagram, no
// precomputation beyond the vocabulary closure. It is the plain statement of what a policy means;
// the compiled diagram must agree with it on every query (DESIGN.md, STYLE.md "two engines, one
// truth").
#pragma once

#include "model/policy.h"
#include "model/query.h"

namespace flowgate {

// The policy must have passed check_policy (conditions resolved and typed).
Decision evaluate_reference(const Policy& policy, const Query& query);

// A checked condition's value for a query.
bool evaluate_condition(const Expr& expr, const Policy& policy, const Query& query);

// Whether one rule's match block and condition hold for a query whose ids are all known.
bool rule_matches(const Rule& rule, const Policy& policy, const Query& query);

}  // namespace flowgate
