// A third oracle, condition by condition: the compiler reads a condition into a diagram over
// classes (compile/predicates.h), the reference evaluator reads it on a concrete query; on every
// query drawn from inside the classes the two must agree. Conditions: a few hundred random ones
// over every form the language has, then the shipped policy's own, with its rules' whole match
// blocks. And each random condition's canonical text (to_string) parses back to the same diagram.
//
// The test classifies queries itself (region and destination classes, date classes, age bands,
// bits) rather than through walk_diagram, so a classification mistake in the compile stage shows
// here too. Dates are drawn from the policy's effective date on: earlier days are one class that
// the compiler decides as policy-not-in-force, whatever the conditions say.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "check/condition_check.h"
#include "compile/diagram_builder.h"
#include "compile/domains.h"
#include "compile/predicates.h"
#include "differential.h"
#include "policy_fixture.h"
#include "reference/reference_evaluator.h"

using namespace flowgate;
using namespace flowgate::testing;

namespace {

template <typename T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& from) {
  return from[rng() % from.size()];
}

// Random condition text over the policy's groups, regions, purposes and features.
class ConditionGenerator {
 public:
  ConditionGenerator(const Policy& policy, bool compare_places) : compare_places_(compare_places) {
    for (const auto& [id, group] : policy.regions.groups()) groups_.push_back(id);
    for (const auto& [id, name] : policy.regions.regions()) regions_.push_back(id);
    for (const auto& term : policy.vocabulary(VocabularyKind::kPurpose).terms()) {
      purposes_.push_back(term.id);
    }
    for (const auto& term : policy.vocabulary(VocabularyKind::kFeature).terms()) {
      features_.push_back(term.id);
    }
    Date effective = policy.info.effective.value_or(Date{20000});
    for (int32_t delta : {-1, 0, 1}) dates_.push_back(format_date(Date{effective.days + delta}));
    for (const auto& path :
         {"signals.gpc", "signals.ads_personalization", "signals.parental_consent", "tcf.present",
          "gpp.present", "usnat.targeted_ads_opt_out"}) {
      bool_paths_.emplace_back(path);
    }
    for (std::string_view field : runtime::kGppOptOutNames) bool_paths_.emplace_back(field);
  }

  std::string condition(std::mt19937_64& rng) {
    std::string text;
    do text = expr(rng, 3);
    while (text.size() > 1000);  // the language's limit is 1024
    return text;
  }

 private:
  std::string expr(std::mt19937_64& rng, int depth) {
    if (depth == 0 || rng() % 3 == 0) return atom(rng);
    switch (rng() % 4) {
      case 0:
        return "not (" + expr(rng, depth - 1) + ")";
      case 1:
        return "(" + expr(rng, depth - 1) + " and " + expr(rng, depth - 1) + ")";
      case 2:
        return "(" + expr(rng, depth - 1) + " or " + expr(rng, depth - 1) + " or " +
               expr(rng, depth - 1) + ")";
      default:
        return "(" + expr(rng, depth - 1) + ") " + (rng() % 2 ? "==" : "!=") + " (" +
               expr(rng, depth - 1) + ")";
    }
  }

