// The compiled diagram against the reference evaluator: the same decision on random queries over
// the shipped policy's whole vocabulary, regions, ages, dates and signals (a million in the release
// build), and structural properties of the diagram (reduced, shared, children before parents).
#include "compile/compiler.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>

#include "compile/diagram_walk.h"
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
      "DE", "FR",    "IS",    "LI",    "NO",    "CH",    "GB",    "JP",    "US",
      "CN", "US-CA", "US-VA", "US-CO", "US-IA", "US-UT", "US-TX", "US-OK", "US-FL"};
  q.region = rng() % 2 ? kNamed[rng() % kNamed.size()] : pick(c.region_ids);
  if (rng() % 3) q.destination = on_device ? "device" : kNamed[rng() % kNamed.size()];
  if (rng() % 5) q.age = static_cast<int>(rng() % 90);
  // Dates around every breakpoint, and anywhere from 1990 to 2035.
  if (rng() % 2 && !c.date_breakpoints.empty()) {
    q.as_of = Date{c.date_breakpoints[rng() % c.date_breakpoints.size()] +
                   static_cast<int32_t>(rng() % 3) - 1};
  } else {
    q.as_of = Date{7305 + static_cast<int32_t>(rng() % (45 * 365))};
  }
  q.gpc = rng() % 2;
  q.ads_personalization = rng() % 4 != 0;
  if (rng() % 2) q.consents.insert(q.purpose);
  if (rng() % 3 == 0) q.consents.insert(pick(c.purpose_ids));
  if (rng() % 2) q.features.insert("bluetooth");
  return q;
}

std::string show(const Query& q) {
  return fmt::format(
      "{} {} {} {} → {} region {} age {} on {} gpc {} ads {} consents {} features {}", q.data,
      q.purpose, action_name(q.action), q.recipient, q.destination, q.region,
      q.age ? std::to_string(*q.age) : "?", format_date(q.as_of), q.gpc, q.ads_personalization,
      fmt::join(q.consents, ","), fmt::join(q.features, ","));
}

}  // namespace

TEST_SUITE("compiler") {
  TEST_CASE("the diagram agrees with the reference evaluator on random queries") {
    const char* env = std::getenv("FLOWGATE_RANDOM_QUERIES");
    const size_t count = env ? std::strtoul(env, nullptr, 10) : 1'000'000;
    std::mt19937_64 rng(20261129);
    size_t disagreements = 0;
    for (size_t i = 0; i < count; ++i) {
      Query q = random_query(rng, compiled());
      Decision expected = evaluate_reference(policy(), q);
      const DecisionRecord& got = compiled().decisions[walk_diagram(compiled(), q).decision];
      // An unknown id's reason names the id in the reference; the diagram's record is generic.
      bool unknown = expected.rules == std::vector<std::string>{"unknown-id"};
      bool same = got.allow == expected.allow && got.rules == expected.rules &&
                  got.obligations == expected.obligations &&
                  got.legal_basis == expected.legal_basis && got.citations == expected.citations &&
                  (unknown || got.reason == expected.reason);
      if (!same && ++disagreements <= 5) {
        FAIL_CHECK(fmt::format("disagree on {}\n  reference: {} {}\n  diagram:   {} {}", show(q),
                               expected.allow ? "allow" : "deny", fmt::join(expected.rules, ","),
                               got.allow ? "allow" : "deny", fmt::join(got.rules, ",")));
      }
    }
    CHECK(disagreements == 0);
    MESSAGE(fmt::format("{} random queries, {} disagreements", count, disagreements));
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
