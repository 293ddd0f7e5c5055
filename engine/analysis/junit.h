// write_junit: test cases (or findings shown as cases) → JUnit XML, the report format CI systems
// (GitLab, Jenkins, GitHub test reporters) read. Generic: flowgate test writes one case per policy
// unit test, lint and gate one per check. This file's external interface is write_junit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowgate {

struct JUnitCase {
  std::string name;
  std::string classname;  // e.g. the test file, "policy_tests.sharing"
  std::string file;
  uint32_t line = 0;
  double seconds = 0;
  enum class Outcome { kPassed, kFailed, kError, kSkipped } outcome = Outcome::kPassed;
  std::string message;  // failure/error/skipped: one line
  std::string details;  // failure/error: the body (what differed)
  std::string system_out;
};

struct JUnitSuite {
  std::string name;
  std::string file;
  std::vector<JUnitCase> cases;
};

// <testsuites name=…> with one <testsuite> per suite, counts filled in; UTF-8, escaped.
std::string write_junit(const std::string& name, const std::vector<JUnitSuite>& suites);

// Text escaped for XML character data and attribute values; characters XML 1.0 forbids are dropped.
std::string xml_escape(const std::string& text);

}  // namespace flowgate
