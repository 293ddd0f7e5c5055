// `flowgate diff OLD NEW`: the exact change impact of a policy edit (engine/analysis/
// semantic_diff.h). OLD and NEW are policy folders, git revisions (git:REV, the policy folder's
// rules at that commit) or bundle files; `--against approved` compares the working rules with the
// last approved bundle (flowgate approve). Exit 1 when the change newly allows flows.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <type_traits>

#include "analysis/sarif.h"
#include "analysis/semantic_diff.h"
#include "analysis/statement_diff.h"
#include "approved_policy.h"
#include "bundle/bundle_reader.h"
#include "commands.h"
#include "compile/compiler.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"
#include "store/approvals.h"

namespace flowgate::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct DiffCommandOptions {
  std::string old_input, new_input;
  std::string against;  // "approved"
  std::string policy_dir;
  bool require_approval = false;  // with --against approved: exit 1 unless a record approves NEW
  std::string format = "text";
  size_t max_cubes = 10'000;
  bool verbose = false;
  std::string as_of;  // rights are compared on this date (default today)
};

// One side of the diff: its compiled policy and, when it came from rules, the loaded model (for
// rule locations and region group names).
struct Side {
  std::string label;  // "policy folder rules/…", "git:HEAD~1", "bundle x.fgb", "approval #3"
  CompiledPolicy compiled;
  std::unique_ptr<Policy> policy;
  fs::path temp_dir;        // removed with the side
  std::string source_root;  // the policy folder its files are relative to (SARIF), when known
  Side() = default;
  Side(const Side&) = delete;
  Side& operator=(const Side&) = delete;
  ~Side() {
    std::error_code ec;
    if (!temp_dir.empty()) fs::remove_all(temp_dir, ec);
  }
};

bool load_rules(const std::string& dir, Side& side) {
  side.policy = load_checked_policy(dir, fmt::format("{} is not compared", side.label), nullptr,
                                    &side.compiled);
  if (!side.policy) return false;
  if (side.temp_dir.empty()) side.source_root = fs::absolute(dir).lexically_normal().string();
  return true;
}

bool load_bundle_bytes(const std::string& bytes, Side& side) {
  if (runtime::Status s = decode_bundle(bytes, &side.compiled); !s.ok()) {
    fmt::print(stderr, "flowgate: error: {}: {}\n", side.label, s.message());
    return false;
  }
  return true;
}

// A fresh temporary folder for one side's extracted rules.
fs::path make_temp_dir() {
  std::random_device random;
  fs::path dir = fs::temp_directory_path() / fmt::format("flowgate-diff-{}-{}", getpid(), random());
  std::error_code ec;
  fs::create_directories(dir, ec);
  return dir;
}

// git:REV → the policy folder's rules/, jurisdictions/ and data_inventory.yaml at REV, extracted
// into a temporary folder.
bool load_git(const std::string& rev, const DiffCommandOptions& o, Side& side) {
  auto root = locate_policy(o.policy_dir);
  if (!root) return false;
  side.temp_dir = make_temp_dir();
  fs::path tree = side.temp_dir / "policy";
  return extract_policy_at_revision(*root, rev, tree, side.label) &&
         load_rules(tree.string(), side);
}

bool load_input(const std::string& input, const DiffCommandOptions& o, Side& side) {
  side.label = input;
  if (input.rfind("git:", 0) == 0) return load_git(input.substr(4), o, side);
  std::error_code ec;
  if (fs::is_directory(input, ec)) {
    if (!is_policy_dir(input)) {
      fmt::print(stderr,
                 "flowgate: error: '{}' is not a policy folder (rules/ and "
                 "jurisdictions/) or a bundle file\n",
                 input);
      return false;
    }
    return load_rules(input, side);
  }
  if (!std::ifstream(input, std::ios::binary)) {
    fmt::print(stderr, "flowgate: error: '{}': no such policy folder, bundle file or git:REV\n",
               input);
    return false;
  }
  auto bytes = read_bounded_file(input, kMaxBundleFileBytes, "bundle");
  return bytes && load_bundle_bytes(*bytes, side);
}

// The latest verified approval record of the checkout (approvals/, engine/store/approvals.h):
// its policy extracted from git by the record's object ids, compiled, and held to the record's
// digest. *state (for --require-approval) gets every record.
bool load_approved(const DiffCommandOptions& o, Side& side, ApprovalState* state) {
  auto root = locate_policy(o.policy_dir);
  if (!root) return false;
  auto read = read_approval_state(*root);
  if (!read) return false;
  *state = std::move(*read);
  if (o.require_approval) {  // for CI: what is committed counts, nothing else
    std::vector<ApprovalRecord> committed;
    for (ApprovalRecord& r : state->records) {
      auto changes = uncommitted_changes(*root, {r.path});
      if (!changes) return false;
      if (changes->empty()) {
        committed.push_back(std::move(r));
      } else {
        fmt::print(stderr,
                   "flowgate: note: {} is not committed, so it does not count\n  = help: git add "
                   "{} && git commit\n",
                   r.path, r.path);
      }
    }
    state->records = std::move(committed);
  }
  if (state->records.empty()) {
    fmt::print(stderr,
               "flowgate: error: nothing has been approved yet: no record in {}/\n  = help: "
               "approve the policy (flowgate approve --who NAME --key KEY --note TEXT) and "
               "commit the record\n",
               kApprovalsDir);
    return false;
  }
  const ApprovalRecord& latest = state->records.back();
  side.label =
      fmt::format("approved {} by {}, {}", latest.approved_at, latest.approver, latest.path);
  side.temp_dir = make_temp_dir();
  fs::path tree = side.temp_dir / "policy";
  if (!extract_policy_source(*root, latest.source, tree, latest.path) ||
      !load_rules(tree.string(), side)) {
    return false;
  }
  const std::string digest = compiled_policy_digest(side.compiled);
  if (digest != latest.digest) {
    fmt::print(stderr,
               "flowgate: error: {}: approves digest {} but its source compiles to {}; the "
               "record is for another policy\n  = help: remove the record and approve again "
               "(flowgate approve); after a flowgate upgrade that changed the bundle encoding, "
               "every policy is approved again\n",
               latest.path, latest.digest.substr(0, 12), digest.substr(0, 12));
    return false;
  }
  return true;
}

