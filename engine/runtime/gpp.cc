// GPP string decoding. This file's external interface is decode_gpp (flowgate/signals.h); the
// layout is in gpp.h.
#include "runtime/gpp.h"

#include <cstdint>
#include <iterator>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "flowgate/signals.h"
#include "runtime/signal_bits.h"

namespace flowgate::runtime {

using signals::BitReader;

namespace {

uint8_t two_bits(BitReader& r, const char* field) {
  return static_cast<uint8_t>(r.read(field, 2));
}

std::vector<uint8_t> two_bit_list(BitReader& r, const char* field, unsigned n) {
  std::vector<uint8_t> values;
  if (r.remaining() < 2 * n) {
    r.read(field, 2 * n);  // records the error
    return values;
  }
  for (unsigned i = 0; i < n; ++i) values.push_back(two_bits(r, field));
  return values;
}

// Checks a part's sub-sections: present, at most `max_subsections`, each non-empty base64url.
Status check_subsections(const std::string& what, const std::vector<std::string_view>& subs,
                         size_t max_subsections) {
  if (subs.size() > max_subsections) {
    return Status::corruption(what + ": " + std::to_string(subs.size()) +
                              " sub-sections, at most " + std::to_string(max_subsections) +
                              " are defined");
  }
  for (size_t i = 0; i < subs.size(); ++i) {
    if (subs[i].empty()) {
      return Status::corruption(what + ": sub-section " + std::to_string(i + 1) + " is empty");
    }
    if (const size_t bad = signals::invalid_base64url(subs[i]); bad != std::string_view::npos) {
      return Status::corruption(what + ": sub-section " + std::to_string(i + 1) + " character " +
                                std::to_string(bad) + " ('" + std::string(1, subs[i][bad]) +
                                "') is not base64url");
    }
  }
  return Status();
}

// The optional GPC sub-section of usnat and usca.
template <typename Section>
Status read_gpc(const std::string& what, const std::vector<std::string_view>& subs, Section* s) {
  if (subs.size() < 2) return Status();
  BitReader r(subs[1], what + " GPC sub-section");
  const auto type = static_cast<unsigned>(r.read("subsection_type", 2));
  if (r.ok() && type != gpp::kGpcSubsectionType) {
    r.fail_at("subsection_type", 0,
              "type " + std::to_string(type) + ", the GPC sub-section is type 1");
  }
  s->gpc = r.read_bool("gpc");
  if (!r.ok()) return Status::corruption(r.error());
  s->gpc_segment_included = true;
  return Status();
}

Status read_usnat(std::string_view part, GppUsNat* s) {
  const std::string what = "GPP section usnat (7)";
  const auto subs = signals::split(part, '.');
  if (Status st = check_subsections(what, subs, 2); !st.ok()) return st;
  BitReader r(subs[0], what + " core");
  s->version = static_cast<uint8_t>(r.read("version", 6));
  if (r.ok() && s->version != 1 && s->version != 2) {
    return Status::not_supported(what + " core: version at bit 0: version " +
                                 std::to_string(s->version) + "; versions 1 and 2 are decoded");
  }
  const bool v1 = s->version == 1;
  s->sharing_notice = two_bits(r, "sharing_notice");
  s->sale_opt_out_notice = two_bits(r, "sale_opt_out_notice");
  s->sharing_opt_out_notice = two_bits(r, "sharing_opt_out_notice");
  s->targeted_advertising_opt_out_notice = two_bits(r, "targeted_advertising_opt_out_notice");
  s->sensitive_data_processing_opt_out_notice =
      two_bits(r, "sensitive_data_processing_opt_out_notice");
  s->sensitive_data_limit_use_notice = two_bits(r, "sensitive_data_limit_use_notice");
  s->sale_opt_out = two_bits(r, "sale_opt_out");
  s->sharing_opt_out = two_bits(r, "sharing_opt_out");
  s->targeted_advertising_opt_out = two_bits(r, "targeted_advertising_opt_out");
  s->sensitive_data_processing = two_bit_list(r, "sensitive_data_processing", v1 ? 12 : 16);
  s->known_child_sensitive_data_consents =
      two_bit_list(r, "known_child_sensitive_data_consents", v1 ? 2 : 3);
  s->personal_data_consents = two_bits(r, "personal_data_consents");
  s->mspa_covered_transaction = two_bits(r, "mspa_covered_transaction");
  s->mspa_opt_out_option_mode = two_bits(r, "mspa_opt_out_option_mode");
  s->mspa_service_provider_mode = two_bits(r, "mspa_service_provider_mode");
  if (!r.ok()) return Status::corruption(r.error());
  return read_gpc(what, subs, s);
}

Status read_usca(std::string_view part, GppUsCa* s) {
  const std::string what = "GPP section usca (8)";
  const auto subs = signals::split(part, '.');
  if (Status st = check_subsections(what, subs, 2); !st.ok()) return st;
  BitReader r(subs[0], what + " core");
  s->version = static_cast<uint8_t>(r.read("version", 6));
  if (r.ok() && s->version != 1) {
    return Status::not_supported(what + " core: version at bit 0: version " +
                                 std::to_string(s->version) + "; version 1 is decoded");
  }
  s->sale_opt_out_notice = two_bits(r, "sale_opt_out_notice");
  s->sharing_opt_out_notice = two_bits(r, "sharing_opt_out_notice");
  s->sensitive_data_limit_use_notice = two_bits(r, "sensitive_data_limit_use_notice");
  s->sale_opt_out = two_bits(r, "sale_opt_out");
  s->sharing_opt_out = two_bits(r, "sharing_opt_out");
  s->sensitive_data_processing = two_bit_list(r, "sensitive_data_processing", 9);
  s->known_child_sensitive_data_consents =
      two_bit_list(r, "known_child_sensitive_data_consents", 2);
  s->personal_data_consents = two_bits(r, "personal_data_consents");
  s->mspa_covered_transaction = two_bits(r, "mspa_covered_transaction");
  s->mspa_opt_out_option_mode = two_bits(r, "mspa_opt_out_option_mode");
  s->mspa_service_provider_mode = two_bits(r, "mspa_service_provider_mode");
  if (!r.ok()) return Status::corruption(r.error());
  return read_gpc(what, subs, s);
}

// The header's section ids; at most `max_ids` of them (the number of sections in the string).
void read_section_ids(BitReader& r, size_t max_ids, std::vector<uint16_t>* ids) {
  const auto count = static_cast<unsigned>(r.read("section_ids.count", 12));
  uint64_t offset = 0;
  for (unsigned i = 0; i < count && r.ok(); ++i) {
    const size_t at = r.position();
    const bool is_range = r.read_bool("section_ids.is_range");
    const uint64_t start = offset + r.read_fibonacci("section_ids.id");
    const uint64_t end = is_range ? start + r.read_fibonacci("section_ids.range_end") : start;
    if (!r.ok()) return;
    offset = end;
    if (end > UINT16_MAX) {
      r.fail_at("section_ids", at, "section id " + std::to_string(end) + " is past 65535");
      return;
    }
    if (end - start + 1 > max_ids - ids->size()) {
      r.fail_at("section_ids", at,
                "the header lists more sections than the string's " + std::to_string(max_ids));
      return;
    }
    for (uint64_t id = start; id <= end; ++id) ids->push_back(static_cast<uint16_t>(id));
  }
}

Status decode(std::string_view text, GppString* out) {
  if (text.empty()) return Status::corruption("GPP string: empty");
  if (text.size() > kMaxSignalLength) {
    return Status::corruption("GPP string: " + std::to_string(text.size()) +
                              " characters, more than the limit of " +
                              std::to_string(kMaxSignalLength));
  }
  const std::vector<std::string_view> parts = signals::split(text, '~');
  GppString g;
  if (Status st = check_subsections("GPP header", {parts[0]}, 1); !st.ok()) return st;
  BitReader r(parts[0], "GPP header");
  const auto type = static_cast<unsigned>(r.read("type", 6));
  if (r.ok() && type != gpp::kHeaderType) {
    return Status::corruption("GPP header: type at bit 0: type " + std::to_string(type) +
                              ", a GPP header is type 3");
  }
  g.version = static_cast<uint8_t>(r.read("version", 6));
  if (r.ok() && g.version != gpp::kHeaderVersion) {
    return Status::not_supported("GPP header: version at bit 6: version " +
                                 std::to_string(g.version) + "; version 1 is decoded");
  }
  read_section_ids(r, parts.size() - 1, &g.section_ids);
  if (!r.ok()) return Status::corruption(r.error());
  if (g.section_ids.size() != parts.size() - 1) {
    return Status::corruption("GPP string: the header lists " +
                              std::to_string(g.section_ids.size()) + " sections, the string has " +
                              std::to_string(parts.size() - 1));
  }
  for (size_t i = 0; i < g.section_ids.size(); ++i) {
    const std::string_view part = parts[i + 1];
    const uint16_t id = g.section_ids[i];
    Status st;
    if (id == gpp::kTcfEuV2) {
      TcfString tc;
      st = decode_tcf(part, &tc);
      if (!st.ok()) return Status(st.code(), "GPP section tcfeuv2 (2): " + st.message());
      g.tcfeuv2 = std::move(tc);
    } else if (id == gpp::kUsNat) {
      g.usnat.emplace();
      st = read_usnat(part, &*g.usnat);
    } else if (id == gpp::kUsCa) {
      g.usca.emplace();
      st = read_usca(part, &*g.usca);
    } else {
      st = check_subsections("GPP section " + std::to_string(id), signals::split(part, '.'),
                             SIZE_MAX);
    }
    if (!st.ok()) return st;
  }
  *out = std::move(g);
  return Status();
}

}  // namespace

Status decode_gpp(std::string_view text, GppString* out) noexcept {
  if (out == nullptr) return Status::invalid_argument("decode_gpp: null output");
  *out = GppString();
  try {
    return decode(text, out);
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("GPP string: out of memory while decoding");
  } catch (...) {
    return Status::corruption("GPP string: could not be decoded");
  }
}

bool gpp_opts_out_of_targeted_ads(const GppString& g) noexcept {
  if (g.usnat && (g.usnat->targeted_advertising_opt_out == 1 || g.usnat->sharing_opt_out == 1 ||
                  g.usnat->gpc)) {
    return true;
  }
  return g.usca && (g.usca->sharing_opt_out == 1 || g.usca->gpc);
}

void add_gpp_facts(const GppString& g, ConsentStrings* out) noexcept {
  auto opted_out = [&](GppOptOut field, uint8_t value) {
    if (value == 1) out->gpp_opt_outs |= static_cast<uint8_t>(1u << field);
  };
  if (g.usnat) {
    opted_out(kUsNatSaleOptOut, g.usnat->sale_opt_out);
    opted_out(kUsNatSharingOptOut, g.usnat->sharing_opt_out);
    opted_out(kUsNatTargetedAdvertisingOptOut, g.usnat->targeted_advertising_opt_out);
  }
  if (g.usca) {
    opted_out(kUsCaSaleOptOut, g.usca->sale_opt_out);
    opted_out(kUsCaSharingOptOut, g.usca->sharing_opt_out);
  }
  if (g.tcfeuv2) add_tcf_facts(*g.tcfeuv2, out);
  out->gpp_present = true;
}

Status decode_consent_strings(std::optional<std::string_view> tcf,
                              std::optional<std::string_view> gpp,
                              ConsentStringEffects* out) noexcept {
  if (out == nullptr) return Status::invalid_argument("decode_consent_strings: null output");
  *out = ConsentStringEffects();
  try {
    // The TC strings that speak for the mapped purposes: the direct one, the GPP's tcfeuv2.
    std::optional<TcfString> direct, in_gpp;
    if (gpp) {
      GppString g;
      Status s = decode_gpp(*gpp, &g);
      if (!s.ok()) return Status(s.code(), "'signals.gpp' does not decode: " + s.message());
      out->opts_out_of_targeted_ads = gpp_opts_out_of_targeted_ads(g);
      add_gpp_facts(g, &out->facts);
      in_gpp = std::move(g.tcfeuv2);
    }
    if (tcf) {
      TcfString t;
      Status s = decode_tcf(*tcf, &t);
      if (!s.ok()) return Status(s.code(), "'signals.tcf' does not decode: " + s.message());
      add_tcf_facts(t, &out->facts);
      direct = std::move(t);
    }
    for (size_t i = 0; i < std::size(kTcfPurposeMappings); ++i) {
      if (!direct && !in_gpp) break;
      const bool granted = (!direct || tcf_grants(*direct, kTcfPurposeMappings[i])) &&
                           (!in_gpp || tcf_grants(*in_gpp, kTcfPurposeMappings[i]));
      out->purposes[i] = granted ? 1 : -1;
    }
    return Status();
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("consent strings: out of memory while decoding");
  } catch (...) {
    return Status::corruption("consent strings: could not be decoded");
  }
}

}  // namespace flowgate::runtime
