// The compiled diagram against the reference evaluator: the same decision on random queries over
// the shipped policy's whole vocabulary, regions, ages, dates and signals (a million in the release
// build), and structural properties of the diagram (reduced, shared, children before parents).
// Rules that test consent strings (tcf.purpose_consent(N), usnat.*_opt_out), which the shipped
// policy has none of, on a scratch copy: random queries, and a few decided by every engine —
// reference, diagram, runtime bundle and C API.
#include "compile/compiler.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>
#include <variant>

#include "bundle/bundle_writer.h"
#include "bundle/decide_query.h"
#include "compile/diagram_walk.h"
#include "differential.h"
#include "flowgate/flowgate.h"
#include "flowgate/signals.h"
#include "flowgate/toolchain.h"
#include "model/combine.h"
#include "policy_fixture.h"
#include "reference/reference_evaluator.h"

using namespace flowgate;
using namespace flowgate::testing;

namespace {

const Policy& policy() {
  static const Checked checked = load_and_check(source_dir());
  REQUIRE(checked.errors == 0);
  return *checked.policy;
}

const CompiledPolicy& compiled() {
  static const CompiledPolicy c = compile_policy(policy());
  return c;
}

// Decides `count` random queries with both engines; fails the test on the first few that differ.
void compare_on_random_queries(const Policy& policy, const CompiledPolicy& compiled, size_t count) {
  const Differences found = compare_engines(policy, compiled, count);
  for (const std::string& difference : found.first) FAIL_CHECK(difference);
  CHECK(found.disagreements == 0);
  MESSAGE(fmt::format("{} random queries, {} disagreements", found.queries, found.disagreements));
}

// What a decision does to a flow, for a subject who did not consent to its purpose and for one who
// did: its verdict, obligations and legal bases (what lint's "changes a decision" compares).
std::string effect_of(const std::vector<const Rule*>& rules) {
  std::string out;
  for (bool consented : {false, true}) {
    Decision d = combine(rules, consented);
    std::sort(d.obligations.begin(), d.obligations.end());
    std::sort(d.legal_basis.begin(), d.legal_basis.end());
    out += fmt::format("{}|{}|{}/", d.allow, fmt::join(d.obligations, ","),
                       fmt::join(d.legal_basis, ","));
  }
  return out;
}

// Lint's RuleAnalysis against the rules the reference evaluator finds matching random queries:
// every rule matching one matches for the analysis; every allow matching with a deny or a basis
// requirement is a pair it names; every rule whose removal changes a query's decision changes one
// for it, and of each rule that changes nothing, the rules deciding without it are among the names
// it gives. (The other way, that a rule it says changes a decision does so somewhere, random
// queries cannot show: most such places are one state, age band and date. Lint's findings, which
// read it, were compared with the exhaustive analysis this replaced, byte for byte.)
void compare_rule_analysis(const Policy& policy, const CompiledPolicy& compiled, size_t count) {
  auto analysed = RuleAnalysis::analyse(policy);
  REQUIRE(std::holds_alternative<RuleAnalysis>(analysed));
  const RuleAnalysis& analysis = std::get<RuleAnalysis>(analysed);
  const auto& pairs = analysis.allows_meeting();
  const size_t n = policy.rules.size();
  std::vector<bool> matched(n, false), changed(n, false);
  std::mt19937_64 rng(20261205);
  for (size_t i = 0; i < count; ++i) {
    const Query q = random_query(rng, compiled);
    // An id the policy does not know is denied before any rule is read: no point of the model.
    if (evaluate_reference(policy, q).rules == std::vector<std::string>{"unknown-id"}) continue;
    std::vector<uint16_t> matching;
    for (uint16_t r = 0; r < n; ++r) {
      if (rule_matches(policy.rules[r], policy, q)) matching.push_back(r);
    }
    std::vector<const Rule*> rules;
    for (uint16_t r : matching) rules.push_back(&policy.rules[r]);
    const std::string with = effect_of(rules);
    for (size_t k = 0; k < matching.size(); ++k) {
      const uint16_t r = matching[k];
      INFO(policy.rules[r].id, " on ", show(q));
      matched[r] = true;
      CHECK(analysis.matches(r));
      std::vector<const Rule*> without = rules;
      without.erase(without.begin() + static_cast<std::ptrdiff_t>(k));
      if (effect_of(without) != with) {
        changed[r] = true;
        CHECK(analysis.changes(r));
      } else if (!analysis.changes(r)) {
        const auto& names = analysis.decided_without(r);
        for (const auto& id : combine(without, false).rules) {
          CHECK(std::binary_search(names.begin(), names.end(), id));
        }
      }
      if (policy.rules[r].effect != Effect::kAllow) continue;
      for (uint16_t other : matching) {
        const Effect e = policy.rules[other].effect;
        if (e == Effect::kDeny || e == Effect::kRequireBasis)
          CHECK(std::binary_search(pairs.begin(), pairs.end(), std::make_pair(r, other)));
      }
    }
  }
  size_t changing = 0, seen = 0;
  for (uint16_t r = 0; r < n; ++r) {
    changing += analysis.changes(r);
    seen += changed[r];
  }
  CHECK(seen > 0);
  MESSAGE(fmt::format("{} random queries: {} of the {} rules of {} that change a decision did so",
                      count, seen, changing, n));
}

// Rules that test consent strings, every form the condition language has, on a copy of the shipped
// policy. Not shipped: every shipped rule encodes a sentence of the policy, and none mentions TCF.
constexpr const char* kConsentStringRules = R"yaml(rules:
  - id: zz-tcf-ads-profile
    effect: deny
    match:
      purpose: advertising.targeted
      action: any
    when: "not tcf.purpose_consent(4)"
    citations: ["§11.2.1"]
    quote: "You may opt out of targeted advertising on our services by clicking [Settings]-[Privacy Settings]-[Personalized Options] and toggling off [Enable Ads Personalization]."
  - id: zz-gpp-opt-outs
    effect: deny
    match:
      purpose: advertising.targeted
      action: any
    when: 'gpp.present and (usnat.targeted_ads_opt_out or usca.sharing_opt_out or (usnat.sale_opt_out or usnat.sharing_opt_out or usca.sale_opt_out) and subject.region == "US-VA")'
    citations: ["§11.2.1"]
    quote: "You may opt out of targeted advertising on our services by clicking [Settings]-[Privacy Settings]-[Personalized Options] and toggling off [Enable Ads Personalization]."
  - id: zz-tcf-analytics
    effect: deny
    match:
      purpose: analytics
    when: "tcf.present and not (tcf.purpose_consent(8) or tcf.purpose_legitimate_interest(8))"
    citations: ["§11.2.1"]
    quote: "You may opt out of targeted advertising on our services by clicking [Settings]-[Privacy Settings]-[Personalized Options] and toggling off [Enable Ads Personalization]."
)yaml";

