// discover_sdks: what `flowgate gate ARG…` gates, and read_sdk_components: the components it reads.
//
// Each argument is an Apple privacy manifest (PrivacyInfo.xcprivacy, or any *.xcprivacy), one of
// our SDK manifests (*.yaml or *.yml whose top level is a mapping with `sdk:`), or a folder,
// searched recursively for both (a CocoaPods `Pods/` tree, a Swift package checkout, an app's
// Frameworks). Any other file is skipped with a one-line note, so a README a glob picked up never
// aborts a run; an argument that does not exist, or a manifest that cannot be read or parsed, is an
// error (exit 2) while the rest are still gated.
//
// An SDK is named from its package, never from a generic folder (sdk_name_from_path):
//   …/X.xcframework/<slice>/…   X        …/X.framework/…   X        Pods/X/…   X
//   …/Sources/X/…               X (a Swift package target)
//   …/X/Resources/PrivacyInfo.xcprivacy, …/X/Sources/Resources/…   X (the nearest folder that is
//   not Resources, Sources, Source, Classes, Library, Swift, Frameworks, Privacy, …)
// The slices of one .xcframework (ios-arm64, ios-arm64_x86_64-simulator, …) are one SDK: gated
// once, their declarations merged, and a gate-slices-disagree warning when they differ. Two
// different packages with one name stay two SDKs, each named "X (package)", so their findings
// never merge.
#pragma once

#include <string>
#include <vector>

#include "flowgate/diagnostic.h"
#include "gate/declared_flows.h"

namespace flowgate {

struct SdkSource {
  enum class Kind { kAppleManifest, kSdkManifest };
  Kind kind = Kind::kAppleManifest;
  std::string name;                // from the package (SDK manifests: from `sdk:` when read)
  std::string package;             // the package folder, as displayed ("Pods/Adjust")
  std::vector<std::string> files;  // one manifest; an xcframework's slices, sorted
};

struct SdkDiscovery {
  std::vector<SdkSource> sources;  // in path order
  std::vector<std::string> notes;  // one line each: what was skipped and why
};

struct SdkIdentity {
  std::string name;     // "Adjust"
  std::string package;  // the folder that names it ("Pods/Adjust", "vendor/X.xcframework")
};
// The SDK a manifest at `path` belongs to, from the path alone (see the file comment).
SdkIdentity sdk_identity_from_path(const std::string& path);

struct DiscoveryLimits {
  size_t max_entries = 200'000;  // directory entries visited below one folder argument
  size_t max_yaml_bytes = 1 << 20;
};

// Expands the arguments. Missing arguments are reported to `sink` (gate-input-missing); paths are
// displayed relative to the current folder when they lie below it.
SdkDiscovery discover_sdks(const std::vector<std::string>& arguments, DiagnosticSink& sink,
                           const DiscoveryLimits& limits = {});

// Reads every source into a component: slices merged, same-named SDKs of different packages told
// apart, an Apple manifest that an SDK manifest of the run already names left to that manifest.
// Unreadable or malformed manifests are reported to `sink` and left out; the rest are returned.
std::vector<Component> read_sdk_components(const SdkDiscovery& discovery, const Policy& policy,
                                           const AppleMapping& mapping, DiagnosticSink& sink);

}  // namespace flowgate
