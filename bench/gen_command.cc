// flowgate_bench gen --policy DIR --queries N [--seed S] --out FILE: the query stream, one JSON
// query a line (random_query in bench_common.cc), the same for every engine bench/run measures.
#include <fstream>

#include "bench.h"
#include "compile/compiler.h"

namespace flowgate::bench {

int cmd_gen(Args a) {
  Loaded loaded = load_checked(a["--policy"]);
  CompiledPolicy c = compile_policy(*loaded.policy);
  size_t n = std::stoul(a["--queries"]);
  std::mt19937_64 rng(std::stoull(a.count("--seed") ? a["--seed"] : "20261129"));
  std::ofstream out(a["--out"]);
  for (size_t i = 0; i < n; ++i) out << random_query(rng, c).dump() << "\n";
  return 0;
}

}  // namespace flowgate::bench
