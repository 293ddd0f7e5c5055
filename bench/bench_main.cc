// flowgate_bench: the C++ side of bench/run (outside ctest); its subcommands are in
// bench/*_command.cc (bench.h lists them).
//
//   flowgate_bench gen     --policy DIR --queries N --seed S --out FILE   the query stream (JSONL)
//   flowgate_bench encode  --policy DIR --out FILE --classes-out FILE     peer encodings
//   flowgate_bench measure --policy DIR --queries FILE --decisions FILE   flowgate, reference, flat
//   flowgate_bench scale   --policy DIR --work DIR --n 100,1000,10000     synthetic policies
//
// Results are JSON on stdout. Decisions files hold one line per query: "allow" or "deny".
#include <exception>
#include <iostream>

#include "bench.h"

namespace {

flowgate::bench::Args parse_args(int argc, char** argv, int from) {
  flowgate::bench::Args a;
  for (int i = from; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  namespace bench = flowgate::bench;
  if (argc < 2) {
    std::cerr << "usage: flowgate_bench gen|encode|measure|scale|facts --policy DIR …\n";
    return 2;
  }
  std::string cmd = argv[1];
  auto a = parse_args(argc, argv, 2);
  try {
    if (cmd == "gen") return bench::cmd_gen(a);
    if (cmd == "encode") return bench::cmd_encode(a);
    if (cmd == "measure") return bench::cmd_measure(a);
    if (cmd == "scale" && a.count("--shapes")) return bench::cmd_scale_shapes(a);
    if (cmd == "scale") return bench::cmd_scale(a);
    if (cmd == "facts") return bench::cmd_facts(a);
  } catch (const std::exception& e) {
    std::cerr << "flowgate_bench " << cmd << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "unknown command " << cmd << "\n";
  return 2;
}
