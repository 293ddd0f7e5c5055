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
// records merge and the diagram re-reduces. Lint, which needs the sets themselves, folds those
// separately (compile_rule_sets).
#pragma once

#include <chrono>
#include <cstddef>
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
  size_t max_leaves = size_t{1} << 20;  // combinations (compile) or rule sets (lint)
  std::chrono::milliseconds max_time{20'000};
};

// Folds the rules (the costly part of compile_policy) under `budget`. When the fold passes it,
// reports `compile-budget` at the rule being folded, naming the rules that draw the most classes,
// and returns false; then nothing should be compiled. The CLI runs it after check_policy for every
// command, so what check passes, compile compiles within the budget. Given `compiled`, a fold that
// fits is finished into it (what compile_policy gives), so a caller that compiles folds once.
bool within_compile_budget(const Policy& policy, DiagnosticSink& sink,
                           const CompileBudget& budget = {}, CompiledPolicy* compiled = nullptr);

// For analysis (lint): a diagram whose leaves are the sets of rules matching there. Its nodes are
// in domains.shape (nodes, children, root; no decisions); a leaf's value indexes rule_sets, each
// the sorted indices into policy.rules of the rules matching there. Only sets reachable from the
// root occur on a path. The policy must have passed check_policy without errors (as
// compile_policy). Unlike compile's combinations, the sets can multiply exponentially with rules
// that overlap at random: past `budget` the answer is the `analysis-budget` error, naming the rules
// as within_compile_budget does.
struct RuleSetDiagram {
  Domains domains;
  std::vector<std::vector<uint16_t>> rule_sets;
};
std::variant<RuleSetDiagram, Diagnostic> compile_rule_sets(const Policy& policy,
                                                           const CompileBudget& budget = {});

}  // namespace flowgate
