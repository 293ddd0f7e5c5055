// Predicates: the compiler's own reading of a rule — its match block and condition as a diagram
// over the classes of compile/domains.h, leaf 1 where the rule matches and 0 elsewhere. It shares
// no code with the reference evaluator (engine/reference/), which reads the same rules on concrete
// queries, so the differential test compiler_vs_reference can catch a mistake in either; the test
// compile_independent_of_reference keeps it so.
//
// How: a condition is compiled bottom-up — an age comparison becomes a predicate over age bands,
// `in GROUP` and region equalities predicates over place class × date class read from the class
// signatures, `as_of` comparisons predicates over date classes, signals, consents, features and
// consent-string tests bit variables — and and/or/not are diagram operations. An id set covers the
// leaves under its ids (Vocabulary::leaves_under).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "compile/diagram_builder.h"
#include "compile/domains.h"
#include "model/policy.h"

namespace flowgate {

class Predicates {
 public:
  using Ref = DiagramBuilder::Ref;
  static constexpr uint32_t kFalse = 0;
  static constexpr uint32_t kTrue = 1;

  // `builder` must have the variables of `domains` (builder_domains).
  Predicates(const Policy& policy, const Domains& domains, DiagramBuilder& builder)
      : policy_(policy), d_(domains), builder_(builder) {}

  // Where a checked condition holds. Throws std::logic_error on an expression the checker would
  // have refused (e.g. a bare int where a truth value belongs).
  Ref condition(const Expr& e);
  // Where a rule matches: its match block, statute dates, condition, and for a basis row whose
  // only basis is consent, the consent for the flow's purpose.
  Ref rule(const Rule& rule);
  // Where the bit variable of (kind, id) is on.
  Ref bit(Bit::Kind kind, const std::string& id = {});

 private:
  Ref both(Ref a, Ref b);
  Ref either(Ref a, Ref b);
  Ref negation(Ref a);
  Ref over(VariableKind kind, const std::function<bool(uint32_t)>& holds);
  Ref over_place_and_date(QueryPath place, const std::function<bool(uint32_t, uint32_t)>& holds);
  Ref id_set(const IdSet& set, VariableKind kind, VocabularyKind vocabulary,
             const std::vector<std::string>& ids);
  Ref compare(const Expr& e);
  Ref compare_ages(CompareOp op, const Expr& a, const Expr& b);
  Ref compare_dates(CompareOp op, const Expr& a, const Expr& b);
  Ref compare_places(CompareOp op, const Expr& a, const Expr& b);
  const PlaceClasses& places(QueryPath path) const;

  const Policy& policy_;
  const Domains& d_;
  DiagramBuilder& builder_;
  std::unordered_map<std::string, Ref> conditions_;  // by the condition's text
};

// The domains of a builder for `domains`' variables.
std::vector<uint32_t> builder_domains(const Domains& domains);

}  // namespace flowgate
