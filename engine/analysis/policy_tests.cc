// load_policy_tests and run_policy_tests: YAML with locations → cases → walk_diagram → compare.
#include "analysis/policy_tests.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include "analysis/unknown_ids.h"
#include "compile/diagram_walk.h"
#include "diagnostic/source_file.h"
#include "load/fields.h"
#include "load/yaml_tree.h"
#include "reference/reference_evaluator.h"

namespace flowgate {
namespace {

namespace fs = std::filesystem;

std::optional<std::vector<std::string>> string_list(const Fields& fields, std::string_view key) {
  const YamlNode* node = fields.get(key);
  if (!node) return std::nullopt;
  std::vector<std::string> out;
  auto bad = [&](const YamlNode& at) {
    fields.sink().error("wrong-type", at.location,
                        fmt::format("'{}' of {} must be a list of strings, found {}", key,
                                    fields.what(), describe_kind(at)));
  };
  if (!node->is_sequence()) {
    bad(*node);
    return std::nullopt;
  }
  for (const auto& item : node->items) {
    if (!item.is_scalar()) {
      bad(item);
      return std::nullopt;
    }
    out.push_back(item.scalar);
  }
  return out;
}

bool read_query(const YamlNode& node, const std::string& what, Date default_date, Query& q,
                DiagnosticSink& sink) {
  size_t errors = sink.error_count();
  Fields f(
      node, what, sink,
      {"data", "purpose", "action", "recipient", "destination", "subject", "as_of", "signals"});
  if (!f.is_map()) return false;
  q.data = f.string("data", true).value_or("");
  q.purpose = f.string("purpose", true).value_or("");
  auto action = f.string("action", true);
  if (action && *action != "collect" && *action != "transmit") {
    sink.error(
        "bad-value", f.get("action")->location,
        fmt::format("'action' of {} must be collect or transmit, found '{}'", what, *action));
  }
  q.action = action == "collect" ? Action::kCollect : Action::kTransmit;
  bool collect = q.action == Action::kCollect;
  q.recipient = collect ? f.string("recipient", false).value_or("device")
                        : f.string("recipient", true).value_or("");
  q.destination = collect ? f.string("destination", false).value_or("device")
                          : f.string("destination", true).value_or("");
  if (const YamlNode* subject = f.require("subject")) {
    Fields s(*subject, "the subject of " + what, sink, {"region", "age"});
    if (s.is_map()) {
      q.region = s.string("region", true).value_or("");
      if (auto age = s.integer("age", false, 0, 150)) q.age = static_cast<int>(*age);
    }
  }
  q.as_of = f.date("as_of", false).value_or(default_date);
  if (const YamlNode* signals = f.get("signals")) {
    Fields s(*signals, "the signals of " + what, sink,
             {"ads_personalization", "gpc", "parental_consent", "consents", "features"});
    if (s.is_map()) {
      q.ads_personalization = s.boolean("ads_personalization", false).value_or(true);
      q.gpc = s.boolean("gpc", false).value_or(false);
      q.parental_consent = s.boolean("parental_consent", false).value_or(false);
      for (const auto& id : s.id_list("consents", false)) q.consents.insert(id.id);
      for (const auto& id : s.id_list("features", false)) q.features.insert(id.id);
    }
  }
  return sink.error_count() == errors;
}

std::string join(const std::vector<std::string>& v) {
  return fmt::format("[{}]", fmt::join(v, ", "));
}

// "rules: expected [a, b], got [a, c] (missing b; unexpected c)", or empty when equal as sets.
std::string compare_sets(const char* what, const std::vector<std::string>& expected,
                         const std::vector<std::string>& got) {
  std::set<std::string> e(expected.begin(), expected.end()), g(got.begin(), got.end());
  if (e == g) return {};
  std::vector<std::string> missing, unexpected;
  for (const auto& x : e) {
    if (!g.count(x)) missing.push_back(x);
  }
  for (const auto& x : g) {
    if (!e.count(x)) unexpected.push_back(x);
  }
  std::string out = fmt::format("{}: expected {}, got {}", what, join(expected), join(got));
  std::vector<std::string> notes;
  if (!missing.empty()) notes.push_back(fmt::format("missing {}", fmt::join(missing, ", ")));
  if (!unexpected.empty()) {
    notes.push_back(fmt::format("unexpected {}", fmt::join(unexpected, ", ")));
  }
  return out + fmt::format(" ({})", fmt::join(notes, "; "));
}

}  // namespace

std::vector<std::string> default_policy_test_files(const std::string& policy_dir) {
  std::vector<std::string> out;
  fs::path dir = fs::path(policy_dir) / "policy_tests";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      out.push_back(entry.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<PolicyTestFile> load_policy_tests(const std::vector<std::string>& paths,
                                              Date default_date, DiagnosticSink& sink) {
  std::vector<PolicyTestFile> files;
  for (const auto& path : paths) {
    auto source = read_source_file(path, path, 1 << 20, sink);
    if (!source) continue;
    auto root = parse_yaml(*source, sink);
    if (!root) continue;
    PolicyTestFile file;
    file.path = path;
    Fields top(*root, "a policy test file", sink, {"tests"});
    const YamlNode* tests = top.is_map() ? top.require("tests") : nullptr;
    if (tests && !tests->is_sequence()) {
      sink.error("wrong-type", tests->location,
                 fmt::format("'tests' must be a list of cases, found {}", describe_kind(*tests)));
      tests = nullptr;
    }
    for (size_t i = 0; tests && i < tests->items.size(); ++i) {
      const YamlNode& node = tests->items[i];
      PolicyTestCase c;
      c.location = node.location;
      Fields f(node, fmt::format("test case {}", i + 1), sink, {"name", "query", "expect"});
      if (!f.is_map()) continue;
      size_t errors = sink.error_count();
      c.name = f.string("name", true).value_or(fmt::format("case {}", i + 1));
      std::string what = fmt::format("the query of test '{}'", c.name);
      if (const YamlNode* query = f.require("query")) {
        read_query(*query, what, default_date, c.query, sink);
      }
      if (const YamlNode* expect = f.require("expect")) {
        Fields e(*expect, fmt::format("the expectation of test '{}'", c.name), sink,
                 {"decision", "obligations", "legal_basis", "citations", "rules"});
        if (e.is_map()) {
          auto decision = e.string("decision", true);
          if (decision && *decision != "allow" && *decision != "deny") {
            sink.error("bad-value", e.get("decision")->location,
                       fmt::format("'decision' of test '{}' must be allow or deny, found '{}'",
                                   c.name, *decision));
          }
          c.allow = decision == "allow";
          c.obligations = string_list(e, "obligations");
          c.legal_basis = string_list(e, "legal_basis");
          c.citations = string_list(e, "citations");
          c.rules = string_list(e, "rules");
        }
      }
      if (sink.error_count() == errors) file.cases.push_back(std::move(c));
    }
    files.push_back(std::move(file));
  }
  return files;
}

PolicyTestRun run_policy_tests(const Policy& policy, const CompiledPolicy& compiled,
                               const std::vector<PolicyTestFile>& files) {
  PolicyTestRun run;
  std::set<std::string> exercised;
  for (const auto& file : files) {
    for (const auto& test : file.cases) {
      auto start = std::chrono::steady_clock::now();
      PolicyTestResult r;
      r.test = &test;
      r.file = &file;
      Walk walk = walk_diagram(compiled, test.query);
      r.got = compiled.decisions[walk.decision];
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      exercised.insert(r.got.rules.begin(), r.got.rules.end());
      if (!walk.unknown_id) {
        for (const auto& rule : policy.rules) {
          if (rule_matches(rule, policy, test.query)) exercised.insert(rule.id);
        }
      }
      // An id the policy does not know is a mistake in the test (a typo'd purpose would otherwise
      // pass any case expecting a deny), unless the case is about unknown ids and says so.
      const bool expects_unknown = test.rules && std::find(test.rules->begin(), test.rules->end(),
                                                           "unknown-id") != test.rules->end();
      if (walk.unknown_id && !expects_unknown) {
        auto unknown = find_unknown_id(policy, test.query);
        r.differences.push_back(
            "query: " + (unknown ? unknown->message() : std::string("names an unknown id")) +
            " (a case about unknown ids expects rules [unknown-id])");
      }
      if (test.allow != r.got.allow) {
        r.differences.push_back(fmt::format("decision: expected {}, got {} ({})",
                                            test.allow ? "allow" : "deny",
                                            r.got.allow ? "allow" : "deny", r.got.reason));
      }
      auto check = [&](const char* what, const std::optional<std::vector<std::string>>& expected,
                       const std::vector<std::string>& got) {
        if (!expected) return;
        std::string d = compare_sets(what, *expected, got);
        if (!d.empty()) r.differences.push_back(std::move(d));
      };
      check("rules", test.rules, r.got.rules);
      check("obligations", test.obligations, r.got.obligations);
      check("legal_basis", test.legal_basis, r.got.legal_basis);
      check("citations", test.citations, r.got.citations);
      r.passed = r.differences.empty();
      ++(r.passed ? run.passed : run.failed);
      run.results.push_back(std::move(r));
    }
  }
  run.rules = policy.rules.size();
  for (const auto& rule : policy.rules) {
    if (!exercised.count(rule.id)) run.uncovered.push_back(&rule);
  }
  return run;
}

}  // namespace flowgate
