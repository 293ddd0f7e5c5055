// `flowgate audit`: the device's decision log (flowgate/decision_log.h), read on a copy of its
// file. verify: walk the hash chain (exit 1 naming the first broken row); query: the rows that
// match filters on time, verdict, rule and data category; export: the same rows as JSON or CSV.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "commands.h"
#include "flowgate/decision_log.h"
#include "flowgate/runtime.h"
#include "runtime/hex.h"

namespace flowgate::cli {
namespace {

struct AuditOptions {
  std::string db;
  std::string since, until, verdict, rule, data;
  std::string format = "text";
  std::string output;
  size_t limit = 0;
};

std::string iso_time(int64_t ms) {
  int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  int64_t rest = ms - days * 86400000;
  const runtime::CivilDate date = runtime::civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", date.year, date.month, date.day,
                     rest / 3600000, rest / 60000 % 60, rest / 1000 % 60, rest % 1000);
}

// YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] (UTC), or milliseconds since the epoch. A date alone means
// the start of that day, or its end when `end_of_day` (so --until 2026-11-29 includes that day).
std::optional<int64_t> parse_time(const std::string& s, bool end_of_day) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) {
    try {
      return std::stoll(s);
    } catch (...) {
      return std::nullopt;
    }
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return std::nullopt;
  if (!runtime::is_civil_date(y, mo, d)) return std::nullopt;
  int64_t day_ms = int64_t{runtime::days_from_civil(y, mo, d)} * 86400000;
  if (s.size() == 10) return end_of_day ? day_ms + 86399999 : day_ms;
  std::string rest = s.substr(10);
  if (!rest.empty() && rest.back() == 'Z') rest.pop_back();
  int m2 = 0;
  if (std::sscanf(rest.c_str(), "T%2d:%2d:%2d%n", &h, &mi, &sec, &m2) == 3 &&
      static_cast<size_t>(m2) == rest.size()) {
  } else if (std::sscanf(rest.c_str(), "T%2d:%2d%n", &h, &mi, &m2) == 2 &&
             static_cast<size_t>(m2) == rest.size()) {
    sec = 0;
  } else {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return day_ms + (int64_t{h} * 3600 + mi * 60 + sec) * 1000;
}

nlohmann::ordered_json row_json(const log::LogRow& r) {
  return {{"seq", r.seq},
          {"time", iso_time(r.time_ms)},
          {"time_ms", r.time_ms},
          {"bundle", r.bundle},
          {"action", r.action == 0 ? "collect" : "transmit"},
          {"data", r.data_id},
          {"purpose", r.purpose_id},
          {"recipient", r.recipient_id},
          {"destination", r.destination_id},
          {"region_index", r.region},
          {"age_band", std::string(log::age_band_name(static_cast<log::AgeBand>(r.age_band)))},
          {"gpc", r.gpc},
          {"ads_personalization", r.ads_personalization},
          {"consent_mask", r.consent_mask},
          {"feature_mask", r.feature_mask},
          {"decision", r.allow ? "allow" : "deny"},
          {"decision_index", r.decision},
          {"rules", r.rules},
          {"citations", r.citations},
          {"sample_every", r.sample_every},
          {"hash", runtime::to_hex(r.hash)}};
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool build_filter(const AuditOptions& o, log::LogFilter* f) {
  if (!o.since.empty()) {
    f->since_ms = parse_time(o.since, false);
    if (!f->since_ms) {
      fmt::print(stderr,
                 "flowgate: error: --since: not a time (YYYY-MM-DD[THH:MM[:SS]Z] or ms): '{}'\n",
                 o.since);
      return false;
    }
  }
  if (!o.until.empty()) {
    f->until_ms = parse_time(o.until, true);
    if (!f->until_ms) {
      fmt::print(stderr,
                 "flowgate: error: --until: not a time (YYYY-MM-DD[THH:MM[:SS]Z] or ms): '{}'\n",
                 o.until);
      return false;
    }
  }
  if (!o.verdict.empty()) f->allow = o.verdict == "allow";
  f->rule = o.rule;
  f->data = o.data;
  return true;
}

int run_verify(const AuditOptions& o) {
  log::VerifyReport report;
  runtime::Status s = log::verify_log(o.db, &report);
  if (!s.ok()) {
    fmt::print(stderr, "flowgate: error: {}\n", s.message());
    return kExitInputError;
  }
  if (o.format == "json") {
    nlohmann::ordered_json out = {
        {"db", o.db}, {"ok", report.ok}, {"rows", report.rows}, {"anchor_seq", report.anchor_seq}};
    if (report.ok) {
      out["head"] = runtime::to_hex(report.head);
    } else {
      out["first_broken_row"] = report.first_broken;
      out["problem"] = report.problem;
    }
    fmt::print("{}\n", out.dump());
  } else if (report.ok) {
    fmt::print("{}: chain verified: {} rows{}, head {}\n", o.db, report.rows,
               report.anchor_seq > 0 ? fmt::format(" after anchor row {}", report.anchor_seq) : "",
               runtime::to_hex(report.head));
  } else {
    fmt::print("{}: chain broken at row {}: {}\n", o.db, report.first_broken, report.problem);
  }
  return report.ok ? kExitClean : kExitFindings;
}

int run_rows(const AuditOptions& o, bool exporting) {
  log::LogFilter filter;
  if (!build_filter(o, &filter)) return kExitInputError;
  std::FILE* out = stdout;
  if (!o.output.empty()) {
    out = std::fopen(o.output.c_str(), "w");
    if (out == nullptr) {
      fmt::print(stderr, "flowgate: error: cannot write {}\n", o.output);
      return kExitInputError;
    }
  }
  static const char* kCsvHeader =
      "seq,time,bundle,action,data,purpose,recipient,destination,region_index,age_band,gpc,"
      "ads_personalization,consent_mask,feature_mask,decision,decision_index,rules,citations,"
      "sample_every\n";
  size_t count = 0;
  bool first = true;
  if (o.format == "csv") fmt::print(out, "{}", kCsvHeader);
  if (o.format == "json" && exporting) fmt::print(out, "[");
  runtime::Status s = log::read_log(o.db, filter, [&](const log::LogRow& r) {
    ++count;
    if (o.format == "json") {
      std::string line = row_json(r).dump();
      if (exporting) {
        fmt::print(out, "{}\n{}", first ? "" : ",", line);
      } else {
        fmt::print(out, "{}\n", line);
      }
    } else if (o.format == "csv") {
      fmt::print(out, "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.seq,
                 iso_time(r.time_ms), r.bundle, r.action == 0 ? "collect" : "transmit",
                 csv_field(r.data_id), csv_field(r.purpose_id), csv_field(r.recipient_id),
                 csv_field(r.destination_id), r.region,
                 log::age_band_name(static_cast<log::AgeBand>(r.age_band)), r.gpc ? 1 : 0,
                 r.ads_personalization ? 1 : 0, r.consent_mask, r.feature_mask,
                 r.allow ? "allow" : "deny", r.decision, csv_field(r.rules), csv_field(r.citations),
                 r.sample_every);
    } else {
      fmt::print(out, "{:>6} {} {:<5} {:<8} {} for {} to {} ({})  rules: {}  [{}]\n", r.seq,
                 iso_time(r.time_ms), r.allow ? "allow" : "deny",
                 r.action == 0 ? "collect" : "transmit", r.data_id, r.purpose_id, r.recipient_id,
                 r.destination_id, r.rules, r.citations);
    }
    first = false;
    return o.limit == 0 || count < o.limit;
  });
  if (o.format == "json" && exporting) fmt::print(out, "{}]\n", first ? "" : "\n");
  if (out != stdout) std::fclose(out);
  if (!s.ok()) {
    fmt::print(stderr, "flowgate: error: {}\n", s.message());
    return kExitInputError;
  }
  if (o.format == "text") fmt::print("{} rows\n", count);
  return kExitClean;
}

void add_filters(CLI::App* c, AuditOptions* o) {
  c->add_option("--since", o->since,
                "Rows at or after this time (YYYY-MM-DD[THH:MM[:SS]Z], UTC, or ms)");
  c->add_option("--until", o->until, "Rows at or before this time (a date alone: its whole day)");
  c->add_option("--verdict", o->verdict, "allow or deny")->check(CLI::IsMember({"allow", "deny"}));
  c->add_option("--rule", o->rule, "Rows whose decision names this rule id");
  c->add_option("--data", o->data,
                "Rows about this data category, or any under a group (technical → technical.*)");
}

}  // namespace

void add_audit_command(CLI::App& app, int& exit_code) {
  CLI::App* audit = app.add_subcommand(
      "audit", "Verify, query and export the device's decision log (a SQLite file)");
  audit->require_subcommand(1);
  audit->footer(
      "The log is hash-chained: verify exits 1 and names the first row that was altered, inserted\n"
      "or deleted. Times are UTC.\n"
      "Examples:\n"
      "  flowgate audit verify --db decisions.db\n"
      "  flowgate audit query --db decisions.db --verdict deny --data technical --since "
      "2026-11-01\n"
      "  flowgate audit export --db decisions.db --format csv -o decisions.csv");

  auto v = std::make_shared<AuditOptions>();
  CLI::App* verify = audit->add_subcommand("verify", "Verify the log's hash chain");
  verify->add_option("--db", v->db, "The decision log file")->required();
  verify->add_option("--format", v->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  verify->callback([v, &exit_code] { exit_code = run_verify(*v); });

  auto q = std::make_shared<AuditOptions>();
  CLI::App* query = audit->add_subcommand("query", "List the rows that match the filters");
  query->add_option("--db", q->db, "The decision log file")->required();
  add_filters(query, q.get());
  query->add_option("--limit", q->limit, "At most this many rows (0: all)");
  query->add_option("--format", q->format, "text, json (one object a line) or csv")
      ->check(CLI::IsMember({"text", "json", "csv"}));
  query->callback([q, &exit_code] { exit_code = run_rows(*q, false); });

  auto e = std::make_shared<AuditOptions>();
  e->format = "json";
  CLI::App* exp = audit->add_subcommand("export", "Export the rows (filters as for query)");
  exp->add_option("--db", e->db, "The decision log file")->required();
  add_filters(exp, e.get());
  exp->add_option("--format", e->format, "json (an array) or csv")
      ->check(CLI::IsMember({"json", "csv"}));
  exp->add_option("-o,--output", e->output, "Write here instead of stdout");
  exp->callback([e, &exit_code] { exit_code = run_rows(*e, true); });
}

}  // namespace flowgate::cli
