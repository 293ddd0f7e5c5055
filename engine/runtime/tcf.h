// TCF v2 TC strings: the bit layout decode_tcf (tcf.cc) reads. Internal to flowgate_runtime; the
// public interface is flowgate/signals.h.
//
// A TC string is base64url segments joined by '.'; the first is the core segment, each later one
// starts with a 3-bit segment type (1 disclosed vendors, 2 allowed vendors, 3 publisher TC), at
// most one of each. Core segment (bits, in order; IAB TCF v2.2 "TC String Format"):
//
//   version 6 (= 2) | created 36 | last_updated 36 (deciseconds since the epoch) | cmp_id 12 |
//   cmp_version 12 | consent_screen 6 | consent_language 12 (two letters, A = 0) |
//   vendor_list_version 12 | policy_version 6 | is_service_specific 1 | use_non_standard_texts 1 |
//   special_feature_optins 12 | purpose_consents 24 | purpose_legitimate_interests 24 |
//   purpose_one_treatment 1 | publisher_cc 12 | vendor consents (vendor section) |
//   vendor legitimate interests (vendor section) | publisher restrictions
//
//   vendor section: max_vendor_id 16 | is_range_encoding 1 |
//                   bitfield max_vendor_id bits (bit i-1: vendor i)  or
//                   num_entries 12, each: is_a_range 1 | start_or_only_vendor_id 16 | [end 16]
//   publisher restrictions: num_pub_restrictions 12, each: purpose_id 6 | restriction_type 2 |
//                   num_entries 12 | range entries as above
//   disclosed / allowed vendors segment: segment_type 3 | vendor section
//   publisher TC segment: segment_type 3 | pub_purposes_consent 24 |
//                   pub_purposes_li_transparency 24 | num_custom_purposes 6 |
//                   custom_purposes_consent N | custom_purposes_li_transparency N
//
// Stricter than the letter of the spec where that fails closed: a range entry must satisfy
// 1 <= start <= end <= max_vendor_id; restriction_type 3 is refused; an unknown or repeated
// segment type is refused.
#pragma once

namespace flowgate::runtime::tcf {

inline constexpr unsigned kCoreFixedBits = 213;  // version … publisher_cc
inline constexpr int kSupportedVersion = 2;

enum SegmentType : unsigned {
  kDisclosedVendors = 1,
  kAllowedVendors = 2,
  kPublisherTc = 3,
};

}  // namespace flowgate::runtime::tcf
