// analyse_domains: the compiler's first step. Decides the diagram's variables and partitions each
// query field into only the classes the rules can tell apart: regions by their memberships in the
// groups conditions test (on every date class) and the literals they compare with; dates by the
// days on which a membership or an `as_of` comparison changes; ages by the thresholds compared
// with. Each place class keeps its signature (those memberships and equalities) and each date class
// a day that stands for it, which is all the compiler reads conditions from (compile/predicates.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compile/compiled_policy.h"
#include "model/policy.h"

namespace flowgate {

// The classes of one place field (the subject's region, or the destination) and what sets them
// apart: every class's regions are in the same tested groups on each date class, and equal the
// same tested literals.
struct PlaceClasses {
  std::vector<std::string> groups;    // the groups tested, sorted
  std::vector<std::string> literals;  // the places compared with, sorted ("device" among them)
  uint32_t date_classes = 0;
  // Per class: membership in groups[g] on date class k at g * date_classes + k, then whether the
  // class is literals[l] at groups.size() * date_classes + l.
  std::vector<std::vector<bool>> signatures;

  // Throw std::logic_error for a group or literal the analysis did not collect: a use it missed.
  bool in_group(uint32_t place_class, const std::string& group, uint32_t date_class) const;
  bool is(uint32_t place_class, const std::string& literal) const;
};

struct Domains {
  CompiledPolicy shape;       // ids, classes, bits and variables; no diagram yet
  PlaceClasses regions;       // per subject region class
  PlaceClasses destinations;  // per destination class, the device's last
  // Per date class, a day on which every tested membership and `as_of` comparison is as on the
  // class's other days: its first day, and for class 0 the day before the first breakpoint.
  std::vector<Date> date_representative;

  // Index of the variable of a kind (kBit: of the bit `bit`); UINT32_MAX when there is none.
  uint32_t variable(VariableKind kind, uint32_t bit = 0) const;
};

Domains analyse_domains(const Policy& policy);

// Per rule, the class boundaries its condition draws: age thresholds, `as_of` days, and the places
// and groups it compares with. Classes multiply across fields, so the rules drawing the largest
// field's boundaries are the ones to look at when a policy is too costly to compile.
struct Boundaries {
  size_t ages = 0, days = 0, places = 0;
};
std::vector<Boundaries> boundaries_by_rule(const Policy& policy);

// The consent-string bit a checked condition node tests (tcf.purpose_consent(N),
// tcf.purpose_legitimate_interest(N), usnat.sale_opt_out and the other GPP opt-outs, tcf.present,
// gpp.present), if it tests one: each distinct one a rule mentions is a variable of its own.
std::optional<Bit> consent_string_bit(const Expr& e);

}  // namespace flowgate
