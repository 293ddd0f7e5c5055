// check_condition: resolves the names in a parsed condition (query paths, region groups, regions,
// purpose and feature ids) and checks its types, annotating the Expr tree in place so later stages
// evaluate it without looking anything up.
#pragma once

#include <string_view>

#include "flowgate/diagnostic.h"
#include "model/policy.h"

namespace flowgate {

// Returns true when the condition is well-typed and every name resolves; `what` names the
// condition's owner in messages ("'when' of rule 'x'").
bool check_condition(Condition& condition, const Policy& policy, std::string_view what,
                     DiagnosticSink& sink);

}  // namespace flowgate
