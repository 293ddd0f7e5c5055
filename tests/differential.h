// The differential test of the two engines (docs/design.md, "Two engines, one truth"): random
// queries over a policy's whole vocabulary, regions, ages, dates and signals, decided by the
// reference evaluator and by a compiled diagram. compiler_vs_reference requires that they never
// differ; the mutation test compiler_catches_fault requires that they do, for a compiler built with
// a deliberate fault.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include "compile/compiled_policy.h"
#include "model/policy.h"
#include "model/query.h"

namespace flowgate::testing {

Query random_query(std::mt19937_64& rng, const CompiledPolicy& c);
// A query on one line, for failure messages.
std::string show(const Query& q);
// FLOWGATE_RANDOM_QUERIES, else `fallback` (the sanitizer builds run fewer).
size_t random_query_count(size_t fallback);

struct Differences {
  size_t queries = 0;  // decided by both engines
  size_t disagreements = 0;
  std::vector<std::string> first;  // the first few, each with both decisions
};

// Decides `count` random queries (the same ones on every run) with both engines; stops early once
// `stop_after` of them disagree (0: never).
Differences compare_engines(const Policy& policy, const CompiledPolicy& compiled, size_t count,
                            size_t stop_after = 0);

}  // namespace flowgate::testing
