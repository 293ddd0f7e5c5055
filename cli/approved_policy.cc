// Git, digests and verified records for `flowgate approve` and `flowgate diff` (approved_policy.h).
#include "approved_policy.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "bundle/bundle_writer.h"
#include "flowgate/runtime.h"
#include "runtime/hex.h"

namespace flowgate::cli {
namespace {

namespace fs = std::filesystem;

void chomp(std::string& text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
}

// `git archive TREEISH [paths…]` extracted into `dest`.
bool archive_into(const std::string& root, const std::string& treeish,
                  const std::vector<std::string>& paths, const fs::path& dest,
                  const std::string& label) {
  std::error_code ec;
  fs::create_directories(dest, ec);
  const std::string tar = (dest.parent_path() / (dest.filename().string() + ".tar")).string();
  std::vector<std::string> argv = {"git",          "-C", root, "archive",
                                   "--format=tar", "-o", tar,  treeish};
  argv.insert(argv.end(), paths.begin(), paths.end());
  std::string ignored;
  const bool ok = run_process(argv, &ignored) == 0 &&
                  run_process({"tar", "-x", "-f", tar, "-C", dest.string()}, &ignored) == 0;
  fs::remove(tar, ec);
  if (!ok) {
    fmt::print(stderr,
               "flowgate: error: {}: cannot extract '{}' from git\n  = help: the object must be "
               "in this clone: fetch the history (git fetch --unshallow, or fetch-depth: 0 in "
               "actions/checkout)\n",
               label, treeish);
  }
  return ok;
}

}  // namespace

int run_process(const std::vector<std::string>& argv, std::string* out) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return -1;
  }
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string collected;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) collected.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (out) *out = std::move(collected);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<std::string> git_prefix(const std::string& root, const std::string& label) {
  std::string prefix;
  if (run_process({"git", "-C", root, "rev-parse", "--show-prefix"}, &prefix) != 0) {
    fmt::print(stderr,
               "flowgate: error: {}: the policy folder {} is not in a git repository\n  = help: "
               "approvals and git:REV read the policy's history; run inside a git checkout\n",
               label, root);
    return std::nullopt;
  }
  chomp(prefix);
  return prefix;
}

bool extract_policy_at_revision(const std::string& root, const std::string& rev,
                                const fs::path& dest, const std::string& label) {
  auto prefix = git_prefix(root, label);
  if (!prefix) return false;
  return archive_into(root, rev + ":" + *prefix, {std::begin(kPolicyPaths), std::end(kPolicyPaths)},
                      dest, label);
}

bool extract_policy_source(const std::string& root, const PolicySource& source,
                           const fs::path& dest, const std::string& label) {
  if (!archive_into(root, source.rules, {}, dest / "rules", label) ||
      !archive_into(root, source.jurisdictions, {}, dest / "jurisdictions", label)) {
    return false;
  }
  std::string inventory;
  if (run_process({"git", "-C", root, "cat-file", "blob", source.data_inventory}, &inventory) !=
      0) {
    fmt::print(stderr,
               "flowgate: error: {}: the data inventory {} is not in this clone\n  = help: fetch "
               "the history (git fetch --unshallow, or fetch-depth: 0 in actions/checkout)\n",
               label, source.data_inventory);
    return false;
  }
  std::ofstream(dest / "data_inventory.yaml", std::ios::binary) << inventory;
  return true;
}

std::optional<PolicySource> head_policy_source(const std::string& root) {
  auto prefix = git_prefix(root, "approve");
  if (!prefix) return std::nullopt;
  PolicySource source;
  const std::pair<std::string, std::string*> objects[] = {
      {"HEAD", &source.commit},
      {"HEAD:" + *prefix + "rules", &source.rules},
      {"HEAD:" + *prefix + "jurisdictions", &source.jurisdictions},
      {"HEAD:" + *prefix + "data_inventory.yaml", &source.data_inventory}};
  for (const auto& [name, field] : objects) {
    if (run_process({"git", "-C", root, "rev-parse", "--verify", "--quiet", name}, field) != 0) {
      fmt::print(stderr,
                 "flowgate: error: approve: git has no '{}'\n  = help: commit the policy "
                 "(rules/, jurisdictions/, data_inventory.yaml) first\n",
                 name);
      return std::nullopt;
    }
    chomp(*field);
  }
  return source;
}

std::optional<std::vector<std::string>> uncommitted_changes(const std::string& root,
                                                            const std::vector<std::string>& paths) {
  std::vector<std::string> argv = {
      "git", "-C", root, "status", "--porcelain", "--untracked-files=all", "--"};
  argv.insert(argv.end(), paths.begin(), paths.end());
  std::string out;
  if (run_process(argv, &out) != 0) {
    fmt::print(stderr, "flowgate: error: git status failed in {}\n", root);
    return std::nullopt;
  }
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    if (end > start) lines.push_back(out.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string compiled_policy_digest(const CompiledPolicy& compiled, std::string* bundle) {
  std::string bytes = encode_bundle(compiled);
  std::unique_ptr<const runtime::Bundle> loaded;
  // encode_bundle loads every bundle it writes, so this load cannot fail.
  (void)runtime::Bundle::load(bytes, &loaded);
  std::string digest = loaded ? runtime::to_hex(loaded->digest()) : std::string();
  if (bundle) *bundle = std::move(bytes);
  return digest;
}

std::optional<ApprovalState> read_approval_state(const std::string& root) {
  ApprovalState state;
  runtime::Status s =
      read_approvers((fs::path(root) / kApproversFile).string(), kApproversFile, &state.approvers);
  if (s.ok()) s = read_approval_records(root, state.approvers, &state.records);
  if (!s.ok()) {
    fmt::print(stderr, "flowgate: error: {}\n", s.message());
    return std::nullopt;
  }
  return state;
}

}  // namespace flowgate::cli
