// flowgate_bench: the C++ side of bench/run (outside ctest). One file per subcommand:
//
//   flowgate_bench gen     --policy DIR --queries N --seed S --out FILE     gen_command.cc
//   flowgate_bench encode  --policy DIR --out FILE --classes-out FILE       encode_command.cc
//   flowgate_bench measure --policy DIR --queries FILE --decisions FILE     measure_command.cc
//   flowgate_bench scale   --policy DIR --work DIR --n 100,1000,10000       scale_command.cc
//   flowgate_bench scale   --policy DIR --work DIR --apps 20 --regions 60   scale_command.cc
//   flowgate_bench scale   --policy DIR --work DIR --shapes NAME,…           scale_shapes.cc
//   flowgate_bench facts   --policy DIR --out FILE                          facts_command.cc
//
// This header holds what they share (bench_common.cc): the policy loaded and checked, the query
// stream (generated, read, converted for each engine) and the batch timer.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "compile/compiled_policy.h"
#include "flowgate/runtime.h"
#include "model/policy.h"
#include "model/query.h"

namespace flowgate::bench {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
// The options of a subcommand: "--policy" → "DIR", …
using Args = std::map<std::string, std::string>;

int cmd_gen(Args a);
int cmd_encode(Args a);
int cmd_measure(Args a);
int cmd_scale(Args a);
int cmd_scale_shapes(Args a);  // scale --shapes: scale_shapes.cc
int cmd_facts(Args a);

double ms_since(Clock::time_point t0);
long rss_kib();  // resident set size of this process

struct Loaded {
  std::unique_ptr<Policy> policy;
  double load_check_ms = 0;
};
// Loads and checks a policy folder; exits 2, diagnostics on stderr, when it has errors.
Loaded load_checked(const std::string& dir);

// ---- the query stream

// One random query (JSON, as bench/run's peers read it): the same distribution as
// tests/compiler_test.cc, over every id, region, age band, date class and signal of `c`, with the
// regions the rules name drawn often, and 2% unknown data ids.
json random_query(std::mt19937_64& rng, const CompiledPolicy& c);

struct StreamQuery {
  std::string data, purpose, action, recipient, destination, region;
  int age = -1;
  int32_t days = 0;
  bool gpc = false, ads = true;
  std::vector<std::string> consents, features;
};

StreamQuery stream_query(const json& j);                        // one query of the stream
std::vector<StreamQuery> read_stream(const std::string& path);  // a JSONL file of them
Query to_query(const StreamQuery& s);                           // the reference evaluator's form
runtime::InternedQuery intern(const runtime::Bundle& b, const StreamQuery& s);

// ---- timing: batches of 100 decisions are timed; p50/p99 are over the batches' per-decision
// means (bench/README.md, "How the decisions are timed").

struct Timing {
  double p50_ns = 0, p99_ns = 0, decisions_per_s = 0;
  size_t batches = 0, decisions = 0;
};

// Runs `decide_range(begin, end)` over [0, n) once untimed (the warm-up: the stream's pages, the
// caches and the branch predictors), then in batches, at least `min_passes` times and for at least
// `min_seconds`.
template <class F>
Timing time_batches(size_t n, size_t min_passes, double min_seconds, F&& decide_range) {
  constexpr size_t kBatch = 100;
  decide_range(0, n);
  std::vector<double> per;
  double total_ns = 0;
  size_t decisions = 0, passes = 0;
  auto start = Clock::now();
  while (passes < min_passes ||
         std::chrono::duration<double>(Clock::now() - start).count() < min_seconds) {
    for (size_t b = 0; b < n; b += kBatch) {
      size_t e = std::min(n, b + kBatch);
      auto t0 = Clock::now();
      decide_range(b, e);
      double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
      per.push_back(ns / double(e - b));
      total_ns += ns;
      decisions += e - b;
    }
    ++passes;
  }
  std::sort(per.begin(), per.end());
  Timing t;
  t.p50_ns = per[per.size() / 2];
  t.p99_ns = per[std::min(per.size() - 1, per.size() * 99 / 100)];
  t.decisions_per_s = decisions / (total_ns * 1e-9);
  t.batches = per.size();
  t.decisions = decisions;
  return t;
}

json timing_json(const Timing& t);

// Where timed loops store their sums, so the decisions are not optimised away.
extern volatile uint64_t g_sink;

}  // namespace flowgate::bench
