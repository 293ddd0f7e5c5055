// write_junit: JUnitSuite list → XML text.
#include "analysis/junit.h"

#include <fmt/format.h>

namespace flowgate {

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') break;  // not allowed in XML 1.0
        out += ch;
    }
  }
  return out;
}

std::string write_junit(const std::string& name, const std::vector<JUnitSuite>& suites) {
  size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  double seconds = 0;
  std::string body;
  for (const auto& suite : suites) {
    size_t f = 0, e = 0, s = 0;
    double t = 0;
    std::string cases;
    for (const auto& c : suite.cases) {
      t += c.seconds;
      cases += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.6f}\"",
                           xml_escape(c.name), xml_escape(c.classname), c.seconds);
      if (!c.file.empty()) cases += fmt::format(" file=\"{}\"", xml_escape(c.file));
      if (c.line > 0) cases += fmt::format(" line=\"{}\"", c.line);
      std::string inner;
      switch (c.outcome) {
        case JUnitCase::Outcome::kPassed:
          break;
        case JUnitCase::Outcome::kFailed:
          ++f;
          inner = fmt::format("      <failure message=\"{}\" type=\"failure\">{}</failure>\n",
                              xml_escape(c.message), xml_escape(c.details));
          break;
        case JUnitCase::Outcome::kError:
          ++e;
          inner = fmt::format("      <error message=\"{}\" type=\"error\">{}</error>\n",
                              xml_escape(c.message), xml_escape(c.details));
          break;
        case JUnitCase::Outcome::kSkipped:
          ++s;
          inner = fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(c.message));
          break;
      }
      if (!c.system_out.empty()) {
        inner += fmt::format("      <system-out>{}</system-out>\n", xml_escape(c.system_out));
      }
      cases += inner.empty() ? "/>\n" : ">\n" + inner + "    </testcase>\n";
    }
    body += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"{:.6f}\"{}>\n{}  </testsuite>\n",
        xml_escape(suite.name), suite.cases.size(), f, e, s, t,
        suite.file.empty() ? "" : fmt::format(" file=\"{}\"", xml_escape(suite.file)), cases);
    tests += suite.cases.size();
    failures += f;
    errors += e;
    skipped += s;
    seconds += t;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\" tests=\"{}\" "
      "failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.6f}\">\n{}</testsuites>\n",
      xml_escape(name), tests, failures, errors, skipped, seconds, body);
}

}  // namespace flowgate
