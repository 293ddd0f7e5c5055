// `flowgate gate [MANIFEST|FOLDER…]`: the CI gate for SDK data flows. Each argument is an Apple
// privacy manifest, our SDK manifest (.yaml) or a folder searched for both (gate/sdk_discovery.h);
// with none, the inventory itself is gated. `--app FILE` gates the app's own privacy manifest
// against the inventory; `--emit KIND` writes a store or regulator disclosure instead. Computed by
// run_gate and summarize_gate (gate/gate_findings.h); rendered here as text (one line per SDK, one
// per failing finding group; --verbose: the per-subject matrix), JSON, SARIF or JUnit.
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
#include "gate/gate_findings.h"
#include "gate/sdk_discovery.h"
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
  std::string baseline;
  bool write_baseline = false;
  bool verbose = false;
};

const char* level_name(Severity s) {
  return s == Severity::kError ? "error" : s == Severity::kWarning ? "warning" : "note";
}

std::string where(const SourceLocation& l) {
  if (l.file.empty()) return "";
  if (l.line == 0) return l.file;
  return fmt::format("{}:{}:{}", l.file, l.line, l.column);
}

// A finding group in one line: where, which SDK, the rule, what and why, then the fix.
std::string group_line(const GateGroup& g) {
  return fmt::format("  {}: {}{}{}[{}]: {} — fix: {}\n", where(g.location), g.component,
                     g.component.empty() ? "" : ": ", level_name(g.level), g.rule, g.summary,
                     g.fix);
}

std::string counts_text(const GateSdkLine& line) {
  std::vector<std::string> parts;
  auto add = [&](size_t n, const char* one, const char* many) {
    if (n > 0) parts.push_back(fmt::format("{} {}", n, n == 1 ? one : many));
  };
  add(line.errors, "error", "errors");
  add(line.warnings, "warning", "warnings");
  add(line.notes, "note", "notes");
  add(line.baselined, "baselined", "baselined");
  return parts.empty() ? "no findings" : fmt::to_string(fmt::join(parts, ", "));
}

// The footer every text report ends with: baseline counts, stale entries, the verdict.
std::string render_footer(const GateSummary& s, const std::string& baseline_path,
                          bool input_errors) {
  std::string out;
  if (s.baselined > 0) {
    out += fmt::format("Baselined: {} finding group{} accepted in {}{}.\n", s.baselined,
                       s.baselined == 1 ? "" : "s", baseline_path,
                       s.todo ? fmt::format(" ({} still \"{}\")", s.todo, kBaselineTodo) : "");
  }
  if (!s.stale.empty()) {
    std::vector<std::string> lines;
    for (const auto& e : s.stale) lines.push_back(fmt::format("line {}", e.line));
    out += fmt::format(
        "Stale baseline entries: {} in {} ({}) match no finding any more; remove them "
        "(--write-baseline rewrites the file).\n",
        s.stale.size(), baseline_path, fmt::join(lines, ", "));
  }
  size_t failing_sdks = 0;
  for (const auto& l : s.sdks) failing_sdks += l.failed;
  if (s.failed()) {
    out += fmt::format("gate: FAIL — {} failing finding group{} in {} of {} SDK{}{}.\n", s.failing,
                       s.failing == 1 ? "" : "s", failing_sdks, s.sdks.size(),
                       s.sdks.size() == 1 ? "" : "s",
                       input_errors ? "; some manifests could not be read (see above)" : "");
  } else {
    out += fmt::format("gate: {} — {} SDK{}{}.\n", input_errors ? "INPUT ERROR" : "pass",
                       s.sdks.size(), s.sdks.size() == 1 ? "" : "s",
                       input_errors ? "; some manifests could not be read (see above)" : "");
  }
  return out;
}

// The default: one line per SDK, then one per failing finding group, each with its fix.
std::string render_brief(const GateReport& r, const GateSummary& s,
                         const std::string& baseline_path, bool input_errors) {
  std::string out = fmt::format(
      "Gated {} SDK{} as of {} for {} subject classes (--verbose: every reading and subject "
      "class).\n",
      r.components.size(), r.components.size() == 1 ? "" : "s", format_date(r.as_of),
      r.subjects.size());
  size_t width = 4;
  for (const auto& c : r.components) width = std::max(width, c.name.size());
  for (const auto& line : s.sdks) {
    const auto& comp = r.components[line.component];
    std::string what = comp.flows.empty() && line.errors + line.warnings == 0
                           ? "declares no data collection"
                           : counts_text(line);
    out += fmt::format("  {}  {:<{}}  {}{}\n", line.failed ? "FAIL" : "pass", comp.name, width,
                       what, comp.package.empty() ? "" : fmt::format("  ({})", comp.package));
  }
  size_t shown = 0;
  for (const auto& g : s.groups) shown += g.level == Severity::kError && !g.baseline;
  if (shown > 0) out += fmt::format("Failing findings ({}):\n", shown);
  for (const auto& g : s.groups) {
    if (g.level == Severity::kError && !g.baseline) out += group_line(g);
  }
  return out + render_footer(s, baseline_path, input_errors);
}