struct ConsentStringPolicy {
  Checked checked;
  CompiledPolicy compiled;
  std::string bundle;
};

const ConsentStringPolicy& consent_string_policy() {
  static const ConsentStringPolicy p = [] {
    ScratchPolicy scratch;
    scratch.write("rules/zz-consent-strings.yaml", kConsentStringRules);
    ConsentStringPolicy out;
    out.checked = load_and_check(scratch.dir().string());
    if (out.checked.errors == 0) {
      out.compiled = compile_policy(*out.checked.policy);
      out.bundle = encode_bundle(out.compiled);
    }
    return out;
  }();
  for (const Diagnostic& d : p.checked.diagnostics) {
    INFO(d.location.file, ":", d.location.line, ":", d.location.column, " ", d.message);
  }
  REQUIRE(p.checked.errors == 0);
  return p;
}

// The example flow of docs/design.md ("The public contract"): an adult Virginian's ads
// identifier to Google.
Query virginian_ads_query() {
  Query q;
  q.data = "technical.ads.identifier";
  q.purpose = "advertising.targeted";
  q.recipient = "advertiser.google";
  q.destination = "US";
  q.region = "US-VA";
  q.age = 34;
  q.as_of = *parse_date("2026-11-29");
  return q;
}

// A decision as every engine reports it: the verdict and the rules that decided.
std::string verdict(bool allow, const std::vector<std::string>& rules) {
  return fmt::format("{} {}", allow ? "allow" : "deny", fmt::join(rules, ","));
}

