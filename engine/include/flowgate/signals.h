// Consent signals: decoders for IAB TCF v2.2 TC strings and IAB GPP strings (US National `usnat`
// and California `usca` sections). Standard library only; part of flowgate_runtime.
//
//   flowgate::runtime::TcfString tc;
//   flowgate::runtime::Status s = flowgate::runtime::decode_tcf(text, &tc);
//   if (!s.ok()) { … s.message() … }   // e.g. "TC string: cmp_id at bit 78: the string ends at bit
//   80" if (tc.purpose_consent(4)) …
//
//   flowgate::runtime::GppString gpp;
//   s = flowgate::runtime::decode_gpp(text, &gpp);
//   if (s.ok() && gpp.usnat && gpp.usnat->targeted_advertising_opt_out == 1) …  // opted out
//
// Contract. Every read is checked against the end of its segment; a malformed string (bad
// base64url, truncated, wrong version or type, a vendor range past MaxVendorId, an id list over
// its budget) returns a Status error naming the field and its bit offset within the segment, and
// never crashes. Out of memory gives kResourceExhausted. Nothing throws. On error *out is left
// default-initialised. Decoding allocates the result's vectors; it is not meant for the hot path:
// decode once when the signal changes and keep the result (or what the query needs of it).
//
// Thread safety: the functions are reentrant; results are plain values.
//
// Field names follow the specifications in snake_case (TCF v2.2 "Core String" table; GPP
// "US National" and "US California" sections). Id lists (purposes, vendors, special features,
// section ids) are sorted ascending with no duplicates. GPP two-bit fields keep their coded value:
// 0 not applicable, 1 yes / opted out / notice given, 2 no / did not opt out.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flowgate/runtime.h"

namespace flowgate::runtime {

// Budgets: inputs past these are malformed, not merely large.
inline constexpr size_t kMaxSignalLength = 64 * 1024;           // characters of a TC or GPP string
inline constexpr size_t kMaxPublisherRestrictionIds = 1 << 20;  // vendor ids over all restrictions

// A publisher restriction (TCF core segment): a purpose, a restriction type (0 not allowed,
// 1 require consent, 2 require legitimate interest) and the vendors it applies to.
struct TcfPublisherRestriction {
  uint8_t purpose_id = 0;
  uint8_t restriction_type = 0;
  std::vector<uint16_t> vendors;
};

// A decoded TC string (TCF v2; policy versions 2–5 are accepted).
struct TcfString {
  // Core segment.
  uint8_t version = 0;              // always 2
  int64_t created_deciseconds = 0;  // since 1970-01-01T00:00:00Z
  int64_t last_updated_deciseconds = 0;
  uint16_t cmp_id = 0;
  uint16_t cmp_version = 0;
  uint8_t consent_screen = 0;
  std::string consent_language;  // two letters, "EN"
  uint16_t vendor_list_version = 0;
  uint8_t policy_version = 0;
  bool is_service_specific = false;
  bool use_non_standard_texts = false;
  std::vector<uint8_t> special_feature_optins;        // ids 1–12
  std::vector<uint8_t> purpose_consents;              // ids 1–24
  std::vector<uint8_t> purpose_legitimate_interests;  // ids 1–24
  bool purpose_one_treatment = false;
  std::string publisher_cc;  // two letters, "DE" ("AA" when unknown)
  uint16_t vendor_consents_max_id = 0;
  bool vendor_consents_range_encoded = false;  // how the string encoded them
  std::vector<uint16_t> vendor_consents;
  uint16_t vendor_legitimate_interests_max_id = 0;
  bool vendor_legitimate_interests_range_encoded = false;
  std::vector<uint16_t> vendor_legitimate_interests;
  std::vector<TcfPublisherRestriction> publisher_restrictions;  // by purpose_id, restriction_type

  // Optional segments, by segment type: 1 disclosed vendors, 2 allowed vendors (TCF 2.0/2.1
  // only), 3 publisher TC.
  bool has_disclosed_vendors = false;
  std::vector<uint16_t> disclosed_vendors;
  bool has_allowed_vendors = false;
  std::vector<uint16_t> allowed_vendors;
  bool has_publisher_tc = false;
  std::vector<uint8_t> publisher_consents;              // ids 1–24
  std::vector<uint8_t> publisher_legitimate_interests;  // ids 1–24
  uint8_t num_custom_purposes = 0;
  std::vector<uint8_t> publisher_custom_consents;              // ids 1–num_custom_purposes
  std::vector<uint8_t> publisher_custom_legitimate_interests;  // ids 1–num_custom_purposes

