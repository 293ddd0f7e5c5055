// The golden decisions (tests/golden/decisions.jsonl): each line a query on the shipped policy,
// named after the sentence of the policy it exercises, with the decision a reader of the rules
// expects. Every case runs through both engines — the reference evaluator on the loaded rules and
// the runtime on the compiled, encoded and reloaded bundle — and both must give the expected
// decision, rules, citations, obligations and legal basis (as sets: their order follows the rule
// files, which is not part of the contract), with a non-empty reason.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bundle/bundle_writer.h"
#include "bundle/decide_query.h"
#include "compile/compiler.h"
#include "flowgate/runtime.h"
#include "policy_fixture.h"
#include "reference/reference_evaluator.h"

using namespace flowgate;
using namespace flowgate::testing;
using nlohmann::json;

namespace {

const Policy& policy() {
  static const Checked checked = load_and_check(source_dir());
  REQUIRE(checked.errors == 0);
  return *checked.policy;
}

// compile_policy → encode_bundle → Bundle::load, as `flowgate compile` and the app do.
const runtime::Bundle& bundle() {
  static const std::unique_ptr<const runtime::Bundle> loaded = [] {
    std::unique_ptr<const runtime::Bundle> b;
    runtime::Status status = runtime::Bundle::load(encode_bundle(compile_policy(policy())), &b);
    if (!status.ok()) throw std::runtime_error("bundle refused: " + status.message());
    return b;
  }();
  return *loaded;
}

struct Expected {
  bool allow = false;
  std::vector<std::string> rules, citations, obligations, legal_basis;
};

struct GoldenCase {
  size_t line = 0;
  std::string name;
  Query query;
  Expected expect;
};

void require_keys(const json& object, const std::set<std::string>& allowed, const char* what) {
  if (!object.is_object()) throw std::invalid_argument(std::string(what) + " must be an object");
  for (const auto& [key, value] : object.items()) {
    if (!allowed.count(key)) {
      throw std::invalid_argument(std::string("unknown field '") + key + "' in " + what);
    }
  }
}

std::vector<std::string> strings(const json& object, const char* key) {
  if (!object.contains(key) || !object[key].is_array()) {
    throw std::invalid_argument(std::string("'expect.") + key + "' must be a list");
  }
  std::vector<std::string> out;
  for (const auto& item : object[key]) out.push_back(item.get<std::string>());
  return out;
}

// The query JSON of docs/design.md; a collect's recipient and destination are the device, as in
// `flowgate decide`. The golden file always gives as_of, so decisions do not change with today.
Query query_from_json(const json& j) {
  require_keys(
      j, {"data", "purpose", "action", "recipient", "destination", "subject", "as_of", "signals"},
      "query");
  Query q;
  q.data = j.at("data").get<std::string>();
  q.purpose = j.at("purpose").get<std::string>();
  const std::string action = j.at("action").get<std::string>();
  if (action != "collect" && action != "transmit") {
    throw std::invalid_argument("'action' must be collect or transmit");
  }
  q.action = action == "collect" ? Action::kCollect : Action::kTransmit;
  q.recipient = q.action == Action::kCollect ? "device" : j.at("recipient").get<std::string>();
  q.destination = q.action == Action::kCollect ? "device" : j.at("destination").get<std::string>();
  const json& subject = j.at("subject");
  require_keys(subject, {"region", "age"}, "subject");
  q.region = subject.at("region").get<std::string>();
  if (subject.contains("age") && !subject["age"].is_null()) q.age = subject["age"].get<int>();
  auto date = parse_date(j.at("as_of").get<std::string>());
  if (!date) throw std::invalid_argument("'as_of' must be a date, YYYY-MM-DD");
  q.as_of = *date;
  if (j.contains("signals")) {
    const json& s = j["signals"];
    require_keys(s, {"ads_personalization", "gpc", "parental_consent", "consents", "features"},
                 "signals");
    q.ads_personalization = s.value("ads_personalization", true);
    q.gpc = s.value("gpc", false);
    q.parental_consent = s.value("parental_consent", false);
    for (const auto& id : s.value("consents", json::array()))
      q.consents.insert(id.get<std::string>());
    for (const auto& id : s.value("features", json::array()))
      q.features.insert(id.get<std::string>());
  }
  return q;
}

std::vector<GoldenCase> read_golden_file() {
  std::ifstream in(FLOWGATE_GOLDEN_DECISIONS);
  if (!in) throw std::runtime_error(std::string("cannot read ") + FLOWGATE_GOLDEN_DECISIONS);
  std::vector<GoldenCase> cases;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const json j = json::parse(line);
      require_keys(j, {"name", "query", "expect"}, "a golden case");
      GoldenCase c;
      c.line = number;
      c.name = j.at("name").get<std::string>();
      c.query = query_from_json(j.at("query"));
      const json& e = j.at("expect");
      require_keys(e, {"decision", "rules", "citations", "obligations", "legal_basis"}, "expect");
      const std::string decision = e.at("decision").get<std::string>();
      if (decision != "allow" && decision != "deny") {
        throw std::invalid_argument("'expect.decision' must be allow or deny");
      }
      c.expect.allow = decision == "allow";
      c.expect.rules = strings(e, "rules");
      c.expect.citations = strings(e, "citations");
      c.expect.obligations = strings(e, "obligations");
      c.expect.legal_basis = strings(e, "legal_basis");
      cases.push_back(std::move(c));
    } catch (const std::exception& error) {
      throw std::runtime_error(std::string(FLOWGATE_GOLDEN_DECISIONS) + ":" +
                               std::to_string(number) + ": " + error.what());
    }
  }
  return cases;
}

