// flowgate: the command line. Each subcommand is registered from its own file (commands.h).
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "flowgate: privacy policy as code. Checks, compiles and answers questions about the\n"
      "rules of a privacy policy and the laws of its users' jurisdictions."};
  app.set_version_flag("--version", FLOWGATE_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Run 'flowgate COMMAND --help' for a command's options.\n"
      "Exit status: 0 clean, 1 findings or denies, 2 usage or input errors.");
  int exit_code = flowgate::cli::kExitClean;
  flowgate::cli::add_check_command(app, exit_code);
  flowgate::cli::add_compile_command(app, exit_code);
  flowgate::cli::add_decide_command(app, exit_code);
  flowgate::cli::add_explain_command(app, exit_code);
  flowgate::cli::add_rights_command(app, exit_code);
  flowgate::cli::add_retention_command(app, exit_code);
  flowgate::cli::add_lint_command(app, exit_code);
  flowgate::cli::add_coverage_command(app, exit_code);
  flowgate::cli::add_diff_command(app, exit_code);
  flowgate::cli::add_test_command(app, exit_code);
  flowgate::cli::add_approve_command(app, exit_code);
  flowgate::cli::add_audit_command(app, exit_code);
  flowgate::cli::add_gate_command(app, exit_code);
  flowgate::cli::add_map_command(app, exit_code);
  flowgate::cli::add_signals_command(app, exit_code);
  flowgate::cli::add_report_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : flowgate::cli::kExitInputError;
  } catch (const std::exception& e) {
    // A toolchain precondition broken (a caller's bug: docs/design.md, "Errors"): one line.
    fmt::print(stderr, "flowgate: error: {}\n", e.what());
    return flowgate::cli::kExitInputError;
  }
  return exit_code;
}
