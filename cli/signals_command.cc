// `flowgate signals decode STRING [--format json|text]`: what a consent string holds. A GPP string
// (it starts with "DB") or an IAB TCF v2 TC string, decoded by the runtime's decoders
// (flowgate/signals.h), with the spec's field names in snake_case, and what the string means for
// a query (docs/signals.md). Exit 0 when it decodes, 2 with the decoder's error when it does not.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "flowgate/signals.h"

namespace flowgate::cli {
namespace {

using nlohmann::ordered_json;
namespace rt = flowgate::runtime;

struct SignalsOptions {
  std::string text;
  std::string format = "text";
};

template <typename Id>
ordered_json ids(const std::vector<Id>& v) {
  ordered_json a = ordered_json::array();
  for (Id id : v) a.push_back(static_cast<int>(id));
  return a;
}

ordered_json tcf_json(const rt::TcfString& t) {
  ordered_json j;
  j["version"] = t.version;
  j["created"] = rt::iso8601_from_deciseconds(t.created_deciseconds);
  j["last_updated"] = rt::iso8601_from_deciseconds(t.last_updated_deciseconds);
  j["cmp_id"] = t.cmp_id;
  j["cmp_version"] = t.cmp_version;
  j["consent_screen"] = t.consent_screen;
  j["consent_language"] = t.consent_language;
  j["vendor_list_version"] = t.vendor_list_version;
  j["policy_version"] = t.policy_version;
  j["is_service_specific"] = t.is_service_specific;
  j["use_non_standard_texts"] = t.use_non_standard_texts;
  j["special_feature_optins"] = ids(t.special_feature_optins);
  j["purpose_consents"] = ids(t.purpose_consents);
  j["purpose_legitimate_interests"] = ids(t.purpose_legitimate_interests);
  j["purpose_one_treatment"] = t.purpose_one_treatment;
  j["publisher_cc"] = t.publisher_cc;
  j["vendor_consents"] = ids(t.vendor_consents);
  j["vendor_consents_encoding"] = t.vendor_consents_range_encoded ? "range" : "bitfield";
  j["vendor_legitimate_interests"] = ids(t.vendor_legitimate_interests);
  j["vendor_legitimate_interests_encoding"] =
      t.vendor_legitimate_interests_range_encoded ? "range" : "bitfield";
  ordered_json restrictions = ordered_json::array();
  for (const auto& r : t.publisher_restrictions) {
    restrictions.push_back({{"purpose_id", r.purpose_id},
                            {"restriction_type", r.restriction_type},
                            {"vendors", ids(r.vendors)}});
  }
  j["publisher_restrictions"] = restrictions;
  if (t.has_disclosed_vendors) j["disclosed_vendors"] = ids(t.disclosed_vendors);
  if (t.has_allowed_vendors) j["allowed_vendors"] = ids(t.allowed_vendors);
  if (t.has_publisher_tc) {
    j["publisher_tc"] = {
        {"publisher_consents", ids(t.publisher_consents)},
        {"publisher_legitimate_interests", ids(t.publisher_legitimate_interests)},
        {"num_custom_purposes", t.num_custom_purposes},
        {"publisher_custom_consents", ids(t.publisher_custom_consents)},
        {"publisher_custom_legitimate_interests", ids(t.publisher_custom_legitimate_interests)}};
  }
  return j;
}

template <typename Section>
void us_common(ordered_json& j, const Section& s) {
  j["sale_opt_out_notice"] = s.sale_opt_out_notice;
  j["sharing_opt_out_notice"] = s.sharing_opt_out_notice;
  j["sensitive_data_limit_use_notice"] = s.sensitive_data_limit_use_notice;
  j["sale_opt_out"] = s.sale_opt_out;
  j["sharing_opt_out"] = s.sharing_opt_out;
}

template <typename Section>
void us_tail(ordered_json& j, const Section& s) {
  j["sensitive_data_processing"] = ids(s.sensitive_data_processing);
  j["known_child_sensitive_data_consents"] = ids(s.known_child_sensitive_data_consents);
  j["personal_data_consents"] = s.personal_data_consents;
  j["mspa_covered_transaction"] = s.mspa_covered_transaction;
  j["mspa_opt_out_option_mode"] = s.mspa_opt_out_option_mode;
  j["mspa_service_provider_mode"] = s.mspa_service_provider_mode;
  j["gpc_segment_included"] = s.gpc_segment_included;
  j["gpc"] = s.gpc;
}

ordered_json usnat_json(const rt::GppUsNat& s) {
  ordered_json j;
  j["version"] = s.version;
  j["sharing_notice"] = s.sharing_notice;
  us_common(j, s);
  j["targeted_advertising_opt_out_notice"] = s.targeted_advertising_opt_out_notice;
  j["sensitive_data_processing_opt_out_notice"] = s.sensitive_data_processing_opt_out_notice;
  j["targeted_advertising_opt_out"] = s.targeted_advertising_opt_out;
  us_tail(j, s);
  return j;
}

ordered_json usca_json(const rt::GppUsCa& s) {
  ordered_json j;
  j["version"] = s.version;
  us_common(j, s);
  us_tail(j, s);
  return j;
}

// What the string means for a query: consents granted and withheld, and the gpc signal.
ordered_json effects_json(const rt::TcfString* tc, bool opts_out) {
  ordered_json granted = ordered_json::array(), withheld = ordered_json::array();
  if (tc != nullptr) {
    for (const auto& m : rt::kTcfPurposeMappings) {
      (rt::tcf_grants(*tc, m) ? granted : withheld).push_back(std::string(m.purpose));
    }
  }
  return {{"consents", granted}, {"consents_withheld", withheld}, {"gpc", opts_out}};
}

std::string scalar_text(const ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && !v.empty() && !v.front().is_object()) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + x.dump();
    return out;
  }
  if (v.is_array() && v.empty()) return "(none)";
  return v.dump();
}

