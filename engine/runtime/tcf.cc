// TCF v2 TC string decoding. This file's external interface is decode_tcf (flowgate/signals.h);
// the bit layout is in tcf.h.
#include "runtime/tcf.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "flowgate/signals.h"
#include "runtime/signal_bits.h"

namespace flowgate::runtime {

using signals::BitReader;

namespace {

// A bitfield of `bits` flags (bit k: id k+1), as the sorted ids whose flag is set.
template <typename Id>
std::vector<Id> read_flags(BitReader& r, const char* field, unsigned bits) {
  std::vector<Id> ids;
  if (r.remaining() < bits) {
    r.read(field, bits);  // records the error
    return ids;
  }
  for (unsigned i = 0; i < bits; ++i) {
    if (r.read_bool(field)) ids.push_back(static_cast<Id>(i + 1));
  }
  return ids;
}

// Two letters, 6 bits each, A = 0.
std::string read_letters(BitReader& r, const char* field) {
  const size_t at = r.position();
  const auto first = static_cast<unsigned>(r.read(field, 6));
  const auto second = static_cast<unsigned>(r.read(field, 6));
  if (!r.ok()) return {};
  if (first > 25 || second > 25) {
    r.fail_at(field, at,
              "letter values " + std::to_string(first) + ", " + std::to_string(second) +
                  " are not both A-Z (0-25)");
    return {};
  }
  return std::string{static_cast<char>('A' + first), static_cast<char>('A' + second)};
}

// Range entries (is_a_range 1 | start 16 | [end 16]), added to `seen` (indexed by vendor id).
// `max_id` bounds the ids (negative: no bound beyond 16 bits); `budget` bounds the ids expanded in
// total.
void read_ranges(BitReader& r, const std::string& field, unsigned num_entries, int max_id,
                 std::vector<bool>& seen, size_t& budget) {
  for (unsigned e = 0; e < num_entries && r.ok(); ++e) {
    const std::string entry = field + ".entry[" + std::to_string(e) + "]";
    const size_t at = r.position();
    const bool is_range = r.read_bool((entry + ".is_a_range").c_str());
    const auto start = static_cast<unsigned>(r.read((entry + ".start_vendor_id").c_str(), 16));
    const unsigned end =
        is_range ? static_cast<unsigned>(r.read((entry + ".end_vendor_id").c_str(), 16)) : start;
    if (!r.ok()) return;
    if (start == 0 || end < start) {
      r.fail_at(entry.c_str(), at,
                "vendor range " + std::to_string(start) + "-" + std::to_string(end) +
                    " is empty or starts at 0");
      return;
    }
    if (max_id >= 0 && end > static_cast<unsigned>(max_id)) {
      r.fail_at(entry.c_str(), at,
                "vendor range " + std::to_string(start) + "-" + std::to_string(end) +
                    " runs past max_vendor_id " + std::to_string(max_id));
      return;
    }
    const size_t count = end - start + 1;
    if (count > budget) {
      r.fail_at(entry.c_str(), at, "vendor ranges expand to more ids than the decoder's budget");
      return;
    }
    budget -= count;
    if (seen.size() <= end) seen.resize(end + 1, false);
    for (unsigned id = start; id <= end; ++id) seen[id] = true;
  }
}

std::vector<uint16_t> ids_of(const std::vector<bool>& seen) {
  std::vector<uint16_t> ids;
  for (size_t id = 1; id < seen.size(); ++id) {
    if (seen[id]) ids.push_back(static_cast<uint16_t>(id));
  }
  return ids;
}

// A vendor section: max_vendor_id 16 | is_range_encoding 1 | bitfield or range entries.
void read_vendors(BitReader& r, const std::string& field, uint16_t* max_id, bool* range_encoded,
                  std::vector<uint16_t>* ids) {
  *max_id = static_cast<uint16_t>(r.read((field + ".max_vendor_id").c_str(), 16));
  *range_encoded = r.read_bool((field + ".is_range_encoding").c_str());
  if (!r.ok()) return;
  if (!*range_encoded) {
    *ids = read_flags<uint16_t>(r, (field + ".bitfield").c_str(), *max_id);
    return;
  }
  const auto num_entries = static_cast<unsigned>(r.read((field + ".num_entries").c_str(), 12));
  std::vector<bool> seen;
  size_t budget = SIZE_MAX;
  read_ranges(r, field, num_entries, *max_id, seen, budget);
  if (r.ok()) *ids = ids_of(seen);
}

void read_core(BitReader& r, TcfString* t, Status* version_status) {
  t->version = static_cast<uint8_t>(r.read("version", 6));
  if (r.ok() && t->version != tcf::kSupportedVersion) {
    *version_status =
        Status::not_supported("TC string: version at bit 0: version " + std::to_string(t->version) +
                              "; only TCF v2 strings (version 2) are decoded");
    return;
  }
  t->created_deciseconds = static_cast<int64_t>(r.read("created", 36));
  t->last_updated_deciseconds = static_cast<int64_t>(r.read("last_updated", 36));
  t->cmp_id = static_cast<uint16_t>(r.read("cmp_id", 12));
  t->cmp_version = static_cast<uint16_t>(r.read("cmp_version", 12));
  t->consent_screen = static_cast<uint8_t>(r.read("consent_screen", 6));
  t->consent_language = read_letters(r, "consent_language");
  t->vendor_list_version = static_cast<uint16_t>(r.read("vendor_list_version", 12));
  t->policy_version = static_cast<uint8_t>(r.read("policy_version", 6));
  t->is_service_specific = r.read_bool("is_service_specific");
  t->use_non_standard_texts = r.read_bool("use_non_standard_texts");
  t->special_feature_optins = read_flags<uint8_t>(r, "special_feature_optins", 12);
  t->purpose_consents = read_flags<uint8_t>(r, "purpose_consents", 24);
  t->purpose_legitimate_interests = read_flags<uint8_t>(r, "purpose_legitimate_interests", 24);
  t->purpose_one_treatment = r.read_bool("purpose_one_treatment");
  t->publisher_cc = read_letters(r, "publisher_cc");
  read_vendors(r, "vendor_consents", &t->vendor_consents_max_id, &t->vendor_consents_range_encoded,
               &t->vendor_consents);
  read_vendors(r, "vendor_legitimate_interests", &t->vendor_legitimate_interests_max_id,
               &t->vendor_legitimate_interests_range_encoded, &t->vendor_legitimate_interests);

  const auto restrictions = static_cast<unsigned>(r.read("num_pub_restrictions", 12));
  size_t budget = kMaxPublisherRestrictionIds;
  for (unsigned i = 0; i < restrictions && r.ok(); ++i) {
    const std::string field = "publisher_restrictions[" + std::to_string(i) + "]";
    TcfPublisherRestriction pr;
    pr.purpose_id = static_cast<uint8_t>(r.read((field + ".purpose_id").c_str(), 6));
    const size_t type_at = r.position();
    pr.restriction_type = static_cast<uint8_t>(r.read((field + ".restriction_type").c_str(), 2));
    if (r.ok() && pr.restriction_type == 3) {
      r.fail_at((field + ".restriction_type").c_str(), type_at, "restriction type 3 is undefined");
    }
    const auto entries = static_cast<unsigned>(r.read((field + ".num_entries").c_str(), 12));
    std::vector<bool> seen;
    read_ranges(r, field, entries, -1, seen, budget);
    if (!r.ok()) return;
    pr.vendors = ids_of(seen);
    t->publisher_restrictions.push_back(std::move(pr));
  }
  std::stable_sort(t->publisher_restrictions.begin(), t->publisher_restrictions.end(),
                   [](const TcfPublisherRestriction& a, const TcfPublisherRestriction& b) {
                     return a.purpose_id != b.purpose_id ? a.purpose_id < b.purpose_id
                                                         : a.restriction_type < b.restriction_type;
                   });
}

void read_publisher_tc(BitReader& r, TcfString* t) {
  t->publisher_consents = read_flags<uint8_t>(r, "pub_purposes_consent", 24);
  t->publisher_legitimate_interests = read_flags<uint8_t>(r, "pub_purposes_li_transparency", 24);
  t->num_custom_purposes = static_cast<uint8_t>(r.read("num_custom_purposes", 6));
  if (!r.ok()) return;
  t->publisher_custom_consents =
      read_flags<uint8_t>(r, "custom_purposes_consent", t->num_custom_purposes);
  t->publisher_custom_legitimate_interests =
      read_flags<uint8_t>(r, "custom_purposes_li_transparency", t->num_custom_purposes);
}

Status decode(std::string_view text, TcfString* out) {
  if (text.empty()) return Status::corruption("TC string: empty");
  if (text.size() > kMaxSignalLength) {
    return Status::corruption("TC string: " + std::to_string(text.size()) +
                              " characters, more than the limit of " +
                              std::to_string(kMaxSignalLength));
  }
  const std::vector<std::string_view> segments = signals::split(text, '.');
  TcfString t;
  for (size_t s = 0; s < segments.size(); ++s) {
    const std::string_view segment = segments[s];
    const std::string what = "TC string segment " + std::to_string(s + 1);
    if (segment.empty()) return Status::corruption(what + ": empty");
    if (const size_t bad = signals::invalid_base64url(segment); bad != std::string_view::npos) {
      return Status::corruption(what + ": character " + std::to_string(bad) + " ('" +
                                std::string(1, segment[bad]) + "') is not base64url");
    }
    if (s == 0) {
      BitReader r(segment, "TC string core segment");
      Status version_status;
      read_core(r, &t, &version_status);
      if (!version_status.ok()) return version_status;
      if (!r.ok()) return Status::corruption(r.error());
      continue;
    }
    BitReader r(segment, what);
    const auto type = static_cast<unsigned>(r.read("segment_type", 3));
    if (!r.ok()) return Status::corruption(r.error());
    bool* present = nullptr;
    switch (type) {
      case tcf::kDisclosedVendors:
        present = &t.has_disclosed_vendors;
        break;
      case tcf::kAllowedVendors:
        present = &t.has_allowed_vendors;
        break;
      case tcf::kPublisherTc:
        present = &t.has_publisher_tc;
        break;
      default:
        return Status::corruption(what + ": segment_type at bit 0: unknown segment type " +
                                  std::to_string(type));
    }
    if (*present) {
      return Status::corruption(what + ": segment_type at bit 0: a second segment of type " +
                                std::to_string(type));
    }
    *present = true;
    uint16_t max_id = 0;
    bool range = false;
    if (type == tcf::kDisclosedVendors) {
      read_vendors(r, "disclosed_vendors", &max_id, &range, &t.disclosed_vendors);
    } else if (type == tcf::kAllowedVendors) {
      read_vendors(r, "allowed_vendors", &max_id, &range, &t.allowed_vendors);
    } else {
      read_publisher_tc(r, &t);
    }
    if (!r.ok()) return Status::corruption(r.error());
  }
  *out = std::move(t);
  return Status();
}

template <typename Id>
bool contains(const std::vector<Id>& ids, int id) {
  return id > 0 && id <= static_cast<int>(std::numeric_limits<Id>::max()) &&
         std::binary_search(ids.begin(), ids.end(), static_cast<Id>(id));
}

}  // namespace

Status decode_tcf(std::string_view text, TcfString* out) noexcept {
  if (out == nullptr) return Status::invalid_argument("decode_tcf: null output");
  *out = TcfString();
  try {
    return decode(text, out);
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("TC string: out of memory while decoding");
  } catch (...) {
    return Status::corruption("TC string: could not be decoded");
  }
}

bool TcfString::purpose_consent(int id) const noexcept {
  return contains(purpose_consents, id);
}
bool TcfString::purpose_legitimate_interest(int id) const noexcept {
  return contains(purpose_legitimate_interests, id);
}
bool TcfString::special_feature_optin(int id) const noexcept {
  return contains(special_feature_optins, id);
}
bool TcfString::vendor_consent(int id) const noexcept {
  return contains(vendor_consents, id);
}
bool TcfString::vendor_legitimate_interest(int id) const noexcept {
  return contains(vendor_legitimate_interests, id);
}

bool tcf_grants(const TcfString& tc, const TcfPurposeMapping& mapping) noexcept {
  if (mapping.tcf_purposes == 0) return false;
  for (int p = 1; p < 32; ++p) {
    if ((mapping.tcf_purposes >> p) & 1u && !tc.purpose_consent(p)) return false;
  }
  return true;
}

void add_tcf_facts(const TcfString& tc, ConsentStrings* out) noexcept {
  auto mask = [](const std::vector<uint8_t>& purposes) {
    uint32_t bits = 0;
    for (uint8_t p : purposes) {
      if (p >= 1 && p <= kTcfPurposeCount) bits |= 1u << (p - 1);
    }
    return bits;
  };
  const uint32_t consents = mask(tc.purpose_consents);
  const uint32_t interests = mask(tc.purpose_legitimate_interests);
  // A second TC string in the same query narrows: conflicting records grant nothing.
  out->tcf_purpose_consents = out->tcf_present ? out->tcf_purpose_consents & consents : consents;
  out->tcf_purpose_legitimate_interests =
      out->tcf_present ? out->tcf_purpose_legitimate_interests & interests : interests;
  out->tcf_present = true;
}

namespace {

std::string two(unsigned v) {
  return std::string{static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10)};
}

}  // namespace

std::string iso8601_from_deciseconds(int64_t deciseconds) {
  int64_t seconds = deciseconds / 10;
  int64_t tenth = deciseconds % 10;
  if (tenth < 0) {
    tenth += 10;
    --seconds;
  }
  int64_t days = seconds / 86400;
  int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  const CivilDate date = civil_from_days(days);
  std::string y = std::to_string(date.year);
  while (y.size() < 4) y.insert(y.begin(), '0');
  std::string s =
      y + "-" + two(static_cast<unsigned>(date.month)) + "-" +
      two(static_cast<unsigned>(date.day)) + "T" + two(static_cast<unsigned>(rest / 3600)) + ":" +
      two(static_cast<unsigned>(rest / 60 % 60)) + ":" + two(static_cast<unsigned>(rest % 60));
  if (tenth != 0) s += "." + std::to_string(tenth);
  return s + "Z";
}

}  // namespace flowgate::runtime
