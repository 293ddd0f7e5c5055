// read_sdk_manifest: our own declaration of an SDK integration (YAML), for what Apple's manifest
// does not say — who receives the data (a recipient class of the policy), where it goes, and
// whether the app routes the SDK's calls through the runtime check (flowgate decide) first:
//
//   sdk: firebase-auth
//   vendor: Google LLC
//   recipient: service_provider.cloud_storage
//   destinations: [US]
//   routed_through_runtime: true
//   apple_manifest: ../manifests/firebase-auth/PrivacyInfo.xcprivacy   # optional, relative
//   data: [technical.account.user_id]        # optional: our ids …
//   purposes: [user_functions]               # … × our purposes, when there is no Apple manifest
//   tracking: false                          # optional
//   tracking_domains: [api.example.com]      # optional
//   onward:                                  # optional: where the vendor forwards it (multi-hop)
//     - {recipient: affiliate, destination: CN}
//   note: "…"
//
// Every id is checked against the policy's vocabularies with file:line:col.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "flowgate/diagnostic.h"
#include "model/policy.h"

namespace flowgate {

struct OnwardTransfer {
  IdRef recipient;
  IdRef destination;
};

struct SdkManifest {
  std::string path;
  SourceLocation location;
  std::string sdk;
  std::string vendor;
  IdRef recipient;
  std::vector<IdRef> destinations;
  bool routed_through_runtime = false;
  std::string apple_manifest;  // resolved against the manifest's folder; empty when none
  std::vector<IdRef> data;
  std::vector<IdRef> purposes;
  std::optional<bool> tracking;
  std::vector<std::string> tracking_domains;
  std::vector<OnwardTransfer> onward;
  std::string note;
};

std::optional<SdkManifest> read_sdk_manifest(const std::string& path, const Policy& policy,
                                             DiagnosticSink& sink);

}  // namespace flowgate
