// `flowgate coverage [DIR]`: every sentence of the policy text accounted for — quoted by a
// statement, or listed in rules/unencoded.yaml with the reason nothing encodes it
// (engine/analysis/coverage.h). Text (the unaccounted sentences, then one count line) or JSON.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "analysis/coverage.h"
#include "commands.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"

namespace flowgate::cli {
namespace {

using nlohmann::ordered_json;

constexpr std::string_view kFix =
    "quote it from a rule, or list it in rules/unencoded.yaml with a reason";

struct CoverageOptions {
  std::string dir;
  std::string format = "text";
  bool verbose = false;
};

// At most `limit` characters (not bytes) of `text`, with "…" when cut.
std::string shorten(std::string_view text, size_t limit) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars++ == limit - 1) return std::string(text.substr(0, i)) + "…";
  }
  return std::string(text);
}

std::string where(const SourceLocation& location) {
  return fmt::format("{}:{}", location.file, location.line);
}

std::string quoted_by_text(const QuotedBy& q) {
  return fmt::format("{} {} ({})", q.kind, q.id, where(q.location));
}

std::string count_line(const CoverageReport& r) {
  std::string reasons;
  for (auto reason : kUnencodedReasons) {
    auto it = r.listed_by_reason.find(std::string(reason));
    if (it == r.listed_by_reason.end()) continue;
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", it->second, reason);
  }
  return fmt::format(
      "{} sentences: {} quoted by statements, {} listed as unencoded{}, {} unaccounted\n",
      r.sentences.size(), r.quoted, r.listed, reasons.empty() ? "" : " (" + reasons + ")",
      r.unaccounted);
}

std::string coverage_text(const CoverageReport& r, bool verbose) {
  std::string out;
  auto location = [&](const Sentence& s) {
    return fmt::format("{}:{}:{}", r.text_path, s.line, s.column);
  };
  for (const auto& s : r.sentences) {
    if (s.accounted()) continue;
    out += fmt::format("{}: {}: \"{}\"\n  = fix: {}\n", location(s.sentence), s.sentence.section,
                       shorten(s.sentence.text, 100), kFix);
  }
  if (verbose) {
    if (!out.empty()) out += "\n";
    for (const auto& s : r.sentences) {
      out += fmt::format("{} {} [{}] \"{}\"\n", location(s.sentence), s.sentence.section,
                         sentence_kind_name(s.sentence.kind), shorten(s.sentence.text, 100));
      for (const auto& q : s.quoted_by) out += fmt::format("    quoted by {}\n", quoted_by_text(q));
      if (s.unencoded) {
        out += fmt::format("    listed as unencoded: {} ({})\n", s.unencoded->reason,
                           where(s.unencoded->location));
      }
      if (!s.accounted()) out += "    unaccounted\n";
    }
    out += "\n";
  }
  for (const auto& stale : r.stale) {
    std::string by;
    for (const auto& q : stale.quoted_by) by += (by.empty() ? "" : ", ") + quoted_by_text(q);
    out += fmt::format(
        "{}:{}:{}: warning: stale listing: \"{}\" is quoted by {}\n  = fix: remove it from "
        "rules/unencoded.yaml, or keep only the part no statement quotes\n",
        stale.entry->location.file, stale.entry->location.line, stale.entry->location.column,
        shorten(stale.entry->quote, 60), by);
  }
  return out + count_line(r);
}

ordered_json quoted_by_json(const QuotedBy& q) {
  return {{"kind", q.kind}, {"id", q.id}, {"file", q.location.file}, {"line", q.location.line}};
}

ordered_json coverage_json(const CoverageReport& r) {
  ordered_json j;
  j["text"] = r.text_path;
  j["sentences"] = ordered_json::array();
  for (const auto& s : r.sentences) {
    ordered_json item;
    item["section"] = s.sentence.section;
    item["line"] = s.sentence.line;
    item["col"] = s.sentence.column;
    item["kind"] = sentence_kind_name(s.sentence.kind);
    item["text"] = s.sentence.text;
    item["quoted_by"] = ordered_json::array();
    for (const auto& q : s.quoted_by) item["quoted_by"].push_back(quoted_by_json(q));
    if (s.unencoded) {
      item["unencoded"] = {{"reason", s.unencoded->reason},
                           {"note", s.unencoded->note},
                           {"file", s.unencoded->location.file},
                           {"line", s.unencoded->location.line}};
    } else {
      item["unencoded"] = nullptr;
    }
    item["accounted"] = s.accounted();
    j["sentences"].push_back(std::move(item));
  }
  j["stale"] = ordered_json::array();
  for (const auto& stale : r.stale) {
    ordered_json item;
    item["quote"] = stale.entry->quote;
    item["reason"] = stale.entry->reason;
    item["file"] = stale.entry->location.file;
    item["line"] = stale.entry->location.line;
    item["col"] = stale.entry->location.column;
    item["quoted_by"] = ordered_json::array();
    for (const auto& q : stale.quoted_by) item["quoted_by"].push_back(quoted_by_json(q));
    j["stale"].push_back(std::move(item));
  }
  ordered_json by_reason = ordered_json::object();
  for (auto reason : kUnencodedReasons) {
    auto it = r.listed_by_reason.find(std::string(reason));
    by_reason[std::string(reason)] = it == r.listed_by_reason.end() ? 0 : it->second;
  }
  j["summary"] = {
      {"sentences", r.sentences.size()}, {"quoted", r.quoted},           {"listed", r.listed},
      {"listed_by_reason", by_reason},   {"unaccounted", r.unaccounted}, {"stale", r.stale.size()}};
  return j;
}

int run_coverage(const CoverageOptions& o) {
  auto policy = load_checked_policy(o.dir, "coverage is not computed");
  if (!policy) return kExitInputError;
  CoverageReport report = compute_coverage(*policy);
  if (o.format == "json") {
    fmt::print("{}\n",
               coverage_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{}", coverage_text(report, o.verbose));
  }
  return report.unaccounted > 0 ? kExitFindings : kExitClean;
}

}  // namespace

void add_coverage_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<CoverageOptions>();
  CLI::App* c = app.add_subcommand(
      "coverage",
      "Account for every sentence of the policy: quoted by a statement, or listed "
      "as unencoded");
  c->footer(
      "Splits the policy text into sentences (headings, bullet lines and table rows are their\n"
      "own) and finds, for each, the rules, retention and rights entries and vocabulary terms\n"
      "whose quotes overlap it. A sentence no statement quotes must be listed in\n"
      "rules/unencoded.yaml with its reason (organisational, notice, definition, heading,\n"
      "contact, other). Listings a statement now quotes are reported as stale (a warning).\n"
      "Exit status: 0 every sentence accounted for, 1 some are not, 2 a broken policy.\n"
      "Examples:\n"
      "  flowgate coverage                    # the unaccounted sentences and the count\n"
      "  flowgate coverage --verbose          # every sentence with what quotes it\n"
      "  flowgate coverage ./policy --format json");
  c->add_option("dir", o->dir,
                "Policy folder (holding rules/ and jurisdictions/); default: found from the "
                "working directory upward, else the source tree");
  c->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  c->add_flag("--verbose", o->verbose, "List every sentence with what quotes or lists it");
  c->callback([o, &exit_code] { exit_code = run_coverage(*o); });
}

}  // namespace flowgate::cli
