// The readers of each kind of section a policy file can hold; load_policy (policy_loader.cc)
// dispatches a file's top-level keys to them. Internal to the loader.
#pragma once

#include <optional>
#include <vector>

#include "diagnostic/source_file.h"
#include "flowgate/diagnostic.h"
#include "load/fields.h"
#include "load/yaml_tree.h"
#include "model/policy.h"

namespace flowgate {

// What reading files accumulates before the model can be assembled.
struct LoadState {
  Policy& policy;
  DiagnosticSink& sink;
  std::array<std::vector<Term>, kVocabularyKinds> terms;
  std::vector<RegionGroup> region_groups;
};

// Where a file sits in the policy folder decides which sections it may hold.
enum class Place { kRules, kJurisdictions, kInventory };

// Dispatches one parsed file's top-level sections to the readers below.
void read_document(const YamlNode& node, const SourceFile& file, Place place, LoadState& state);
// Adds the groups computed from jurisdiction facts (US_PRIVACY_LAW, US_UNIVERSAL_OPT_OUT) to
// state.region_groups, from state.policy.jurisdictions.
void derive_us_groups(LoadState& state);
// Adds GDPR_ART8_AGE_13 … GDPR_ART8_AGE_16 from state.policy.digital_consent_ages.
void derive_consent_age_groups(LoadState& state);

void read_policy_info(const YamlNode& node, const SourceFile& file, LoadState& state);
void read_vocabulary(const YamlNode& node, const SourceFile& file, LoadState& state);
// Rules under rules/ cite the policy; rules under jurisdictions/ encode a statute and must say
// which (`statute:` with law, section, source, effective and optional until).
void read_rules(const YamlNode& node, const SourceFile& file, Place place, LoadState& state);
void read_retention(const YamlNode& node, const SourceFile& file, LoadState& state);
void read_rights(const YamlNode& node, const SourceFile& file, LoadState& state);
// rules/unencoded.yaml: the sentences no statement encodes, each with its reason.
void read_unencoded(const YamlNode& node, const SourceFile& file, LoadState& state);
void read_regions(const YamlNode& node, const SourceFile& file, LoadState& state);
void read_region_groups(const YamlNode& node, const SourceFile& file, LoadState& state);
void read_jurisdiction(const YamlNode& node, const SourceFile& file, LoadState& state);
void read_digital_consent_ages(const YamlNode& node, const SourceFile& file, LoadState& state);
void read_inventory(const YamlNode& node, const SourceFile& file, LoadState& state);

// `period: {duration: P2Y, from: <event>, source: "..."}` of an inventory item or a retention
// entry; a retention entry's period runs from its own event unless `from` says otherwise.
std::optional<RetentionPeriod> read_period(const Fields& fields, const IdRef* own_event);

// The quote and its location, shared by rules, retention and rights entries.
void read_quote(const Fields& fields, std::string& quote, SourceLocation& location);

}  // namespace flowgate
