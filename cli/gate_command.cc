// `flowgate gate [MANIFEST…]`: the CI gate for SDK data flows. Each MANIFEST is an Apple privacy
// manifest (PrivacyInfo.xcprivacy, or a folder holding one) or our SDK manifest (.yaml); with none,
// the inventory itself is gated. `--app FILE` gates the app's own privacy manifest against the
// inventory; `--emit KIND` writes a store or regulator disclosure instead.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/junit.h"
#include "analysis/sarif.h"
#include "commands.h"
#include "flowgate/toolchain.h"
#include "gate/disclosures.h"
#include "gate/flow_graph.h"
#include "gate/gate_check.h"
#include "model/policy.h"

namespace flowgate::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct GateOptions {
  std::vector<std::string> manifests;
  std::string app_manifest;
  std::string format = "text";
  std::string emit;
  std::string output;
  std::string policy_dir;
  std::string mapping;
  std::string as_of;
};

const char* level_name(Severity s) {
  return s == Severity::kError ? "error" : s == Severity::kWarning ? "warning" : "note";
}

std::string where(const SourceLocation& l) {
  if (l.file.empty()) return "";
  if (l.line == 0) return l.file;
  return fmt::format("{}:{}:{}", l.file, l.line, l.column);
}

std::string render_text(const GateReport& r, const FlowGraph& g) {
  std::string out;
  out += fmt::format("Subject classes (as of {}):", format_date(r.as_of));
  for (size_t i = 0; i < r.subjects.size(); ++i) {
    out += fmt::format(" [{}] {}", i + 1, r.subjects[i].name);
  }
  out += "\n";
  for (size_t c = 0; c < r.components.size(); ++c) {
    const auto& comp = r.components[c];
    out += fmt::format("\n{} ({}, {}{}){}\n", comp.name, component_kind_name(comp.kind), comp.path,
                       comp.vendor.empty() ? "" : ", " + comp.vendor,
                       comp.routed_through_runtime ? " — routed through the runtime check"
                                                   : " — NOT routed through the runtime check");
    if (comp.flows.empty()) out += "  declares no data collection\n";
    for (const auto& e : r.entries) {
      if (e.component != c) continue;
      out += fmt::format("  {:<10} {}{}\n", policheck_name(e.policheck), comp.entries[e.entry],
                         e.fails ? "  ✘ FAIL" : "");
      for (const auto& f : r.flows) {
        if (f.component != c || comp.flows[f.flow].entry != e.entry) continue;
        const auto& flow = comp.flows[f.flow];
        std::string cells;
        for (const auto& s : f.subjects) {
          cells += s.verdict == CellVerdict::kAllow             ? "A"
                   : s.verdict == CellVerdict::kAllowWithSignal ? "c"
                                                                : "-";
        }
        if (flow.unmapped.empty()) {
          out += fmt::format("      [{}] {} {} for {} → {} in {}: {}\n", cells,
                             policheck_name(f.policheck), flow.data, flow.purpose, flow.recipient,
                             flow.destination, f.why);
        } else {
          out += fmt::format("      {}\n", f.why);
        }
      }
    }
  }
  size_t forbidden = 0;
  for (const auto& p : g.paths) forbidden += p.verdict == PathVerdict::kForbidden;
  out += fmt::format("\nFlow paths: {} ({} forbidden)\n", g.paths.size(), forbidden);
  out += "\nFindings:\n";
  size_t errors = 0;
  for (const auto& f : r.findings) {
    errors += f.level == Severity::kError;
    out += fmt::format("  {}{}{}: {}[{}]: {}\n", where(f.location),
                       f.location.file.empty() ? "" : ": ", f.component, level_name(f.level),
                       f.rule, f.message);
  }
  out += fmt::format(
      "\ngate: {} ({} error findings); cells: A allow, c only with consent or "
      "feature, - deny\n",
      r.failed() ? "FAIL" : "pass", errors);
  return out;
}

