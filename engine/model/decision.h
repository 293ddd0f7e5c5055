// Decision: what the policy says about one flow, with string ids — what combine() gives for a set
// of matching rules (model/combine.h), what the reference evaluator answers, and the leaf records
// of the compiled diagram that the bundle writer encodes and decode_bundle reads back
// (compile/compiled_policy.h). The runtime's view of the same record is runtime::Decision.
#pragma once

#include <string>
#include <vector>

namespace flowgate {

struct Decision {
  bool allow = false;
  std::vector<std::string> obligations;
  std::vector<std::string> legal_basis;
  std::vector<std::string> citations;
  std::vector<std::string> rules;
  std::string reason;
  friend bool operator==(const Decision&, const Decision&) = default;
};

}  // namespace flowgate
