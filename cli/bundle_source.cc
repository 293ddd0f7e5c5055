// open_bundle: a bundle file, verified when asked, or the policy folder compiled in memory.
#include "bundle_source.h"

#include <fmt/format.h>

#include "bundle/bundle_writer.h"
#include "commands.h"
#include "compile/compiler.h"
#include "flowgate/toolchain.h"
#include "flowgate/verify.h"
#include "model/policy.h"

namespace flowgate::cli {

std::unique_ptr<const runtime::Bundle> open_bundle(const BundleSource& source,
                                                   std::unique_ptr<Policy>* policy_out) {
  std::unique_ptr<const runtime::Bundle> bundle;
  if (!source.bundle_path.empty()) {
    runtime::Status status = runtime::Bundle::load_file(source.bundle_path, &bundle);
    if (!status.ok()) {
      fmt::print(stderr, "flowgate: error: {}: {}\n", source.bundle_path, status.message());
      return nullptr;
    }
  } else {
    CompiledPolicy compiled;
    auto policy = load_checked_policy(source.policy_dir, "nothing is decided", nullptr, &compiled);
    if (!policy) return nullptr;
    runtime::Status status = runtime::Bundle::load(encode_bundle(compiled), &bundle);
    if (!status.ok()) {
      fmt::print(stderr, "flowgate: error: compiled bundle refused: {}\n", status.message());
      return nullptr;
    }
    if (policy_out != nullptr) *policy_out = std::move(policy);
  }
  if (!source.trusted_key.empty()) {
    runtime::PublicKey key;
    runtime::Status status = runtime::read_public_key_file(source.trusted_key, &key);
    if (status.ok()) status = runtime::verify_bundle_signature(*bundle, {&key, 1});
    if (!status.ok()) {
      fmt::print(stderr, "flowgate: error: {}\n", status.message());
      return nullptr;
    }
  }
  return bundle;
}

}  // namespace flowgate::cli
