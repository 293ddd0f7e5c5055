// locate_policy, load_checked_policy, as_of_date and use_color: the conventions every subcommand
// shares.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "commands.h"
#include "compile/compiler.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"

namespace flowgate::cli {

std::optional<std::string> locate_policy(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) {
    if (is_policy_dir(explicit_dir)) return explicit_dir;
    fmt::print(stderr,
               "flowgate: error: '{}' is not a policy folder (it needs rules/ and "
               "jurisdictions/)\n",
               explicit_dir);
    return std::nullopt;
  }
  if (auto found = find_policy_dir(std::filesystem::current_path().string())) {
    auto relative = std::filesystem::relative(*found).string();
    return relative.empty() ? "." : relative;
  }
  if (is_policy_dir(FLOWGATE_SOURCE_POLICY_DIR)) return std::string(FLOWGATE_SOURCE_POLICY_DIR);
  fmt::print(stderr,
             "flowgate: error: no policy folder here or above, and none where flowgate was "
             "built\n  = help: run inside a folder holding rules/ and jurisdictions/, or pass "
             "--policy DIR\n");
  return std::nullopt;
}

std::unique_ptr<Policy> load_checked_policy(const std::string& dir, std::string_view consequence,
                                            std::string* root, CompiledPolicy* compiled) {
  auto found = locate_policy(dir);
  if (!found) return nullptr;
  if (root) *root = *found;
  DiagnosticSink sink;
  auto policy = load_policy(*found, sink);
  check_policy(*policy, sink);
  if (!sink.has_errors() && within_compile_budget(*policy, sink, {}, compiled)) return policy;
  fmt::print(stderr, "{}", render_text(sink.sorted(), policy.get(), false));
  fmt::print(stderr, "flowgate: error: the policy has errors (see `flowgate check`); {}\n",
             consequence);
  return nullptr;
}

std::optional<Date> as_of_date(const std::string& option) {
  if (option.empty()) return today();
  auto date = parse_date(option);
  if (!date) {
    fmt::print(stderr, "flowgate: error: --as-of must be a date, YYYY-MM-DD (got '{}')\n", option);
  }
  return date;
}

std::optional<std::string> read_bounded_file(const std::string& path, size_t max_bytes,
                                             std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "flowgate: error: {}: cannot read the {}\n", path, what);
    return std::nullopt;
  }
  std::string bytes(max_bytes + 1, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad()) {
    fmt::print(stderr, "flowgate: error: {}: cannot read the {}\n", path, what);
    return std::nullopt;
  }
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (bytes.size() > max_bytes) {
    fmt::print(stderr, "flowgate: error: {}: more than {} bytes, larger than a {} can be\n", path,
               max_bytes, what);
    return std::nullopt;
  }
  return bytes;
}

bool use_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
}

}  // namespace flowgate::cli
