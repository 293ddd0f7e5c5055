// render_report_html: a Report → one HTML page. Inline CSS, the data map as inline SVG, no script
// and no external reference, so the file opens anywhere and prints (A4 landscape). Every text
// from the policy goes through xml_escape.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "analysis/junit.h"
#include "gate/report.h"

namespace flowgate {
namespace {

std::string esc(std::string_view text) {
  return xml_escape(std::string(text));
}

std::string rule_anchor(size_t index) {
  return fmt::format("rule-{}", index);
}

std::string where(const SourceLocation& l) {
  return l.file.empty() ? std::string() : fmt::format("{}:{}:{}", l.file, l.line, l.column);
}

std::string sections(const std::vector<std::string>& citations) {
  return esc(fmt::to_string(fmt::join(citations, ", ")));
}

std::string code_list(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids)
    out += fmt::format("{}<code>{}</code>", out.empty() ? "" : ", ", esc(id));
  return out;
}

constexpr std::string_view kStyle = R"css(
:root { --allow: #cdeccd; --obligations: #fff1b8; --deny: #f6c6c6; --ink: #1d1d1f; --mute: #5f6368; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 36px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
small, .mute { color: var(--mute); }
code { font: 12px ui-monospace, Menlo, Consolas, monospace; }
blockquote { margin: 4px 0 4px 0; padding: 4px 10px; border-left: 3px solid #999;
             background: #f6f6f6; font-style: italic; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left; }
thead th { background: #f0f0f0; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.figures div { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 150px; }
.figures b { display: block; font-size: 20px; }
table.matrix td { text-align: center; min-width: 84px; }
table.matrix td a { color: var(--ink); text-decoration: none; display: block; }
td.allow, .key.allow { background: var(--allow); }
td.obligations, .key.obligations { background: var(--obligations); }
td.deny, .key.deny { background: var(--deny); }
td.empty { background: repeating-linear-gradient(45deg, #fff, #fff 4px, #eee 4px, #eee 8px); }
td.signal { outline: 2px dashed #b35c00; outline-offset: -3px; }
.key { display: inline-block; padding: 1px 8px; border: 1px solid #bbb; border-radius: 3px; }
.rule, .finding { border: 1px solid #ddd; border-radius: 6px; padding: 6px 12px; margin: 8px 0; }
.rule:target, .finding:target { outline: 3px solid #4a7bd0; }
.effect { font-size: 12px; border-radius: 3px; padding: 0 6px; border: 1px solid #bbb; }
.effect.deny { background: var(--deny); } .effect.allow { background: var(--allow); }
.effect.oblige, .effect.basis, .effect.require_basis { background: var(--obligations); }
.sev-error { color: #b00020; font-weight: 600; } .sev-warning { color: #9a5b00; font-weight: 600; }
.map svg { max-width: 100%; height: auto; }
nav ol { columns: 2; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  h2 { break-before: page; }
  tr, .rule, .finding, blockquote { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
)css";

void render_header(const Report& r, std::string_view generator, std::string& out) {
  size_t cells = r.cells(MatrixVerdict::kAllow) + r.cells(MatrixVerdict::kObligations) +
                 r.cells(MatrixVerdict::kDeny);
  const auto& c = r.coverage;
  out += fmt::format(
      "<header>\n<h1>{} {}: privacy report</h1>\n<p class=\"mute\">The law and the policy as of "
      "{}. Written by {}; every verdict below is the policy engine's, and every one names the "
      "rule and the sentence that decide it.</p>\n",
      esc(r.policy_name), esc(r.policy_version), format_date(r.as_of), esc(generator));
  out += "<div class=\"figures\">\n";
  out += fmt::format(
      "<div><b>{} × {}</b>data items × subject classes</div>\n"
      "<div><b>{} / {} / {}</b>cells allowed / with obligations / denied (of {})</div>\n",
      r.matrix.size(), r.subjects.size(), r.cells(MatrixVerdict::kAllow),
      r.cells(MatrixVerdict::kObligations), r.cells(MatrixVerdict::kDeny), cells);
  out += fmt::format("<div><b>{} new</b>lint findings; {} reviewed in the baseline</div>\n",
                     r.lint.failing, r.lint.baselined);
  out += fmt::format("<div><b>{} of {}</b>sentences accounted for ({} quoted, {} listed)</div>\n",
                     c.quoted + c.listed, c.sentences.size(), c.quoted, c.listed);
  out += "</div>\n";
  out +=
      "<nav><ol>\n<li><a href=\"#matrix-section\">Who may receive what: data × subject "
      "classes</a></li>\n<li><a href=\"#rules\">The rules that decide</a></li>\n"
      "<li><a href=\"#map\">Data map</a></li>\n<li><a href=\"#lint\">Lint findings</a></li>\n"
      "<li><a href=\"#rights\">Rights per region</a></li>\n"
      "<li><a href=\"#retention\">Retention schedule</a></li>\n"
      "<li><a href=\"#coverage\">Coverage of the policy text</a></li>\n</ol></nav>\n</header>\n";
}

std::string cell_title(const MatrixCell& cell) {
  const Query& q = cell.query;
  std::string flow = q.action == Action::kCollect
                         ? fmt::format("collect {} for {}", q.data, q.purpose)
                         : fmt::format("transmit {} for {} to {} in {}", q.data, q.purpose,
                                       q.recipient, q.destination);
  return fmt::format("{}: {}", flow, cell.decision.reason);
}

void render_matrix(const Report& r, std::string& out) {
  out += fmt::format(
      "<section id=\"matrix-section\">\n<h2>1. Who may receive what</h2>\n"
      "<p>Each row is an item of the data inventory, each column a class of data subject. A cell "
      "is the strictest decision over the item's flows (collection on the device, and each "
      "transmission to a recipient and a destination) for that subject on {}: "
      "<span class=\"key allow\">allow</span> <span class=\"key obligations\">allow with "
      "obligations</span> <span class=\"key deny\">deny</span>; a dashed border marks a deny that "
      "the subject's consent to the purpose (or a feature in use) would lift. The cell links to "
      "the rule that decides it and its quoted sentence; hover for the flow and the reason.</p>\n",
      format_date(r.as_of));
  out += "<table id=\"matrix\" class=\"matrix\">\n<thead><tr><th>data item</th>";
  for (const auto& s : r.subjects) {
    std::string detail = fmt::format("{}{}{}", s.subject.region,
                                     s.subject.age ? fmt::format(", {}", *s.subject.age) : "",
                                     s.subject.gpc ? ", GPC" : "");
    out += fmt::format("<th scope=\"col\" title=\"{}\">{}<br><small>{}</small></th>", esc(s.basis),
                       esc(s.subject.name), esc(detail));
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : r.matrix) {
    size_t flows = row.cells.empty() ? 0 : row.cells.front().flows;
    out +=
        fmt::format("<tr><th scope=\"row\"><code>{}</code><br><small>{} · {} flow{}</small></th>",
                    esc(row.data), esc(row.item), flows, flows == 1 ? "" : "s");
    for (const auto& cell : row.cells) {
      if (cell.flows == 0) {
        out += "<td class=\"empty\">no flow</td>";
        continue;
      }
      const char* verdict = matrix_verdict_name(cell.verdict);
      std::string first_rule = cell.decision.rules.empty() ? "" : cell.decision.rules.front();
      std::string label = verdict;
      if (cell.verdict == MatrixVerdict::kDeny && cell.flows > 1) {
        label = fmt::format("deny {}/{}", cell.denied, cell.flows);
      }
      out += fmt::format(
          "<td class=\"cell {}{}\" data-verdict=\"{}\" data-query=\"{}\" data-rules=\"{}\"{}>"
          "<a href=\"#{}\" title=\"{}\">{}<br><small>{}</small></a></td>",
          verdict, cell.allowed_with_signal ? " signal" : "", verdict,
          esc(query_json_text(cell.query)),
          esc(fmt::to_string(fmt::join(cell.decision.rules, " "))),
          cell.allowed_with_signal
              ? fmt::format(" data-signal-query=\"{}\"", esc(query_json_text(cell.signal_query)))
              : "",
          rule_anchor(r.rule_index(first_rule)), esc(cell_title(cell)), esc(label),
          esc(first_rule));
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n<h3>The subject classes</h3>\n<dl>\n";
  for (const auto& s : r.subjects) {
    out += fmt::format("<dt>{}</dt><dd>{}", esc(s.subject.name), esc(s.basis));
    if (s.members.size() > 1) {
      out += fmt::format("; stands for {} regions: {}", s.members.size(),
                         esc(fmt::to_string(fmt::join(s.members, " "))));
    }
    out += "</dd>\n";
  }
  out += "</dl>\n</section>\n";
}

void render_rules(const Report& r, std::string& out) {
  out +=
      "<section id=\"rules\">\n<h2>2. The rules that decide</h2>\n<p>Every rule a cell's "
      "decision names, in the order the engine reads them, with the sentence it encodes.</p>\n";
  for (size_t i = 0; i < r.rules.size(); ++i) {
    const DecidingRule& d = r.rules[i];
    const char* effect = d.rule ? effect_name(d.rule->effect) : "deny";
    out += fmt::format(
        "<article class=\"rule\" id=\"{}\"><h3><code>{}</code> <span class=\"effect {}\">{}</span> "
        "<small>{}</small></h3>\n",
        rule_anchor(i), esc(d.id), effect, effect, sections(d.citations));
    if (d.rule) {
      if (!d.rule->quote.empty())
        out += fmt::format("<blockquote>{}</blockquote>\n", esc(d.rule->quote));
      std::string law;
      if (d.rule->statute) {
        law = fmt::format(" · {} {}", esc(d.rule->statute->law), esc(d.rule->statute->section));
      }
      if (!d.rule->derived_from.empty()) {
        law += fmt::format(" · derived from {}", code_list(d.rule->derived_from));
      }
      out += fmt::format("<p class=\"mute\">{}{} · decides {} cell{}</p>",
                         esc(where(d.rule->location)), law, d.cells, d.cells == 1 ? "" : "s");
      if (!d.rule->note.empty()) out += fmt::format("<p>{}</p>", esc(d.rule->note));
    } else {
      out += fmt::format("<p>The engine's own rule: {} · decides {} cell{}</p>", esc(d.reason),
                         d.cells, d.cells == 1 ? "" : "s");
    }
    out += "</article>\n";
  }
  out += "</section>\n";
}

void render_map(const Report& r, std::string_view svg, std::string& out) {
  out +=
      "<section id=\"map\">\n<h2>3. Data map</h2>\n<p>Data items → the app → recipients → "
      "destinations, from the inventory; an edge is green when every subject class may use it, "
      "orange when the runtime check decides, red when it is forbidden for every class.</p>\n";
  if (svg.empty()) {
    out +=
        "<p class=\"mute\">Graphviz <code>dot</code> was not available when this report was "
        "written, so the drawing is missing; the paths below say the same.</p>\n";
  } else {
    out += "<div class=\"map\">\n";
    out += svg;
    out += "\n</div>\n";
  }
  out += fmt::format(
      "<h3>Paths ({}{})</h3>\n<table>\n<thead><tr><th>path</th><th>purpose</th>"
      "<th>verdict</th><th>why</th></tr></thead>\n<tbody>\n",
      r.graph.paths.size(), r.graph.truncated ? ", truncated" : "");
  for (const auto& p : r.graph.paths) {
    out += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                       esc(r.graph.describe(p)), esc(p.purpose), path_verdict_name(p.verdict),
                       esc(p.why));
  }
  out += "</tbody>\n</table>\n</section>\n";
}

void render_finding(const Finding& f, std::string& out) {
  out += fmt::format(
      "<article class=\"finding\"><h3><span class=\"sev-{0}\">{0}</span> <code>{1}</code> "
      "<small>{2} {3}</small></h3>\n<p>{4}</p>\n",
      severity_name(f.severity), esc(f.code), esc(where(f.location)), sections(f.citations),
      esc(f.message));
  if (!f.quote.empty()) out += fmt::format("<blockquote>{}</blockquote>\n", esc(f.quote));
  for (const auto& rel : f.related) {
    if (rel.quote.empty() || lint_group(f) != LintGroup::kNew) continue;
    out +=
        fmt::format("<p class=\"mute\">{} <code>{}</code> ({}) {}</p><blockquote>{}</blockquote>\n",
                    esc(rel.role), esc(rel.id), esc(where(rel.location)), sections(rel.citations),
                    esc(rel.quote));
  }
  if (!f.help.empty()) out += fmt::format("<p><b>Fix:</b> {}</p>\n", esc(f.help));
  if (f.baselined)
    out += fmt::format("<p class=\"mute\">Reviewed: {}</p>\n", esc(f.baseline_reason));
  out += "</article>\n";
}

void render_lint(const Report& r, std::string& out) {
  out += fmt::format(
      "<section id=\"lint\">\n<h2>4. Lint findings</h2>\n<p>{} findings: {} new at warning or "
      "above, {} reviewed in the baseline, the rest notes{}. New findings come with the "
      "statements they concern; the others with their own quote.</p>\n",
      r.lint.total, r.lint.failing, r.lint.baselined,
      r.lint.stale.empty() ? "" : fmt::format("; {} stale baseline entries", r.lint.stale.size()));
  constexpr std::pair<LintGroup, const char*> kGroups[] = {
      {LintGroup::kNew, "New"},
      {LintGroup::kReviewed, "Reviewed (in the baseline)"},
      {LintGroup::kNote, "Notes"}};
  for (const auto& [group, heading] : kGroups) {
    std::map<std::string, size_t> per_code;
    for (const auto& f : r.findings) per_code[f.code] += lint_group(f) == group;
    std::string counts;
    for (const auto& [code, n] : per_code) {
      if (n > 0)
        counts += fmt::format("{}<code>{}</code> {}", counts.empty() ? "" : ", ", esc(code), n);
    }
    if (counts.empty()) continue;
    out += fmt::format("<h3>{}</h3>\n<p>{}</p>\n", heading, counts);
    for (const auto& f : r.findings) {
      if (lint_group(f) == group) render_finding(f, out);
    }
  }
  out += "</section>\n";
}

void render_rights(const Report& r, std::string& out) {
  out +=
      "<section id=\"rights\">\n<h2>5. Rights per region</h2>\n<p>Whether a subject may make "
      "each request, the deadline to answer and its extension, the policy's sections, and the "
      "law (numbered below the table).</p>\n<table>\n<thead><tr><th>right</th>";
  for (const auto& row : r.rights) out += fmt::format("<th>{}</th>", esc(row.region));
  out += "</tr></thead>\n<tbody>\n";
  // Each region's sources, numbered once in order of first use.
  std::vector<std::vector<std::string>> laws(r.rights.size());
  auto law_number = [&](size_t region, const std::string& source) {
    auto& list = laws[region];
    auto it = std::find(list.begin(), list.end(), source);
    if (it == list.end()) it = list.insert(list.end(), source);
    return static_cast<size_t>(it - list.begin()) + 1;
  };
  size_t rights = r.rights.empty() ? 0 : r.rights.front().answers.size();
  for (size_t k = 0; k < rights; ++k) {
    out += fmt::format("<tr><th scope=\"row\"><code>{}</code></th>",
                       esc(r.rights.front().answers[k].request));
    for (size_t g = 0; g < r.rights.size(); ++g) {
      const RightsAnswer& a = r.rights[g].answers[k];
      std::string deadline;
      if (a.available && a.deadline) {
        deadline = describe_duration(*a.deadline);
        if (a.extension) deadline += fmt::format(" (+{})", describe_duration(*a.extension));
      }
      std::string law;
      for (const auto& source : a.sources) {
        size_t n = law_number(g, source);
        law +=
            fmt::format("{}<a href=\"#law-{}-{}\">{}</a>",
                        law.empty() ? (a.citations.empty() ? "law " : " · law ") : ", ", g, n, n);
      }
      out += fmt::format("<td class=\"{}\" title=\"{}\">{}{}<br><small>{}{}</small></td>",
                         a.available ? "allow" : "deny", esc(a.reason), a.available ? "yes" : "no",
                         deadline.empty() ? "" : fmt::format(", {}", esc(deadline)),
                         sections(a.citations), law);
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n<h3>The law cited</h3>\n";
  for (size_t g = 0; g < r.rights.size(); ++g) {
    if (laws[g].empty()) continue;
    out += fmt::format("<p><b>{}</b></p>\n<ol class=\"law\">\n", esc(r.rights[g].region));
    for (size_t n = 0; n < laws[g].size(); ++n) {
      out +=
          fmt::format("<li id=\"law-{}-{}\"><small>{}</small></li>\n", g, n + 1, esc(laws[g][n]));
    }
    out += "</ol>\n";
  }
  out += "</section>\n";
}

void render_retention(const Report& r, std::string& out) {
  out +=
      "<section id=\"retention\">\n<h2>6. Retention schedule</h2>\n<table>\n<thead><tr>"
      "<th>entry</th><th>data</th><th>on</th><th>outcome</th><th>within</th><th>except when</th>"
      "<th>sentence</th></tr></thead>\n<tbody>\n";
  for (const RetentionEntry* e : r.retention) {
    std::vector<std::string> data;
    if (e->data.any) data.push_back("any");
    for (const auto& id : e->data.ids) data.push_back(id.id);
    std::vector<std::string> except;
    for (const auto& id : e->except_when) except.push_back(id.id);
    std::vector<std::string> cited;
    for (const auto& c : e->citations) cited.push_back(c.section);
    out += fmt::format(
        "<tr><td><code>{}</code><br><small>{}</small></td><td>{}</td><td><code>{}</code></td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}<blockquote>{}</blockquote></td></tr>\n",
        esc(e->id), esc(where(e->location)), code_list(data), esc(e->event.id),
        retention_outcome_name(e->outcome), e->period ? esc(describe_period(*e->period)) : "—",
        code_list(except), sections(cited), esc(e->quote));
  }
  out += "</tbody>\n</table>\n";
  // GDPR Art. 30(1)(f): the time limit for erasure of each category the app holds.
  out +=
      "<h3>Retention periods by data (GDPR Art. 30(1)(f))</h3>\n<table>\n<thead><tr>"
      "<th>inventory item</th><th>data</th><th>period</th><th>source</th></tr></thead>\n"
      "<tbody>\n";
  for (const auto& [item, p] : r.periods) {
    std::string source = p.period ? p.period->source : "";
    if (p.entry) source = "retention entry " + p.entry->id + (source.empty() ? "" : ": " + source);
    out += fmt::format(
        "<tr><td><code>{}</code><br><small>{}</small></td><td><code>{}</code></td>"
        "<td>{}</td><td>{}</td></tr>\n",
        esc(item->id), esc(where(p.period ? p.period->location : item->location)),
        esc(item->data.id), p.period ? esc(describe_period(*p.period)) : "<em>not stated</em>",
        esc(source));
  }
  out += "</tbody>\n</table>\n</section>\n";
}

void render_coverage(const Report& r, std::string& out) {
  const auto& c = r.coverage;
  out += fmt::format(
      "<section id=\"coverage\">\n<h2>7. Coverage of the policy text</h2>\n<p>{} sentences of "
      "<code>{}</code>: {} quoted by a statement, {} listed as not encoded (with a reason), {} "
      "unaccounted for.</p>\n",
      c.sentences.size(), esc(c.text_path), c.quoted, c.listed, c.unaccounted);
  out +=
      "<table>\n<thead><tr><th>section</th><th>sentences</th><th>quoted</th><th>listed</th>"
      "<th>unaccounted</th></tr></thead>\n<tbody>\n";
  for (const auto& s : r.coverage_by_section) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td></tr>\n",
                       esc(s.section), s.sentences, s.quoted, s.listed,
                       s.unaccounted > 0 ? " class=\"deny\"" : "", s.unaccounted);
  }
  out += "</tbody>\n</table>\n";
  if (c.unaccounted > 0) {
    out += "<h3>Unaccounted sentences</h3>\n";
    for (const auto& s : c.sentences) {
      if (s.accounted()) continue;
      out += fmt::format("<p class=\"mute\">{}:{}:{} {}</p><blockquote>{}</blockquote>\n",
                         esc(c.text_path), s.sentence.line, s.sentence.column,
                         esc(s.sentence.section), esc(s.sentence.text));
    }
  }
  out += "</section>\n";
}

}  // namespace

std::string render_report_html(const Report& r, std::string_view svg, std::string_view generator) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n"
      "<title>{} {}: privacy report as of {}</title>\n<style>{}</style>\n</head>\n<body>\n",
      esc(r.policy_name), esc(r.policy_version), format_date(r.as_of), kStyle);
  render_header(r, generator, out);
  render_matrix(r, out);
  render_rules(r, out);
  render_map(r, svg, out);
  render_lint(r, out);
  render_rights(r, out);
  render_retention(r, out);
  render_coverage(r, out);
  out += fmt::format("<footer><p class=\"mute\">{} · as of {}</p></footer>\n</body>\n</html>\n",
                     esc(generator), format_date(r.as_of));
  return out;
}

}  // namespace flowgate
