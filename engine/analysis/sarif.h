// write_sarif: a list of findings → one SARIF 2.1.0 log (OASIS SARIF v2.1.0, the format GitHub code
// scanning and most CI viewers read). Generic: lint, gate and diff each fill a SarifRun with their
// own rules and results. This file's external interface is write_sarif.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace flowgate {

struct SarifRule {
  std::string id;                         // "newly-allowed", "contradiction", …
  std::string name;                       // UpperCamel, e.g. "NewlyAllowed" (optional)
  std::string short_description;          // one sentence
  std::string help;                       // what to do about it (optional)
  std::string default_level = "warning";  // error | warning | note | none
};

struct SarifLocation {
  std::string file;     // relative to the run's source root, forward slashes
  uint32_t line = 0;    // 1-based; 0: the whole file
  uint32_t column = 0;  // 1-based; 0: the whole line
  std::string message;  // for related locations (optional)
};

struct SarifResult {
  std::string rule_id;
  std::string level;  // error | warning | note | none
  std::string message;
  std::vector<SarifLocation> locations;
  std::vector<SarifLocation> related_locations;
  // Extra machine-readable fields, written under "properties" (values are strings).
  std::vector<std::pair<std::string, std::string>> properties;
  std::string fingerprint;  // stable across runs (partialFingerprints "flowgate/v1"), optional
  // Non-empty: the result was reviewed and accepted outside the source (a baseline entry), and
  // this is why; written as an external, accepted suppression.
  std::string suppression_justification;
};

struct SarifRun {
  std::string tool_name = "flowgate";
  std::string tool_version;
  std::string information_uri = "https://github.com/kapi-action/flowgate";
  std::string source_root;  // an absolute folder: originalUriBaseIds SRCROOT (optional)
  std::vector<SarifRule> rules;
  std::vector<SarifResult> results;
};

// The log as pretty-printed JSON text, ending in a newline.
std::string write_sarif(const SarifRun& run);

}  // namespace flowgate