// One component: its entries, each with its readings and their decisions per subject class.
ordered_json component_json(const GateReport& r, size_t c) {
  const auto& comp = r.components[c];
  ordered_json jc = {{"name", comp.name},
                     {"kind", component_kind_name(comp.kind)},
                     {"path", comp.path},
                     {"vendor", comp.vendor},
                     {"routed_through_runtime", comp.routed_through_runtime},
                     {"tracking", comp.tracking},
                     {"tracking_domains", comp.tracking_domains}};
  auto entries = ordered_json::array();
  for (const auto& e : r.entries) {
    if (e.component != c) continue;
    auto flows = ordered_json::array();
    for (const auto& f : r.flows) {
      if (f.component != c || comp.flows[f.flow].entry != e.entry) continue;
      const auto& flow = comp.flows[f.flow];
      auto decisions = ordered_json::array();
      for (size_t i = 0; i < f.subjects.size(); ++i) {
        decisions.push_back({{"subject", r.subjects[i].name},
                             {"decision", cell_name(f.subjects[i].verdict)},
                             {"rules", f.subjects[i].decision.rules},
                             {"citations", f.subjects[i].decision.citations}});
      }
      flows.push_back({{"data", flow.data},
                       {"purpose", flow.purpose},
                       {"recipient", flow.recipient},
                       {"destination", flow.destination},
                       {"action", action_name(flow.action)},
                       {"unmapped", flow.unmapped},
                       {"policheck", policheck_name(f.policheck)},
                       {"fails", f.fails},
                       {"why", f.why},
                       {"decisions", decisions}});
    }
    entries.push_back({{"entry", comp.entries[e.entry]},
                       {"policheck", policheck_name(e.policheck)},
                       {"fails", e.fails},
                       {"readings", flows}});
  }
  jc["entries"] = entries;
  return jc;
}

ordered_json render_json(const GateReport& r, const FlowGraph& g) {
  ordered_json j;
  j["as_of"] = format_date(r.as_of);
  j["passed"] = !r.failed();
  auto subjects = ordered_json::array();
  for (const auto& s : r.subjects) {
    subjects.push_back({{"name", s.name},
                        {"region", s.region},
                        {"age", s.age ? ordered_json(*s.age) : ordered_json(nullptr)},
                        {"gpc", s.gpc},
                        {"ads_personalization", s.ads_personalization}});
  }
  j["subjects"] = subjects;
  auto components = ordered_json::array();
  for (size_t c = 0; c < r.components.size(); ++c) components.push_back(component_json(r, c));
  j["components"] = components;
  auto paths = ordered_json::array();
  for (const auto& p : g.paths) {
    paths.push_back({{"path", g.describe(p)},
                     {"data", p.data},
                     {"purpose", p.purpose},
                     {"verdict", path_verdict_name(p.verdict)},
                     {"why", p.why}});
  }
  j["paths"] = paths;
  auto findings = ordered_json::array();
  for (const auto& f : r.findings) {
    findings.push_back({{"rule", f.rule},
                        {"level", level_name(f.level)},
                        {"component", f.component},
                        {"file", f.location.file},
                        {"line", f.location.line},
                        {"column", f.location.column},
                        {"message", f.message}});
  }
  j["findings"] = findings;
  return j;
}

std::string render_sarif(const GateReport& r) {
  SarifRun run;
  run.tool_version = FLOWGATE_VERSION;
  run.source_root = fs::current_path().string();
  std::set<std::string> seen;
  for (const auto& f : r.findings) {
    if (seen.insert(f.rule).second) {
      SarifRule rule;
      rule.id = f.rule;
      rule.short_description = fmt::format("flowgate gate: {}", f.rule);
      rule.help = "See `flowgate gate --help` and mappings/apple.yaml.";
      rule.default_level = level_name(f.level);
      run.rules.push_back(std::move(rule));
    }
    SarifResult res;
    res.rule_id = f.rule;
    res.level = level_name(f.level);
    res.message = fmt::format("{}: {}", f.component, f.message);
    if (!f.location.file.empty()) {
      SarifLocation location;
      location.file = f.location.file;
      location.line = f.location.line;
      location.column = f.location.column;
      res.locations.push_back(std::move(location));
    }
    res.properties.push_back({"component", f.component});
    res.fingerprint = fmt::format("{}/{}/{}", f.rule, f.component, f.message);
    run.results.push_back(std::move(res));
  }
  return write_sarif(run);
}

