// Renderings of lint findings: text for people (grouped by kind, with the quoted sentences), JSON,
// SARIF 2.1.0 for code-scanning tools, JUnit XML for CI test reports.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "analysis/junit.h"
#include "analysis/lint_findings.h"
#include "analysis/sarif.h"

namespace flowgate {
namespace {

using nlohmann::ordered_json;

struct CodeInfo {
  const char* code;
  FindingKind kind;
  Severity level;  // the default level
  const char* description;
};

// Every code lint reports (the SARIF rules, the JUnit testcases), in report order.
constexpr CodeInfo kCodes[] = {
    {"contradiction", FindingKind::kContradiction, Severity::kWarning,
     "An allow and a deny cover the same flows; the deny wins (PolicyLint C1-C5/N1-N4)."},
    {"narrowing", FindingKind::kContradiction, Severity::kNote,
     "A deny on a signal, an age or a destination narrows allows for some flows."},
    {"condition-escape", FindingKind::kContradiction, Severity::kWarning,
     "An allow would send data the policy collects only under a condition (a feature, a consent, "
     "an age) without that condition; the condition travels with the data, so it is denied."},
    {"law-narrows-policy", FindingKind::kContradiction, Severity::kNote,
     "A statute in force forbids, for some subjects, what the policy's rules allow; the law wins."},
    {"dead-rule", FindingKind::kDeadRule, Severity::kWarning, "A rule matches no flow at all."},
    {"shadowed-rule", FindingKind::kDeadRule, Severity::kWarning,
     "A rule changes no decision anywhere: other rules decide every flow it matches."},
    {"inventory-flow-denied", FindingKind::kGap, Severity::kWarning,
     "A flow the data inventory declares is denied by the rules for some subjects."},
    {"missing-legal-basis", FindingKind::kGap, Severity::kWarning,
     "An allowed purpose has no legal basis where the jurisdiction requires one."},
    {"disclosure-mismatch", FindingKind::kGap, Severity::kWarning,
     "A recipient, or data for it, is named in one disclosure section and missing from another."},
    {"law-contradicts-policy", FindingKind::kGap, Severity::kWarning,
     "The policy excludes a right that the law in force grants."},
    {"undefined-text-term", FindingKind::kGap, Severity::kWarning,
     "The policy text names a category, recipient, purpose, legal basis or right that no "
     "vocabulary term defines."},
    {"unused-term", FindingKind::kHygiene, Severity::kNote, "A vocabulary term nothing uses."},
    {"missing-quote", FindingKind::kHygiene, Severity::kWarning,
     "A statement without the sentence of the policy it encodes."},
    {"unsourced-fact", FindingKind::kHygiene, Severity::kWarning, "A legal fact without a source."},
    {"unverified-fact", FindingKind::kHygiene, Severity::kNote,
     "A jurisdiction's notes say some of its facts were not verified."},
    {"unused-fact", FindingKind::kHygiene, Severity::kNote,
     "A recorded legal fact (an amendment, a region group) that no rule or rights entry reads."},
};

const char* sarif_level(Severity s) {
  return s == Severity::kError ? "error" : s == Severity::kWarning ? "warning" : "note";
}

std::string location_text(const SourceLocation& l) {
  if (l.file.empty()) return "(policy)";
  if (l.line == 0) return l.file;
  if (l.column == 0) return fmt::format("{}:{}", l.file, l.line);
  return fmt::format("{}:{}:{}", l.file, l.line, l.column);
}

std::string sections(const std::vector<std::string>& citations) {
  std::string out;
  for (const auto& c : citations) out += (out.empty() ? "" : ", ") + c;
  return out;
}

// One line of a quote, shortened for the terminal.
std::string short_quote(const std::string& quote) {
  std::string flat;
  for (char c : quote) flat += (c == '\n') ? ' ' : c;
  if (flat.size() <= 160) return flat;
  size_t cut = 157;
  while (cut > 0 && (static_cast<unsigned char>(flat[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return flat.substr(0, cut) + "...";
}

ordered_json location_json(const SourceLocation& l) {
  return {{"file", l.file}, {"line", l.line}, {"column", l.column}};
}

}  // namespace

std::string render_lint_text(const std::vector<Finding>& findings, const LintSummary& summary,
                             Severity threshold, bool color) {
  auto paint = [&](const char* ansi, const std::string& s) {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", ansi, s) : s;
  };
  std::string out;
  for (FindingKind kind : {FindingKind::kContradiction, FindingKind::kDeadRule, FindingKind::kGap,
                           FindingKind::kHygiene}) {
    size_t count = 0;
    for (const auto& f : findings) count += f.kind == kind;
    if (count == 0) continue;
    out += paint("1", fmt::format("== {} ({}) ==", finding_kind_name(kind), count)) + "\n\n";
    for (const auto& f : findings) {
      if (f.kind != kind) continue;
      const char* level = severity_name(f.severity);
      std::string tag =
          fmt::format("{}[{}{}]", level, f.code, f.taxonomy.empty() ? "" : " " + f.taxonomy);
      out += fmt::format("{}: {}: {}\n", location_text(f.location),
                         paint(f.severity == Severity::kError     ? "31;1"
                               : f.severity == Severity::kWarning ? "33;1"
                                                                  : "36;1",
                               tag),
                         f.message);
      if (!f.quote.empty()) {
        out += fmt::format("   {} ({}): \"{}\"\n", f.subject, sections(f.citations),
                           short_quote(f.quote));
      }
      for (const auto& r : f.related) {
        out += fmt::format("   {} {} ({}) at {}{}\n", r.role, r.id, sections(r.citations),
                           location_text(r.location),
                           r.quote.empty() ? "" : ": \"" + short_quote(r.quote) + "\"");
      }
      for (const auto& flow : f.flows) out += fmt::format("   flow: {}\n", flow);
      if (!f.help.empty()) out += fmt::format("   = help: {}\n", f.help);
      if (f.baselined) {
        out += fmt::format("   = baselined: {}\n", f.baseline_reason);
      } else if (at_or_above(f.severity, threshold)) {
        out += paint("1", "   = new: not in the reviewed baseline") + "\n";
      }
      out += "\n";
    }
  }
  size_t errors = 0, warnings = 0, notes = 0;
  for (const auto& f : findings) {
    (f.severity == Severity::kError     ? errors
     : f.severity == Severity::kWarning ? warnings
                                        : notes)++;
  }
  out += fmt::format(
      "{} findings ({} errors, {} warnings, {} notes); {} at or above {}: {} baselined, {} new\n",
      summary.total, errors, warnings, notes, summary.failing + summary.baselined,
      severity_name(threshold), summary.baselined, summary.failing);
  if (summary.todo > 0) {
    out +=
        fmt::format("{} baseline entries still say \"{}\": give each its reviewed reason in {}\n",
                    summary.todo, kBaselineTodo, kBaselineFile);
  }
  for (const auto& e : summary.stale) {
    out += fmt::format("{}:{}: stale baseline entry '{}': no such finding any more\n",
                       kBaselineFile, e.line, e.fingerprint);
  }
  return out;
}

std::string render_lint_json(const std::vector<Finding>& findings, const LintSummary& summary) {
  ordered_json list = ordered_json::array();
  for (const auto& f : findings) {
    ordered_json j;
    j["code"] = f.code;
    j["kind"] = finding_kind_name(f.kind);
    j["severity"] = severity_name(f.severity);
    j["subject"] = f.subject;
    j["location"] = location_json(f.location);
    j["citations"] = f.citations;
    j["quote"] = f.quote;
    j["message"] = f.message;
    j["help"] = f.help;
    j["taxonomy"] = f.taxonomy.empty() ? ordered_json(nullptr) : ordered_json(f.taxonomy);
    j["flows"] = f.flows;
    ordered_json related = ordered_json::array();
    for (const auto& r : f.related) {
      related.push_back({{"id", r.id},
                         {"role", r.role},
                         {"location", location_json(r.location)},
                         {"citations", r.citations},
                         {"quote", r.quote}});
    }
    j["related"] = related;
    j["fingerprint"] = f.fingerprint;
    j["baselined"] = f.baselined;
    j["baseline_reason"] = f.baselined ? ordered_json(f.baseline_reason) : ordered_json(nullptr);
    list.push_back(std::move(j));
  }
  ordered_json stale = ordered_json::array();
  for (const auto& e : summary.stale) stale.push_back(e.fingerprint);
  ordered_json out;
  out["findings"] = list;
  out["summary"] = {{"total", summary.total},
                    {"failing", summary.failing},
                    {"baselined", summary.baselined},
                    {"todo", summary.todo},
                    {"stale_baseline_entries", stale}};
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_lint_sarif(const std::vector<Finding>& findings, const std::string& version,
                              const std::string& policy_root) {
  SarifRun run;
  run.tool_version = version;
  run.source_root = policy_root;
  for (const auto& c : kCodes) {
    run.rules.push_back({c.code, "", c.description, "", sarif_level(c.level)});
  }
  auto location = [](const SourceLocation& l, std::string message) {
    return SarifLocation{l.file.empty() ? std::string("rules") : l.file, l.line, l.column,
                         std::move(message)};
  };
  for (const auto& f : findings) {
    SarifResult r;
    r.rule_id = f.code;
    r.level = sarif_level(f.severity);
    r.message = f.message;
    if (!f.citations.empty()) r.message += fmt::format(" [{}]", sections(f.citations));
    r.locations.push_back(location(f.location, ""));
    for (const auto& rel : f.related) {
      std::string what = fmt::format("{} {}", rel.role, rel.id);
      if (!rel.citations.empty()) what += fmt::format(" ({})", sections(rel.citations));
      if (!rel.quote.empty()) what += ": \"" + short_quote(rel.quote) + "\"";
      r.related_locations.push_back(location(rel.location, what));
    }
    r.fingerprint = f.fingerprint;
    if (f.baselined) r.suppression_justification = f.baseline_reason;
    r.properties = {{"kind", finding_kind_name(f.kind)}, {"citations", sections(f.citations)}};
    if (!f.taxonomy.empty()) r.properties.emplace_back("taxonomy", f.taxonomy);
    if (!f.flows.empty()) {
      std::string flows;
      for (const auto& flow : f.flows) flows += (flows.empty() ? "" : "; ") + flow;
      r.properties.emplace_back("flows", flows);
    }
    if (!f.quote.empty()) r.properties.emplace_back("quote", f.quote);
    run.results.push_back(std::move(r));
  }
  return write_sarif(run);
}

std::string render_lint_junit(const std::vector<Finding>& findings, Severity threshold) {
  JUnitSuite suite{"flowgate lint", "", {}};
  for (const auto& c : kCodes) {
    JUnitCase test;
    test.name = c.code;
    test.classname = fmt::format("flowgate.lint.{}", finding_kind_name(c.kind));
    size_t failing = 0;
    for (const auto& f : findings) {
      if (f.code != c.code) continue;
      std::string line = fmt::format("{}: {}: {}\n", location_text(f.location),
                                     severity_name(f.severity), f.message);
      if (at_or_above(f.severity, threshold) && !f.baselined) {
        test.details += line;
        ++failing;
      } else {
        test.system_out += (f.baselined ? "baselined (" + f.baseline_reason + "): " : "") + line;
      }
    }
    if (failing > 0) {
      test.outcome = JUnitCase::Outcome::kFailed;
      test.message = fmt::format("{} new finding{}", failing, failing == 1 ? "" : "s");
    }
    suite.cases.push_back(std::move(test));
  }
  return write_junit("flowgate lint", {suite});
}

}  // namespace flowgate
