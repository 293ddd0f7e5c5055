// Declared flows: what each component (an SDK, the app itself) says it sends where, in the policy's
// vocabulary — built from an Apple privacy manifest through the mapping, from our SDK manifest,
// from data_inventory.yaml, or from the app's own privacy manifest read against the inventory.
// One entry of a declaration (an Apple data type for one purpose, a data id for one purpose) may
// have several readings in our vocabulary (Apple's DeviceID is our ads identifier, device
// identifier or device id); each reading is one DeclaredFlow carrying its entry's index.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flowgate/diagnostic.h"
#include "gate/apple_manifest.h"
#include "gate/apple_mapping.h"
#include "gate/sdk_manifest.h"
#include "model/policy.h"

namespace flowgate {

// A finding of the gate; rule ids are stable, kebab-case ("gate-omitted", …). Besides the message,
// what it is about as ids, so findings with one cause can be grouped (gate_findings.h) and
// fingerprinted without their wording.
struct GateFinding {
  GateFinding() = default;
  GateFinding(std::string rule_id, Severity severity, std::string text, SourceLocation where,
              std::string component_name)
      : rule(std::move(rule_id)),
        level(severity),
        message(std::move(text)),
        location(std::move(where)),
        component(std::move(component_name)) {}

  std::string rule;
  Severity level = Severity::kError;
  std::string message;
  SourceLocation location;
  std::string component;
  std::string entry;                 // the declared entry ("DeviceID for Analytics"), when one
  std::vector<std::string> readings;  // our reading(s): "technical.ads.identifier for analytics"
  std::vector<std::string> rules;     // the policy rules to blame
  std::vector<std::string> denied_for;  // the subject classes denied
  std::string hop;  // a path's forbidden hop: "recipient in region"
  bool onward_hop = false;  // … a vendor's onward transfer, not the SDK's declared recipient
};

struct DeclaredFlow {
  std::string data;     // our leaf id; empty when the declared type has no counterpart
  std::string purpose;  // our leaf id; empty when the declared purpose has no counterpart
  std::string recipient;
  std::string destination;  // a region id, or "device" for collect
  Action action = Action::kTransmit;
  std::string unmapped;  // why a declared type or purpose has no counterpart in the policy
  size_t entry = 0;      // index into Component::entries
  // Set by run_gate: another reading of the same entry is disclosed and this one is not, so it is
  // what the vague term might mean rather than what it must (flow paths leave it out).
  bool alternative_reading = false;
  SourceLocation location;
};

struct Component {
  enum class Kind { kAppleManifest, kSdkManifest, kInventory, kAppManifest };
  Kind kind = Kind::kAppleManifest;
  std::string name;  // the SDK, or "app"
  std::string vendor;
  std::string path;
  std::string package;  // the folder that names an SDK ("Pods/Adjust"); empty when none
  bool routed_through_runtime = false;
  bool tracking = false;
  SourceLocation tracking_location;
  std::vector<std::string> tracking_domains;
  std::vector<SourceLocation> tracking_domain_locations;
  std::vector<std::string> entries;  // one label per declared entry
  std::vector<DeclaredFlow> flows;
  std::vector<OnwardTransfer> onward;
  std::vector<GateFinding> findings;  // found while reading (unknown Apple values, drift)
};

// An SDK that ships only Apple's manifest: the recipient per purpose and the destination come from
// the mapping's defaults, and nothing routes it through the runtime check.
Component component_from_apple(const AppleManifest& manifest, const AppleMapping& mapping,
                               const std::string& name);
// Our SDK manifest, with its Apple manifest (already read) when it names one.
Component component_from_sdk(const SdkManifest& sdk, const AppleManifest* apple,
                             const AppleMapping& mapping);
// data_inventory.yaml: the app's own pipelines, which query the runtime before every flow.
Component component_from_inventory(const Policy& policy);
// The app's own PrivacyInfo.xcprivacy: each entry's readings are the inventory flows behind it;
// an inventory flow no entry declares is drift (an error), an entry with no flow behind it too.
Component component_from_app_manifest(const AppleManifest& manifest, const AppleMapping& mapping,
                                      const Policy& policy);

// The component a manifest file declares: our SDK manifest (.yaml, .yml) with the Apple manifest it
// names, else an Apple privacy manifest (a folder stands for its PrivacyInfo.xcprivacy) named after
// its package (sdk_identity_from_path). Problems go to `sink`; nullopt when the file cannot be read.
std::optional<Component> read_component(const std::string& path, const Policy& policy,
                                        const AppleMapping& mapping, DiagnosticSink& sink);

const char* component_kind_name(Component::Kind kind);
// "NSPrivacyCollectedDataTypeDeviceID" → "DeviceID"; purposes likewise.
std::string short_apple_name(const std::string& name);

}  // namespace flowgate
