// The `flowgate` subcommands. Each one lives in its own file with an options struct, a function
// that registers it on the CLI11 app, and a run function that returns the exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "compile/compiled_policy.h"
#include "flowgate/toolchain.h"
#include "model/calendar.h"

namespace flowgate::cli {

// Exit codes fit CI: 0 clean, 1 findings or denies, 2 usage or input errors.
inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitInputError = 2;

// The policy folder: `explicit_dir` if given; else the nearest folder holding rules/ and
// jurisdictions/ from the working directory upward; else the source tree flowgate was built from.
// Prints why on stderr and returns nullopt when there is none.
std::optional<std::string> locate_policy(const std::string& explicit_dir);

// The policy in `dir`, located as locate_policy does, loaded and checked. When it has errors they
// are printed with "the policy has errors; <consequence>" and the result is empty. `root`, when
// given, receives the folder it was found in; `compiled`, when given, the compiled policy (from the
// fold the compile budget is checked on: commands that decide compile once).
std::unique_ptr<Policy> load_checked_policy(const std::string& dir, std::string_view consequence,
                                            std::string* root = nullptr,
                                            CompiledPolicy* compiled = nullptr);

// The date an --as-of option names: today when it is empty; nullopt, with a message, when it is
// not a YYYY-MM-DD date.
std::optional<Date> as_of_date(const std::string& option);

// At most `max_bytes` of a file the CLI was handed (a bundle, a key): nullopt, with a message on
// stderr, when it cannot be read or is larger, so /dev/zero or a wrong path is an error, not an
// unbounded read.
inline constexpr size_t kMaxBundleFileBytes = size_t{64} << 20;  // the format's limit, and a margin
std::optional<std::string> read_bounded_file(const std::string& path, size_t max_bytes,
                                             std::string_view what);

// Whether to colour text for stdout (auto: when it is a terminal and NO_COLOR is unset).
bool use_color(const std::string& mode);

void add_check_command(CLI::App& app, int& exit_code);
void add_decide_command(CLI::App& app, int& exit_code);
void add_compile_command(CLI::App& app, int& exit_code);
void add_explain_command(CLI::App& app, int& exit_code);
void add_rights_command(CLI::App&, int&);
void add_retention_command(CLI::App&, int&);
void add_lint_command(CLI::App& app, int& exit_code);
void add_coverage_command(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);
void add_test_command(CLI::App& app, int& exit_code);
void add_approve_command(CLI::App& app, int& exit_code);
void add_audit_command(CLI::App& app, int& exit_code);
void add_gate_command(CLI::App& app, int& exit_code);
void add_map_command(CLI::App& app, int& exit_code);
void add_signals_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);

}  // namespace flowgate::cli