// The C API's decision, ids interned through it as an app does.
std::string c_api_verdict(const fg_bundle* bundle, const Query& q) {
  fg_query c;
  fg_query_init(&c);
  c.data = fg_intern_data(bundle, q.data.c_str());
  c.purpose = fg_intern_purpose(bundle, q.purpose.c_str());
  c.action = q.action == Action::kCollect ? FG_COLLECT : FG_TRANSMIT;
  c.recipient = fg_intern_recipient(bundle, q.recipient.c_str());
  c.destination =
      q.destination == "device" ? FG_DEVICE : fg_intern_region(bundle, q.destination.c_str());
  c.region = fg_intern_region(bundle, q.region.c_str());
  c.age = q.age.value_or(-1);
  c.as_of_days = q.as_of.days;
  c.gpc = q.gpc;
  c.ads_personalization = q.ads_personalization;
  c.parental_consent = q.parental_consent;
  for (const auto& id : q.consents) {
    if (int32_t i = fg_intern_purpose(bundle, id.c_str()); i >= 0) c.consent_mask |= 1ull << i;
  }
  c.tcf_present = q.consent_strings.tcf_present;
  c.gpp_present = q.consent_strings.gpp_present;
  c.tcf_purpose_consents = q.consent_strings.tcf_purpose_consents;
  c.tcf_purpose_legitimate_interests = q.consent_strings.tcf_purpose_legitimate_interests;
  c.gpp_opt_outs = q.consent_strings.gpp_opt_outs;
  fg_decision d;
  REQUIRE(fg_decide(bundle, &c, &d) == FG_OK);
  std::vector<std::string> rules;
  for (size_t i = 0; i < fg_decision_rule_count(&d); ++i) {
    rules.emplace_back(fg_decision_rule_at(&d, i, nullptr));
  }
  return verdict(fg_decision_allow(&d) == 1, rules);
}

}  // namespace

