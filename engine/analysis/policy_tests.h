// Policy unit tests (`flowgate test`, like `opa test`): YAML files of cases, each a query (the
// query JSON of docs/design.md, "The public contract", written as YAML) and the decision a reader
// of the rules expects, run on the compiled policy. This file's external interface is
// load_policy_tests and run_policy_tests.
//
//   tests:
//     - name: '§1.1 "will only be cached in your device": photo upload to cloud storage is denied'
//       query: {data: media.photo, purpose: core_functionality, action: transmit,
//               recipient: service_provider.cloud_storage, destination: JP,
//               subject: {region: US-CA, age: 30}, as_of: 2026-11-29}
//       expect: {decision: deny, rules: [media-stays-on-device], citations: ["§1.1"]}
//
// `expect.decision` is required; obligations, legal_basis, citations and rules are compared as
// sets when given (their order follows the rule files, which is not part of the contract), and
// absent ones are not checked. A query naming an id the policy does not know fails its case, naming
// the field, the value and the nearest ids, unless the case expects rules [unknown-id]. Coverage: a rule is exercised when it is among a case's deciding
// rules or its match block and condition hold for a case's query; the others are reported.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compile/compiled_policy.h"
#include "flowgate/diagnostic.h"
#include "model/policy.h"
#include "model/query.h"

namespace flowgate {

struct PolicyTestCase {
  std::string name;
  SourceLocation location;  // of the case's mapping
  Query query;
  bool allow = false;
  std::optional<std::vector<std::string>> obligations, legal_basis, citations, rules;
};

struct PolicyTestFile {
  std::string path;  // as given (for messages)
  std::vector<PolicyTestCase> cases;
};

// The default test files of a policy folder: policy_tests/*.yaml, sorted.
std::vector<std::string> default_policy_test_files(const std::string& policy_dir);

// Reads test files; every problem (YAML syntax, unknown keys, wrong types) goes to `sink` with its
// file:line:col, and loading goes on. A query without as_of is dated `default_date`.
std::vector<PolicyTestFile> load_policy_tests(const std::vector<std::string>& paths,
                                              Date default_date, DiagnosticSink& sink);

struct PolicyTestResult {
  const PolicyTestCase* test = nullptr;
  const PolicyTestFile* file = nullptr;
  bool passed = false;
  std::vector<std::string> differences;  // "decision: expected allow, got deny", …
  Decision got;
  double seconds = 0;
};

struct PolicyTestRun {
  std::vector<PolicyTestResult> results;  // file order, case order
  size_t passed = 0, failed = 0;
  std::vector<const Rule*> uncovered;  // rules no case exercises, in policy order
  size_t rules = 0;
};

// `compiled` must be compile_policy(policy).
PolicyTestRun run_policy_tests(const Policy& policy, const CompiledPolicy& compiled,
                               const std::vector<PolicyTestFile>& files);

}  // namespace flowgate
