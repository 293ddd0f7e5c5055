// One answer on every path (docs/design.md, "The query"): one random stream of queries on the
// shipped policy, with the edge cases every path must read alike — a collect that names another
// recipient or destination (known, unknown or a region's name), a transmit to `device`, unknown
// and group ids, unknown consents and features — decided by
//   the reference evaluator (the rules one by one),
//   the runtime on interned ids and on string ids,
//   the C API (fg_decide),
//   the CLI's query path (the query as JSON → parse_query_text → query_from_json →
//   decide_on_bundle, what `flowgate decide` runs),
// and every decision must be the same. Beside an unknown-id decision, the field the runtime names
// must be the one find_unknown_id names (what decide, explain and test put into words).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "analysis/unknown_ids.h"
#include "bundle/bundle_writer.h"
#include "bundle/decide_query.h"
#include "cli/query_input.h"
#include "compile/compiler.h"
#include "differential.h"
#include "flowgate/flowgate.h"
#include "flowgate/runtime.h"
#include "policy_fixture.h"
#include "reference/reference_evaluator.h"

using namespace flowgate;
using namespace flowgate::testing;

namespace {

// A random query, then (often) one edge case laid over it.
Query edge_query(std::mt19937_64& rng, const CompiledPolicy& c) {
  Query q = random_query(rng, c);
  auto pick = [&](const std::vector<std::string>& ids) { return ids[rng() % ids.size()]; };
  switch (rng() % 16) {
    case 0:  // a collect naming another recipient and destination
      q.action = Action::kCollect;
      q.recipient = pick(c.recipient_ids);
      q.destination = pick(c.region_ids);
      break;
    case 1:  // a collect naming ids nobody knows: still on the device
      q.action = Action::kCollect;
      q.recipient = rng() % 2 ? "advertizer" : "device";
      q.destination = rng() % 2 ? "Germany" : "device";
      break;
    case 2:  // a transmit that stays on the device
      q.action = Action::kTransmit;
      q.destination = "device";
      if (rng() % 2) q.recipient = "device";
      break;
    case 3:  // groups and typos
      q.data = rng() % 2 ? "media" : "technical.ads.identifer";
      break;
    case 4:
      q.purpose = rng() % 2 ? "advertising" : "analytcs";
      break;
    case 5:
      q.region = rng() % 2 ? "Germany" : "EU_EEA";
      break;
    case 6:  // an unknown consent or feature
      if (rng() % 2) {
        q.consents.insert("analytcs");
      } else {
        q.features.insert("blutooth");
      }
      break;
    case 7:
      q.action = Action::kTransmit;
      q.recipient = rng() % 2 ? "third_party" : "advertiser.gogle";
      break;
    default:
      break;
  }
  return q;
}

nlohmann::json query_json(const Query& q) {
  nlohmann::json j = {{"data", q.data},
                      {"purpose", q.purpose},
                      {"action", action_name(q.action)},
                      {"recipient", q.recipient},
                      {"destination", q.destination},
                      {"subject", {{"region", q.region}}},
                      {"as_of", format_date(q.as_of)}};
  if (q.age) j["subject"]["age"] = *q.age;
  j["signals"] = {{"gpc", q.gpc},
                  {"ads_personalization", q.ads_personalization},
                  {"parental_consent", q.parental_consent},
                  {"consents", q.consents},
                  {"features", q.features}};
  return j;
}

// The interned form an app builds; false when a consent or feature does not intern (an app cannot
// put such an id into a mask: it has nothing to send, so those queries are compared on the string
// paths only).
bool intern(const runtime::Bundle& b, const Query& q, runtime::InternedQuery* out) {
  constexpr uint16_t kUnknown = runtime::InternedQuery::kUnknown;
  runtime::InternedQuery i;
  i.data = b.data_index(q.data).value_or(kUnknown);
  i.purpose = b.purpose_index(q.purpose).value_or(kUnknown);
  i.action = q.action == Action::kCollect ? 0 : 1;
  i.recipient = b.recipient_index(q.recipient).value_or(kUnknown);
  i.destination = b.destination_index(q.destination).value_or(kUnknown);
  i.region = b.region_index(q.region).value_or(kUnknown);
  i.age = q.age ? static_cast<int16_t>(*q.age) : int16_t{-1};
  i.as_of_days = q.as_of.days;
  i.gpc = q.gpc;
  i.ads_personalization = q.ads_personalization;
  i.parental_consent = q.parental_consent;
  for (const auto& id : q.consents) {
    auto p = b.purpose_index(id);
    if (!p) return false;
    i.consent_mask |= uint64_t{1} << *p;
  }
  for (const auto& id : q.features) {
    auto f = b.feature_index(id);
    if (!f) return false;
    i.feature_mask |= uint64_t{1} << *f;
  }
  i.consent_strings = q.consent_strings;
  *out = i;
  return true;
}

fg_query c_query(const runtime::InternedQuery& i) {
  fg_query q;
  fg_query_init(&q);
  auto index = [](uint16_t v) {
    return v == runtime::InternedQuery::kUnknown ? int32_t{-1} : int32_t{v};
  };
  q.data = index(i.data);
  q.purpose = index(i.purpose);
  q.action = i.action;
  q.recipient = index(i.recipient);
  q.destination =
      i.destination == runtime::InternedQuery::kDevice ? FG_DEVICE : index(i.destination);
  q.region = index(i.region);
  q.age = i.age;
  q.as_of_days = i.as_of_days;
  q.gpc = i.gpc;
  q.ads_personalization = i.ads_personalization;
  q.parental_consent = i.parental_consent;
  q.consent_mask = i.consent_mask;
  q.feature_mask = i.feature_mask;
  q.tcf_present = i.consent_strings.tcf_present;
  q.gpp_present = i.consent_strings.gpp_present;
  q.tcf_purpose_consents = i.consent_strings.tcf_purpose_consents;
  q.tcf_purpose_legitimate_interests = i.consent_strings.tcf_purpose_legitimate_interests;
  q.gpp_opt_outs = i.consent_strings.gpp_opt_outs;
  return q;
}

Decision model_decision(const runtime::Decision& d) {
  auto list = [](const runtime::StringList& l) {
    return std::vector<std::string>(l.begin(), l.end());
  };
  return {d.allow(),           list(d.obligations()), list(d.legal_basis()),
          list(d.citations()), list(d.rules()),       std::string(d.reason())};
}

}  // namespace

