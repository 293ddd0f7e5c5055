// Renderings of lint findings: text for people — short by default (new findings first, merged by
// cause; counts for the rest: digest_lint, render_lint_brief), every finding grouped by kind with
// its quoted sentences on request (render_lint_text) — JSON, SARIF 2.1.0 for code-scanning tools,
// JUnit XML for CI test reports.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <unordered_map>

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
    {"missing-retention-period", FindingKind::kGap, Severity::kWarning,
     "Data that leaves the device has no retention period, which the GDPR's record of "
     "processing asks for (Art. 30(1)(f))."},
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

const CodeInfo* code_info(const std::string& code) {
  for (const auto& c : kCodes) {
    if (code == c.code) return &c;
  }
  return nullptr;
}

// "a, b, c and 4 more": the first few ids of a merged finding.
std::string some_of(const std::vector<std::string>& ids, size_t shown = 6) {
  if (ids.size() <= shown + 1) return fmt::format("{}", fmt::join(ids, ", "));
  return fmt::format("{} and {} more", fmt::join(ids.begin(), ids.begin() + shown, ", "),
                     ids.size() - shown);
}

void add_unique(std::vector<std::string>& list, const std::string& id) {
  if (std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
}

std::vector<std::string> related_ids(const Finding& f) {
  std::vector<std::string> ids;
  for (const auto& r : f.related) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Two findings have one cause (FindingGroup) when they share a code and severity and either their
// subject, or — both without related statements — their help, or their related statements' ids.
// Each of those is a key: findings sharing a key are grouped, so grouping costs a look-up per
// finding, not a comparison per pair (lint of a policy of 20 apps gives thousands).
std::vector<std::string> cause_keys(const Finding& f) {
  const std::string kind = fmt::format("{}\x1f{}\x1f", f.code, severity_name(f.severity));
  std::vector<std::string> keys{kind + "subject\x1f" + f.subject};
  if (f.related.empty()) {
    keys.push_back(kind + "help\x1f" + f.help);
  } else {
    keys.push_back(kind + "related\x1f" + fmt::to_string(fmt::join(related_ids(f), "\x1f")));
  }
  return keys;
}

FindingGroup make_group(std::vector<const Finding*> members) {
  FindingGroup g;
  g.members = std::move(members);
  for (const Finding* f : g.members) {
    add_unique(g.subjects, f->subject);
    for (const auto& r : f->related) add_unique(g.related, r.id);
  }
  const Finding& front = *g.members.front();
  g.anchor_id = front.subject;
  g.anchor_location = front.location;
  g.anchor_citations = front.citations;
  g.anchor_quote = front.quote;
  if (g.subjects.size() > 1 && !front.related.empty()) {
    const RelatedStatement& cause = front.related.front();
    bool shared = std::all_of(g.members.begin(), g.members.end(), [&](const Finding* f) {
      return std::any_of(f->related.begin(), f->related.end(),
                         [&](const RelatedStatement& r) { return r.id == cause.id; });
    });
    if (shared) {
      g.anchor_id = cause.id;
      g.anchor_location = cause.location;
      g.anchor_citations = cause.citations;
      g.anchor_quote = cause.quote;
      g.anchor_is_cause = true;
    }
  }
  return g;
}

void count_code(std::vector<FindingCount>& counts, const Finding& f) {
  auto it = std::find_if(counts.begin(), counts.end(),
                         [&](const FindingCount& c) { return c.code == f.code; });
  if (it == counts.end()) {
    const CodeInfo* info = code_info(f.code);
    counts.push_back({f.code, info ? info->description : "", 0, 0});
    it = counts.end() - 1;
  }
  ++it->count;
  it->todo += f.baselined && f.baseline_reason == kBaselineTodo;
}

// The closing lines of both text reports: the totals, baseline entries to review, stale ones.
std::string summary_lines(size_t errors, size_t warnings, size_t notes, const LintSummary& summary,
                          Severity threshold, size_t stale_shown) {
  std::string out = fmt::format(
      "{} findings ({} errors, {} warnings, {} notes); {} at or above {}: {} baselined, {} new\n",
      summary.total, errors, warnings, notes, summary.failing + summary.baselined,
      severity_name(threshold), summary.baselined, summary.failing);
  if (summary.todo > 0) {
    out +=
        fmt::format("{} baseline entries still say \"{}\": give each its reviewed reason in {}\n",
                    summary.todo, kBaselineTodo, kBaselineFile);
  }
  for (size_t i = 0; i < summary.stale.size() && i < stale_shown; ++i) {
    out += fmt::format("{}:{}: stale baseline entry '{}': no such finding any more\n",
                       kBaselineFile, summary.stale[i].line, summary.stale[i].fingerprint);
  }
  if (summary.stale.size() > stale_shown) {
    out += fmt::format("{} more stale baseline entries (--verbose lists them)\n",
                       summary.stale.size() - stale_shown);
  }
  return out;
}

}  // namespace

LintDigest digest_lint(const std::vector<Finding>& findings, Severity threshold) {
  LintDigest digest;
  std::vector<const Finding*> fresh;
  for (const auto& f : findings) {
    (f.severity == Severity::kError     ? digest.errors
     : f.severity == Severity::kWarning ? digest.warnings
                                        : digest.notes)++;
    if (!at_or_above(f.severity, threshold)) {
      count_code(digest.below, f);
    } else if (f.baselined) {
      count_code(digest.baselined, f);
    } else {
      fresh.push_back(&f);
    }
  }
  digest.fresh_findings = fresh.size();
  // Union-find over the new findings; a group keeps the order of its first member.
  std::vector<size_t> parent(fresh.size());
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto root = [&](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  std::unordered_map<std::string, size_t> first_with;  // cause key → the first finding with it
  for (size_t i = 0; i < fresh.size(); ++i) {
    for (auto& key : cause_keys(*fresh[i])) {
      auto [it, fresh_key] = first_with.emplace(std::move(key), i);
      if (!fresh_key) parent[root(i)] = root(it->second);
    }
  }
  std::vector<std::vector<const Finding*>> members(fresh.size());
  for (size_t i = 0; i < fresh.size(); ++i) members[root(i)].push_back(fresh[i]);
  for (auto& m : members) {
    if (!m.empty()) digest.fresh.push_back(make_group(std::move(m)));
  }
  std::stable_sort(digest.fresh.begin(), digest.fresh.end(),
                   [&](const FindingGroup& a, const FindingGroup& b) {
                     return a.members.front() < b.members.front();  // findings' report order
                   });
  return digest;
}

std::string render_lint_brief(const LintDigest& digest, const LintSummary& summary,
                              Severity threshold, bool color) {
  auto paint = [&](const char* ansi, const std::string& s) {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", ansi, s) : s;
  };
  std::string out;
  if (!digest.fresh.empty()) {
    out += paint("1", fmt::format("== new: {} finding{} not in the reviewed baseline ==",
                                  digest.fresh_findings, digest.fresh_findings == 1 ? "" : "s")) +
           "\n";
  }
  for (const auto& g : digest.fresh) {
    const Finding& front = *g.members.front();
    const CodeInfo* info = code_info(front.code);
    bool merged = g.members.size() > 1;
    std::string tag = fmt::format("{}[{}{}]", severity_name(front.severity), front.code,
                                  front.taxonomy.empty() || merged ? "" : " " + front.taxonomy);
    if (merged) tag += fmt::format(" x{}", g.members.size());
    out += fmt::format("{}: {}: {}\n", location_text(g.anchor_location),
                       paint(front.severity == Severity::kError     ? "31;1"
                             : front.severity == Severity::kWarning ? "33;1"
                                                                    : "36;1",
                             tag),
                       merged && info ? info->description : front.message);
    if (!g.anchor_quote.empty()) {
      out += fmt::format("   {} ({}): \"{}\"\n", g.anchor_id, sections(g.anchor_citations),
                         short_quote(g.anchor_quote));
    } else if (merged) {
      out += fmt::format("   {}\n", g.anchor_id);
    }
    if (merged && g.subjects.size() > 1) {
      out += fmt::format("   {}: {}\n", g.anchor_is_cause ? "affects" : "also", some_of(g.subjects));
    } else if (merged) {
      out += fmt::format("   for: {}\n", some_of(g.related));
    }
    if (!front.help.empty()) out += fmt::format("   = fix: {}\n", front.help);
    out += "\n";
  }
  if (!digest.baselined.empty()) {
    out += fmt::format("reviewed in {} (at or above {}):\n", kBaselineFile,
                       severity_name(threshold));
    for (const auto& c : digest.baselined) {
      out += fmt::format("  {:>4} {}{}\n", c.count, c.code,
                         c.todo > 0 ? fmt::format(" ({} still \"{}\")", c.todo, kBaselineTodo)
                                    : "");
    }
  }
  if (!digest.below.empty()) {
    out += fmt::format("below {} (for information; --verbose lists them):\n",
                       severity_name(threshold));
    for (const auto& c : digest.below) out += fmt::format("  {:>4} {}\n", c.count, c.code);
  }
  out += summary_lines(digest.errors, digest.warnings, digest.notes, summary, threshold, 5);
  out += "every finding with its flows and reasons: --verbose; all of them as data: --format json\n";
  return out;
}

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
  out += summary_lines(errors, warnings, notes, summary, threshold, summary.stale.size());
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
