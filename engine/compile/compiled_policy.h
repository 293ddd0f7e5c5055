// CompiledPolicy: what the compiler emits and the bundle writer serialises — the query's variables
// with their domains (ids interned to indices, regions, dates and ages partitioned into the
// classes the rules distinguish), a reduced ordered multi-valued decision diagram over them, and
// its leaves, the decision records. Plain data; no pointers into the Policy it came from.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "flowgate/runtime.h"
#include "model/decision.h"

namespace flowgate {

// The variables the diagram tests, in this order from the root (a variable a path does not need
// is skipped: the diagram is reduced).
enum class VariableKind : uint8_t {
  kData = 0,         // index into data_ids (leaves of the data vocabulary)
  kPurpose = 1,      // index into purpose_ids
  kAction = 2,       // 0 collect, 1 transmit
  kRecipient = 3,    // index into recipient_ids
  kDestination = 4,  // destination class: destination_class[region], or device_destination_class
  kRegion = 5,       // subject region class: region_class[region]
  kDate = 6,         // date class: the number of date_breakpoints <= as_of
  kAge = 7,          // age band: 0 unknown, else 1 + the number of age_thresholds <= age
  kBit = 8,          // one of `bits`, 0 or 1
};

struct Bit {
  enum class Kind : uint8_t {
    kGpc = 0,                 // signals.gpc
    kAdsPersonalization = 1,  // signals.ads_personalization (true when absent)
    kConsentForPurpose = 2,   // the query's own purpose is among its consents
    kConsent = 3,             // consent(id): id is a purpose id
    kFeature = 4,             // feature(id): id is a feature id
    // Consent strings (docs/signals.md, bundle format version 2). tcf.purpose_consent(N) and
    // tcf.purpose_legitimate_interest(N): id is N, "1" to "24"; usnat.sale_opt_out and the other
    // GPP opt-outs: id is the field's name (runtime::kGppOptOutNames).
    kTcfPurposeConsent = 5,
    kTcfPurposeLegitimateInterest = 6,
    kGppOptOut = 7,
    kTcfPresent = 8,        // tcf.present
    kGppPresent = 9,        // gpp.present
    kParentalConsent = 10,  // signals.parental_consent (bundle format version 3)
  };
  Kind kind;
  std::string id;  // kConsent, kFeature, kTcfPurpose*, kGppOptOut

  // kTcfPurpose*: the purpose number in id; 0 (no purpose) when id is not a number.
  uint32_t tcf_purpose() const noexcept {
    uint32_t n = 0;
    auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), n);
    return error == std::errc() && end == id.data() + id.size() ? n : 0;
  }
  // kGppOptOut: the field id names; kGppOptOutCount (a bit no query sets) when it names none.
  runtime::GppOptOut gpp_opt_out() const noexcept {
    return runtime::gpp_opt_out_named(id).value_or(runtime::kGppOptOutCount);
  }
  // A consent-string bit's value for a query's strings; false for the other kinds, and for a bit
  // naming no purpose or field.
  bool value_in(const runtime::ConsentStrings& s) const noexcept {
    auto has = [](uint32_t mask, uint32_t index) { return index < 32 && ((mask >> index) & 1); };
    switch (kind) {
      case Kind::kTcfPurposeConsent:
        return has(s.tcf_purpose_consents, tcf_purpose() - 1);
      case Kind::kTcfPurposeLegitimateInterest:
        return has(s.tcf_purpose_legitimate_interests, tcf_purpose() - 1);
      case Kind::kGppOptOut:
        return has(s.gpp_opt_outs, gpp_opt_out());
      case Kind::kTcfPresent:
        return s.tcf_present;
      case Kind::kGppPresent:
        return s.gpp_present;
      default:
        return false;
    }
  }
};

struct Variable {
  VariableKind kind;
  uint32_t bit = 0;     // kBit: index into bits
  uint32_t domain = 0;  // number of values
};

struct DiagramNode {
  uint32_t variable;     // index into variables
  uint32_t first_child;  // children[first_child .. first_child + variables[variable].domain)
};

struct CompiledPolicy {
  std::string policy_name;
  std::string policy_version;

  std::vector<std::string> data_ids;
  std::vector<std::string> purpose_ids;
  std::vector<std::string> recipient_ids;
  std::vector<std::string> feature_ids;
  std::vector<std::string> region_ids;      // every ISO region the policy knows (not "device")
  std::vector<uint16_t> region_class;       // per region_ids: subject region class
  std::vector<uint16_t> destination_class;  // per region_ids: destination class
  uint16_t device_destination_class = 0;
  uint16_t region_classes = 0;
  uint16_t destination_classes = 0;
  std::vector<int32_t> date_breakpoints;  // days since 1970-01-01, ascending
  std::vector<int32_t> age_thresholds;    // ascending

  std::vector<Bit> bits;
  std::vector<Variable> variables;  // in diagram order

  // A child reference is a node index, or kLeaf | decision index.
  static constexpr uint32_t kLeaf = 0x8000'0000u;
  std::vector<DiagramNode> nodes;
  std::vector<uint32_t> children;
  uint32_t root = kLeaf;
  std::vector<Decision> decisions;   // the leaves: what combine() gives (model/decision.h)
  uint32_t unknown_id_decision = 0;  // the record for a query naming an unknown id

  // Figures for the compile report.
  size_t unreduced_nodes = 0;  // nodes built before leaves were merged by decision
};

}  // namespace flowgate
