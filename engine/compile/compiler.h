// compile_policy: the compile stage's entry point. Rules → a reduced, ordered, multi-valued
// decision diagram over the query's variables (compile/domains.h), whose leaves are the decision
// records that combine() (model/combine.h) gives for the rules matching there.
//
// How: each rule becomes a predicate diagram (its match block and condition, compiled over the
// classes of the variables each part reads by compile/predicates.h, which shares no code with the
// reference evaluator), the predicates are folded in precedence order into one diagram whose leaves
// are combinations (model/combine.h: the first deny, the first allow, obligations and bases with
// the first rule giving each — not the set of rules that matched, whose number grows exponentially
// with overlapping rules), and each combination becomes its decision record; leaves with equal
// records merge and the diagram re-reduces. Lint asks its own questions of the same predicates
// (RuleAnalysis).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "compile/compiled_policy.h"
#include "compile/domains.h"
#include "flowgate/diagnostic.h"
#include "model/policy.h"

namespace flowgate {

struct CompileStats {
  size_t rules = 0;
  size_t combinations = 0;   // distinct combinations of matching rules (model/combine.h)
  size_t builder_nodes = 0;  // nodes made while building, before export
  size_t diagram_nodes = 0;  // reachable nodes of the final, reduced diagram
  size_t decisions = 0;      // distinct decision records
  double milliseconds = 0;
};

// The policy must have passed check_policy without errors: every input problem, the rule budget
// (kMaxRules, `too-many-rules`) included, is a diagnostic of check, so compiling a checked policy
// does not fail. Given an unchecked policy that breaks a precondition (an untyped condition, a
// value the domain analysis did not collect, more than kMaxRules rules) it throws
// std::logic_error: a caller's bug, never an input error.
CompiledPolicy compile_policy(const Policy& policy, CompileStats* stats = nullptr);

// The compile budget. The fold's diagram grows with the distinct combinations at its leaves, and
// rules that each draw their own age threshold, date or region list multiply the classes it is
// built over; a policy author or a bad edit must not be able to make check, compile or CI run away.
// The shipped policy's fold makes about 20,000 nodes and a few hundred combinations in a few
// milliseconds.
struct CompileBudget {
  size_t max_nodes = size_t{8} << 20;   // about 600 MB of nodes, children and tables
  size_t max_leaves = size_t{1} << 20;  // combinations
  std::chrono::milliseconds max_time{20'000};
};

// Folds the rules (the costly part of compile_policy) under `budget`. When the fold passes it,
// reports `compile-budget` at the rule being folded, naming the rules that draw the most classes,
// and returns false; then nothing should be compiled. The CLI runs it after check_policy for every
// command, so what check passes, compile compiles within the budget. Given `compiled`, a fold that
// fits is finished into it (what compile_policy gives), so a caller that compiles folds once.
bool within_compile_budget(const Policy& policy, DiagnosticSink& sink,
                           const CompileBudget& budget = {}, CompiledPolicy* compiled = nullptr);

// For analysis (lint): what each rule does to the decisions of the flows it matches, and which
// rules match some flow together. Found from the rules' predicates and, for each part a decision
// can have (a deny, an allow, a basis requirement, each obligation and each legal basis), a diagram
// that counts the rules giving it: none, one, or two and more. For a rule that changes nothing,
// what decides instead comes from diagrams of the first deciders (the first two denies) and a fold
// of the rules meeting it into summaries (per part of a decision, its first givers). Whether
// removing a rule changes a decision depends only on those counts where it matches
// (model/combine.h: which deny or allow decides is a name, not an effect). So nothing enumerates
// the sets of rules that match together, which multiply with every rule that overlaps others (a
// policy of 20 apps in 60 regions has over a million). The policy must have passed check_policy
// without errors (as compile_policy), and must outlive the analysis, which reads it and keeps the
// rules' predicates (for matching_each).
class RuleAnalysis {
 public:
  // Past `budget` (its nodes, its time, or as many summaries of the rules matching together as it
  // allows combinations, where names are sought for rules that change nothing) the answer is the
  // `analysis-budget` error, naming the rules as within_compile_budget does.
  static std::variant<RuleAnalysis, Diagnostic> analyse(const Policy& policy,
                                                        const CompileBudget& budget = {});
  RuleAnalysis(RuleAnalysis&&) noexcept;  // the moved-from analysis answers nothing
  RuleAnalysis& operator=(RuleAnalysis&&) noexcept;
  ~RuleAnalysis();

  // The variables and classes the predicates are over; `matching` takes values of these.
  const Domains& domains() const;
  // Whether the rule (an index into policy.rules) matches some flow.
  bool matches(uint16_t rule) const;
  // Whether removing the rule changes the decision of some flow it matches: its verdict,
  // obligations or legal bases, with or without the subject's consent to the flow's purpose.
  bool changes(uint16_t rule) const;
  // For a rule that matches and changes nothing: the names (Decision::rules) of the decisions, for
  // a subject who did not consent, of the flows it matches were it removed, sorted. Empty
  // otherwise.
  const std::vector<std::string>& decided_without(uint16_t rule) const;
  // The pairs (allow, deny) and (allow, require_basis) of rules that match some flow together,
  // ascending.
  const std::vector<std::pair<uint16_t, uint16_t>>& allows_meeting() const;
  // Per class of `variable`, the rules matching where it has that class and every other variable
  // the value given (an index into its classes; one per variable of domains()), ascending.
  std::vector<std::vector<uint16_t>> matching_each(const std::vector<uint32_t>& values,
                                                   uint32_t variable) const;
  // The nodes the analysis built.
  size_t diagram_nodes() const;

 private:
  struct State;
  explicit RuleAnalysis(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace flowgate
