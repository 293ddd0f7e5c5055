// parse_apple_manifest: an Apple privacy manifest (PrivacyInfo.xcprivacy, a property list in XML)
// read with pugixml into the four keys the gate uses: NSPrivacyTracking, NSPrivacyTrackingDomains,
// NSPrivacyCollectedDataTypes (type, linked, tracking, purposes) and NSPrivacyAccessedAPITypes.
//
// The file is untrusted input from a third-party SDK. It is read under budgets (size, nesting
// depth, element count, list lengths) and refused, with file:line:col, when it is not a plist,
// when it is not one well-formed document (a second root element, or anything but comments and
// whitespace after </plist>: pugixml would read the first root and quietly ignore the rest), or
// when it carries anything an XML parser could be made to expand or fetch: any DOCTYPE but exactly
// Apple's (<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"
// "http://www.apple.com/DTDs/PropertyList-1.0.dtd">, parsed by XML's grammar, so a quoted '>' or
// '[' cannot hide anything), an internal DTD subset, or an entity declaration (pugixml never
// expands entities itself; the check makes the refusal explicit instead of leaving `&lol;` in a
// string). Unknown keys are kept
// out of the model but never fail a manifest: Apple adds keys, and the gate only reads these four.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostic/source_file.h"
#include "flowgate/diagnostic.h"

namespace flowgate {

struct AppleManifestLimits {
  size_t max_bytes = 1 << 20;  // the largest real manifest is a few KiB
  size_t max_depth = 16;       // plist > dict > array > dict > array > string is 6
  size_t max_elements = 20'000;
  size_t max_string = 4096;  // characters in one <string> or <key>
};

struct AppleCollectedType {
  std::string type;  // NSPrivacyCollectedDataType…, as written
  bool linked = false;
  bool tracking = false;
  std::vector<std::string> purposes;  // NSPrivacyCollectedDataTypePurpose…, as written
  SourceLocation location;            // of the entry's <dict>
};

struct AppleAccessedApi {
  std::string category;              // NSPrivacyAccessedAPICategory…
  std::vector<std::string> reasons;  // approved reason codes, e.g. CA92.1
  SourceLocation location;
};

struct AppleManifest {
  std::string path;
  std::optional<bool> tracking;  // absent in some real manifests (Amplitude)
  SourceLocation tracking_location;
  std::vector<std::string> tracking_domains;
  std::vector<SourceLocation> tracking_domain_locations;
  std::vector<AppleCollectedType> collected;
  std::vector<AppleAccessedApi> accessed_apis;
};

// Parses the text of `file`. Every problem goes to `sink` (code "manifest-…"); returns nullopt when
// the manifest cannot be used.
std::optional<AppleManifest> parse_apple_manifest(const SourceFile& file, DiagnosticSink& sink,
                                                  const AppleManifestLimits& limits = {});

// Reads and parses a manifest file (size budget, UTF-8 check, then parse_apple_manifest).
std::optional<AppleManifest> read_apple_manifest(const std::string& filesystem_path,
                                                 const std::string& display_path,
                                                 DiagnosticSink& sink,
                                                 const AppleManifestLimits& limits = {});

// The values Apple documents for NSPrivacyCollectedDataType and its purposes.
const std::vector<std::string_view>& apple_data_types();
const std::vector<std::string_view>& apple_purposes();

}  // namespace flowgate