// --verbose: each SDK's entries, their readings and the decision per subject class, then every
// finding group (warnings and notes too).
std::string render_verbose(const GateReport& r, const FlowGraph& g, const GateSummary& s,
                           const std::string& baseline_path, bool input_errors) {
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
      // A consistent entry fails only because the SDK is not routed: say so, not "consistent".
      std::string status = policheck_name(e.policheck);
      if (e.fails) {
        status = e.policheck == PoliCheckClass::kConsistent ? "FAIL: unrouted" : "FAIL: " + status;
      }
      out += fmt::format("  {:<16} {}\n", status, comp.entries[e.entry]);
      for (const auto& f : r.flows) {
        if (f.component != c || comp.flows[f.flow].entry != e.entry) continue;
        const auto& flow = comp.flows[f.flow];
        std::string cells;
        for (const auto& sd : f.subjects) {
          cells += sd.verdict == CellVerdict::kAllow             ? "A"
                   : sd.verdict == CellVerdict::kAllowWithSignal ? "c"
                                                                 : "-";
        }
        // Disclosed but failing: the failure is the missing runtime check, not the policy.
        const char* label = f.fails && f.policheck == PoliCheckClass::kConsistent
                                ? "unrouted"
                                : policheck_name(f.policheck);
        if (flow.unmapped.empty()) {
          out += fmt::format("      [{}] {} {} for {} → {} in {}: {}\n", cells, label, flow.data,
                             flow.purpose, flow.recipient, flow.destination, f.why);
        } else {
          out += fmt::format("      {}\n", f.why);
        }
      }
    }
  }
  size_t forbidden = 0;
  for (const auto& p : g.paths) forbidden += p.verdict == PathVerdict::kForbidden;
  out += fmt::format("\nFlow paths: {} ({} forbidden)\n", g.paths.size(), forbidden);
  out += "\nFindings, one per cause (cells: A allow, c only with consent or feature, - deny):\n";
  for (const auto& group : s.groups) {
    out += group_line(group);
    if (group.baseline) out += fmt::format("    baselined: {}\n", group.baseline->reason);
  }
  return out + "\n" + render_footer(s, baseline_path, input_errors);
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

ordered_json group_json(const GateGroup& g) {
  return {{"rule", g.rule},
          {"level", level_name(g.level)},
          {"component", g.component},
          {"file", g.location.file},
          {"line", g.location.line},
          {"column", g.location.column},
          {"summary", g.summary},
          {"fix", g.fix},
          {"fingerprint", g.fingerprint},
          {"baselined", g.baseline != nullptr},
          {"baseline_reason", g.baseline ? g.baseline->reason : ""},
          {"findings", g.members.size()},
          {"entries", g.entries},
          {"readings", g.readings},
          {"rules", g.rules},
          {"denied_for", g.denied_for}};
}

