// run_gate: the gate's entry point. For each declared flow of each component, the decision of the
// policy for each subject class (regions × signals), its PoliCheck class, and whether the change
// that brings the component in must fail CI:
//
//   consistent  the policy allows the flow for some subjects, and denies it for others only through
//               the jurisdiction layer, age or the subject's own signals
//   omitted     the policy never discloses it: no allow rule matches for any subject (or the
//               declared type/purpose has no counterpart in the policy at all)
//   incorrect   the policy discloses it somewhere but forbids it for every subject (a deny rule)
//   ambiguous   the policy contradicts itself on it: for an adult with default signals an allow
//               rule matches and a deny rule overrides it (e.g. §3 vs §11.2.2 in California); or
//               the readings of one declared entry fall in different classes
//
// An entry with several readings (Apple's DeviceID) some of which the policy discloses: the
// readings it does not are warnings (what the vague term might mean), and the disclosed ones
// decide. Fails (exit 1): an omitted flow; a flow denied for some subject class while the component
// does not route it through the runtime check; tracking without the runtime check when the EU layer
// denies it. Decisions come from the reference evaluator, which the compiled diagram agrees with.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gate/declared_flows.h"
#include "model/calendar.h"
#include "model/policy.h"
#include "model/query.h"

namespace flowgate {

struct SubjectClass {
  std::string name;  // "EU adult"
  std::string region;
  std::optional<int> age;
  bool gpc = false;
  bool ads_personalization = true;
  bool default_signals() const { return !gpc && ads_personalization; }
};

// EU adult, EU minor, CH, GB, JP, US-CA, US-VA, US-CO + GPC, toggle off, rest of world.
std::vector<SubjectClass> standard_subject_classes();

enum class CellVerdict {
  kAllow,            // allowed with no consent and no feature in use
  kAllowWithSignal,  // allowed only with the purpose's consent or a feature in use
  kDeny,
};

struct SubjectDecision {
  CellVerdict verdict = CellVerdict::kDeny;
  bool allow_matched = false;        // some allow rule matches (with signals)
  bool deny_overrode_allow = false;  // an allow matched and a deny rule decided
  Decision decision;                 // with signals (the more permissive case)
};

enum class PoliCheckClass { kConsistent, kOmitted, kIncorrect, kAmbiguous };
const char* policheck_name(PoliCheckClass c);
const char* cell_name(CellVerdict v);

struct FlowResult {
  size_t component = 0;
  size_t flow = 0;  // index into the component's flows
  std::vector<SubjectDecision> subjects;
  PoliCheckClass policheck = PoliCheckClass::kConsistent;
  bool denied_for_some = false;
  bool fails = false;
  std::string why;
};

struct EntryResult {
  size_t component = 0;
  size_t entry = 0;
  PoliCheckClass policheck = PoliCheckClass::kConsistent;
  bool fails = false;
};

struct GateReport {
  Date as_of;
  std::vector<SubjectClass> subjects;
  std::vector<Component> components;
  std::vector<FlowResult> flows;
  std::vector<EntryResult> entries;
  std::vector<GateFinding> findings;  // sorted by component, then location
  bool failed() const;
};

// The decisions of one flow for each subject class. The policy must have passed check_policy.
std::vector<SubjectDecision> decide_for_subjects(const Policy& policy, const DeclaredFlow& flow,
                                                 const std::vector<SubjectClass>& subjects,
                                                 Date as_of);
// The class of one flow from its decisions (unmapped flows are omitted).
PoliCheckClass classify(const DeclaredFlow& flow, const std::vector<SubjectDecision>& decisions,
                        const std::vector<SubjectClass>& subjects);

// The rules to blame for a flow the policy denies: those that decide it for every subject class
// it is denied for, else those that decide it for the most classes (a minors' rule that decides
// only for the EU minor is not the ban).
std::vector<std::string> blame_rules(const std::vector<SubjectDecision>& decisions);
// The names of the subject classes a flow is not plainly allowed for.
std::vector<std::string> denied_subject_names(const std::vector<SubjectDecision>& decisions,
                                              const std::vector<SubjectClass>& subjects);

GateReport run_gate(const Policy& policy, std::vector<Component> components, Date as_of,
                    std::vector<SubjectClass> subjects = standard_subject_classes());

}  // namespace flowgate
