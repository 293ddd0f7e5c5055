// Conditions travel with the data (docs/design.md, "How the rules combine", rule 7): where the
// policy collects an item only under a condition (a feature in use, a consent, an age), no transmit
// of that item is allowed without it, whatever broader sentence would allow the transmit. A
// transmit can only send what the device may hold, so it is allowed only where some rule allowing
// the item's collection holds for the same subject, signals and date.
//
// add_travel_rules makes this a rule of the model rather than a patch to the rules that happened to
// escape: for each group of data leaves whose collection is allowed only under conditions, one
// derived deny rule on their transmits, under the negation of those conditions. Derived rules are
// rules like the others (both engines, explain, lint), citing and quoting the collection rules
// they come from; `derived_from` names them.
#pragma once

#include "flowgate/diagnostic.h"
#include "model/policy.h"

namespace flowgate {

// The id a derived rule gets: "only-as-collected:" and the collection rules' ids.
inline constexpr const char* kTravelRulePrefix = "only-as-collected:";

// Appends the derived rules to policy.rules. Call once, on a checked policy (conditions typed).
// A collection rule whose condition tests the destination is an error here: a collect stays on
// the device, so its destination cannot travel.
void add_travel_rules(Policy& policy, DiagnosticSink& sink);

}  // namespace flowgate
