// write_sarif: a list of findings → one SARIF 2.1.0 log (OASIS SARIF v2.1.0, the format GitHub code
// scanning and most CI viewers read). Generic: lint, gate and diff each fill a SarifRun with their
// own rules and results. This file's external interface is write_sarif.
//
// What GitHub's upload requires, the writer guarantees whatever the caller fills in: every rule has
// a fullDescription and help (text and markdown; falling back to the short description), every
// result with no location of its own the run's default artifact (line 1), when the run names one, and
// a partialFingerprint that is a hash of the rule, the caller's key (the ids of the statements the
// result is about, never its message) and the primary artifact, so alerts survive rewording.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowgate {

struct SarifRule {
  SarifRule() = default;
  SarifRule(std::string rule_id, std::string rule_name, std::string short_text,
            std::string help_text = {}, std::string level = "warning")
      : id(std::move(rule_id)),
        name(std::move(rule_name)),
        short_description(std::move(short_text)),
        help(std::move(help_text)),
        default_level(std::move(level)) {}

  std::string id;                         // "newly-allowed", "contradiction", …
  std::string name;                       // UpperCamel, e.g. "NewlyAllowed" (optional)
  std::string short_description;          // one sentence
  std::string help;                       // what to do about it (optional)
  std::string default_level = "warning";  // error | warning | note | none
  std::string full_description;           // a paragraph (optional: the short description)
  std::string help_markdown;              // `help` as markdown (optional: the help text)
  std::string help_uri;                   // an absolute https URI (optional; omitted when empty)
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
  // The ids of the statements the result is about (never its message): hashed with the rule id and
  // the primary artifact into partialFingerprints "flowgate/v1" (sarif_fingerprint). Empty: the
  // location's line stands in for it.
  std::string fingerprint;
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
  // Where a result without a location of its own points (line 1): the file the run is about, e.g.
  // the policy's rules file. Empty: such a result has no location, which GitHub refuses.
  std::string default_artifact;
};

// The fingerprint write_sarif writes for a result: 32 lowercase hex digits of SHA-256 over the rule
// id, the key and the artifact (each NUL-terminated). Reports that keep their own baselines (the
// gate) use it so the baseline and the SARIF log name a finding alike.
std::string sarif_fingerprint(std::string_view rule_id, std::string_view key,
                              std::string_view artifact);

// The log as pretty-printed JSON text, ending in a newline.
std::string write_sarif(const SarifRun& run);

}  // namespace flowgate
