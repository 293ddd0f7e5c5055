// What `flowgate approve` and `flowgate diff` share about approved policies (docs/approvals.md):
// running git on the policy folder, the git objects of its rules, extracting a policy from git
// again, the compiled policy's digest that an approval record names, and the verified records of a
// checkout. Each function prints what went wrong on stderr ("flowgate: error: …" with the fix)
// and returns false or nullopt.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compile/compiled_policy.h"
#include "store/approvals.h"

namespace flowgate::cli {

// Runs argv (no shell) with stdout to *out (may be null) and stderr passed through. Exit status,
// or -1 when it could not run.
int run_process(const std::vector<std::string>& argv, std::string* out);

// The files of a policy folder that make its compiled policy, as git pathspecs relative to it.
inline constexpr const char* kPolicyPaths[] = {"rules", "jurisdictions", "data_inventory.yaml"};
// What approval also vouches for: the compiled files, the policy tests and the lint baseline.
inline constexpr const char* kApprovalPaths[] = {"rules", "jurisdictions", "data_inventory.yaml",
                                                 "policy_tests", "lint-baseline.yaml"};

// The policy folder's path inside its git repository ("" at the top, else "sub/dir/").
std::optional<std::string> git_prefix(const std::string& root, const std::string& label);

// The policy files of `root` at REV (git:REV), extracted into `dest` (created).
bool extract_policy_at_revision(const std::string& root, const std::string& rev,
                                const std::filesystem::path& dest, const std::string& label);
// The policy an approval record names, from its git objects, extracted into `dest` (created).
bool extract_policy_source(const std::string& root, const PolicySource& source,
                           const std::filesystem::path& dest, const std::string& label);

// HEAD's commit and the git objects of the policy files at HEAD.
std::optional<PolicySource> head_policy_source(const std::string& root);

// `git status --porcelain` lines for `paths` below `root`: uncommitted (or untracked) changes.
std::optional<std::vector<std::string>> uncommitted_changes(const std::string& root,
                                                            const std::vector<std::string>& paths);

// The digest an approval binds: SHA-256 content digest of the compiled policy's bundle, unsigned
// and without a serial (so the same rules always give the same digest), 64 hex digits.
std::string compiled_policy_digest(const CompiledPolicy& compiled, std::string* bundle = nullptr);

// approvers.yaml and every record under approvals/ of `root`, each verified.
struct ApprovalState {
  std::vector<Approver> approvers;
  std::vector<ApprovalRecord> records;  // oldest first
};
std::optional<ApprovalState> read_approval_state(const std::string& root);

}  // namespace flowgate::cli
