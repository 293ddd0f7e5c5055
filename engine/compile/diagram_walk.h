// walk_diagram: decides a string query on a CompiledPolicy and records the path — each variable
// tested, the class the query falls in, and where it led. What `flowgate explain` shows, and what
// the tests compare with the reference evaluator. (The runtime walks the bundle itself.)
#pragma once

#include <string>
#include <vector>

#include "compile/compiled_policy.h"
#include "model/query.h"

namespace flowgate {

struct WalkStep {
  uint32_t node;
  VariableKind kind;
  uint32_t value;
  std::string label;  // "data = media.photo", "subject region class 3 (US-CA, …)", …
};

struct Walk {
  std::vector<WalkStep> steps;
  uint32_t decision = 0;  // index into decisions
  bool unknown_id = false;
};

Walk walk_diagram(const CompiledPolicy& policy, const Query& query);

// A consent-string bit (Bit::Kind::kTcfPurposeConsent and after) as a rule writes it:
// "tcf.purpose_consent(4)", "usnat.sale_opt_out", "tcf.present".
std::string consent_string_test(const Bit& bit);

}  // namespace flowgate
