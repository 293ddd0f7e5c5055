// Policy: the whole model a policy folder loads into — vocabularies, rules, retention, rights
// promises, region catalog, jurisdiction facts and the data inventory — with the file:line:col of
// everything, so later stages can point back at the YAML.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostic/source_file.h"
#include "model/calendar.h"
#include "model/citation.h"
#include "model/condition.h"
#include "model/regions.h"
#include "model/vocabulary.h"

namespace flowgate {

struct IdRef {
  std::string id;
  SourceLocation location;
};

// `any`, or a list of ids (each may name a group).
struct IdSet {
  bool any = true;
  std::vector<IdRef> ids;
  SourceLocation location;
};

// A parsed condition with the means to locate any of its characters in the YAML file.
struct Condition {
  std::string text;
  Expr root;
  const SourceFile* file = nullptr;
  size_t scalar_offset = 0;  // where the YAML scalar holding the text starts
  SourceLocation location;
  SourceLocation location_of(uint32_t text_offset) const;
};

enum class Effect : uint8_t { kAllow, kDeny, kOblige, kBasis, kRequireBasis };
enum class Action : uint8_t { kAny, kCollect, kTransmit };

const char* effect_name(Effect effect);
const char* action_name(Action action);

// The statute a rule under jurisdictions/ encodes: the law speaks for itself, dated, so the rule
// acts only on flows dated from `effective` through `until` (inclusive).
struct Statute {
  std::string law;      // "Oregon Consumer Privacy Act"
  std::string section;  // "ORS 646A.578(2)(d)", what a decision cites
  std::string source;   // where its words can be read
  Date effective;
  std::optional<Date> until;
  SourceLocation location;
};

struct Rule {
  std::string id;
  SourceLocation location;
  Effect effect = Effect::kDeny;
  IdSet data, purpose, recipient, destination;
  Action action = Action::kAny;
  std::optional<Condition> when;
  std::vector<IdRef> obligations;
  std::vector<IdRef> bases;
  std::vector<Citation> citations;
  std::string quote;  // the policy's sentence, or for a statute rule the statute's words
  SourceLocation quote_location;
  std::string note;
  std::optional<Statute> statute;  // set for the rules under jurisdictions/ (the law's rules)
  // Set for a rule the model derives (model/travel.h): the rules it was derived from.
  std::vector<std::string> derived_from;

