// `flowgate report [-o FILE]`: one self-contained HTML page for reviewers and auditors — the
// matrix of data items × subject classes, the rules and sentences that decide it, the data map,
// lint findings, rights, retention and coverage (engine/gate/report.h). The data map is drawn with
// Graphviz `dot` when it is installed.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bundle/bundle_writer.h"
#include "commands.h"
#include "gate/report.h"

namespace flowgate::cli {
namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  std::string output = "report.html";
  std::string policy_dir;
  std::string baseline;
  std::string as_of;
  bool no_map = false;
};

// The SVG `dot` draws for `dot_text`, from its <svg> element on (the XML prolog and doctype are
// not allowed inside HTML); empty, with `why` set, when dot is missing or fails.
std::string draw_svg(const std::string& dot_text, std::string* why) {
  fs::path tmp = fs::temp_directory_path() / fmt::format("flowgate-report-{}.dot", ::getpid());
  std::ofstream(tmp, std::ios::binary) << dot_text;
  std::string svg;
  std::string cmd = fmt::format("dot -Tsvg '{}' 2>/dev/null", tmp.string());
  if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
    char buffer[1 << 14];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) svg.append(buffer, n);
    int status = ::pclose(pipe);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) svg.clear();
  }
  fs::remove(tmp);
  size_t start = svg.find("<svg");
  if (start == std::string::npos) {
    *why = "Graphviz `dot` is not installed or failed (apt-get install graphviz)";
    return {};
  }
  return svg.substr(start);
}

int run_report(const ReportOptions& o) {
  auto as_of = as_of_date(o.as_of);
  if (!as_of) return kExitInputError;
  std::string dir;
  auto policy = load_checked_policy(o.policy_dir, "no report is written", &dir);
  if (!policy) return kExitInputError;
  std::string baseline_path =
      o.baseline.empty() ? (fs::path(dir) / kBaselineFile).string() : o.baseline;
  std::string baseline_display = o.baseline.empty() ? kBaselineFile : o.baseline;
  DiagnosticSink sink;
  Baseline baseline = read_baseline(baseline_path, baseline_display, sink);
  if (sink.has_errors()) {
    fmt::print(stderr, "{}", render_text(sink.sorted(), nullptr, false));
    fmt::print(stderr, "flowgate: error: the baseline {} is not valid; no report is written\n",
               baseline_display);
    return kExitInputError;
  }

  Report report = compute_report(*policy, {*as_of}, baseline);
  std::string svg;
  std::string why_no_map = "--no-map was given";
  if (!o.no_map) svg = draw_svg(report.dot, &why_no_map);
  std::string html =
      render_report_html(report, svg, fmt::format("flowgate {} report", FLOWGATE_VERSION));

  if (o.output == "-") {
    fmt::print("{}", html);
  } else if (runtime::Status s = write_file_atomically(o.output, html); !s.ok()) {
    fmt::print(stderr, "flowgate: error: {}\n", s.message());
    return kExitInputError;
  }
  if (svg.empty()) fmt::print(stderr, "flowgate: note: no data map drawn: {}\n", why_no_map);
  if (o.output != "-") {
    fmt::print(
        "wrote {} ({} KiB): {} data items × {} subject classes ({} denied cells), {} new lint "
        "findings, {} of {} sentences accounted for\n",
        o.output, (html.size() + 1023) / 1024, report.matrix.size(), report.subjects.size(),
        report.cells(MatrixVerdict::kDeny), report.lint.failing,
        report.coverage.quoted + report.coverage.listed, report.coverage.sentences.size());
  }
  return kExitClean;
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* c = app.add_subcommand(
      "report", "Write one HTML page for reviewers: who may receive what, and why");
  c->footer(
      "The page is self-contained (inline CSS and SVG, no script, nothing fetched) and prints\n"
      "on A4 landscape. It holds:\n"
      "  1. a matrix of the inventory's data items × subject classes (EU adult and minor, CH,\n"
      "     GB, JP, US-CA, a universal-opt-out state with GPC, the rest of the world; derived\n"
      "     from the policy's regions), each cell coloured allow / allow with obligations /\n"
      "     deny and linked to the rule and quoted sentence that decide it; each cell carries\n"
      "     its query (data-query) so `flowgate decide` can check it\n"
      "  2. the rules that decide, with their sentences\n"
      "  3. the data map (data → app → recipients → destinations), drawn with Graphviz\n"
      "  4. lint findings with their quotes, new ones first (against lint-baseline.yaml)\n"
      "  5. rights per region with deadlines   6. the retention schedule\n"
      "  7. coverage of the policy text, sentence by sentence\n"
      "Exit status: 0 written, 2 a broken policy or baseline, or the file cannot be written.\n"
      "Examples:\n"
      "  flowgate report -o report.html                 # then open it in a browser\n"
      "  flowgate report --as-of 2027-01-01 -o next-year.html\n"
      "  flowgate report --policy ./policy -o - > report.html");
  c->add_option("-o,--output", o->output, "Write the page here; - for standard output")
      ->capture_default_str();
  c->add_option("--policy", o->policy_dir, "Policy folder (default: found from here upward)");
  c->add_option("--baseline", o->baseline,
                "Lint baseline (default: lint-baseline.yaml in the policy folder)");
  c->add_option("--as-of", o->as_of, "Decide as of this date, YYYY-MM-DD (default: today)");
  c->add_flag("--no-map", o->no_map, "Do not run Graphviz; the page lists the paths only");
  c->callback([o, &exit_code] { exit_code = run_report(*o); });
}

}  // namespace flowgate::cli
