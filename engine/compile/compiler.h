// compile_policy: the compile stage's entry point. Rules → a reduced, ordered, multi-valued
// decision diagram over the query's variables (compile/domains.h), whose leaves are the decision
// records that combine() (model/combine.h) gives for the set of rules matching there.
//
// How: each rule becomes a predicate diagram (its match block and condition, compiled over the
// classes of the variables each part reads by compile/predicates.h, which shares no code with the
// reference evaluator), the predicates are folded into one diagram whose leaves are rule sets, and
// each rule set becomes its decision record; leaves with equal records merge and the diagram
// re-reduces.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "compile/compiled_policy.h"
#include "compile/domains.h"
#include "flowgate/diagnostic.h"
#include "model/policy.h"

namespace flowgate {

struct CompileStats {
  size_t rules = 0;
  size_t rule_sets = 0;      // distinct sets of matching rules
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

// For analysis (lint): the diagram before its leaves are combined into decisions. Its nodes are in
// domains.shape (nodes, children, root; no decisions); a leaf's value indexes rule_sets, each the
// sorted indices into policy.rules of the rules matching there. Only sets reachable from the root
// occur on a path. The policy must have passed check_policy without errors (as compile_policy).
struct RuleSetDiagram {
  Domains domains;
  std::vector<std::vector<uint16_t>> rule_sets;
};
RuleSetDiagram compile_rule_sets(const Policy& policy);

// The compile budget. The diagram grows with the distinct sets of matching rules, and rules that
// each draw their own age threshold, date or region list can multiply those sets past any memory;
// a policy author or a bad edit must not be able to make check, compile or CI run away. The shipped
// policy's fold makes about 20,000 nodes and 5,000 rule sets in a few milliseconds.
struct CompileBudget {
  size_t max_nodes = size_t{8} << 20;      // about 600 MB of nodes, children and tables
  size_t max_rule_sets = size_t{1} << 20;  // each becomes a combined decision (about 5 µs each)
  std::chrono::milliseconds max_time{20'000};
};

// Folds the rules (the costly part of compile_policy and compile_rule_sets) under `budget`. When
// the fold passes it, reports `compile-budget` at the rule being folded, naming the rules that grew
// the diagram most, and returns false; then neither compile nor lint should run. The CLI runs it
// after check_policy for every command, so what check passes, compile compiles within the budget.
bool within_compile_budget(const Policy& policy, DiagnosticSink& sink,
                           const CompileBudget& budget = {});

}  // namespace flowgate