ordered_json render_json(const GateReport& r, const FlowGraph& g, const GateSummary& s) {
  ordered_json j;
  j["as_of"] = format_date(r.as_of);
  j["passed"] = !s.failed();
  auto sdks = ordered_json::array();
  for (const auto& line : s.sdks) {
    sdks.push_back({{"name", r.components[line.component].name},
                    {"package", r.components[line.component].package},
                    {"verdict", line.failed ? "fail" : "pass"},
                    {"errors", line.errors},
                    {"warnings", line.warnings},
                    {"notes", line.notes},
                    {"baselined", line.baselined}});
  }
  j["sdks"] = sdks;
  auto groups = ordered_json::array();
  for (const auto& group : s.groups) groups.push_back(group_json(group));
  j["groups"] = groups;
  auto stale = ordered_json::array();
  for (const auto& e : s.stale) {
    stale.push_back({{"fingerprint", e.fingerprint}, {"reason", e.reason}, {"line", e.line}});
  }
  j["stale_baseline"] = stale;
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

// One result per finding group, at the manifest entry or inventory flow it starts at.
std::string render_sarif(const GateSummary& s) {
  SarifRun run;
  run.tool_version = FLOWGATE_VERSION;
  run.source_root = fs::current_path().string();
  for (const auto& info : gate_rules()) {
    SarifRule rule;
    rule.id = std::string(info.id);
    rule.short_description = std::string(info.title);
    rule.full_description = std::string(info.description);
    rule.help = fmt::format("{}\n\nTo fix: {}", info.description, info.fix);
    rule.help_markdown = fmt::format(
        "{}\n\n**To fix:** {}\n\nSee `flowgate gate --help`; `flowgate gate --verbose` shows "
        "the decision for every subject class.",
        info.description, info.fix);
    rule.default_level = level_name(info.level);
    run.rules.push_back(std::move(rule));
  }
  for (const auto& g : s.groups) {
    SarifResult res;
    res.rule_id = g.rule;
    res.level = level_name(g.level);
    res.message = fmt::format("{}{}{}. To fix: {}.", g.component, g.component.empty() ? "" : ": ",
                              g.summary, g.fix);
    res.locations.push_back({g.location.file, g.location.line, g.location.column, ""});
    res.properties.push_back({"component", g.component});
    res.properties.push_back({"findings", std::to_string(g.members.size())});
    res.fingerprint = g.key;
    if (g.baseline) res.suppression_justification = g.baseline->reason;
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

// The artifact a location names, relative to the current folder: files of the policy (the
// inventory) are named relative to its root, manifests as found.
std::string artifact_path(const std::string& file, const std::string& policy_dir) {
  if (file.empty()) return file;
  fs::path p = file;
  std::error_code ec;
  if (p.is_relative() && !fs::exists(p, ec) && fs::exists(fs::path(policy_dir) / p, ec)) {
    p = fs::path(policy_dir) / p;
  }
  p = p.lexically_normal();
  if (p.is_absolute()) {
    fs::path rel = p.lexically_relative(fs::current_path(ec));
    if (!ec && !rel.empty() && *rel.begin() != "..") p = rel;
  }
  return p.generic_string();
}

int run_gate_command(const GateOptions& o) {
  auto as_of_option = as_of_date(o.as_of);
  if (!as_of_option) return kExitInputError;
  Date as_of = *as_of_option;
  std::string dir;
  auto policy = load_checked_policy(o.policy_dir, "nothing is gated", &dir);
  if (!policy) return kExitInputError;
  DiagnosticSink sink;
  auto print_diagnostics = [&]() {
    fmt::print(stderr, "{}", flowgate::render_text(sink.sorted(), policy.get(), false));
  };
  auto fail_input = [&]() {
    print_diagnostics();
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

  if (o.write_baseline && o.baseline.empty()) {
    fmt::print(stderr,
               "flowgate: error: --write-baseline needs --baseline FILE (the file to write)\n");
    return kExitInputError;
  }
  Baseline baseline;
  if (!o.baseline.empty()) {
    baseline = read_baseline(o.baseline, o.baseline, sink);
    if (sink.has_errors()) return fail_input();
  }

  // Manifests: every argument expanded; the unreadable ones reported, the rest still gated.
  std::vector<Component> components;
  if (!o.manifests.empty()) {
    SdkDiscovery discovery = discover_sdks(o.manifests, sink);
    for (const auto& note : discovery.notes) fmt::print(stderr, "flowgate: note: {}\n", note);
    components = read_sdk_components(discovery, *policy, *mapping, sink);
    if (discovery.sources.empty() && !sink.has_errors() && o.app_manifest.empty()) {
      fmt::print(stderr,
                 "flowgate: error: found no privacy manifest and no SDK manifest to gate\n"
                 "      = help: pass PrivacyInfo.xcprivacy files, SDK manifests (.yaml with "
                 "`sdk:`) or folders holding them; with no argument the inventory is gated\n");
      return kExitInputError;
    }
  }
  if (!o.app_manifest.empty()) {
    auto apple = read_apple_manifest(o.app_manifest, o.app_manifest, sink);
    if (apple) components.push_back(component_from_app_manifest(*apple, *mapping, *policy));
  }
  bool input_errors = sink.has_errors();
  if (input_errors) print_diagnostics();
  if (input_errors && components.empty()) return kExitInputError;
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
  for (auto& f : report.findings) f.location.file = artifact_path(f.location.file, dir);
  for (auto& c : report.components) c.path = artifact_path(c.path, dir);
  GateSummary summary = summarize_gate(report, o.baseline.empty() ? nullptr : &baseline);

  if (o.write_baseline) {
    Baseline updated = gate_baseline(baseline, summary);
    std::string error;
    if (!write_baseline(updated, o.baseline, error, gate_baseline_header())) {
      fmt::print(stderr, "flowgate: error: {}\n", error);
      return kExitInputError;
    }
    size_t todo = 0;
    for (const auto& e : updated.entries) todo += e.reason == kBaselineTodo;
    fmt::print(stderr, "flowgate: wrote {} ({} entries, {} to review: replace \"{}\")\n",
               o.baseline, updated.entries.size(), todo, kBaselineTodo);
    return input_errors ? kExitInputError : kExitClean;
  }

  std::string text;
  if (o.format == "json") {
    text = render_json(report, graph, summary)
               .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
           "\n";
  } else if (o.format == "sarif") {
    text = render_sarif(summary);
  } else if (o.format == "junit") {
    text = render_junit(report);
  } else if (o.verbose) {
    text = render_verbose(report, graph, summary, o.baseline, input_errors);
  } else {
    text = render_brief(report, summary, o.baseline, input_errors);
  }
  if (!write_output(o.output, text)) return kExitInputError;
  if (input_errors) return kExitInputError;
  return summary.failed() ? kExitFindings : kExitClean;
}

}  // namespace

void add_gate_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<GateOptions>();
  CLI::App* c = app.add_subcommand(
      "gate", "Gate SDK data flows (Apple privacy manifests, SDK manifests, the inventory)");
  c->footer(
      "Arguments: PrivacyInfo.xcprivacy files, SDK manifests (.yaml with `sdk:`), or folders,\n"
      "searched recursively for both (a CocoaPods Pods/ tree, Swift package checkouts). Other\n"
      "files are skipped with a note. Each SDK is named from its package (X.xcframework,\n"
      "X.framework, Pods/X/, Sources/X/); an xcframework's slices are one SDK.\n"
      "\n"
      "Each declared flow is decided for ten subject classes (EU adult and minor, CH, GB, JP,\n"
      "US-CA, US-VA, US-CO with GPC, ads toggle off, rest of world) and classed as PoliCheck\n"
      "does: consistent, omitted (never disclosed), incorrect (forbidden), ambiguous.\n"
      "\n"
      "Output: one line per SDK (verdict, counts), then one line per failing finding — one cause\n"
      "(an SDK's declared entry, or a forbidden hop of its paths) across every reading and\n"
      "subject class — ending with the fix:\n"
      "  gate-unrouted-deny, gate-tracking-eu  route the SDK through the runtime check and\n"
      "                                        declare it in an SDK manifest\n"
      "  gate-omitted                          disclose the data type in the policy, or map the\n"
      "                                        Apple type in mappings/apple.yaml\n"
      "  gate-incorrect, gate-path-forbidden   stop the flow or change the policy\n"
      "  any of them                           or baseline it with a reason (--baseline)\n"
      "--verbose adds the per-subject matrix (A allow, c only with consent or feature, - deny)\n"
      "and the warnings and notes. --format sarif writes one result per finding for GitHub code\n"
      "scanning (github/codeql-action/upload-sarif).\n"
      "\n"
      "Baseline: a reviewed finding is accepted by its fingerprint with a reason, in lint's\n"
      "baseline format. `--baseline FILE --write-baseline` writes every failing finding into FILE\n"
      "(keeping existing reasons; new ones read \"TODO: review\"); `--baseline FILE` then fails\n"
      "only on findings not in it, counts the accepted ones in one line, and lists stale entries.\n"
      "\n"
      "Exit status: 0 pass; 1 a failing finding not baselined (or a disclosure that cannot be\n"
      "generated); 2 an unreadable, malformed or hostile manifest (the rest are still gated and\n"
      "reported), a bad baseline, or nothing to gate.\n"
      "Examples:\n"
      "  flowgate gate                                   # the inventory\n"
      "  flowgate gate Pods sdks                         # every manifest below Pods/ and sdks/\n"
      "  flowgate gate Pods --format sarif -o gate.sarif\n"
      "  flowgate gate Pods --baseline gate-baseline.yaml --write-baseline   # adopt: accept "
      "today's\n"
      "  flowgate gate Pods --baseline gate-baseline.yaml                    # fail on new ones "
      "only\n"
      "  flowgate gate --emit privacy-manifest -o PrivacyInfo.xcprivacy\n"
      "  flowgate gate --app PrivacyInfo.xcprivacy       # the app's own manifest vs the "
      "inventory");
  c->add_option("manifests", o->manifests,
                "PrivacyInfo.xcprivacy files, SDK manifests (.yaml) and folders holding them");
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
  c->add_option("--baseline", o->baseline,
                "Accepted findings (fingerprint and reason each); a missing file is empty");
  c->add_flag("--write-baseline", o->write_baseline,
              "Write every failing finding into the --baseline file, keeping existing reasons");
  c->add_flag("-v,--verbose", o->verbose,
              "Text: every SDK's readings decided per subject class, and every finding");
  c->callback([o, &exit_code] { exit_code = run_gate_command(*o); });
}

}  // namespace flowgate::cli
