// ScratchPolicy: a copy of the shipped policy in a temporary folder, for tests that change a file
// and look at what the toolchain says. Removed when it goes out of scope.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "flowgate/diagnostic.h"
#include "model/policy.h"

namespace flowgate::testing {

class ScratchPolicy {
 public:
  ScratchPolicy();
  ~ScratchPolicy();
  ScratchPolicy(const ScratchPolicy&) = delete;
  ScratchPolicy& operator=(const ScratchPolicy&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  // Writes (or replaces) a file below the policy folder.
  void write(const std::string& relative_path, const std::string& bytes) const;

 private:
  std::filesystem::path dir_;
};

struct Checked {
  std::unique_ptr<Policy> policy;
  std::vector<Diagnostic> diagnostics;  // sorted
  size_t errors = 0;
};

// load_policy then check_policy, as `flowgate check` does.
Checked load_and_check(const std::string& dir);

std::string source_dir();

}  // namespace flowgate::testing
