// analyse_domains: the compiler's first step. Decides the diagram's variables and partitions each
// query field into only the classes the rules can tell apart: regions by their memberships in the
// groups conditions test (on every date class) and the literals they compare with; dates by the
// days on which a membership or an `as_of` comparison changes; ages by the thresholds compared
// with. Each class keeps a representative value, so any rule can be evaluated on a class exactly
// as the reference evaluator evaluates it on a real query.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compile/compiled_policy.h"
#include "model/policy.h"
#include "model/query.h"

namespace flowgate {

struct Domains {
  CompiledPolicy shape;  // ids, classes, bits and variables; no diagram yet
  std::vector<std::string> region_representative;       // per subject region class
  std::vector<std::string> destination_representative;  // per destination class ("device" too)
  std::vector<Date> date_representative;                // per date class
  std::vector<std::optional<int>> age_representative;   // per age band (band 0: unknown)

  // Index of the variable of a kind (kBit: of the bit `bit`).
  uint32_t variable(VariableKind kind, uint32_t bit = 0) const;
  // A query whose context fields hold the representatives of the given values; `values` has one
  // entry per variable (ids of data/purpose/recipient are filled from their tables).
  Query representative_query(const std::vector<uint32_t>& values) const;
};

Domains analyse_domains(const Policy& policy);

// The consent-string bit a checked condition node tests (tcf.purpose_consent(N),
// tcf.purpose_legitimate_interest(N), usnat.sale_opt_out and the other GPP opt-outs, tcf.present,
// gpp.present), if it tests one: each distinct one a rule mentions is a variable of its own.
std::optional<Bit> consent_string_bit(const Expr& e);

}  // namespace flowgate
