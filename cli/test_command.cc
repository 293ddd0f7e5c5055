// `flowgate test [FILES]`: policy unit tests in YAML (engine/analysis/policy_tests.h), run on the
// compiled policy: pass/fail per case with what differed, and the rules no test exercises.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "analysis/junit.h"
#include "analysis/policy_tests.h"
#include "commands.h"
#include "compile/compiler.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"

namespace flowgate::cli {
namespace {

using nlohmann::ordered_json;

struct TestOptions {
  std::vector<std::string> files;
  std::string policy_dir;
  std::string format = "text";
  std::string as_of;
  bool verbose = false;
};

std::string where(const SourceLocation& l) {
  return fmt::format("{}:{}:{}", l.file, l.line, l.column);
}

// Text for people. Short: the failures, each with where it is and what differed, then one count
// line for the passes and one for coverage. Verbose: every case by file and every rule no case
// exercises.
std::string render_test_text(const PolicyTestRun& run, size_t files, bool verbose) {
  std::string out;
  const PolicyTestFile* current = nullptr;
  for (const auto& r : run.results) {
    if (r.passed && !verbose) continue;
    if (verbose && r.file != current) {
      current = r.file;
      out += fmt::format("{}\n", current->path);
    }
    if (r.passed) {
      out += fmt::format("  PASS {}\n", r.test->name);
      continue;
    }
    out += verbose ? fmt::format("  FAIL {}\n       at {}\n", r.test->name, where(r.test->location))
                   : fmt::format("FAIL {}: {}\n", where(r.test->location), r.test->name);
    for (const auto& d : r.differences) out += fmt::format("       {}\n", d);
  }
  if (run.failed > 0 || verbose) out += "\n";
  out += fmt::format("{} passed, {} failed ({} cases in {} file{})\n", run.passed, run.failed,
                     run.results.size(), files, files == 1 ? "" : "s");
  out += fmt::format("Coverage: {} of {} rules exercised", run.rules - run.uncovered.size(),
                     run.rules);
  if (run.uncovered.empty()) return out + "\n";
  if (!verbose) {
    return out + fmt::format("; {} rules no case exercises (--verbose lists them)\n",
                             run.uncovered.size());
  }
  out += "; no test exercises:\n";
  for (const Rule* rule : run.uncovered) {
    out +=
        fmt::format("  {} [{}] {}\n", rule->id, effect_name(rule->effect), where(rule->location));
  }
  return out;
}

int run_test(const TestOptions& o) {
  std::string dir;
  CompiledPolicy compiled;
  auto policy = load_checked_policy(o.policy_dir, "nothing is tested", &dir, &compiled);
  if (!policy) return kExitInputError;
  auto default_date = as_of_date(o.as_of);
  if (!default_date) return kExitInputError;
  std::vector<std::string> files = o.files.empty() ? default_policy_test_files(dir) : o.files;
  if (files.empty()) {
    fmt::print(stderr, "flowgate: error: no test files: none given and no {}/policy_tests/*.yaml\n",
               dir);
    return kExitInputError;
  }
  DiagnosticSink test_sink;
  auto tests = load_policy_tests(files, *default_date, test_sink);
  if (test_sink.has_errors()) {
    fmt::print(stderr, "{}", render_text(test_sink.sorted(), nullptr, false));
    return kExitInputError;
  }
  PolicyTestRun run = run_policy_tests(*policy, compiled, tests);

  if (o.format == "junit") {
    std::vector<JUnitSuite> suites;
    for (const auto& file : tests) suites.push_back({file.path, file.path, {}});
    for (const auto& r : run.results) {
      JUnitSuite& suite = suites[static_cast<size_t>(r.file - tests.data())];
      JUnitCase c;
      c.name = r.test->name;
      c.classname = r.file->path;
      c.file = r.test->location.file;
      c.line = r.test->location.line;
      c.seconds = r.seconds;
      if (!r.passed) {
        c.outcome = JUnitCase::Outcome::kFailed;
        c.message = r.differences.front();
        c.details = fmt::format("{}\n{}", where(r.test->location), fmt::join(r.differences, "\n"));
      }
      suite.cases.push_back(std::move(c));
    }
    fmt::print("{}", write_junit("flowgate test", suites));
  } else if (o.format == "json") {
    ordered_json results = ordered_json::array();
    for (const auto& r : run.results) {
      results.push_back({{"name", r.test->name},
                         {"file", r.test->location.file},
                         {"line", r.test->location.line},
                         {"column", r.test->location.column},
                         {"passed", r.passed},
                         {"differences", r.differences},
                         {"got",
                          {{"decision", r.got.allow ? "allow" : "deny"},
                           {"obligations", r.got.obligations},
                           {"legal_basis", r.got.legal_basis},
                           {"citations", r.got.citations},
                           {"rules", r.got.rules}}}});
    }
    ordered_json uncovered = ordered_json::array();
    for (const Rule* rule : run.uncovered) {
      uncovered.push_back({{"id", rule->id},
                           {"effect", effect_name(rule->effect)},
                           {"file", rule->location.file},
                           {"line", rule->location.line},
                           {"column", rule->location.column}});
    }
    ordered_json out = {{"passed", run.passed},
                        {"failed", run.failed},
                        {"results", results},
                        {"coverage",
                         {{"rules", run.rules},
                          {"exercised", run.rules - run.uncovered.size()},
                          {"uncovered", uncovered}}}};
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{}", render_test_text(run, tests.size(), o.verbose));
  }
  return run.failed > 0 ? kExitFindings : kExitClean;
}

}  // namespace

void add_test_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<TestOptions>();
  CLI::App* c =
      app.add_subcommand("test", "Run policy unit tests (YAML): query → expected decision");
  c->footer(
      "FILES default to POLICY/policy_tests/*.yaml. Each case is {name, query, expect}: the query\n"
      "JSON of docs/design.md written as YAML, and the expected decision, with obligations,\n"
      "legal_basis, citations and rules compared as sets when given. Reports the rules no case\n"
      "exercises (coverage). Text is short by default: each failing case with its file:line and\n"
      "what differed, then one count line for the passes and one for coverage; --verbose lists\n"
      "every case by file and every rule no case exercises. JSON and JUnit list every case.\n"
      "Exit status: 0 all pass, 1 some fail, 2 unreadable tests or a broken policy.\n"
      "Examples:\n"
      "  flowgate test\n"
      "  flowgate test policy_tests/sharing.yaml -v\n"
      "  flowgate test --format junit > policy-tests.xml");
  c->add_option("FILES", o->files, "Test files (default: policy_tests/*.yaml)");
  c->add_option("--policy", o->policy_dir, "Policy folder (default: found from here upward)");
  c->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "junit"}))
      ->capture_default_str();
  c->add_option("--as-of", o->as_of, "Date for queries that give no as_of (default: today)");
  c->add_flag("-v,--verbose", o->verbose,
              "Text: list every case by file, passing ones too, and every rule no case exercises");
  c->callback([o, &exit_code] { exit_code = run_test(*o); });
}

}  // namespace flowgate::cli
