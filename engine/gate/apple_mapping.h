// load_apple_mapping: the reviewable table (mappings/apple.yaml in the policy folder) that says
// what each of Apple's privacy-manifest data types and purposes means in this policy's vocabulary,
// and how the app's own flows are declared back to the stores (Apple's manifest, Google Play's
// Data safety form).
//
// Every Apple data type and purpose must be mapped: to our leaf ids, or to `none` with the reason
// the policy has no counterpart (crash data, precise location, contacts, …). A `none` type in an
// SDK's manifest is a finding — the SDK collects what the policy never discloses — never dropped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "flowgate/diagnostic.h"
#include "model/policy.h"

namespace flowgate {

struct AppleTermMapping {
  std::string apple;              // NSPrivacyCollectedDataType… or …Purpose…
  std::vector<std::string> ours;  // leaf ids; empty when the policy has no counterpart
  std::string none_reason;        // why there is no counterpart (when `ours` is empty)
  std::string recipient;  // purposes only: who receives, when an SDK gives only Apple's manifest
  std::string note;
  SourceLocation location;
};

// How the app's own data is declared to a store.
struct StoreDeclaration {
  std::string ours;      // a data leaf or a purpose leaf
  std::string store;     // Apple's type/purpose, or Play's data type/purpose
  std::string category;  // Play: the data type's category ("Device or other IDs")
  bool linked = true;    // Apple: linked to the user's identity
  SourceLocation location;
};

struct AppleMapping {
  std::string path;
  std::string default_destination;  // where a bare Apple manifest's vendor is assumed to be
  std::map<std::string, AppleTermMapping> data_types;
  std::map<std::string, AppleTermMapping> purposes;
  std::vector<StoreDeclaration> emit_data;      // our data leaf → Apple type
  std::vector<StoreDeclaration> emit_purposes;  // our purpose leaf → Apple purpose
  std::vector<StoreDeclaration> play_data;      // our data leaf → Play data type
  std::vector<StoreDeclaration> play_purposes;  // our purpose leaf → Play purpose

  const StoreDeclaration* find(const std::vector<StoreDeclaration>& table,
                               const std::string& ours) const;
};

// mappings/apple.yaml under the policy folder.
std::string default_mapping_path(const std::string& policy_dir);

// Reads and checks the mapping against the policy's vocabularies and Apple's documented values.
std::optional<AppleMapping> load_apple_mapping(const std::string& path, const Policy& policy,
                                               DiagnosticSink& sink);

}  // namespace flowgate