  std::string atom(std::mt19937_64& rng) {
    static const std::vector<std::string> kOps = {"<", "<=", ">", ">=", "==", "!="};
    static const std::vector<std::string> kEquality = {"==", "!="};
    static const std::vector<int> kAges = {-1, 0,  1,  2,   12,  13,  14,  15,  16,  17,
                                           18, 21, 65, 149, 150, 151, 199, 200, 201, 1000};
    static const std::vector<std::string> kOdd = {"true",
                                                  "false",
                                                  "3 < 4",
                                                  "2026-01-01 >= 2025-06-30",
                                                  "subject.age <= subject.age",
                                                  "subject.age != subject.age",
                                                  "as_of == as_of",
                                                  "as_of < as_of",
                                                  "signals.gpc == true",
                                                  "subject.region == subject.region",
                                                  "destination != destination"};
    const std::string place = rng() % 2 ? "subject.region" : "destination";
    switch (rng() % 12) {
      case 0:
        return fmt::format("subject.age {} {}", pick(rng, kOps), pick(rng, kAges));
      case 1:
        return fmt::format("{} {} subject.age", pick(rng, kAges), pick(rng, kOps));
      case 2:
        return "known(subject.age)";
      case 3:
        return fmt::format("{} in {}", place, pick(rng, groups_));
      case 4: {
        std::vector<std::string> listed;
        for (size_t n = 1 + rng() % 3; listed.size() < n;) listed.push_back(region(rng));
        return fmt::format("{} in [{}]", place, fmt::join(listed, ", "));
      }
      case 5:
        return rng() % 2 ? fmt::format("{} {} \"{}\"", place, pick(rng, kEquality), region(rng))
                         : fmt::format("\"{}\" {} {}", region(rng), pick(rng, kEquality), place);
      case 6:
        return fmt::format("{} {} \"device\"", place, pick(rng, kEquality));
      case 7:
        if (!compare_places_) return pick(rng, kOdd);
        return rng() % 2 ? fmt::format("subject.region {} destination", pick(rng, kEquality))
                         : fmt::format("destination {} subject.region", pick(rng, kEquality));
      case 8:
        return rng() % 2 ? fmt::format("as_of {} {}", pick(rng, kOps), date(rng))
                         : fmt::format("{} {} as_of", date(rng), pick(rng, kOps));
      case 9:
        return pick(rng, bool_paths_);
      case 10:
        switch (rng() % 4) {
          case 0:
            return fmt::format("consent(\"{}\")", pick(rng, purposes_));
          case 1:
            return fmt::format("feature(\"{}\")", pick(rng, features_));
          case 2:
            return fmt::format("tcf.purpose_consent({})", 1 + rng() % runtime::kTcfPurposeCount);
          default:
            return fmt::format("tcf.purpose_legitimate_interest({})",
                               1 + rng() % runtime::kTcfPurposeCount);
        }
      default:
        return pick(rng, kOdd);
    }
  }

  // Regions the shipped rules name, often; any region, sometimes.
  std::string region(std::mt19937_64& rng) {
    static const std::vector<std::string> kNamed = {"DE", "FR", "NO",    "CH",    "GB",
                                                    "JP", "US", "US-CA", "US-VA", "PR"};
    return rng() % 2 ? pick(rng, kNamed) : pick(rng, regions_);
  }

  // Around the policy's effective date, or any day from 2018 to 2032.
  std::string date(std::mt19937_64& rng) {
    if (rng() % 3 == 0) return pick(rng, dates_);
    return format_date(Date{17532 + static_cast<int32_t>(rng() % (15 * 365))});
  }

  bool compare_places_;
  std::vector<std::string> groups_, regions_, purposes_, features_, dates_, bool_paths_;
};

// Queries drawn class by class (each class as likely as any other), then a value inside it.
class ClassSampler {
 public:
  explicit ClassSampler(const Domains& d) : s_(d.shape) {
    region_members_.resize(s_.region_classes);
    destination_members_.resize(s_.destination_classes);
    for (size_t i = 0; i < s_.region_ids.size(); ++i) {
      region_members_[s_.region_class[i]].push_back(s_.region_ids[i]);
      destination_members_[s_.destination_class[i]].push_back(s_.region_ids[i]);
    }
    destination_members_[s_.device_destination_class].push_back("device");
    // Age bands holding an age a query may carry (0 to 150).
    for (uint32_t band = 1; band <= s_.age_thresholds.size() + 1; ++band) {
      if (band == 1 || s_.age_thresholds[band - 2] <= 150) age_bands_.push_back(band);
    }
  }

