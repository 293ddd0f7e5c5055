// The flowgate runtime: load a compiled policy bundle, intern ids once, decide on interned ids.
// Standard library only; this header and flowgate.h are what an app links against.
//
//   std::unique_ptr<const flowgate::runtime::Bundle> bundle;
//   flowgate::runtime::Status s = flowgate::runtime::Bundle::load_file("policy.fgb", &bundle);
//   if (!s.ok()) { … s.message() … }          // corrupt, truncated, unsupported: refused
//   flowgate::runtime::InternedQuery q;        // once per call site: intern the ids
//   q.data = *bundle->data_index("media.photo");  …
//   uint32_t d = bundle->decide(q);            // the hot path
//   if (bundle->decision(d).allow()) …
//
// Errors are values: nothing here throws. Loading checks every offset, count and index in the
// bundle once (docs/bundle-format.md), so decide() runs without checks, allocation or locks.
//
// Ownership: a Bundle owns a copy of its bytes. Decision, StringList and every std::string_view
// they return point into the Bundle and stay valid while it lives.
//
// Thread safety: a loaded Bundle is immutable; any number of threads may call its const members
// (interning, decide, decision accessors) concurrently. To swap policies at run time, publish a
// std::shared_ptr<const Bundle> (e.g. with std::atomic_store) and keep the old one alive while
// readers hold it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace flowgate::runtime {