  bool purpose_consent(int purpose_id) const noexcept;
  bool purpose_legitimate_interest(int purpose_id) const noexcept;
  bool special_feature_optin(int feature_id) const noexcept;
  bool vendor_consent(int vendor_id) const noexcept;
  bool vendor_legitimate_interest(int vendor_id) const noexcept;
};

// GPP section 7, US National (versions 1 and 2; version 1 has 12 sensitive-data categories and
// 2 known-child entries, version 2 has 16 and 3).
struct GppUsNat {
  uint8_t version = 0;
  uint8_t sharing_notice = 0;
  uint8_t sale_opt_out_notice = 0;
  uint8_t sharing_opt_out_notice = 0;
  uint8_t targeted_advertising_opt_out_notice = 0;
  uint8_t sensitive_data_processing_opt_out_notice = 0;
  uint8_t sensitive_data_limit_use_notice = 0;
  uint8_t sale_opt_out = 0;
  uint8_t sharing_opt_out = 0;
  uint8_t targeted_advertising_opt_out = 0;
  std::vector<uint8_t> sensitive_data_processing;
  std::vector<uint8_t> known_child_sensitive_data_consents;
  uint8_t personal_data_consents = 0;
  uint8_t mspa_covered_transaction = 0;
  uint8_t mspa_opt_out_option_mode = 0;
  uint8_t mspa_service_provider_mode = 0;
  bool gpc_segment_included = false;
  bool gpc = false;
};

// GPP section 8, US California (version 1: 9 sensitive-data categories, 2 known-child entries).
struct GppUsCa {
  uint8_t version = 0;
  uint8_t sale_opt_out_notice = 0;
  uint8_t sharing_opt_out_notice = 0;
  uint8_t sensitive_data_limit_use_notice = 0;
  uint8_t sale_opt_out = 0;
  uint8_t sharing_opt_out = 0;
  std::vector<uint8_t> sensitive_data_processing;
  std::vector<uint8_t> known_child_sensitive_data_consents;
  uint8_t personal_data_consents = 0;
  uint8_t mspa_covered_transaction = 0;
  uint8_t mspa_opt_out_option_mode = 0;
  uint8_t mspa_service_provider_mode = 0;
  bool gpc_segment_included = false;
  bool gpc = false;
};

// A decoded GPP string (header version 1). Sections other than tcfeuv2 (2), usnat (7) and
// usca (8) are listed in section_ids and checked to be non-empty base64url, not decoded.
struct GppString {
  uint8_t version = 0;                // header version, always 1
  std::vector<uint16_t> section_ids;  // ascending
  std::optional<TcfString> tcfeuv2;   // section 2: a TC string
  std::optional<GppUsNat> usnat;
  std::optional<GppUsCa> usca;
};

Status decode_tcf(std::string_view text, TcfString* out) noexcept;
Status decode_gpp(std::string_view text, GppString* out) noexcept;

// A GPP string starts with "DB" (header type 3, version 1); anything else is taken as a TC string.
constexpr bool looks_like_gpp(std::string_view text) noexcept {
  return text.size() >= 2 && text[0] == 'D' && text[1] == 'B';
}

// What a decoded signal means for a query (docs/signals.md). Kept here, beside the decoders, so the
// CLI and an app deciding on the runtime apply the same mapping.
//
// A TCF purpose mapping: the policy purpose is consented when the TC string consents to every
// TCF purpose in the mask (bit p: TCF purpose p). A TC string is the record for the purposes it
// maps: when present, it grants those whose TCF purposes all have consent and withholds the rest.
struct TcfPurposeMapping {
  std::string_view purpose;  // a policy purpose id (rules/vocabulary/purpose.yaml)
  uint32_t tcf_purposes;     // bit p set: TCF purpose p is needed
};
inline constexpr TcfPurposeMapping kTcfPurposeMappings[] = {
    {"advertising.targeted", (1u << 3) | (1u << 4)},  // create / use a personalised ads profile
    {"advertising.measurement", 1u << 7},             // measure advertising performance
    {"analytics", (1u << 8) | (1u << 9)},  // measure content performance; audience statistics
};
bool tcf_grants(const TcfString& tc, const TcfPurposeMapping& mapping) noexcept;

// Whether a GPP string opts the subject out of targeted advertising, which the query carries as
// gpc: usnat targeted_advertising_opt_out == 1 or sharing_opt_out == 1 or gpc, usca
// sharing_opt_out == 1 (California's "sharing" is cross-context behavioural advertising) or gpc.
// The TCF section (tcfeuv2) is applied through kTcfPurposeMappings, not here.
bool gpp_opts_out_of_targeted_ads(const GppString& gpp) noexcept;

// The facts rules test (`tcf.purpose_consent(N)`, `usnat.sale_opt_out`, `tcf.present`, …), added
// to a query's ConsentStrings. A query may carry a TC string both directly and as a GPP tcfeuv2
// section: each TCF purpose then counts only when both grant it, as for kTcfPurposeMappings.
// add_gpp_facts adds the tcfeuv2 section through add_tcf_facts.
void add_tcf_facts(const TcfString& tc, ConsentStrings* out) noexcept;
void add_gpp_facts(const GppString& gpp, ConsentStrings* out) noexcept;

// A query's TC and GPP strings (either may be absent) decoded and applied as docs/signals.md says,
// in one place for the CLI and the C API (fg_query_set_consent_strings), so both answer alike:
// the facts rules test; whether the GPP string opts out of targeted advertising (the query's gpc
// is then set); and for each of kTcfPurposeMappings, whether the strings grant the policy purpose
// (+1: the query then holds its consent), withhold it (-1: the query then does not) or say
// nothing (0). A TC string given both directly and as a GPP tcfeuv2 section grants only what both
// grant. A string that does not decode is an error naming it ("'signals.gpp' does not decode:
// …"); the caller must then not decide on the query (fail closed). *out is reset first.
struct ConsentStringEffects {
  ConsentStrings facts;
  bool opts_out_of_targeted_ads = false;
  int8_t purposes[std::size(kTcfPurposeMappings)] = {};
};
Status decode_consent_strings(std::optional<std::string_view> tcf,
                              std::optional<std::string_view> gpp,
                              ConsentStringEffects* out) noexcept;

// "2020-01-26T17:01:00Z", with a tenth of a second when there is one ("…:00.5Z").
std::string iso8601_from_deciseconds(int64_t deciseconds);

}  // namespace flowgate::runtime
