// Where a command's compiled policy comes from: a bundle file (--bundle, optionally required to be
// signed by a trusted key), or the policy folder compiled in memory — the same bytes
// `flowgate compile` would write, loaded by the same runtime the app links.
#pragma once

#include <memory>
#include <string>

#include "flowgate/runtime.h"
#include "model/policy.h"

namespace flowgate::cli {

struct BundleSource {
  std::string policy_dir;   // --policy
  std::string bundle_path;  // --bundle
  std::string trusted_key;  // --trusted-key: a public key file; the bundle must be signed by it
};

// Prints what went wrong on stderr and returns null when no bundle can be had. When the bundle is
// compiled from the policy folder and `policy` is not null, *policy receives the loaded policy
// (to name unknown ids with its vocabulary and region names); it stays null for a bundle file.
std::unique_ptr<const runtime::Bundle> open_bundle(const BundleSource& source,
                                                   std::unique_ptr<Policy>* policy = nullptr);

}  // namespace flowgate::cli