std::string render_junit(const GateReport& r) {
  std::vector<JUnitSuite> suites;
  for (size_t c = 0; c < r.components.size(); ++c) {
    const auto& comp = r.components[c];
    JUnitSuite suite;
    suite.name = comp.name;
    suite.file = comp.path;
    for (const auto& e : r.entries) {
      if (e.component != c) continue;
      JUnitCase k;
      k.name = comp.entries[e.entry];
      k.classname = "gate." + comp.name;
      k.file = comp.path;
      if (e.fails) {
        k.outcome = JUnitCase::Outcome::kFailed;
        k.message = policheck_name(e.policheck);
        for (const auto& f : r.flows) {
          if (f.component == c && comp.flows[f.flow].entry == e.entry && f.fails) {
            k.details += f.why + "\n";
          }
        }
      }
      suite.cases.push_back(std::move(k));
    }
    for (const auto& f : r.findings) {
      if (f.component != comp.name || f.level != Severity::kError) continue;
      if (f.rule != "gate-tracking-eu" && f.rule != "gate-path-forbidden" &&
          f.rule != "gate-app-manifest-missing" && f.rule != "gate-unknown-apple-type") {
        continue;
      }
      JUnitCase k;
      k.name = f.rule;
      k.classname = "gate." + comp.name;
      k.file = f.location.file;
      k.line = f.location.line;
      k.outcome = JUnitCase::Outcome::kFailed;
      k.message = f.message;
      suite.cases.push_back(std::move(k));
    }
    if (suite.cases.empty()) {
      JUnitCase k;
      k.name = "declares no data collection";
      k.classname = "gate." + comp.name;
      k.file = comp.path;
      suite.cases.push_back(std::move(k));
    }
    suites.push_back(std::move(suite));
  }
  return write_junit("flowgate gate", suites);
}

bool write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    fmt::print("{}", text);
    return true;
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    fmt::print(stderr, "flowgate: error: cannot write '{}'\n", path);
    return false;
  }
  return true;
}