  Query query(std::mt19937_64& rng) const {
    Query q;
    q.data = pick(rng, s_.data_ids);
    q.purpose = pick(rng, s_.purpose_ids);
    q.action = rng() % 2 ? Action::kTransmit : Action::kCollect;
    q.recipient = pick(rng, s_.recipient_ids);
    q.region = pick(rng, region_members_[rng() % region_members_.size()]);
    q.destination = pick(rng, destination_members_[rng() % destination_members_.size()]);
    if (rng() % 8 == 0) q.destination = q.region;  // the same place, for region == destination
    // Date classes from 1 (class 0 is before the policy took effect).
    const auto& points = s_.date_breakpoints;
    if (!points.empty()) {
      size_t k = 1 + rng() % points.size();
      int32_t from = points[k - 1];
      int32_t to = k < points.size() ? points[k] : from + 3650;
      q.as_of = Date{from + static_cast<int32_t>(rng() % (to - from))};
    }
    uint32_t band = rng() % (age_bands_.size() + 1);
    if (band > 0) {
      band = age_bands_[band - 1];
      int lo = band == 1 ? 0 : s_.age_thresholds[band - 2];
      int hi = band <= s_.age_thresholds.size() ? s_.age_thresholds[band - 1] : 151;
      q.age = lo + static_cast<int>(rng() % (std::min(hi, 151) - lo));
    }
    q.gpc = rng() % 2;
    q.ads_personalization = rng() % 2;
    q.parental_consent = rng() % 2;
    if (rng() % 2) q.consents.insert(q.purpose);
    for (const Bit& bit : s_.bits) {
      if (bit.kind == Bit::Kind::kConsent && rng() % 2) q.consents.insert(bit.id);
      if (bit.kind == Bit::Kind::kFeature && rng() % 2) q.features.insert(bit.id);
    }
    runtime::ConsentStrings& strings = q.consent_strings;
    strings.tcf_present = rng() % 2;
    strings.gpp_present = rng() % 2;
    strings.tcf_purpose_consents = static_cast<uint32_t>(rng()) & 0xFF'FFFFu;
    strings.tcf_purpose_legitimate_interests = static_cast<uint32_t>(rng()) & 0xFF'FFFFu;
    strings.gpp_opt_outs = static_cast<uint8_t>(rng() % (1u << runtime::kGppOptOutCount));
    return q;
  }

  // The value of every variable for a query whose ids are all known.
  std::vector<uint32_t> classes(const Query& q) const {
    auto index = [](const std::vector<std::string>& sorted, const std::string& id) {
      return static_cast<uint32_t>(std::lower_bound(sorted.begin(), sorted.end(), id) -
                                   sorted.begin());
    };
    std::vector<uint32_t> values;
    for (const Variable& v : s_.variables) {
      switch (v.kind) {
        case VariableKind::kData:
          values.push_back(index(s_.data_ids, q.data));
          break;
        case VariableKind::kPurpose:
          values.push_back(index(s_.purpose_ids, q.purpose));
          break;
        case VariableKind::kAction:
          values.push_back(q.action == Action::kTransmit ? 1 : 0);
          break;
        case VariableKind::kRecipient:
          values.push_back(index(s_.recipient_ids, q.recipient));
          break;
        case VariableKind::kDestination:
          values.push_back(q.destination == "device"
                               ? s_.device_destination_class
                               : s_.destination_class[index(s_.region_ids, q.destination)]);
          break;
        case VariableKind::kRegion:
          values.push_back(s_.region_class[index(s_.region_ids, q.region)]);
          break;
        case VariableKind::kDate:
          values.push_back(
              static_cast<uint32_t>(std::upper_bound(s_.date_breakpoints.begin(),
                                                     s_.date_breakpoints.end(), q.as_of.days) -
                                    s_.date_breakpoints.begin()));
          break;
        case VariableKind::kAge:
          values.push_back(
              q.age ? 1 + static_cast<uint32_t>(std::upper_bound(s_.age_thresholds.begin(),
                                                                 s_.age_thresholds.end(), *q.age) -
                                                s_.age_thresholds.begin())
                    : 0);
          break;
        case VariableKind::kBit:
          values.push_back(bit_value(s_.bits[v.bit], q) ? 1 : 0);
          break;
      }
    }
    return values;
  }

 private:
  static bool bit_value(const Bit& bit, const Query& q) {
    switch (bit.kind) {
      case Bit::Kind::kGpc:
        return q.gpc;
      case Bit::Kind::kAdsPersonalization:
        return q.ads_personalization;
      case Bit::Kind::kParentalConsent:
        return q.parental_consent;
      case Bit::Kind::kConsentForPurpose:
        return q.consents.count(q.purpose) > 0;
      case Bit::Kind::kConsent:
        return q.consents.count(bit.id) > 0;
      case Bit::Kind::kFeature:
        return q.features.count(bit.id) > 0;
      default:
        return bit.value_in(q.consent_strings);
    }
  }

  const CompiledPolicy& s_;
  std::vector<std::vector<std::string>> region_members_, destination_members_;
  std::vector<uint32_t> age_bands_;
};

bool holds_at(const DiagramBuilder& builder, DiagramBuilder::Ref r,
              const std::vector<uint32_t>& values) {
  while (!DiagramBuilder::is_leaf(r)) r = builder.child(r, values[builder.variable_of(r)]);
  return DiagramBuilder::value(r) == Predicates::kTrue;
}