// The outcome of an operation that may fail; free (no allocation) on success.
class Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kInvalidArgument = 1,    // a caller error (null output, bad option)
    kIoError = 2,            // the file could not be read
    kCorruption = 3,         // the bytes are not a well-formed bundle
    kNotSupported = 4,       // a well-formed bundle of another format version
    kUnauthenticated = 5,    // signature missing, wrong or from an untrusted key
    kResourceExhausted = 6,  // out of memory while loading
    // A well-formed, trusted bundle that may not replace the running one: its serial is below
    // the running bundle's, or equal with other content (BundleHolder; a rollback).
    kFailedPrecondition = 7,
  };

  Status() noexcept = default;
  Status(Code code, std::string message) noexcept;
  static Status ok_status() noexcept { return Status(); }
  static Status invalid_argument(std::string message) noexcept;
  static Status io_error(std::string message) noexcept;
  static Status corruption(std::string message) noexcept;
  static Status not_supported(std::string message) noexcept;
  static Status unauthenticated(std::string message) noexcept;
  static Status resource_exhausted(std::string message) noexcept;
  static Status failed_precondition(std::string message) noexcept;

  bool ok() const noexcept { return code_ == Code::kOk; }
  Code code() const noexcept { return code_; }
  // e.g. "bundle corrupt: node 12: child 3 refers to node 15, which is not below it"
  const std::string& message() const noexcept { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// The GPP opt-outs a rule can test (`usnat.sale_opt_out`, …), one bit each of
// ConsentStrings::gpp_opt_outs. A bit is set when the section's two-bit field is 1, "opted out"
// (0 is not applicable, 2 did not opt out). The numbering is part of the C API (FG_GPP_*).
enum GppOptOut : uint8_t {
  kUsNatSaleOptOut = 0,
  kUsNatSharingOptOut = 1,
  kUsNatTargetedAdvertisingOptOut = 2,
  kUsCaSaleOptOut = 3,
  kUsCaSharingOptOut = 4,
  kGppOptOutCount = 5,
};
// Their names in rule conditions and in bundles, by GppOptOut.
inline constexpr std::string_view kGppOptOutNames[kGppOptOutCount] = {
    "usnat.sale_opt_out", "usnat.sharing_opt_out", "usnat.targeted_advertising_opt_out",
    "usca.sale_opt_out", "usca.sharing_opt_out"};
constexpr std::optional<GppOptOut> gpp_opt_out_named(std::string_view name) noexcept {
  for (uint8_t i = 0; i < kGppOptOutCount; ++i) {
    if (kGppOptOutNames[i] == name) return static_cast<GppOptOut>(i);
  }
  return std::nullopt;
}
inline constexpr int kTcfPurposeCount = 24;  // TCF v2.2 purposes are numbered 1–24

// What a query's TC and GPP strings say, in the fixed-width form that rules test
// (`tcf.purpose_consent(4)`, `usnat.sale_opt_out`; docs/signals.md). The app decodes the strings
// once per change and fills this with add_tcf_facts / add_gpp_facts (flowgate/signals.h).
struct ConsentStrings {
  // A TC string decoded (signals.tcf, or a GPP tcfeuv2 section); a GPP string decoded.
  bool tcf_present = false;
  bool gpp_present = false;
  uint32_t tcf_purpose_consents = 0;              // bit p-1: TCF purpose p has consent
  uint32_t tcf_purpose_legitimate_interests = 0;  // bit p-1: TCF purpose p, legitimate interest
  uint8_t gpp_opt_outs = 0;                       // bit GppOptOut: that field is 1, opted out
};

// A query with its ids interned (indices from Bundle::*_index). An index out of range for the
// bundle — including kUnknown — decides the bundle's unknown-id decision (fail closed).
struct InternedQuery {
  static constexpr uint16_t kUnknown = 0xFFFE;  // an id interning did not find
  static constexpr uint16_t kDevice = 0xFFFF;   // destination: the data stays on the device

  uint16_t data = kUnknown;
  uint16_t purpose = kUnknown;
  uint16_t recipient = kUnknown;
  uint8_t action = 1;               // 0 collect, 1 transmit
  uint16_t destination = kUnknown;  // a region index, or kDevice
  uint16_t region = kUnknown;       // the subject's region index
  int16_t age = -1;                 // whole years; negative: unknown
  int32_t as_of_days = 0;           // days since 1970-01-01 (see days_from_civil)
  bool gpc = false;                 // signals.gpc
  bool ads_personalization = true;  // the in-app toggle; on unless turned off
  bool parental_consent = false;    // verifiable consent of a parent or guardian (COPPA)
  uint64_t consent_mask = 0;        // bit i: consent for purpose index i
  uint64_t feature_mask = 0;        // bit i: feature index i in use
  ConsentStrings consent_strings;   // signals.tcf and signals.gpp, decoded
};

// A query by string ids, for callers that do not keep interned ids. An id the bundle does not know
// in any field — consent and feature ids included: a misspelt consent must not pass silently as
// "no consent" — decides the unknown-id decision.
//
// A collect stays on the device (docs/design.md, "The query"): every path reads a collect's
// recipient and destination as `device`, whatever the query says, so they are neither interned
// nor checked.
struct StringQuery {
  std::string_view data{}, purpose{};
  std::string_view action = "transmit";  // "collect" or "transmit"
  std::string_view recipient;
  std::string_view destination;  // a region id, or "device"
  std::string_view region;       // the subject's region
  int age = -1;                  // whole years; negative: unknown
  int32_t as_of_days = 0;
  bool gpc = false;
  bool ads_personalization = true;
  bool parental_consent = false;  // verifiable consent of a parent or guardian (COPPA)
  std::span<const std::string_view> consents{};  // purpose ids
  std::span<const std::string_view> features{};  // feature ids
  ConsentStrings consent_strings{};              // signals.tcf and signals.gpp, decoded
};

// Which field of a query held a value the bundle does not know: reported beside an unknown-id
// decision (Bundle::decide's UnknownId), so a caller can say which field held which value. The
// numbering is part of the C API (FG_FIELD_*).
enum class QueryField : uint8_t {
  kNone = 0,
  kData = 1,
  kPurpose = 2,
  kAction = 3,
  kRecipient = 4,
  kDestination = 5,
  kRegion = 6,          // the subject's region
  kConsent = 7,         // StringQuery::consents[position]
  kFeature = 8,         // StringQuery::features[position]
  kAsOf = 9,            // the C API: a date fg_days_from_civil refused
  kConsentString = 10,  // the C API: a TC or GPP string that did not decode
};
inline constexpr int kQueryFieldCount = 11;
// The fields' names in the query JSON (docs/design.md), by QueryField: "" for kNone.
inline constexpr std::string_view kQueryFieldNames[kQueryFieldCount] = {"",
                                                                        "data",
                                                                        "purpose",
                                                                        "action",
                                                                        "recipient",
                                                                        "destination",
                                                                        "subject.region",
                                                                        "signals.consents",
                                                                        "signals.features",
                                                                        "as_of",
                                                                        "signals.tcf/gpp"};

// Beside a decision: which field held an unknown value (kNone when every id was known), and for
// the list fields its position in the list.
struct UnknownId {
  QueryField field = QueryField::kNone;
  uint32_t position = 0;
  friend constexpr bool operator==(const UnknownId&, const UnknownId&) = default;
};

// Whether year-month-day names a day of the proleptic Gregorian calendar in years 1 to 9999 (the
// range days_from_civil computes without overflow and dates are written in).
constexpr bool is_civil_date(int32_t year, int32_t month, int32_t day) noexcept {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  constexpr int32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// Days since 1970-01-01 of a proleptic Gregorian date (month 1–12, day 1–31; see is_civil_date).
constexpr int32_t days_from_civil(int32_t year, int32_t month, int32_t day) noexcept {
  year -= month <= 2;
  const int32_t era = (year >= 0 ? year : year - 399) / 400;
  const int32_t yoe = year - era * 400;
  const int32_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// A proleptic Gregorian date: year, month 1–12, day 1–31.
struct CivilDate {
  int64_t year = 1970;
  int32_t month = 1;
  int32_t day = 1;
  friend constexpr bool operator==(const CivilDate&, const CivilDate&) = default;
};

// The date `days` after 1970-01-01 (negative: before it); the inverse of days_from_civil.
constexpr CivilDate civil_from_days(int64_t days) noexcept {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<int32_t>(days - era * 146097);
  const int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int32_t mp = (5 * doy + 2) / 153;
  const int32_t day = doy - (153 * mp + 2) / 5 + 1;
  const int32_t month = mp < 10 ? mp + 3 : mp - 9;
  return {int64_t{yoe} + era * 400 + (month <= 2), month, day};
}
static_assert(civil_from_days(0) == CivilDate{1970, 1, 1});
static_assert(civil_from_days(days_from_civil(2024, 2, 29)) == CivilDate{2024, 2, 29});
static_assert(civil_from_days(-1) == CivilDate{1969, 12, 31});

class Bundle;

// A list of strings in a bundle (a decision's obligations, citations, …).
class StringList {
 public:
  class iterator {
   public:
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    std::string_view operator*() const noexcept { return strings_[*ref_]; }
    iterator& operator++() noexcept {
      ++ref_;
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator old = *this;
      ++ref_;
      return old;
    }
    bool operator==(const iterator& other) const noexcept { return ref_ == other.ref_; }

   private:
    friend class StringList;
    iterator(const std::string_view* strings, const uint32_t* ref) : strings_(strings), ref_(ref) {}
    const std::string_view* strings_ = nullptr;
    const uint32_t* ref_ = nullptr;
  };

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  // i < size(); the view is NUL-terminated (data()[size()] == '\0').
  std::string_view operator[](size_t i) const noexcept { return strings_[refs_[i]]; }
  iterator begin() const noexcept { return iterator(strings_, refs_); }
  iterator end() const noexcept { return iterator(strings_, refs_ + size_); }

 private:
  friend class Decision;
  StringList(const std::string_view* strings, const uint32_t* refs, size_t size)
      : strings_(strings), refs_(refs), size_(size) {}
  const std::string_view* strings_;
  const uint32_t* refs_;
  size_t size_;
};

// A decision record: a view into its Bundle.
class Decision {
 public:
  uint32_t index() const noexcept { return index_; }
  bool allow() const noexcept;
  StringList obligations() const noexcept;
  StringList legal_basis() const noexcept;
  StringList citations() const noexcept;
  StringList rules() const noexcept;
  std::string_view reason() const noexcept;  // NUL-terminated

 private:
  friend class Bundle;
  Decision(const Bundle* bundle, uint32_t index) : bundle_(bundle), index_(index) {}
  const Bundle* bundle_;
  uint32_t index_;
};

class Bundle {
 public:
  // Checks and loads a bundle from its bytes (taken over; pass a copy to keep yours). On success
  // *bundle holds the loaded bundle; on failure it is reset and the status says what is wrong.
  // Checks the structure and the SHA-256 digest, not the signature: see flowgate/verify.h.
  static Status load(std::string bytes, std::unique_ptr<const Bundle>* bundle) noexcept;
  static Status load_file(const std::string& path, std::unique_ptr<const Bundle>* bundle) noexcept;

  ~Bundle();
  Bundle(const Bundle&) = delete;
  Bundle& operator=(const Bundle&) = delete;

  std::string_view policy_name() const noexcept;
  std::string_view policy_version() const noexcept;
  // The bundle's serial (docs/bundle-format.md): grows with every release, so that a newer bundle
  // has a higher one. 0 for bundles of format versions 1–3, which carry none (unknown: treated as
  // older than any bundle with a serial).
  uint64_t serial() const noexcept;

  // Interning: the index of an id, nullopt when the bundle does not know it.
  std::optional<uint16_t> data_index(std::string_view id) const noexcept;
  std::optional<uint16_t> purpose_index(std::string_view id) const noexcept;
  std::optional<uint16_t> recipient_index(std::string_view id) const noexcept;
  std::optional<uint16_t> region_index(std::string_view id) const noexcept;
  std::optional<uint16_t> feature_index(std::string_view id) const noexcept;
  // A region index, or InternedQuery::kDevice for "device".
  std::optional<uint16_t> destination_index(std::string_view id) const noexcept;
  // 0 for "collect", 1 for "transmit".
  static std::optional<uint8_t> action_index(std::string_view action) noexcept;

  size_t data_count() const noexcept;
  size_t purpose_count() const noexcept;
  size_t recipient_count() const noexcept;
  size_t region_count() const noexcept;
  size_t feature_count() const noexcept;
  std::string_view data_id(size_t index) const noexcept;  // "" when out of range
  std::string_view purpose_id(size_t index) const noexcept;
  std::string_view recipient_id(size_t index) const noexcept;
  std::string_view region_id(size_t index) const noexcept;
  std::string_view feature_id(size_t index) const noexcept;

  // The decision index for a query: a walk of the diagram; no allocation, no locks, no throw.
  // A collect (action 0) is decided with recipient `device` and destination kDevice, whatever
  // the query holds. An index out of range decides unknown_id_decision(); `unknown` (when not
  // null) then names the first such field (data, purpose, action, recipient, destination,
  // region), else is reset to kNone. Consent and feature masks are bits, never unknown.
  uint32_t decide(const InternedQuery& query) const noexcept;
  uint32_t decide(const InternedQuery& query, UnknownId* unknown) const noexcept;
  // Interns then decides; an id the bundle does not know (consents and features included) decides
  // unknown_id_decision(), and `unknown` names its field and, for a list, its position.
  uint32_t decide(const StringQuery& query) const noexcept;
  uint32_t decide(const StringQuery& query, UnknownId* unknown) const noexcept;

  size_t decision_count() const noexcept;
  uint32_t unknown_id_decision() const noexcept;
  // The record of a decision index; an index out of range gives unknown_id_decision()'s record.
  Decision decision(uint32_t index) const noexcept;

  // The verified SHA-256 content digest, and the signature block when the bundle carries one.
  std::span<const uint8_t, 32> digest() const noexcept;
  bool is_signed() const noexcept;
  std::span<const uint8_t, 8> signing_key_id() const noexcept;  // zeros when unsigned
  std::span<const uint8_t, 64> signature() const noexcept;      // zeros when unsigned
  size_t size_bytes() const noexcept;                           // the whole bundle, as loaded

  struct Rep;

 private:
  friend class Decision;
  explicit Bundle(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace flowgate::runtime