int run_gate_command(const GateOptions& o) {
  auto as_of_option = as_of_date(o.as_of);
  if (!as_of_option) return kExitInputError;
  Date as_of = *as_of_option;
  std::string dir;
  auto policy = load_checked_policy(o.policy_dir, "nothing is gated", &dir);
  if (!policy) return kExitInputError;
  DiagnosticSink sink;
  auto fail_input = [&]() {
    fmt::print(stderr, "{}", flowgate::render_text(sink.sorted(), policy.get(), false));
    return kExitInputError;
  };
  auto mapping =
      load_apple_mapping(o.mapping.empty() ? default_mapping_path(dir) : o.mapping, *policy, sink);
  if (!mapping) return fail_input();

  if (!o.emit.empty()) {
    Disclosure d;
    if (o.emit == "privacy-manifest") {
      d = emit_privacy_manifest(*policy, *mapping);
    } else if (o.emit == "play-data-safety") {
      d = emit_play_data_safety(*policy, *mapping, o.format == "csv");
    } else if (o.emit == "california-table") {
      d = emit_california_table(*policy, as_of);
    } else {
      d = emit_gdpr_art30(*policy, as_of, o.format == "json");
    }
    for (const auto& p : d.problems) {
      fmt::print(stderr, "{}: error[{}]: {}\n", where(p.location), p.rule, p.message);
    }
    if (!d.problems.empty()) return kExitFindings;
    return write_output(o.output, d.text) ? kExitClean : kExitInputError;
  }

  std::vector<Component> components;
  for (const auto& manifest : o.manifests) {
    if (auto c = read_component(manifest, *policy, *mapping, sink)) components.push_back(*c);
  }
  if (!o.app_manifest.empty()) {
    auto apple = read_apple_manifest(o.app_manifest, o.app_manifest, sink);
    if (apple) components.push_back(component_from_app_manifest(*apple, *mapping, *policy));
  }
  if (sink.has_errors()) return fail_input();
  if (o.manifests.empty() && o.app_manifest.empty()) {
    components.push_back(component_from_inventory(*policy));
  }
  bool gate_inventory_too = !o.manifests.empty() || !o.app_manifest.empty();
  auto report = run_gate(*policy, std::move(components), as_of);
  // The inventory is always part of the graph: SDK paths run through the app.
  std::vector<Component> graph_components = report.components;
  if (gate_inventory_too) graph_components.push_back(component_from_inventory(*policy));
  auto graph = build_flow_graph(*policy, graph_components, as_of, report.subjects);
  for (auto& f : path_findings(graph)) report.findings.push_back(std::move(f));

  std::string text;
  if (o.format == "json") {
    text =
        render_json(report, graph).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
        "\n";
  } else if (o.format == "sarif") {
    text = render_sarif(report);
  } else if (o.format == "junit") {
    text = render_junit(report);
  } else {
    text = render_text(report, graph);
  }
  if (!write_output(o.output, text)) return kExitInputError;
  return report.failed() ? kExitFindings : kExitClean;
}

}  // namespace

void add_gate_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<GateOptions>();
  CLI::App* c = app.add_subcommand(
      "gate", "Gate SDK data flows (Apple privacy manifests, SDK manifests, the inventory)");
  c->footer(
      "Each declared flow is decided for ten subject classes (EU adult and minor, CH, GB, JP,\n"
      "US-CA, US-VA, US-CO with GPC, ads toggle off, rest of world) and classed as PoliCheck "
      "does:\n"
      "consistent, omitted (never disclosed), incorrect (forbidden), ambiguous.\n"
      "Exit status: 0 pass; 1 an omitted flow, a flow denied for some subjects that the SDK does\n"
      "not route through the runtime check, tracking without it, a forbidden path, or a\n"
      "disclosure that cannot be generated; 2 unreadable or hostile input.\n"
      "Examples:\n"
      "  flowgate gate                                   # the inventory\n"
      "  flowgate gate Pods/Adjust/PrivacyInfo.xcprivacy sdks/revenuecat.yaml --format sarif\n"
      "  flowgate gate --emit privacy-manifest -o PrivacyInfo.xcprivacy\n"
      "  flowgate gate --app PrivacyInfo.xcprivacy       # the app's own manifest vs the "
      "inventory");
  c->add_option("manifests", o->manifests,
                "PrivacyInfo.xcprivacy files (or folders holding one) and SDK manifests (.yaml)");
  c->add_option("--app", o->app_manifest,
                "The app's own PrivacyInfo.xcprivacy, checked against "
                "the inventory");
  c->add_option("--format", o->format, "Output format (csv: play-data-safety; json: gdpr-art30)")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "csv", "markdown"}))
      ->capture_default_str();
  c->add_option("--emit", o->emit, "Write a disclosure instead of gating")
      ->check(CLI::IsMember(
          {"privacy-manifest", "play-data-safety", "california-table", "gdpr-art30"}));
  c->add_option("-o,--output", o->output, "Write to this file instead of standard output");
  c->add_option("--policy", o->policy_dir, "Policy folder (default: found from here upward)");
  c->add_option("--mapping", o->mapping, "Apple mapping (default: POLICY/mappings/apple.yaml)");
  c->add_option("--as-of", o->as_of, "Decide as of this date, YYYY-MM-DD (default: today)");
  c->callback([o, &exit_code] { exit_code = run_gate_command(*o); });
}

}  // namespace flowgate::cli
