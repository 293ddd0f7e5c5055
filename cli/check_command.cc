// `flowgate check [DIR]`: load a policy and report every schema, reference and type problem.
#include <fmt/format.h>

#include "commands.h"
#include "compile/compiler.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"

namespace flowgate::cli {
namespace {

struct CheckOptions {
  std::string dir;
  std::string format = "text";
  std::string color = "auto";
};

int run_check(const CheckOptions& options) {
  auto dir = locate_policy(options.dir);
  if (!dir) return kExitInputError;
  DiagnosticSink sink;
  auto policy = load_policy(*dir, sink);
  check_policy(*policy, sink);
  // What check passes, compile compiles: the rules are folded under the compile budget.
  if (!sink.has_errors()) within_compile_budget(*policy, sink);
  auto diagnostics = sink.sorted();
  size_t errors = sink.error_count();
  if (options.format == "json") {
    fmt::print("{}\n", render_json(diagnostics));
  } else {
    fmt::print("{}", render_text(diagnostics, policy.get(), use_color(options.color)));
    size_t warnings = diagnostics.size() - errors;
    fmt::print(
        "policy {}: {} files, {} rules, {} retention entries, {} rights entries, {} "
        "jurisdictions, {} inventory items: {}\n",
        *dir, policy->files.size(), policy->rules.size(), policy->retention.size(),
        policy->rights.size(), policy->jurisdictions.size(), policy->inventory.size(),
        errors == 0 && warnings == 0
            ? std::string("no problems")
            : fmt::format("{} error{}, {} warning{}", errors, errors == 1 ? "" : "s", warnings,
                          warnings == 1 ? "" : "s"));
  }
  return errors > 0 ? kExitInputError : kExitClean;
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = app.add_subcommand(
      "check", "Check a policy folder: YAML syntax, schema, references, conditions, citations");
  command->footer(
      "Every problem is listed with file:line:col, not just the first.\n"
      "Exit status: 0 when clean (warnings allowed), 2 when there are errors.\n"
      "Example: flowgate check            # the policy found from here upward\n"
      "         flowgate check ./policy --format json");
  command->add_option("dir", options->dir,
                      "Policy folder (holding rules/ and jurisdictions/); default: found from the "
                      "working directory upward, else the source tree");
  command->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command->add_option("--color", options->color, "Colour text output")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  command->callback([options, &exit_code] { exit_code = run_check(*options); });
}

}  // namespace flowgate::cli