TEST_CASE("every path gives one answer on one random stream, collect edge cases included") {
  const Checked checked = load_and_check(source_dir());
  REQUIRE(checked.errors == 0);
  const Policy& policy = *checked.policy;
  const CompiledPolicy compiled = compile_policy(policy);
  const std::string bytes = encode_bundle(compiled);
  std::unique_ptr<const runtime::Bundle> bundle;
  REQUIRE(runtime::Bundle::load(bytes, &bundle).ok());
  fg_bundle* c_bundle = nullptr;
  REQUIRE(fg_open(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), nullptr,
                  &c_bundle) == FG_OK);

  std::mt19937_64 rng(20261204);
  const size_t count = random_query_count(100'000);
  size_t disagreements = 0, collects_elsewhere = 0, unknown = 0, interned = 0;
  for (size_t n = 0; n < count && disagreements < 5; ++n) {
    const Query q = edge_query(rng, compiled);
    collects_elsewhere +=
        q.action == Action::kCollect && (q.recipient != "device" || q.destination != "device");
    const Decision reference = evaluate_reference(policy, q);
    const bool unknown_id = reference.rules == std::vector<std::string>{"unknown-id"};
    unknown += unknown_id;

    runtime::UnknownId by_string;
    const runtime::Decision string_path = decide_on_bundle(*bundle, q, &by_string);
    const Query parsed = cli::query_from_json(cli::parse_query_text(query_json(q).dump()), Date{});
    runtime::UnknownId by_cli;
    const runtime::Decision cli_path = decide_on_bundle(*bundle, parsed, &by_cli);

    std::vector<std::string> problems;
    Decision got = model_decision(string_path);
    if (unknown_id) got.reason = reference.reason;  // the runtime's unknown-id record is generic
    if (!(got == reference)) {
      problems.push_back(fmt::format("reference {} [{}] vs runtime (strings) {} [{}]",
                                     reference.allow, fmt::join(reference.rules, ","), got.allow,
                                     fmt::join(got.rules, ",")));
    }
    if (cli_path.index() != string_path.index() || !(by_cli == by_string)) {
      problems.push_back(fmt::format("CLI query path decision {} vs runtime {}", cli_path.index(),
                                     string_path.index()));
    }
    const auto named = find_unknown_id(policy, q);
    if ((by_string.field != runtime::QueryField::kNone) != unknown_id ||
        (named ? named->field : runtime::QueryField::kNone) != by_string.field ||
        (named && named->position != by_string.position)) {
      problems.push_back(fmt::format("unknown field: runtime {} vs find_unknown_id {}",
                                     static_cast<int>(by_string.field),
                                     named ? static_cast<int>(named->field) : 0));
    }
    runtime::InternedQuery iq;
    if (intern(*bundle, q, &iq)) {
      ++interned;
      runtime::UnknownId by_index;
      const uint32_t index = bundle->decide(iq, &by_index);
      fg_query cq = c_query(iq);
      fg_decision cd;
      REQUIRE(fg_decide(c_bundle, &cq, &cd) == FG_OK);
      if (index != string_path.index() || fg_decision_index(&cd) != index) {
        problems.push_back(fmt::format("interned {} / C API {} vs strings {}", index,
                                       fg_decision_index(&cd), string_path.index()));
      }
      // The interned form cannot tell an unknown consent or feature (they are not interned).
      if (by_index.field != by_string.field || cd.unknown_field != int32_t(by_index.field)) {
        problems.push_back(fmt::format("unknown field: interned {} / C API {} vs strings {}",
                                       static_cast<int>(by_index.field), cd.unknown_field,
                                       static_cast<int>(by_string.field)));
      }
    }
    if (!problems.empty()) {
      ++disagreements;
      FAIL_CHECK(fmt::format("{}\n  {}", show(q), fmt::join(problems, "\n  ")));
    }
  }
  fg_close(c_bundle);
  CHECK(disagreements == 0);
  // The stream holds what it claims to.
  CHECK(collects_elsewhere > count / 50);
  CHECK(unknown > count / 50);
  CHECK(interned > count / 2);
  MESSAGE(
      fmt::format("{} queries: {} collects naming another recipient or destination, {} unknown "
                  "ids, {} also through the interned runtime and the C API",
                  count, collects_elsewhere, unknown, interned));
}