TEST_SUITE("compiler") {
  // The compiler's budget is the checker's: more rules than kMaxRules is the diagnostic
  // too-many-rules, and compile_policy given such an unchecked policy throws std::logic_error (a
  // caller's bug, compile/compiler.h), never an input error of its own.
  TEST_CASE("the rule budget is a check diagnostic; compile refuses an unchecked excess") {
    Checked checked = load_and_check(source_dir());
    REQUIRE(checked.errors == 0);
    Policy& p = *checked.policy;
    CHECK_NOTHROW(compile_policy(p));  // a checked policy compiles
    p.rules.resize(kMaxRules + 1);     // the shipped rules, then blank ones
    CHECK_THROWS_AS(compile_policy(p), std::logic_error);
    CHECK_THROWS_AS(RuleAnalysis::analyse(p), std::logic_error);
    DiagnosticSink sink;
    check_policy(p, sink);
    const auto& all = sink.diagnostics();
    CHECK(std::count_if(all.begin(), all.end(), [](const Diagnostic& d) {
            return d.code == "too-many-rules" && d.severity == Severity::kError;
          }) == 1);
  }

  // The compile budget (nodes, combinations, time) is a diagnostic naming the rules, never a
  // run-away compile: the shipped policy fits the default budget; the same policy under a budget
  // it cannot fit, and an adversarial one (24 allows, each on a feature and with an obligation of
  // its own: 2^24 combinations of obligations, past the default's 2^20) under 2^16 combinations,
  // stop with compile-budget at a rule of theirs.
  // Sizes run out, not time: no timing assertion here.
  TEST_CASE("a policy too costly to compile is a compile-budget diagnostic naming its rules") {
    auto budget_errors = [](const DiagnosticSink& sink) {
      std::vector<Diagnostic> found;
      for (const auto& d : sink.diagnostics()) {
        if (d.code == "compile-budget" && d.severity == Severity::kError) found.push_back(d);
      }
      return found;
    };
    DiagnosticSink fits;
    CHECK(within_compile_budget(policy(), fits));
    CHECK(fits.diagnostics().empty());

    auto nodes_only = [](size_t max_nodes) {
      CompileBudget budget;
      budget.max_nodes = max_nodes;
      return budget;
    };
    DiagnosticSink tight;
    CHECK_FALSE(within_compile_budget(policy(), tight, nodes_only(2'000)));
    auto errors = budget_errors(tight);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].location.line > 0);
    CHECK(errors[0].message.find("2000 diagram nodes") != std::string::npos);

    ScratchPolicy scratch;
    std::string features, obligations, rules = "rules:\n";
    for (int i = 0; i < 24; ++i) {
      features += fmt::format(
          "  - id: adversarial_{}\n    description: A feature.\n    citations: [\"§1.3\"]\n", i);
      obligations += fmt::format(
          "  - id: adversarial_{}\n    description: An obligation.\n    citations: [\"§5\"]\n", i);
      rules += fmt::format(
          "  - id: adversarial-{}\n    effect: allow\n    match: {{action: any}}\n"
          "    when: 'feature(\"adversarial_{}\")'\n    obligations: [adversarial_{}]\n"
          "    citations: [\"§5\"]\n"
          "    quote: \"We employ advanced security technologies including encrypted transmission "
          "and storage, access control, and HTTPS protocols.\"\n",
          i, i, i);
    }
    auto append = [&](const char* file, const std::string& terms) {
      std::ifstream in(scratch.dir() / file);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      scratch.write(file, text + terms);
    };
    append("rules/vocabulary/feature.yaml", features);
    append("rules/vocabulary/obligation.yaml", obligations);
    scratch.write("rules/adversarial.yaml", rules);
    Checked adversarial = load_and_check(scratch.dir().string());
    for (const auto& d : adversarial.diagnostics) {
      if (d.severity == Severity::kError) FAIL_CHECK(d.code << ": " << d.message);
    }
    REQUIRE(adversarial.errors == 0);
    // A budget of combinations (the default's time would run out first in a sanitizer build on a
    // loaded machine, and this test asserts sizes, not time).
    CompileBudget combinations_only;
    combinations_only.max_leaves = size_t{1} << 16;
    combinations_only.max_time = std::chrono::minutes(30);
    DiagnosticSink sink;
    CHECK_FALSE(within_compile_budget(*adversarial.policy, sink, combinations_only));
    errors = budget_errors(sink);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].location.file.find("adversarial.yaml") != std::string::npos);
    CHECK(errors[0].message.find("65536 distinct combinations") != std::string::npos);
    CHECK(errors[0].message.find("at rule 'adversarial-") != std::string::npos);
    CHECK(errors[0].message.find("in the most: adversarial-") != std::string::npos);
  }

  // What the rule-set fold could not compile: 300 one-line denies, each on an age threshold and a
  // day of its own, made 4.5 million sets of matching rules (25 s, then the budget). Folded into
  // combinations, the first deny decides each (age, day) cell: a few hundred leaves, and the
  // diagram still agrees with the reference evaluator.
  TEST_CASE("rules each drawing their own age threshold and day compile, and agree") {
    ScratchPolicy scratch;
    std::string rules = "rules:\n";
    for (int i = 0; i < 300; ++i) {
      rules += fmt::format(
          "  - id: threshold-{}\n    effect: deny\n    match: {{action: any}}\n"
          "    when: \"subject.age < {} or as_of >= 2027-01-{:02d}\"\n"
          "    citations: [\"§11.1.2\"]\n"
          "    quote: \"If you are a minor under the age of 16, you are not permitted to use our "
          "Services in the EU/EEA.\"\n",
          i, i + 1, i % 28 + 1);
    }
    scratch.write("rules/thresholds.yaml", rules);
    Checked thresholds = load_and_check(scratch.dir().string());
    REQUIRE(thresholds.errors == 0);
    DiagnosticSink sink;
    CHECK(within_compile_budget(*thresholds.policy, sink));
    CompileStats stats;
    CompiledPolicy compiled = compile_policy(*thresholds.policy, &stats);
    CHECK(stats.combinations < 1'000);
    compare_on_random_queries(*thresholds.policy, compiled, random_query_count(100'000) / 10);
  }

  TEST_CASE("the diagram agrees with the reference evaluator on random queries") {
    compare_on_random_queries(policy(), compiled(), random_query_count(1'000'000));
  }

  TEST_CASE("rules on consent strings: the diagram agrees with the reference on random queries") {
    const ConsentStringPolicy& p = consent_string_policy();
    std::vector<std::string> tests;
    for (const Bit& bit : p.compiled.bits) {
      if (auto test = consent_string_test(bit); !test.empty()) tests.push_back(test);
    }
    // Each distinct test is one variable; the alias usnat.targeted_ads_opt_out is the field.
    CHECK(tests == std::vector<std::string>{
                       "tcf.purpose_consent(4)", "tcf.purpose_consent(8)",
                       "tcf.purpose_legitimate_interest(8)", "usca.sale_opt_out",
                       "usca.sharing_opt_out", "usnat.sale_opt_out", "usnat.sharing_opt_out",
                       "usnat.targeted_advertising_opt_out", "tcf.present", "gpp.present"});
    compare_on_random_queries(*p.checked.policy, p.compiled, random_query_count(1'000'000) / 4);
  }

  TEST_CASE("lint's rule analysis agrees with the rules matching random queries") {
    compare_rule_analysis(policy(), compiled(), random_query_count(1'000'000) / 20);
    const ConsentStringPolicy& p = consent_string_policy();
    compare_rule_analysis(*p.checked.policy, p.compiled, random_query_count(1'000'000) / 20);
  }

  TEST_CASE("rules on consent strings decide alike in the reference, diagram, bundle and C API") {
    const ConsentStringPolicy& p = consent_string_policy();
    std::unique_ptr<const runtime::Bundle> bundle;
    REQUIRE(runtime::Bundle::load(p.bundle, &bundle).ok());
    fg_bundle* c_bundle = nullptr;
    REQUIRE(fg_open(reinterpret_cast<const uint8_t*>(p.bundle.data()), p.bundle.size(), nullptr,
                    &c_bundle) == FG_OK);
    const Query ads = virginian_ads_query();
    // What the CLI and an app derive from real strings (tests/signals/cli_check.sh): a TC string
    // consenting to purposes 3, 4 and 8 among others; a GPP usnat targeted-advertising opt-out.
    runtime::TcfString tc_all;
    REQUIRE(runtime::decode_tcf("CQLjKniQUgpvihC3ywENBkEgAP_gAEFAAAYgCpMgqloCIs8aN-whOTPR6jhum29xBt"
                                "M-tQSoiCCndoP2QgSHhIWuRuvpb0MAxn8wMSgEgEco8wS2UACAkCYASgFMqqImsAIA"
                                "AAAA",
                                &tc_all)
                .ok());
    runtime::GppString usnat_opt_out;
    REQUIRE(runtime::decode_gpp("DBABLA~ChYhlGKoJqBo.YA", &usnat_opt_out).ok());
    runtime::ConsentStrings purpose_4_only;
    purpose_4_only.tcf_present = true;
    purpose_4_only.tcf_purpose_consents = 1u << 3;

    const char* kAdsAllowed =
        "allow share-ads-id-with-advertisers,encrypt-every-transmit,partners-bound-by-agreement";
    struct Case {
      const char* name;
      runtime::ConsentStrings strings;
      const char* purpose;
      const char* expected;
    };
    std::vector<Case> cases = {
        {"no TC string: purpose 4 has no consent",
         {},
         "advertising.targeted",
         "deny zz-tcf-ads-profile"},
        {"purpose 4 consented", purpose_4_only, "advertising.targeted", kAdsAllowed},
        {"analytics without a TC string", {}, "analytics", "allow collect-ads-identifier"},
        {"analytics, a TC string without purpose 8", purpose_4_only, "analytics",
         "deny zz-tcf-analytics"},
    };
    runtime::ConsentStrings purpose_8_interest = purpose_4_only;
    purpose_8_interest.tcf_purpose_legitimate_interests = 1u << 7;
    cases.push_back({"analytics, a TC string with legitimate interest for purpose 8",
                     purpose_8_interest, "analytics", "allow collect-ads-identifier"});
    runtime::ConsentStrings from_tc;
    runtime::add_tcf_facts(tc_all, &from_tc);
    CHECK(((from_tc.tcf_purpose_consents >> 3) & 1) == 1);
    cases.push_back(
        {"a real TC string consenting to purpose 4", from_tc, "advertising.targeted", kAdsAllowed});
    runtime::ConsentStrings from_both = from_tc;
    runtime::add_gpp_facts(usnat_opt_out, &from_both);
    cases.push_back({"and a GPP usnat targeted-advertising opt-out", from_both,
                     "advertising.targeted", "deny zz-gpp-opt-outs"});

    for (const Case& c : cases) {
      CAPTURE(c.name);
      Query q = ads;
      q.purpose = c.purpose;
      q.consent_strings = c.strings;
      if (q.purpose == "analytics") {  // the ads identifier read on the device (§1.3, §3)
        q.action = Action::kCollect;
        q.recipient = q.destination = "device";
      }
      const Decision reference = evaluate_reference(*p.checked.policy, q);
      const Decision& diagram = p.compiled.decisions[walk_diagram(p.compiled, q).decision];
      const runtime::Decision runtime = decide_on_bundle(*bundle, q);
      std::vector<std::string> runtime_rules(runtime.rules().begin(), runtime.rules().end());
      CHECK(verdict(reference.allow, reference.rules) == c.expected);
      CHECK(verdict(diagram.allow, diagram.rules) == c.expected);
      CHECK(verdict(runtime.allow(), runtime_rules) == c.expected);
      CHECK(c_api_verdict(c_bundle, q) == c.expected);
    }
    fg_close(c_bundle);
  }

  TEST_CASE("explain names the consent-string variables as rules write them") {
    const ConsentStringPolicy& p = consent_string_policy();
    Query q = virginian_ads_query();
    q.consent_strings.tcf_purpose_consents = 1u << 3;
    std::vector<std::string> labels;
    for (const WalkStep& step : walk_diagram(p.compiled, q).steps) labels.push_back(step.label);
    CHECK(std::find(labels.begin(), labels.end(), "tcf.purpose_consent(4) = true") != labels.end());
  }

  TEST_CASE("the shipped policy with its statutes compiles to a bundle an app can ship") {
    // The budget is 128 KiB: the runtime and the bundle travel inside the app.
    const std::string bundle = encode_bundle(compiled());
    MESSAGE(fmt::format("shipped bundle: {} bytes", bundle.size()));
    CHECK(bundle.size() <= 128 * 1024);
  }

  TEST_CASE("the diagram is reduced, shared and ordered") {
    const CompiledPolicy& c = compiled();
    std::set<std::vector<uint32_t>> seen;
    for (uint32_t i = 0; i < c.nodes.size(); ++i) {
      const DiagramNode& node = c.nodes[i];
      uint32_t domain = c.variables[node.variable].domain;
      std::vector<uint32_t> key{node.variable};
      bool all_same = true;
      for (uint32_t v = 0; v < domain; ++v) {
        uint32_t child = c.children[node.first_child + v];
        key.push_back(child);
        all_same = all_same && child == c.children[node.first_child];
        if (!(child & CompiledPolicy::kLeaf)) {
          CHECK(child < i);                                // children before parents
          CHECK(c.nodes[child].variable > node.variable);  // ordered
        }
      }
      CHECK_FALSE(all_same);           // reduced: no redundant test
      CHECK(seen.insert(key).second);  // shared: no two equal nodes
    }
    MESSAGE(fmt::format("{} nodes, {} child references, {} decision records, {} variables",
                        c.nodes.size(), c.children.size(), c.decisions.size(), c.variables.size()));
    for (size_t v = 0; v < c.variables.size(); ++v) {
      MESSAGE(fmt::format("variable {} kind {} domain {} nodes {}", v, int(c.variables[v].kind),
                          c.variables[v].domain,
                          std::count_if(c.nodes.begin(), c.nodes.end(),
                                        [&](const DiagramNode& n) { return n.variable == v; })));
    }
  }
}
