// `flowgate map [MANIFEST…]`: the data-flow graph (inventory and SDK manifests) as Graphviz DOT,
// edges coloured by verdict; `--svg FILE` renders it with `dot` when Graphviz is installed.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "commands.h"
#include "flowgate/toolchain.h"
#include "gate/flow_graph.h"
#include "model/policy.h"

namespace flowgate::cli {
namespace {

namespace fs = std::filesystem;

struct MapOptions {
  std::vector<std::string> manifests;
  std::string output;
  std::string svg;
  std::string policy_dir;
  std::string mapping;
  std::string as_of;
};

bool have_dot() {
  return std::system("command -v dot > /dev/null 2>&1") == 0;
}

int run_map(const MapOptions& o) {
  auto as_of_option = as_of_date(o.as_of);
  if (!as_of_option) return kExitInputError;
  Date as_of = *as_of_option;
  std::string dir;
  auto policy = load_checked_policy(o.policy_dir, "nothing is mapped", &dir);
  if (!policy) return kExitInputError;
  DiagnosticSink sink;
  auto mapping =
      load_apple_mapping(o.mapping.empty() ? default_mapping_path(dir) : o.mapping, *policy, sink);
  std::vector<Component> components{component_from_inventory(*policy)};
  if (mapping) {
    for (const auto& manifest : o.manifests) {
      if (auto c = read_component(manifest, *policy, *mapping, sink)) components.push_back(*c);
    }
  }
  if (sink.has_errors()) {
    fmt::print(stderr, "{}", render_text(sink.sorted(), policy.get(), false));
    return kExitInputError;
  }
  auto report = run_gate(*policy, std::move(components), as_of);
  auto graph = build_flow_graph(*policy, report.components, as_of, report.subjects);
  std::string dot = to_dot(graph, fmt::format("{} {} — data flows as of {}", policy->info.name,
                                              policy->info.version, format_date(as_of)));
  if (o.output.empty() || o.output == "-") {
    if (o.svg.empty()) fmt::print("{}", dot);
  } else {
    std::ofstream(o.output, std::ios::binary) << dot;
  }
  if (!o.svg.empty()) {
    if (!have_dot()) {
      fmt::print(stderr,
                 "flowgate: note: Graphviz `dot` is not installed; no SVG written (apt-get "
                 "install graphviz)\n");
      if (o.output.empty()) fmt::print("{}", dot);
    } else {
      fs::path tmp = fs::temp_directory_path() / fmt::format("flowgate-map-{}.dot", ::getpid());
      std::ofstream(tmp, std::ios::binary) << dot;
      std::string cmd = fmt::format("dot -Tsvg '{}' -o '{}'", tmp.string(), o.svg);
      int rc = std::system(cmd.c_str());
      fs::remove(tmp);
      if (rc != 0) {
        fmt::print(stderr, "flowgate: error: dot failed to write '{}'\n", o.svg);
        return kExitInputError;
      }
    }
  }
  size_t forbidden = 0;
  for (const auto& p : graph.paths) forbidden += p.verdict == PathVerdict::kForbidden;
  return forbidden > 0 ? kExitFindings : kExitClean;
}

}  // namespace

void add_map_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<MapOptions>();
  CLI::App* c = app.add_subcommand("map", "Draw the data-flow graph (Graphviz DOT, or SVG)");
  c->footer(
      "Data items → the app → SDKs → recipients → regions; edges green when allowed for every\n"
      "subject class, orange when the runtime check decides, red when forbidden or undisclosed.\n"
      "Exit status: 0, or 1 when a path is forbidden; 2 on bad input.\n"
      "Examples:\n"
      "  flowgate map > flows.dot\n"
      "  flowgate map Pods/Adjust/PrivacyInfo.xcprivacy --svg flows.svg");
  c->add_option("manifests", o->manifests, "Apple privacy manifests and SDK manifests (.yaml)");
  c->add_option("-o,--output", o->output, "Write the DOT text here (default: standard output)");
  c->add_option("--svg", o->svg, "Render SVG to this file with Graphviz `dot`");
  c->add_option("--policy", o->policy_dir, "Policy folder (default: found from here upward)");
  c->add_option("--mapping", o->mapping, "Apple mapping (default: POLICY/mappings/apple.yaml)");
  c->add_option("--as-of", o->as_of, "Decide as of this date, YYYY-MM-DD (default: today)");
  c->callback([o, &exit_code] { exit_code = run_map(*o); });
}

}  // namespace flowgate::cli
