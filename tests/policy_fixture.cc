#include "policy_fixture.h"

#include <atomic>
#include <fstream>
#include <random>

#include "flowgate/toolchain.h"

namespace flowgate::testing {
namespace fs = std::filesystem;

std::string source_dir() {
  return FLOWGATE_SOURCE_DIR;
}

ScratchPolicy::ScratchPolicy() {
  static std::atomic<int> counter{0};
  std::random_device random;
  dir_ = fs::temp_directory_path() /
         ("flowgate-test-" + std::to_string(random()) + "-" + std::to_string(counter++));
  fs::create_directories(dir_);
  fs::copy(fs::path(source_dir()) / "rules", dir_ / "rules", fs::copy_options::recursive);
  fs::copy(fs::path(source_dir()) / "jurisdictions", dir_ / "jurisdictions",
           fs::copy_options::recursive);
  fs::copy(fs::path(source_dir()) / "data_inventory.yaml", dir_ / "data_inventory.yaml");
}

ScratchPolicy::~ScratchPolicy() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void ScratchPolicy::write(const std::string& relative_path, const std::string& bytes) const {
  fs::path path = dir_ / relative_path;
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Checked load_and_check(const std::string& dir) {
  DiagnosticSink sink;
  Checked out;
  out.policy = load_policy(dir, sink);
  check_policy(*out.policy, sink);
  out.diagnostics = sink.sorted();
  out.errors = sink.error_count();
  return out;
}

}  // namespace flowgate::testing
