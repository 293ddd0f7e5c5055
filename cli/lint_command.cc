// `flowgate lint [DIR]`: contradictions, dead and shadowed rules, gaps and hygiene of a policy,
// computed on the compiled model (engine/analysis/lint_findings.h), against the reviewed baseline
// (lint-baseline.yaml at the policy root). Text, json, sarif or junit.
#include <fmt/format.h>

#include <filesystem>

#include "analysis/lint_findings.h"
#include "commands.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"

namespace flowgate::cli {
namespace {

struct LintCommandOptions {
  std::string dir;
  std::string format = "text";
  std::string severity = "warning";
  std::string baseline;  // default: DIR/lint-baseline.yaml
  bool update_baseline = false;
  std::string as_of;
  std::string color = "auto";
  bool verbose = false;
};

Severity parse_severity(const std::string& s) {
  return s == "error" ? Severity::kError : s == "note" ? Severity::kNote : Severity::kWarning;
}

int run_lint(const LintCommandOptions& o) {
  auto as_of = as_of_date(o.as_of);
  if (!as_of) return kExitInputError;
  LintOptions options;
  options.as_of = *as_of;
  std::string dir;
  auto policy = load_checked_policy(o.dir, "nothing is linted", &dir);
  if (!policy) return kExitInputError;
  std::string baseline_path =
      o.baseline.empty() ? (std::filesystem::path(dir) / kBaselineFile).string() : o.baseline;
  std::string baseline_display = o.baseline.empty() ? kBaselineFile : o.baseline;
  DiagnosticSink baseline_sink;
  Baseline baseline = read_baseline(baseline_path, baseline_display, baseline_sink);
  if (baseline_sink.has_errors()) {
    fmt::print(stderr, "{}", render_text(baseline_sink.sorted(), nullptr, false));
    fmt::print(stderr, "flowgate: error: the baseline {} is not valid\n", baseline_display);
    return kExitInputError;
  }
  Severity threshold = parse_severity(o.severity);
  LintStats stats;
  std::vector<Finding> findings = lint_policy(*policy, options, &stats);

  if (o.update_baseline) {
    Baseline next = updated_baseline(baseline, findings, threshold);
    std::string error;
    if (!write_baseline(next, baseline_path, error)) {
      fmt::print(stderr, "flowgate: error: {}\n", error);
      return kExitInputError;
    }
    size_t todo = 0;
    for (const auto& e : next.entries) todo += e.reason == kBaselineTodo;
    baseline = next;
    fmt::print(stderr,
               "flowgate: wrote {} ({} entries; {} new with reason \"{}\": review each and write "
               "its reason)\n",
               baseline_path, next.entries.size(), todo, kBaselineTodo);
  }

  LintSummary summary;
  summary.stale = apply_baseline(baseline, findings);
  summary.total = findings.size();
  for (const auto& f : findings) {
    if (!at_or_above(f.severity, threshold)) continue;
    if (f.baselined) {
      ++summary.baselined;
      summary.todo += f.baseline_reason == kBaselineTodo;
    } else {
      ++summary.failing;
    }
  }
  if (o.format == "json") {
    fmt::print("{}", render_lint_json(findings, summary));
  } else if (o.format == "sarif") {
    fmt::print("{}", render_lint_sarif(findings, FLOWGATE_VERSION,
                                       std::filesystem::absolute(dir).string()));
  } else if (o.format == "junit") {
    fmt::print("{}", render_lint_junit(findings, threshold));
  } else {
    if (o.verbose) {
      fmt::print("{}", render_lint_text(findings, summary, threshold, use_color(o.color)));
    } else {
      fmt::print("{}", render_lint_brief(digest_lint(findings, threshold), summary, threshold,
                                         use_color(o.color)));
    }
    fmt::print("policy {}: linted in {:.1f} ms ({})\n", dir, stats.milliseconds,
               stats.analysed ? fmt::format("{} diagram nodes", stats.diagram_nodes)
                              : "rules not analysed together: over the analysis budget");
  }
  if (o.update_baseline) return kExitClean;
  return summary.failing > 0 ? kExitFindings : kExitClean;
}

}  // namespace

void add_lint_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<LintCommandOptions>();
  CLI::App* c = app.add_subcommand(
      "lint", "Find contradictions, dead and shadowed rules, gaps and hygiene problems");
  c->footer(
      "Findings are computed on the compiled model: allow/deny contradictions (PolicyLint's\n"
      "C1-C5 and N1-N4) with the flows they share, rules that change no decision, inventory\n"
      "flows the rules deny, purposes without a legal basis, recipients one disclosure section\n"
      "names and another does not, rights the policy excludes but the law grants, unused\n"
      "vocabulary and unverified legal facts. Reviewed findings live in lint-baseline.yaml at\n"
      "the policy root (fingerprint + reason).\n"
      "Text is short by default: new findings first, a few lines each (where, what, the quoted\n"
      "sentence, the fix), findings of one cause merged into one that lists the rules or regions;\n"
      "then one count line per code for the reviewed ones and for those below --severity.\n"
      "--verbose prints every finding with its flows, related statements and baseline reason;\n"
      "--format json, sarif and junit always list every finding.\n"
      "Exit status: 0 no new finding at or above --severity, 1 new findings, 2 usage errors,\n"
      "a broken policy or a broken baseline.\n"
      "Examples:\n"
      "  flowgate lint                              # the policy found from here upward\n"
      "  flowgate lint --verbose                    # every finding, reviewed ones included\n"
      "  flowgate lint ./policy --format sarif > lint.sarif\n"
      "  flowgate lint --severity error --format junit > lint-junit.xml\n"
      "  flowgate lint --update-baseline            # then replace each \"TODO: review\"");
  c->add_option("dir", o->dir,
                "Policy folder (holding rules/ and jurisdictions/); default: found from the "
                "working directory upward, else the source tree");
  c->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit"}))
      ->capture_default_str();
  c->add_option("--severity", o->severity,
                "Fail (exit 1) on new findings at or above this severity")
      ->check(CLI::IsMember({"error", "warning", "note"}))
      ->capture_default_str();
  c->add_option("--baseline", o->baseline,
                "Baseline file (default: lint-baseline.yaml in the policy folder)");
  c->add_flag("--update-baseline", o->update_baseline,
              "Write the baseline for the current findings at or above --severity, keeping "
              "existing reasons; new entries get \"TODO: review\"");
  c->add_option("--as-of", o->as_of,
                "Judge against the law in force on this date, YYYY-MM-DD "
                "(default: today)");
  c->add_flag("-v,--verbose", o->verbose,
              "Text: every finding in full (flows, related statements, baseline reasons)");
  c->add_option("--color", o->color, "Colour text output")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  c->callback([o, &exit_code] { exit_code = run_lint(*o); });
}

}  // namespace flowgate::cli