// A checked condition from text; fails the test when it does not parse or check.
Condition checked_condition(const std::string& text, const Policy& policy) {
  auto parsed = parse_condition(text);
  REQUIRE_MESSAGE(std::holds_alternative<Expr>(parsed), text);
  Condition c;
  c.text = text;
  c.root = std::get<Expr>(std::move(parsed));
  DiagnosticSink sink;
  bool ok = check_condition(c, policy, "oracle condition", sink);
  std::string messages;
  for (const Diagnostic& d : sink.diagnostics()) messages += "\n  " + d.message;
  REQUIRE_MESSAGE(ok, (text + messages));
  return c;
}

// Adds `count` random conditions to the policy as deny rules (so the domain analysis sees what they
// test), then compares the compiler's and the reference's reading of every condition in the
// policy on `samples` queries each.
void compare_conditions(bool compare_places, size_t count, size_t samples) {
  Checked checked = load_and_check(source_dir());
  REQUIRE(checked.errors == 0);
  Policy& policy = *checked.policy;
  std::mt19937_64 rng(compare_places ? 8 : 20261129);
  ConditionGenerator generate(policy, compare_places);
  const size_t shipped = policy.rules.size();
  for (size_t i = 0; i < count; ++i) {
    Rule rule;
    rule.id = fmt::format("zz-oracle-{}", i);
    rule.when = checked_condition(generate.condition(rng), policy);
    policy.rules.push_back(std::move(rule));
  }
  const Domains d = analyse_domains(policy);
  DiagramBuilder builder(builder_domains(d));
  Predicates predicates(policy, d, builder);
  const ClassSampler sampler(d);
  size_t conditions = 0, disagreements = 0;
  for (size_t r = 0; r < policy.rules.size(); ++r) {
    const Rule& rule = policy.rules[r];
    if (!rule.when) continue;
    ++conditions;
    const DiagramBuilder::Ref compiled = predicates.condition(rule.when->root);
    for (size_t i = 0; i < samples; ++i) {
      const Query q = sampler.query(rng);
      const bool expected = evaluate_condition(rule.when->root, policy, q);
      if (holds_at(builder, compiled, sampler.classes(q)) != expected && ++disagreements <= 5) {
        FAIL_CHECK(fmt::format("{}: reference {}, compiler {} on {}", rule.when->text, expected,
                               !expected, show(q)));
      }
    }
    if (r >= shipped) {  // the canonical text reads back as the same condition
      const std::string canonical = to_string(rule.when->root);
      CAPTURE(rule.when->text);
      CAPTURE(canonical);
      const Condition again = checked_condition(canonical, policy);
      CHECK(predicates.condition(again.root) == compiled);
    }
  }
  CHECK(disagreements == 0);
  MESSAGE(fmt::format("{} conditions, {} queries each, {} disagreements; {} region classes",
                      conditions, samples, disagreements, d.shape.region_classes));
}

}  // namespace

TEST_SUITE("condition-oracle") {
  TEST_CASE("random and shipped conditions: the compiler's reading is the reference's") {
    compare_conditions(false, 400, 400);
  }

  TEST_CASE("the subject's region compared with the destination: one class per region") {
    compare_conditions(true, 60, 400);
  }

  TEST_CASE("shipped match blocks: the compiler's reading is the reference's") {
    Checked checked = load_and_check(source_dir());
    REQUIRE(checked.errors == 0);
    const Policy& policy = *checked.policy;
    const Domains d = analyse_domains(policy);
    DiagramBuilder builder(builder_domains(d));
    Predicates predicates(policy, d, builder);
    const ClassSampler sampler(d);
    std::mt19937_64 rng(1129);
    size_t disagreements = 0;
    for (const Rule& rule : policy.rules) {
      const DiagramBuilder::Ref compiled = predicates.rule(rule);
      for (size_t i = 0; i < 2000; ++i) {
        const Query q = sampler.query(rng);
        const bool expected = rule_matches(rule, policy, q);
        if (holds_at(builder, compiled, sampler.classes(q)) != expected && ++disagreements <= 5) {
          FAIL_CHECK(fmt::format("{}: reference {}, compiler {} on {}", rule.id, expected,
                                 !expected, show(q)));
        }
      }
    }
    CHECK(disagreements == 0);
  }
}