// --require-approval on a change that needs approval: exit 0 when a committed, verified record
// approves exactly NEW's compiled digest, else 1 saying how to get one.
int approval_exit(const Side& after, const ApprovalState& state) {
  const std::string digest = compiled_policy_digest(after.compiled);
  for (const ApprovalRecord& r : state.records) {
    if (r.digest != digest) continue;
    fmt::print(stderr, "flowgate: approved: {} (by {}, {}) approves digest {}\n", r.path,
               r.approver, r.approved_at, digest.substr(0, 12));
    return kExitClean;
  }
  fmt::print(stderr,
             "flowgate: error: the change needs approval and no approval record is for its "
             "compiled digest {}\n  = help: commit the policy, then an approver runs flowgate "
             "approve --who NAME --key KEY --note TEXT and commits the record in {}/\n",
             digest.substr(0, 12), kApprovalsDir);
  return kExitFindings;
}

const Rule* find_rule(const Policy* policy, const std::vector<std::string>& ids) {
  if (!policy) return nullptr;
  for (const auto& id : ids) {
    for (const auto& rule : policy->rules) {
      if (rule.id == id) return &rule;
    }
  }
  return nullptr;
}

std::string rules_text(const DecisionSide& d) {
  return d.rules.empty() ? "none" : fmt::format("{}", fmt::join(d.rules, ", "));
}

ordered_json side_json(const DecisionSide& d) {
  return {{"decision", d.allow ? "allow" : "deny"},
          {"obligations", d.obligations},
          {"legal_basis", d.legal_basis},
          {"citations", d.citations},
          {"rules", d.rules},
          {"reason", d.reason}};
}

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out;
}

// Both sides: OLD and NEW, or the last approval and the working rules (or NEW). False, with the
// error printed, when an input cannot be read.
bool load_sides(const DiffCommandOptions& o, Side& before, Side& after, ApprovalState* state) {
  if (o.against.empty()) {
    if (o.old_input.empty() || o.new_input.empty()) {
      fmt::print(stderr, "flowgate: error: diff needs OLD and NEW (or --against approved)\n");
      return false;
    }
    return load_input(o.old_input, o, before) && load_input(o.new_input, o, after);
  }
  if (!o.old_input.empty() && !o.new_input.empty()) {
    fmt::print(stderr, "flowgate: error: --against approved takes at most one input (NEW)\n");
    return false;
  }
  std::string working = !o.old_input.empty() ? o.old_input : "";
  if (!load_approved(o, before, state)) return false;
  if (working.empty()) {
    auto root = locate_policy(o.policy_dir);
    if (!root) return false;
    working = *root;
  }
  return load_input(working, o, after);
}

// The cube budget, and the region groups of a side that came from rules (NEW's first), as of
// today, to name sets of regions.
flowgate::DiffOptions diff_options(const Side& before, const Side& after, size_t max_cubes) {
  flowgate::DiffOptions options;
  options.max_cubes = max_cubes;
  if (const Policy* named = after.policy ? after.policy.get() : before.policy.get()) {
    options.region_groups = region_groups_on(*named, today());
  }
  return options;
}

// What the renderers print: the flow diff, the statement diff, the two sides they compared, how
// long it took, the budget.
struct DiffReport {
  const Side& before;
  const Side& after;
  DiffResult diff;
  StatementDiff statements;
  double ms = 0;
  size_t max_cubes = 0;
  bool verbose = false;

  // Exit 1: the change newly allows flows, or weakens a retention or rights answer.
  bool needs_approval() const { return diff.newly_allowed > 0 || statements.loosened > 0; }

  // Where a change is decided: the first rule found of those deciding it after, else before
  // (sides that came from rules only).
  const Rule* location_of(const DiffChange& c) const {
    if (const Rule* r = find_rule(after.policy.get(), c.after.rules)) return r;
    return find_rule(before.policy.get(), c.before.rules);
  }

