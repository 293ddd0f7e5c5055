// GPP strings: the layout decode_gpp (gpp.cc) reads. Internal to flowgate_runtime; the public
// interface is flowgate/signals.h.
//
// A GPP string is '~'-separated parts: the header, then one part per section id, in the header's
// (ascending) order. Each part is '.'-separated base64url sub-sections.
//
//   header:  type 6 (= 3) | version 6 (= 1) | section_ids (Fibonacci integer range):
//            count 12, each: is_range 1 | offset fib [| length fib]; each value is added to the
//            previous one (a single id: id = prev + fib; a range: start = prev + fib,
//            end = start + fib), so ids ascend strictly.
//   usnat (7) core, version 2 (version 1 has 12 sensitive categories and 2 known-child entries):
//            version 6 | sharing_notice 2 | sale_opt_out_notice 2 | sharing_opt_out_notice 2 |
//            targeted_advertising_opt_out_notice 2 | sensitive_data_processing_opt_out_notice 2 |
//            sensitive_data_limit_use_notice 2 | sale_opt_out 2 | sharing_opt_out 2 |
//            targeted_advertising_opt_out 2 | sensitive_data_processing 16×2 |
//            known_child_sensitive_data_consents 3×2 | personal_data_consents 2 |
//            mspa_covered_transaction 2 | mspa_opt_out_option_mode 2 | mspa_service_provider_mode 2
//   usca (8) core, version 1:
//            version 6 | sale_opt_out_notice 2 | sharing_opt_out_notice 2 |
//            sensitive_data_limit_use_notice 2 | sale_opt_out 2 | sharing_opt_out 2 |
//            sensitive_data_processing 9×2 | known_child_sensitive_data_consents 2×2 |
//            personal_data_consents 2 | mspa_covered_transaction 2 | mspa_opt_out_option_mode 2 |
//            mspa_service_provider_mode 2
//   GPC sub-section (usnat, usca; optional second sub-section): subsection_type 2 (= 1) | gpc 1
//   tcfeuv2 (2): a TC string (tcf.h).
//
// Trailing bits after the last field are padding and ignored. Refused (fail closed): a header of
// another type or version, a section count that differs from the number of parts, an empty part,
// a section version the decoder does not know, a third sub-section, a GPC sub-section of another
// type.
#pragma once

#include <cstdint>

namespace flowgate::runtime::gpp {

inline constexpr unsigned kHeaderType = 3;
inline constexpr unsigned kHeaderVersion = 1;
inline constexpr uint16_t kTcfEuV2 = 2;
inline constexpr uint16_t kUsNat = 7;
inline constexpr uint16_t kUsCa = 8;
inline constexpr unsigned kGpcSubsectionType = 1;

}  // namespace flowgate::runtime::gpp