const std::vector<GoldenCase>& golden_cases() {
  static const std::vector<GoldenCase> cases = read_golden_file();
  return cases;
}

// A list as a sorted, comma-separated string: compared as a set, printed whole on a failure.
std::string as_set(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return "[" + out + "]";
}

std::vector<std::string> to_vector(const runtime::StringList& list) {
  std::vector<std::string> out;
  for (std::string_view s : list) out.emplace_back(s);
  return out;
}

// The runtime's view of a decision, in the toolchain's Decision shape.
Decision runtime_decision(const Query& q) {
  const runtime::Decision d = decide_on_bundle(bundle(), q);
  Decision out;
  out.allow = d.allow();
  out.obligations = to_vector(d.obligations());
  out.legal_basis = to_vector(d.legal_basis());
  out.citations = to_vector(d.citations());
  out.rules = to_vector(d.rules());
  out.reason = std::string(d.reason());
  return out;
}

void check_against(const GoldenCase& c, const std::string& engine, const Decision& got) {
  INFO("golden case line ", c.line, ": ", c.name);
  INFO("engine: ", engine);
  CHECK(std::string(got.allow ? "allow" : "deny") ==
        std::string(c.expect.allow ? "allow" : "deny"));
  CHECK(as_set(got.rules) == as_set(c.expect.rules));
  CHECK(as_set(got.citations) == as_set(c.expect.citations));
  CHECK(as_set(got.obligations) == as_set(c.expect.obligations));
  CHECK(as_set(got.legal_basis) == as_set(c.expect.legal_basis));
  CHECK_FALSE(got.reason.empty());
}

}  // namespace

TEST_SUITE("golden-decisions") {
  TEST_CASE("the golden file holds at least 90 uniquely named cases") {
    const auto& cases = golden_cases();
    CHECK(cases.size() >= 90);
    std::set<std::string> names;
    for (const auto& c : cases) {
      INFO("golden case line ", c.line, ": ", c.name);
      CHECK(names.insert(c.name).second);
    }
  }

  TEST_CASE("the reference evaluator decides every golden case as expected") {
    for (const auto& c : golden_cases())
      check_against(c, "reference", evaluate_reference(policy(), c.query));
  }

  TEST_CASE("the runtime on the compiled bundle decides every golden case as expected") {
    for (const auto& c : golden_cases()) check_against(c, "runtime", runtime_decision(c.query));
  }
}