  // A location in NEW's files for a change: `in_new` when it has a line; else the first statement
  // NEW holds in the file OLD's statement was in (`in_old`); else NEW's policy header; else the
  // NEW input itself (a bundle).
  SarifLocation new_location(const SourceLocation* in_new, const SourceLocation* in_old,
                             std::string message) const {
    if (in_new && !in_new->file.empty() && in_new->line > 0) {
      return {in_new->file, in_new->line, in_new->column, std::move(message)};
    }
    const Policy* p = after.policy.get();
    if (!p) return {after.label, 0, 0, std::move(message)};
    if (in_old) {
      std::vector<const SourceLocation*> all;
      for (const auto& s : p->rules) all.push_back(&s.location);
      for (const auto& s : p->retention) all.push_back(&s.location);
      for (const auto& s : p->rights) all.push_back(&s.location);
      for (const auto& s : p->inventory) all.push_back(&s.location);
      for (const SourceLocation* l : all) {
        if (l->file == in_old->file && l->line > 0) {
          return {l->file, l->line, l->column, std::move(message)};
        }
      }
    }
    const SourceLocation& info = p->info.location;
    return {info.file, std::max<uint32_t>(info.line, 1), info.column, std::move(message)};
  }
};

std::string refs_text(const std::vector<StatementRef>& refs) {
  if (refs.empty()) return "no entry";
  std::vector<std::string> parts;
  for (const auto& r : refs) {
    std::string part =
        r.citations.empty() ? r.id : fmt::format("{} {}", r.id, fmt::join(r.citations, " "));
    if (!r.edit.empty()) part += " (" + r.edit + ")";
    parts.push_back(std::move(part));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string where(const SourceLocation& l) {
  if (l.file.empty()) return "";
  return fmt::format("{}:{}", l.file, l.line);
}

// ---- renderers, one per --format

ordered_json location_json(const SourceLocation& l) {
  if (l.file.empty()) return nullptr;
  return {{"file", l.file}, {"line", l.line}, {"column", l.column}};
}

ordered_json refs_json(const std::vector<StatementRef>& refs) {
  ordered_json out = ordered_json::array();
  for (const auto& r : refs) {
    out.push_back({{"id", r.id},
                   {"citations", r.citations},
                   {"location", location_json(r.location)},
                   {"edit", r.edit.empty() ? "unchanged" : r.edit}});
  }
  return out;
}

ordered_json change_json(const DiffChange& c) {
  return {{"kind", change_kind_name(c.kind)},
          {"summary", c.summary},
          {"flows",
           {{"data", c.data},
            {"purpose", c.purpose},
            {"action", c.action},
            {"recipient", c.recipient},
            {"destination", c.destination},
            {"subject_region", c.region},
            {"subject_age", c.age},
            {"as_of", c.date},
            {"signals", c.signals}}},
          {"before", side_json(c.before)},
          {"after", side_json(c.after)},
          {"class_combinations", c.classes},
          {"flow_count", c.flows}};
}

ordered_json statements_json(const StatementDiff& s) {
  ordered_json rules = ordered_json::array();
  for (const auto& r : s.rules) {
    rules.push_back({{"id", r.id},
                     {"status", r.status},
                     {"effect", r.effect},
                     {"citations", r.citations},
                     {"location", location_json(r.location)},
                     {"changes", r.changes},
                     {"flows",
                      {{"newly_allowed", r.newly_allowed},
                       {"newly_denied", r.newly_denied},
                       {"obligations_changed", r.obligations_changed},
                       {"legal_basis_changed", r.legal_basis_changed}}}});
  }
  auto retention_side = [](const RetentionSide& x) {
    return ordered_json{
        {"outcome", x.outcome}, {"exceptions", x.exceptions}, {"entries", refs_json(x.entries)}};
  };
  ordered_json retention = ordered_json::array();
  for (const auto& c : s.retention) {
    retention.push_back({{"summary", c.summary},
                         {"event", c.event},
                         {"data", c.data},
                         {"data_ids", c.data_ids},
                         {"weakens", c.loosened},
                         {"before", retention_side(c.before)},
                         {"after", retention_side(c.after)}});
  }
  auto right_side = [](const RightSide& x) {
    return ordered_json{
        {"available", x.available},
        {"promised", x.promised},
        {"statutory", x.statutory},
        {"deadline", x.deadline.empty() ? ordered_json() : ordered_json(x.deadline)},
        {"extension", x.extension.empty() ? ordered_json() : ordered_json(x.extension)},
        {"entries", refs_json(x.entries)},
        {"sources", x.sources}};
  };
  ordered_json rights = ordered_json::array();
  for (const auto& c : s.rights) {
    rights.push_back({{"kind", c.kind},
                      {"summary", c.summary},
                      {"right", c.right},
                      {"right_ids", c.right_ids},
                      {"regions", c.regions},
                      {"region_ids", c.region_ids},
                      {"weakens", c.loosened},
                      {"before", right_side(c.before)},
                      {"after", right_side(c.after)}});
  }
  ordered_json inventory = ordered_json::array();
  for (const auto& c : s.inventory) {
    inventory.push_back({{"change", c.added ? "declared" : "no-longer-declared"},
                         {"summary", c.summary},
                         {"item", c.item},
                         {"data", c.data},
                         {"action", c.action},
                         {"purpose", c.purpose},
                         {"recipient", c.recipient},
                         {"destination", c.destination},
                         {"citations", c.citations},
                         {"location", location_json(c.location)}});
  }
  ordered_json periods = ordered_json::array();
  for (const auto& c : s.periods) {
    auto iso = [](const std::string& p) { return p.empty() ? ordered_json() : ordered_json(p); };
    periods.push_back({{"kind", c.kind},
                       {"summary", c.summary},
                       {"statement", c.statement},
                       {"id", c.ref.id},
                       {"citations", c.ref.citations},
                       {"location", location_json(c.ref.location)},
                       {"weakens", c.loosened},
                       {"before", iso(c.before)},
                       {"after", iso(c.after)}});
  }
  return {{"compared", s.compared}, {"rights_as_of", format_date(s.as_of)},
          {"rules", rules},         {"retention", retention},
          {"rights", rights},       {"inventory", inventory},
          {"periods", periods}};
}

std::string render_json(const DiffReport& r) {
  const DiffResult& d = r.diff;
  const StatementDiff& s = r.statements;
  ordered_json changes = ordered_json::array();
  for (const auto& c : d.changes) changes.push_back(change_json(c));
  ordered_json statements = statements_json(s);
  ordered_json out = {
      {"old", {{"source", r.before.label}, {"name", d.old_name}, {"version", d.old_version}}},
      {"new", {{"source", r.after.label}, {"name", d.new_name}, {"version", d.new_version}}},
      {"newly_allows", d.newly_allowed > 0},
      {"weakens", s.loosened > 0},
      {"needs_approval", r.needs_approval()},
      {"summary",
       {{"changes", d.changes.size()},
        {"newly_allowed", d.newly_allowed},
        {"newly_denied", d.newly_denied},
        {"obligations_changed", d.obligations_changed},
        {"legal_basis_changed", d.legal_basis_changed},
        {"retention_changes", s.retention.size()},
        {"rights_changes", s.rights.size()},
        {"inventory_changes", s.inventory.size()},
        {"period_changes", s.periods.size()},
        {"weakening_changes", s.loosened}}},
      {"truncated", d.truncated},
      {"statements_compared", s.compared},
      {"rights_as_of", statements["rights_as_of"]},
      {"rules", statements["rules"]},
      {"changes", changes},
      {"retention", statements["retention"]},
      {"rights", statements["rights"]},
      {"inventory", statements["inventory"]},
      {"periods", statements["periods"]},
      {"stats", {{"product_pairs", d.product_pairs}, {"milliseconds", r.ms}}}};
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// The ids a SARIF result is about (hashed into its fingerprint with the rule and the artifact).
std::string flow_key(const DiffChange& c) {
  return fmt::format("{}>{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", fmt::join(c.before.rules, ","),
                     fmt::join(c.after.rules, ","), c.data, c.purpose, c.action, c.recipient,
                     c.destination, c.region, c.age, c.date, fmt::join(c.signals, ","));
}

std::string refs_key(const std::vector<StatementRef>& before,
                     const std::vector<StatementRef>& after) {
  std::vector<std::string> a, b;
  for (const auto& x : before) a.push_back(x.id);
  for (const auto& x : after) b.push_back(x.id);
  return fmt::format("{}>{}", fmt::join(a, ","), fmt::join(b, ","));
}

const SourceLocation* first_location(const std::vector<StatementRef>& refs) {
  return refs.empty() ? nullptr : &refs.front().location;
}

std::string render_sarif(const DiffReport& report) {
  SarifRun run;
  run.tool_version = FLOWGATE_VERSION;
  if (report.after.policy) run.source_root = report.after.source_root;
  auto rule = [](const char* id, const char* name, const char* description, const char* help,
                 const char* level) {
    SarifRule r;
    r.id = id;
    r.name = name;
    r.short_description = description;
    r.help = help;
    r.default_level = level;
    return r;
  };
  run.rules = {
      rule("newly-allowed", "NewlyAllowed", "The change allows flows the old policy denied.",
           "Review the flows; approve the change (flowgate approve) only if they are intended.",
           "error"),
      rule("newly-denied", "NewlyDenied", "The change denies flows the old policy allowed.",
           "Check that the app no longer needs these flows (data_inventory.yaml).", "note"),
      rule("obligations-changed", "ObligationsChanged",
           "The change alters the obligations that go with allowed flows.",
           "Check that the app meets the new obligations before it ships.", "note"),
      rule("legal-basis-changed", "LegalBasisChanged",
           "The change alters the legal basis of allowed flows.",
           "Check the record of processing and the notice name the new legal basis.", "note"),
      rule("retention-changed", "RetentionChanged",
           "The change alters what happens to data on an event (delete, anonymize, retain) or its "
           "exceptions.",
           "Review the retention entries named; approve only if keeping or deleting the data is "
           "intended.",
           "warning"),
      rule("rights-changed", "RightsChanged",
           "The change alters which rights subjects have, or how fast requests are answered.",
           "Review the rights entries named; a right the law grants cannot be removed by the "
           "policy.",
           "warning"),
      rule("inventory-changed", "InventoryChanged",
           "The change alters the flows the app declares (data_inventory.yaml).",
           "Check that the policy allows each newly declared flow (flowgate lint).", "note"),
      rule("period-changed", "RetentionPeriodChanged",
           "The change alters how long data is kept (the period of an inventory item or a "
           "retention entry).",
           "Review the period named; a longer period, or none, keeps data longer: approve only "
           "if that is intended and the record of processing says so.",
           "warning"),
  };
  for (const auto& c : report.diff.changes) {
    SarifResult r;
    r.rule_id = change_kind_name(c.kind);
    r.level = c.kind == ChangeKind::kNewlyAllowed ? "error" : "note";
    r.message =
        fmt::format("{} ({} class combinations, {} flows; rules before: {}; after: {})", c.summary,
                    c.classes, c.flows, rules_text(c.before), rules_text(c.after));
    const Rule* in_new = find_rule(report.after.policy.get(), c.after.rules);
    const Rule* in_old = find_rule(report.before.policy.get(), c.before.rules);
    r.locations.push_back(report.new_location(in_new ? &in_new->location : nullptr,
                                              in_old ? &in_old->location : nullptr,
                                              "where the change is decided"));
    r.properties = {{"before", c.before.allow ? "allow" : "deny"},
                    {"after", c.after.allow ? "allow" : "deny"},
                    {"class_combinations", std::to_string(c.classes)},
                    {"flows", std::to_string(c.flows)}};
    r.fingerprint = flow_key(c);
    run.results.push_back(std::move(r));
  }
  for (const auto& c : report.statements.retention) {
    SarifResult r;
    r.rule_id = "retention-changed";
    r.level = c.loosened ? "warning" : "note";
    r.message = fmt::format("Retention {} (before: {}; after: {})", c.summary,
                            refs_text(c.before.entries), refs_text(c.after.entries));
    r.locations.push_back(report.new_location(first_location(c.after.entries),
                                              first_location(c.before.entries), "retention entry"));
    r.properties = {{"event", c.event}, {"data", c.data}, {"weakens", c.loosened ? "yes" : "no"}};
    r.fingerprint = fmt::format("{}|{}|{}", c.event, fmt::join(c.data_ids, ","),
                                refs_key(c.before.entries, c.after.entries));
    run.results.push_back(std::move(r));
  }
  for (const auto& c : report.statements.rights) {
    SarifResult r;
    r.rule_id = "rights-changed";
    r.level = c.loosened ? "warning" : "note";
    r.message = fmt::format("Right {} ({}; before: {}; after: {})", c.summary, c.kind,
                            refs_text(c.before.entries), refs_text(c.after.entries));
    r.locations.push_back(report.new_location(first_location(c.after.entries),
                                              first_location(c.before.entries), "rights entry"));
    r.properties = {{"kind", c.kind}, {"right", c.right}, {"regions", c.regions}};
    r.fingerprint =
        fmt::format("{}|{}|{}", fmt::join(c.right_ids, ","), fmt::join(c.region_ids, ","),
                    refs_key(c.before.entries, c.after.entries));
    run.results.push_back(std::move(r));
  }
  for (const auto& c : report.statements.inventory) {
    SarifResult r;
    r.rule_id = "inventory-changed";
    r.level = "note";
    r.message = fmt::format("Inventory: {}", c.summary);
    r.locations.push_back(
        report.new_location(c.added ? &c.location : nullptr, &c.location, "inventory item"));
    r.fingerprint = fmt::format("{}|{}|{}|{}|{}|{}|{}", c.added ? "+" : "-", c.item, c.data,
                                c.action, c.purpose, c.recipient, c.destination);
    run.results.push_back(std::move(r));
  }
  for (const auto& c : report.statements.periods) {
    SarifResult r;
    r.rule_id = "period-changed";
    r.level = c.loosened ? "warning" : "note";
    r.message = fmt::format("Retention period of {} ({})", c.summary, c.kind);
    r.locations.push_back(report.new_location(&c.ref.location, nullptr, c.statement));
    r.properties = {{"kind", c.kind}, {"weakens", c.loosened ? "yes" : "no"}};
    r.fingerprint = fmt::format("{}|{}|{}|{}", c.statement, c.ref.id, c.before, c.after);
    run.results.push_back(std::move(r));
  }
  return write_sarif(run);
}

std::string markdown_row(const DiffChange& c) {
  std::string flow = fmt::format(
      "{} `{}` → `{}`{} for `{}`", c.action == "any" ? "" : c.action, c.data, c.recipient,
      c.destination == "any" ? "" : " (to " + c.destination + ")", c.purpose);
  std::string subjects = c.region;
  if (c.age != "any") subjects += ", age " + c.age;
  if (c.date != "any date") subjects += ", " + c.date;
  for (const auto& s : c.signals) subjects += ", " + s;
  std::string verdicts = c.summary.substr(c.summary.rfind(": ") + 2);
  return fmt::format(
      "| {} | {} | {} | {} | {} → {} | {} | {} |\n",
      c.kind == ChangeKind::kNewlyAllowed ? ":warning: newly allowed" : change_kind_name(c.kind),
      markdown_cell(flow), markdown_cell(subjects), markdown_cell(verdicts),
      markdown_cell(rules_text(c.before)), markdown_cell(rules_text(c.after)), c.classes, c.flows);
}

// "66 changes: 1842 flows newly allowed, …" (flows summed over the changes), or no change.
std::string rule_flows_text(const RuleChange& r) {
  std::vector<std::string> parts;
  if (r.newly_allowed) parts.push_back(fmt::format("{} flows newly allowed", r.newly_allowed));
  if (r.newly_denied) parts.push_back(fmt::format("{} flows newly denied", r.newly_denied));
  if (r.obligations_changed) {
    parts.push_back(fmt::format("{} flows with obligations changed", r.obligations_changed));
  }
  if (r.legal_basis_changed) {
    parts.push_back(fmt::format("{} flows with legal basis changed", r.legal_basis_changed));
  }
  if (parts.empty()) return "no flow decided differently";
  return fmt::format("{} change{}: {}", r.changes, r.changes == 1 ? "" : "s",
                     fmt::join(parts, ", "));
}

std::string render_markdown(const DiffReport& r) {
  const DiffResult& d = r.diff;
  const StatementDiff& s = r.statements;
  std::string title =
      d.newly_allowed > 0
          ? fmt::format(":warning: **{} change(s) newly allow flows** — approval required",
                        d.newly_allowed)
      : s.loosened > 0
          ? fmt::format(
                ":warning: **{} retention, rights or period change(s) weaken what subjects get** — "
                "approval required",
                s.loosened)
      : d.changes.empty() && s.retention.empty() && s.rights.empty() && s.inventory.empty() &&
              s.periods.empty()
          ? std::string(":white_check_mark: **No change to any decision**")
          : std::string(":information_source: **No flow is newly allowed**");
  std::string out = fmt::format("### flowgate diff: {} {} → {} {}\n\n{}\n\n", d.old_name,
                                d.old_version, d.new_name, d.new_version, title);
  out += fmt::format(
      "`{}` → `{}`: {} newly allowed, {} newly denied, {} obligations changed, {} legal "
      "basis changed; {} retention, {} rights, {} inventory, {} period change(s).\n\n",
      r.before.label, r.after.label, d.newly_allowed, d.newly_denied, d.obligations_changed,
      d.legal_basis_changed, s.retention.size(), s.rights.size(), s.inventory.size(),
      s.periods.size());
  if (!s.rules.empty()) {
    out += "| rule | edit | flows |\n| --- | --- | --- |\n";
    for (const auto& rule : s.rules) {
      out += fmt::format("| `{}` {} | {} | {} |\n", rule.id,
                         markdown_cell(fmt::format("{}", fmt::join(rule.citations, " "))),
                         rule.status, markdown_cell(rule_flows_text(rule)));
    }
    out += "\n";
  }
  auto list = [&](const char* heading, const auto& changes) {
    if (changes.empty()) return;
    out += fmt::format("**{}**\n\n", heading);
    for (const auto& c : changes) {
      out += fmt::format("- {}{} (before: {}; after: {})\n", c.loosened ? ":warning: " : "",
                         markdown_cell(c.summary), markdown_cell(refs_text(c.before.entries)),
                         markdown_cell(refs_text(c.after.entries)));
    }
    out += "\n";
  };
  list("Retention", s.retention);
  list("Rights", s.rights);
  if (!s.inventory.empty()) {
    out += "**Declared flows (data_inventory.yaml)**\n\n";
    for (const auto& c : s.inventory) out += fmt::format("- {}\n", markdown_cell(c.summary));
    out += "\n";
  }
  if (!s.periods.empty()) {
    out += "**Retention periods**\n\n";
    for (const auto& c : s.periods) {
      out += fmt::format("- {}{} ({})\n", c.loosened ? ":warning: " : "", markdown_cell(c.summary),
                         c.kind);
    }
    out += "\n";
  }
  if (d.changes.empty()) return out;
  out +=
      "| change | flows | subjects | before → after | rules before → after | class "
      "combinations | flows |\n";
  out += "| --- | --- | --- | --- | --- | ---: | ---: |\n";
  for (const auto& c : d.changes) out += markdown_row(c);
  return out;
}

std::string text_change(const DiffChange& c, const Rule* rule, bool verbose) {
  std::string out =
      fmt::format("  {} {}\n", c.kind == ChangeKind::kNewlyAllowed ? "✘" : "•", c.summary);
  if (!verbose) {
    out += fmt::format("      {} flows; rules before: {}; after: {}{}\n", c.flows,
                       rules_text(c.before), rules_text(c.after),
                       rule ? " (" + where(rule->location) + ")" : "");
    return out;
  }
  out += fmt::format("      {} class combinations, {} flows\n", c.classes, c.flows);
  out += fmt::format("      before: {} by {}\n", c.before.allow ? "allow" : "deny",
                     rules_text(c.before));
  out += fmt::format("      after:  {} by {}\n", c.after.allow ? "allow" : "deny",
                     rules_text(c.after));
  if (rule) {
    out += fmt::format("      at {}:{}:{}\n", rule->location.file, rule->location.line,
                       rule->location.column);
  }
  return out;
}

// At most `limit` items (all with --verbose), then a line saying how many more.
template <typename List, typename Print>
void bounded(std::string& out, const List& list, size_t limit, bool verbose, const char* what,
             Print print) {
  size_t shown = 0;
  for (const auto& item : list) {
    if (!verbose && shown == limit) {
      out += fmt::format("  … {} more {} (--verbose lists all; --format json has everything)\n",
                         list.size() - shown, what);
      break;
    }
    print(item);
    ++shown;
  }
}

std::string render_text(const DiffReport& r) {
  const DiffResult& d = r.diff;
  const StatementDiff& s = r.statements;
  constexpr size_t kShort = 6;  // items per section without --verbose
  std::string out =
      fmt::format("flowgate diff: {} {} ({}) → {} {} ({})\n", d.old_name, d.old_version,
                  r.before.label, d.new_name, d.new_version, r.after.label);
  bool nothing = d.changes.empty() && s.retention.empty() && s.rights.empty() &&
                 s.inventory.empty() && s.periods.empty() && s.rules.empty();
  if (nothing) {
    out += s.compared ? "No change: every flow (verdict, obligations, legal basis), retention "
                        "answer, right and declared flow is alike.\n"
                      : "No change: every flow is decided alike (verdict, obligations, legal "
                        "basis).\n";
  } else if (r.needs_approval()) {
    std::vector<std::string> why;
    if (d.newly_allowed)
      why.push_back(fmt::format("{} change(s) newly allow flows", d.newly_allowed));
    if (s.loosened) {
      why.push_back(fmt::format("{} retention, rights or period change(s) weaken what subjects get",
                                s.loosened));
    }
    out += fmt::format("✘ Needs approval: {}.\n", fmt::join(why, "; "));
  } else {
    out += "Nothing is newly allowed or weakened; the changes are below.\n";
  }
  if (!s.compared) {
    out +=
        "  (retention, rights and the inventory are compared only between policy folders or "
        "git:REV; a bundle holds the flows alone)\n";
  }
  if (!s.rules.empty()) {
    out += fmt::format("\nRules whose effect changed ({}):\n", s.rules.size());
    bounded(out, s.rules, kShort, r.verbose, "rules", [&](const RuleChange& rule) {
      std::string what = rule.status.empty() ? "" : rule.status;
      if (!rule.effect.empty()) what += (what.empty() ? "" : " ") + rule.effect;
      if (!rule.citations.empty()) what += fmt::format(" {}", fmt::join(rule.citations, " "));
      out += fmt::format("  {} ({}{}): {}\n", rule.id, what,
                         rule.location.file.empty() ? "" : ", " + where(rule.location),
                         rule_flows_text(rule));
    });
  }
  // Rights answered from the law: when its facts changed (jurisdictions/), say so; --verbose
  // names the statutes.
  auto print_sources = [&](const auto& c) {
    if constexpr (std::is_same_v<std::decay_t<decltype(c)>, RightChange>) {
      bool period =
          c.before.deadline != c.after.deadline || c.before.extension != c.after.extension;
      bool edited = std::any_of(c.after.entries.begin(), c.after.entries.end(),
                                [](const StatementRef& e) { return e.edit == "edited"; });
      if (c.before.sources == c.after.sources) {
        if (period && !edited && c.before.available && c.after.available) {
          out += "      law: the response period the law sets changed (jurisdictions/)\n";
        }
        return;
      }
      if (!r.verbose) {
        out += "      law: the statute facts differ (jurisdictions/; --verbose names them)\n";
        return;
      }
      for (const auto& src : c.before.sources) out += fmt::format("      law before: {}\n", src);
      for (const auto& src : c.after.sources) out += fmt::format("      law after:  {}\n", src);
    }
  };
  auto statements = [&](const char* heading, const auto& list, const char* what) {
    if (list.empty()) return;
    out += fmt::format("\n{} ({}):\n", heading, list.size());
    bounded(out, list, kShort, r.verbose, what, [&](const auto& c) {
      out += fmt::format("  {} {}\n", c.loosened ? "✘" : "•", c.summary);
      out += fmt::format("      before: {}\n      after:  {}\n", refs_text(c.before.entries),
                         refs_text(c.after.entries));
      print_sources(c);
    });
  };
  statements("Retention", s.retention, "retention changes");
  statements(fmt::format("Rights (as of {})", format_date(s.as_of)).c_str(), s.rights,
             "rights changes");
  if (!s.inventory.empty()) {
    out += fmt::format("\nDeclared flows, data_inventory.yaml ({}):\n", s.inventory.size());
    bounded(
        out, s.inventory, kShort, r.verbose, "inventory changes", [&](const InventoryChange& c) {
          out += fmt::format("  {} {} ({})\n", c.added ? "+" : "-", c.summary, where(c.location));
        });
  }
  if (!s.periods.empty()) {
    out += fmt::format("\nRetention periods ({}):\n", s.periods.size());
    bounded(out, s.periods, kShort, r.verbose, "period changes", [&](const PeriodChange& c) {
      out += fmt::format("  {} {} ({}, {})\n", c.loosened ? "✘" : "•", c.summary, c.kind,
                         where(c.ref.location));
    });
  }
  if (!d.changes.empty()) {
    out += fmt::format("\nFlow changes ({}):\n", d.changes.size());
    bounded(out, d.changes, kShort, r.verbose, "flow changes",
            [&](const DiffChange& c) { out += text_change(c, r.location_of(c), r.verbose); });
  }
  if (d.truncated) out += fmt::format("\n(truncated at {} cubes: --max-cubes)\n", r.max_cubes);
  out += fmt::format(
      "\n{} flow change(s): {} newly allowed, {} newly denied, {} obligations changed, {} "
      "legal basis changed; {} retention, {} rights, {} inventory, {} period change(s) ({:.1f} "
      "ms)\n",
      d.changes.size(), d.newly_allowed, d.newly_denied, d.obligations_changed,
      d.legal_basis_changed, s.retention.size(), s.rights.size(), s.inventory.size(),
      s.periods.size(), r.ms);
  return out;
}

int run_diff(const DiffCommandOptions& o) {
  auto as_of = as_of_date(o.as_of);
  if (!as_of) return kExitInputError;
  Side before, after;
  ApprovalState approvals;
  if (!load_sides(o, before, after, &approvals)) return kExitInputError;
  flowgate::DiffOptions options = diff_options(before, after, o.max_cubes);
  DiffReport report{before, after, {}, {}, 0, o.max_cubes, o.verbose};
  auto start = std::chrono::steady_clock::now();
  try {
    report.diff = semantic_diff(before.compiled, after.compiled, options);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "flowgate: error: {}\n", e.what());
    return kExitInputError;
  }
  report.statements =
      diff_statements(before.policy.get(), after.policy.get(), report.diff, {options, *as_of});
  report.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  std::string text = o.format == "json"       ? render_json(report)
                     : o.format == "sarif"    ? render_sarif(report)
                     : o.format == "markdown" ? render_markdown(report)
                                              : render_text(report);
  fmt::print("{}", text);
  if (!report.needs_approval()) return kExitClean;
  return o.require_approval ? approval_exit(after, approvals) : kExitFindings;
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DiffCommandOptions>();
  CLI::App* c = app.add_subcommand(
      "diff",
      "What a policy change does: flows newly allowed or denied, retention, rights, inventory");
  c->footer(
      "OLD and NEW are policy folders, git revisions of the policy folder (git:REV) or bundle\n"
      "files (flowgate compile -o). The flows are compared on the compiled diagrams: every class\n"
      "of flows whose verdict, obligations or legal basis changed is a compact cube, with its\n"
      "count and the rules deciding it before and after. Between policy folders or git:REVs the\n"
      "statements a reviewer signs are compared too, by their answers: retention (what happens\n"
      "to each data category on each event, and the exceptions), rights (which right each\n"
      "region's subjects have, promised or by law, and the response deadline, as of --as-of),\n"
      "and the flows data_inventory.yaml declares. Every change names the statements (ids and\n"
      "cited sections) on both sides; a bundle carries the flows only.\n"
      "Text starts with a summary by rule (which rules' effect changed and how many flows each),\n"
      "then at most 6 items per section; --verbose lists everything, --format json has it all.\n"
      "Exit status: 1 when the change needs approval: it newly allows flows (deny → allow), or\n"
      "weakens what subjects get (data newly retained or a retention exception added, a right\n"
      "removed or no longer promised, a response deadline lengthened); 0 otherwise, including\n"
      "changes that only deny or tighten; 2 on input errors.\n"
      "Examples:\n"
      "  flowgate diff git:origin/main .                 # this branch's rules against main\n"
      "  flowgate diff git:HEAD~1 git:HEAD --format markdown > comment.md\n"
      "  flowgate diff old.fgb new.fgb --format sarif > diff.sarif\n"
      "  flowgate diff ../policy-v1 . --verbose --as-of 2026-01-01\n"
      "  flowgate diff --against approved                # working rules vs last approval\n"
      "  flowgate diff --against approved --require-approval   # CI: fails until approved\n"
      "--against approved reads the signed records in approvals/ (flowgate approve), verifies\n"
      "each against approvers.yaml (a bad signature, an unlisted key or a record whose source\n"
      "does not compile to its digest is an error, exit 2), and compares with the latest one's\n"
      "policy, extracted from git by the object ids the record names (history must be fetched:\n"
      "fetch-depth: 0). docs/approvals.md has the workflow.");
  c->add_option("OLD", o->old_input, "The policy before: folder, git:REV or bundle file");
  c->add_option("NEW", o->new_input, "The policy after: folder, git:REV or bundle file");
  CLI::Option* against =
      c->add_option(
           "--against", o->against,
           "Compare the working rules (or NEW) with the latest approval record (approvals/)")
          ->check(CLI::IsMember({"approved"}));
  c->add_option("--policy", o->policy_dir,
                "Policy folder for git:REV and --against (default: found from here upward)");
  c->add_flag("--require-approval", o->require_approval,
              "With --against approved, for CI: a change that needs approval passes (exit 0) "
              "only when a committed approval record names its compiled digest")
      ->needs(against);
  c->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "markdown"}))
      ->capture_default_str();
  c->add_flag("--verbose,-v", o->verbose,
              "List every change with its details (text), not the first 6 of each section");
  c->add_option("--as-of", o->as_of, "Compare rights as of this date, YYYY-MM-DD (default: today)");
  c->add_option("--max-cubes", o->max_cubes, "Stop listing after this many cubes")
      ->capture_default_str();
  c->callback([o, &exit_code] { exit_code = run_diff(*o); });
}

}  // namespace flowgate::cli