  // Whether the rule speaks on `day`: policy rules always (the policy's own effective date is
  // applied once, outside the rules); statute rules from their effective date through `until`.
  bool in_force(Date day) const {
    return !statute || (statute->effective <= day && (!statute->until || day <= *statute->until));
  }
};

// How long data is kept: an ISO 8601 duration counted from an event of the `event` vocabulary.
// Periods are data the officer adds (the policy's statements stay as written); `source` says where
// the period comes from: the policy's words, a legal obligation, a decision of the controller.
struct RetentionPeriod {
  Duration duration;
  IdRef from;  // an event id; a retention entry's period runs from its own event unless given
  std::string source;
  SourceLocation location;
};

enum class RetentionOutcome : uint8_t { kDelete, kAnonymize, kDeleteOrAnonymize, kRetain };
const char* retention_outcome_name(RetentionOutcome outcome);

struct RetentionEntry {
  std::string id;
  SourceLocation location;
  IdSet data;
  IdRef event;
  RetentionOutcome outcome = RetentionOutcome::kDeleteOrAnonymize;
  std::vector<IdRef> except_when;
  std::optional<RetentionPeriod> period;  // the outcome is due this long after `event`
  std::vector<Citation> citations;
  std::string quote;
  SourceLocation quote_location;
  std::string note;
};

enum class Grant : uint8_t { kPromised, kConditional, kExcluded };
const char* grant_name(Grant grant);

struct ResponsePromise {
  Duration deadline;
  std::optional<Duration> extension;
  SourceLocation location;
};

struct RightsEntry {
  std::string id;
  SourceLocation location;
  IdRef right;
  Grant grant = Grant::kConditional;
  std::optional<Condition> when;
  std::optional<ResponsePromise> response;
  std::vector<Citation> citations;
  std::string quote;
  SourceLocation quote_location;
  std::string note;
};

// A sentence (or part of one) of the policy text that no statement encodes, listed in
// rules/unencoded.yaml with why: coverage counts it as accounted for.
inline constexpr std::array<std::string_view, 6> kUnencodedReasons = {
    "organisational", "notice", "definition", "heading", "contact", "other"};

struct UnencodedEntry {
  SourceLocation location;
  std::string quote;
  SourceLocation quote_location;
  std::vector<Citation> sections;  // `section:`, where the quote is
  std::string reason;              // one of kUnencodedReasons (checked by check_policy)
  SourceLocation reason_location;
  std::string note;
};

// Every legal fact: where it comes from and when it applies.
struct FactBasis {
  std::string source;
  Date effective;
  std::optional<Date> until;
  SourceLocation location;
};

struct RightFact : FactBasis {
  IdRef right;
};
struct ResponseFact : FactBasis {
  Duration deadline;
  std::optional<Duration> extension;
};
struct OptOutFact : FactBasis {
  bool required = false;
};
struct Amendment {
  std::string title;
  Date effective;
  std::string source;
  std::string summary;
  SourceLocation location;
};
struct Law {
  std::string title;
  std::string citation;
  std::string source;
  std::optional<Date> enacted;
  Date effective;
  SourceLocation location;
};

struct Jurisdiction {
  std::string id;  // a region id (US-VA, CH) or a region group id (EU_EEA)
  SourceLocation location;
  std::string name;
  Law law;
  std::vector<RightFact> rights;
  std::vector<ResponseFact> response;
  std::vector<OptOutFact> universal_opt_out;
  std::vector<Amendment> amendments;
  std::string notes;
};

struct DigitalConsentAge {
  IdRef region;
  int age = 16;
  std::string source;
  Date effective;
  SourceLocation location;
};

enum class DataSource : uint8_t {
  kCamera,
  kMicrophone,
  kAlbum,
  kAppStore,
  kAutomatic,
  kUserWritten
};
const char* data_source_name(DataSource source);

struct InventoryFlow {
  Action action = Action::kCollect;
  IdRef purpose;
  IdRef recipient;
  IdRef destination;  // "device" or a region id
  SourceLocation location;
};

struct InventoryItem {
  std::string id;
  SourceLocation location;
  IdRef data;
  DataSource source = DataSource::kAutomatic;
  std::vector<Citation> citations;
  std::vector<InventoryFlow> flows;
  std::optional<RetentionPeriod> period;  // how long the item is kept (GDPR Art. 30(1)(f))
  std::string note;
};

struct PolicyInfo {
  std::string name;
  std::string version;
  std::optional<Date> effective;  // flows dated earlier were governed by another version
  std::string text_path;
  SourceLocation location;
};

// The most rules a policy may hold, derived rules included: the compiler's memo keeps a rule's
// index in 16 bits, one value reserved. check_policy reports more as `too-many-rules`, so a checked
// policy always compiles (compile/compiler.h).
inline constexpr size_t kMaxRules = 0xFFFF - 1;

struct Policy {
  std::string root;  // the folder holding rules/ and jurisdictions/
  PolicyInfo info;
  std::unique_ptr<SourceFile> text;  // the policy's own words, for citations and quotes
  std::array<Vocabulary, kVocabularyKinds> vocabularies;
  std::vector<Rule> rules;
  std::vector<RetentionEntry> retention;
  std::vector<RightsEntry> rights;
  std::vector<UnencodedEntry> unencoded;  // rules/unencoded.yaml
  RegionCatalog regions;
  std::vector<Jurisdiction> jurisdictions;
  std::vector<DigitalConsentAge> digital_consent_ages;
  std::vector<InventoryItem> inventory;
  std::vector<std::unique_ptr<SourceFile>> files;  // every file loaded, for diagnostics

  const Vocabulary& vocabulary(VocabularyKind kind) const {
    return vocabularies[static_cast<size_t>(kind)];
  }
  const SourceFile* file(std::string_view path) const;
};

}  // namespace flowgate