void print_text(const ordered_json& j, const std::string& indent) {
  for (const auto& [key, value] : j.items()) {
    if (value.is_object()) {
      fmt::print("{}{}:\n", indent, key);
      print_text(value, indent + "  ");
    } else if (value.is_array() && !value.empty() && value.front().is_object()) {
      fmt::print("{}{}:\n", indent, key);
      for (const auto& item : value) {
        std::string line;
        for (const auto& [k, v] : item.items())
          line += (line.empty() ? "" : " ") + k + "=" + scalar_text(v);
        fmt::print("{}  - {}\n", indent, line);
      }
    } else {
      fmt::print("{}{:<38} {}\n", indent, key, scalar_text(value));
    }
  }
}

int run_decode(const SignalsOptions& o) {
  ordered_json j;
  rt::Status st;
  if (rt::looks_like_gpp(o.text)) {
    rt::GppString g;
    st = rt::decode_gpp(o.text, &g);
    if (st.ok()) {
      j["type"] = "gpp";
      j["version"] = g.version;
      j["section_ids"] = ids(g.section_ids);
      if (g.tcfeuv2) j["tcfeuv2"] = tcf_json(*g.tcfeuv2);
      if (g.usnat) j["usnat"] = usnat_json(*g.usnat);
      if (g.usca) j["usca"] = usca_json(*g.usca);
      j["query_effects"] =
          effects_json(g.tcfeuv2 ? &*g.tcfeuv2 : nullptr, rt::gpp_opts_out_of_targeted_ads(g));
    }
  } else {
    rt::TcfString t;
    st = rt::decode_tcf(o.text, &t);
    if (st.ok()) {
      j["type"] = "tcf";
      j.update(tcf_json(t));
      j["query_effects"] = effects_json(&t, false);
    }
  }
  if (!st.ok()) {
    fmt::print(stderr, "flowgate: error: {}\n", st.message());
    return kExitInputError;
  }
  if (o.format == "json") {
    fmt::print("{}\n", j.dump(2));
  } else {
    print_text(j, "");
  }
  return kExitClean;
}

}  // namespace

void add_signals_command(CLI::App& app, int& exit_code) {
  auto* signals = app.add_subcommand("signals", "Consent signals: IAB TCF v2 and GPP strings");
  signals->require_subcommand(1);
  auto opts = std::make_shared<SignalsOptions>();
  auto* decode = signals->add_subcommand(
      "decode",
      "Decode a TC string or a GPP string (it starts with DB) and show its fields; exit 2 when it "
      "is malformed");
  decode->add_option("STRING", opts->text, "The TC or GPP string")->required();
  decode->add_option("--format", opts->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  decode->callback([opts, &exit_code] { exit_code = run_decode(*opts); });
}

}  // namespace flowgate::cli
