// The differential test's queries and comparison.
#include "differential.h"

#include <fmt/format.h>

#include <cstdlib>

#include "compile/diagram_walk.h"
#include "reference/reference_evaluator.h"

namespace flowgate::testing {

Query random_query(std::mt19937_64& rng, const CompiledPolicy& c) {
  auto pick = [&](const std::vector<std::string>& ids) { return ids[rng() % ids.size()]; };
  Query q;
  q.data = rng() % 50 == 0 ? "media.hologram" : pick(c.data_ids);
  q.purpose = pick(c.purpose_ids);
  q.action = rng() % 2 ? Action::kTransmit : Action::kCollect;
  bool on_device = q.action == Action::kCollect && rng() % 4 != 0;
  q.recipient = on_device ? "device" : pick(c.recipient_ids);
  q.destination = on_device || rng() % 20 == 0 ? "device" : pick(c.region_ids);
  // Regions that rules name are drawn often, the rest of the world sometimes.
  static const std::vector<std::string> kNamed = {
      "DE",    "FR",    "IS",    "LI",    "NO",    "CH",    "GB",    "JP",    "US",
      "CN",    "US-CA", "US-VA", "US-CO", "US-IA", "US-UT", "US-TX", "US-OK", "US-FL",
      "US-OR", "US-MD", "US-CT", "US-NY", "US-NJ", "US-MN", "US-NH", "US-MT", "US-DE",
      "US-AL", "US-VT", "PR",    "AT",    "ES",    "BE",    "CZ",    "DK"};
  q.region = rng() % 2 ? kNamed[rng() % kNamed.size()] : pick(c.region_ids);
  if (rng() % 3) q.destination = on_device ? "device" : kNamed[rng() % kNamed.size()];
  // Ages around every threshold the statutes and the policy draw (13, 14, 15, 16, 17, 18) often.
  if (rng() % 5) q.age = static_cast<int>(rng() % 2 ? 11 + rng() % 9 : rng() % 90);
  // Dates around every breakpoint, and anywhere from 1990 to 2035.
  if (rng() % 2 && !c.date_breakpoints.empty()) {
    q.as_of = Date{c.date_breakpoints[rng() % c.date_breakpoints.size()] +
                   static_cast<int32_t>(rng() % 3) - 1};
  } else {
    q.as_of = Date{7305 + static_cast<int32_t>(rng() % (45 * 365))};
  }
  q.gpc = rng() % 2;
  q.ads_personalization = rng() % 4 != 0;
  q.parental_consent = rng() % 2;
  if (rng() % 2) q.consents.insert(q.purpose);
  if (rng() % 3 == 0) q.consents.insert(pick(c.purpose_ids));
  if (rng() % 2) q.features.insert("bluetooth");
  runtime::ConsentStrings& strings = q.consent_strings;
  strings.tcf_present = rng() % 2;
  strings.gpp_present = rng() % 2;
  strings.tcf_purpose_consents = static_cast<uint32_t>(rng()) & 0xFF'FFFFu;
  strings.tcf_purpose_legitimate_interests = static_cast<uint32_t>(rng()) & 0xFF'FFFFu;
  strings.gpp_opt_outs = static_cast<uint8_t>(rng() % (1u << runtime::kGppOptOutCount));
  return q;
}

std::string show(const Query& q) {
  const runtime::ConsentStrings& s = q.consent_strings;
  return fmt::format(
      "{} {} {} {} → {} region {} age {} on {} gpc {} ads {} parental {} consents {} features {} "
      "tcf {} {:#x}/{:#x} gpp {} {:#x}",
      q.data, q.purpose, action_name(q.action), q.recipient, q.destination, q.region,
      q.age ? std::to_string(*q.age) : "?", format_date(q.as_of), q.gpc, q.ads_personalization,
      q.parental_consent, fmt::join(q.consents, ","), fmt::join(q.features, ","), s.tcf_present,
      s.tcf_purpose_consents, s.tcf_purpose_legitimate_interests, s.gpp_present, s.gpp_opt_outs);
}

size_t random_query_count(size_t fallback) {
  const char* env = std::getenv("FLOWGATE_RANDOM_QUERIES");
  return env ? std::strtoul(env, nullptr, 10) : fallback;
}

Differences compare_engines(const Policy& policy, const CompiledPolicy& compiled, size_t count,
                            size_t stop_after) {
  std::mt19937_64 rng(20261129);
  Differences out;
  while (out.queries < count && (stop_after == 0 || out.disagreements < stop_after)) {
    ++out.queries;
    Query q = random_query(rng, compiled);
    Decision expected = evaluate_reference(policy, q);
    const Decision& got = compiled.decisions[walk_diagram(compiled, q).decision];
    // An unknown id's reason names the id in the reference; the diagram's record is generic.
    bool unknown = expected.rules == std::vector<std::string>{"unknown-id"};
    bool same = got.allow == expected.allow && got.rules == expected.rules &&
                got.obligations == expected.obligations &&
                got.legal_basis == expected.legal_basis && got.citations == expected.citations &&
                (unknown || got.reason == expected.reason);
    if (!same && ++out.disagreements <= 5) {
      out.first.push_back(fmt::format("disagree on {}\n  reference: {} {}\n  diagram:   {} {}",
                                      show(q), expected.allow ? "allow" : "deny",
                                      fmt::join(expected.rules, ","), got.allow ? "allow" : "deny",
                                      fmt::join(got.rules, ",")));
    }
  }
  return out;
}

}  // namespace flowgate::testing
