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

#include "analysis/sarif.h"
#include "analysis/semantic_diff.h"
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
};

// One side of the diff: its compiled policy and, when it came from rules, the loaded model (for
// rule locations and region group names).
struct Side {
  std::string label;  // "policy folder rules/…", "git:HEAD~1", "bundle x.fgb", "approval #3"
  CompiledPolicy compiled;
  std::unique_ptr<Policy> policy;
  fs::path temp_dir;  // removed with the side
  Side() = default;
  Side(const Side&) = delete;
  Side& operator=(const Side&) = delete;
  ~Side() {
    std::error_code ec;
    if (!temp_dir.empty()) fs::remove_all(temp_dir, ec);
  }
};

bool load_rules(const std::string& dir, Side& side) {
  side.policy = load_checked_policy(dir, fmt::format("{} is not compared", side.label));
  if (!side.policy) return false;
  side.compiled = compile_policy(*side.policy);
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
               "(flowgate approve)\n",
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
    Date on = today();
    for (const auto& [id, group] : named->regions.groups()) {
      std::set<std::string> members;
      for (const auto& [region, name] : named->regions.regions()) {
        if (named->regions.contains(id, region, on)) members.insert(region);
      }
      options.region_groups.emplace_back(id, std::move(members));
    }
  }
  return options;
}

// What the renderers print: the diff, the two sides it compared, how long it took, the budget.
struct DiffReport {
  const Side& before;
  const Side& after;
  DiffResult diff;
  double ms = 0;
  size_t max_cubes = 0;

  // Where a change is decided: the first rule found of those deciding it after, else before
  // (sides that came from rules only).
  const Rule* location_of(const DiffChange& c) const {
    if (const Rule* r = find_rule(after.policy.get(), c.after.rules)) return r;
    return find_rule(before.policy.get(), c.before.rules);
  }
};

// ---- renderers, one per --format

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

std::string render_json(const DiffReport& r) {
  const DiffResult& d = r.diff;
  ordered_json changes = ordered_json::array();
  for (const auto& c : d.changes) changes.push_back(change_json(c));
  ordered_json out = {
      {"old", {{"source", r.before.label}, {"name", d.old_name}, {"version", d.old_version}}},
      {"new", {{"source", r.after.label}, {"name", d.new_name}, {"version", d.new_version}}},
      {"newly_allows", d.newly_allowed > 0},
      {"summary",
       {{"changes", d.changes.size()},
        {"newly_allowed", d.newly_allowed},
        {"newly_denied", d.newly_denied},
        {"obligations_changed", d.obligations_changed},
        {"legal_basis_changed", d.legal_basis_changed}}},
      {"truncated", d.truncated},
      {"changes", changes},
      {"stats", {{"product_pairs", d.product_pairs}, {"milliseconds", r.ms}}}};
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_sarif(const DiffReport& report) {
  SarifRun run;
  run.tool_version = FLOWGATE_VERSION;
  run.rules = {
      {"newly-allowed", "NewlyAllowed", "The change allows flows the old policy denied.",
       "Review the flows; approve the change (flowgate approve) only if they are intended.",
       "error"},
      {"newly-denied", "NewlyDenied", "The change denies flows the old policy allowed.",
       "Check that the app no longer needs these flows (data_inventory.yaml).", "note"},
      {"obligations-changed", "ObligationsChanged",
       "The change alters the obligations that go with allowed flows.", "", "note"},
      {"legal-basis-changed", "LegalBasisChanged",
       "The change alters the legal basis of allowed flows.", "", "note"},
  };
  for (const auto& c : report.diff.changes) {
    SarifResult r;
    r.rule_id = change_kind_name(c.kind);
    r.level = c.kind == ChangeKind::kNewlyAllowed ? "error" : "note";
    r.message =
        fmt::format("{} ({} class combinations, {} flows; rules before: {}; after: {})", c.summary,
                    c.classes, c.flows, rules_text(c.before), rules_text(c.after));
    if (const Rule* rule = report.location_of(c)) {
      r.locations.push_back({rule->location.file, rule->location.line, rule->location.column,
                             fmt::format("rule '{}'", rule->id)});
    }
    r.properties = {{"before", c.before.allow ? "allow" : "deny"},
                    {"after", c.after.allow ? "allow" : "deny"},
                    {"class_combinations", std::to_string(c.classes)},
                    {"flows", std::to_string(c.flows)}};
    r.fingerprint = c.summary;
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

std::string render_markdown(const DiffReport& r) {
  const DiffResult& d = r.diff;
  std::string title =
      d.newly_allowed > 0
          ? fmt::format(":warning: **{} change(s) newly allow flows** — approval required",
                        d.newly_allowed)
      : d.changes.empty() ? std::string(":white_check_mark: **No change to any decision**")
                          : std::string(":information_source: **No flow is newly allowed**");
  std::string out = fmt::format("### flowgate diff: {} {} → {} {}\n\n{}\n\n", d.old_name,
                                d.old_version, d.new_name, d.new_version, title);
  out += fmt::format(
      "`{}` → `{}`: {} newly allowed, {} newly denied, {} obligations changed, {} legal "
      "basis changed.\n\n",
      r.before.label, r.after.label, d.newly_allowed, d.newly_denied, d.obligations_changed,
      d.legal_basis_changed);
  if (d.changes.empty()) return out;
  out +=
      "| change | flows | subjects | before → after | rules before → after | class "
      "combinations | flows |\n";
  out += "| --- | --- | --- | --- | --- | ---: | ---: |\n";
  for (const auto& c : d.changes) out += markdown_row(c);
  return out;
}

std::string text_change(const DiffChange& c, const Rule* rule) {
  std::string out =
      fmt::format("  {} {}\n", c.kind == ChangeKind::kNewlyAllowed ? "✘" : "•", c.summary);
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

std::string render_text(const DiffReport& r) {
  const DiffResult& d = r.diff;
  std::string out =
      fmt::format("flowgate diff: {} {} ({}) → {} {} ({})\n", d.old_name, d.old_version,
                  r.before.label, d.new_name, d.new_version, r.after.label);
  if (d.changes.empty()) {
    out += "No change: every flow is decided alike (verdict, obligations, legal basis).\n";
  }
  const char* headings[] = {"Newly allowed", "Newly denied", "Obligations changed",
                            "Legal basis changed"};
  for (int k = 0; k < 4; ++k) {
    bool first = true;
    for (const auto& c : d.changes) {
      if (static_cast<int>(c.kind) != k) continue;
      if (first) out += fmt::format("\n{}:\n", headings[k]);
      first = false;
      out += text_change(c, r.location_of(c));
    }
  }
  if (d.truncated) out += fmt::format("\n(truncated at {} cubes: --max-cubes)\n", r.max_cubes);
  out += fmt::format(
      "\n{} change(s): {} newly allowed, {} newly denied, {} obligations changed, {} "
      "legal basis changed ({:.1f} ms, {} node pairs)\n",
      d.changes.size(), d.newly_allowed, d.newly_denied, d.obligations_changed,
      d.legal_basis_changed, r.ms, d.product_pairs);
  return out;
}

int run_diff(const DiffCommandOptions& o) {
  Side before, after;
  ApprovalState approvals;
  if (!load_sides(o, before, after, &approvals)) return kExitInputError;
  flowgate::DiffOptions options = diff_options(before, after, o.max_cubes);
  DiffReport report{before, after, {}, 0, o.max_cubes};
  auto start = std::chrono::steady_clock::now();
  try {
    report.diff = semantic_diff(before.compiled, after.compiled, options);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "flowgate: error: {}\n", e.what());
    return kExitInputError;
  }
  report.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  std::string text = o.format == "json"       ? render_json(report)
                     : o.format == "sarif"    ? render_sarif(report)
                     : o.format == "markdown" ? render_markdown(report)
                                              : render_text(report);
  fmt::print("{}", text);
  if (report.diff.newly_allowed == 0) return kExitClean;
  return o.require_approval ? approval_exit(after, approvals) : kExitFindings;
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DiffCommandOptions>();
  CLI::App* c = app.add_subcommand(
      "diff",
      "Exactly which flows a policy change newly allows or denies, computed on the diagrams");
  c->footer(
      "OLD and NEW are policy folders, git revisions of the policy folder (git:REV) or bundle\n"
      "files (flowgate compile -o). Every class of flows whose decision, obligations or legal\n"
      "basis changed is listed as a compact cube, with counts and the rules responsible.\n"
      "Exit status: 1 when the change newly allows flows (deny → allow), 0 otherwise, 2 on input\n"
      "errors.\n"
      "Examples:\n"
      "  flowgate diff git:origin/main .                 # this branch's rules against main\n"
      "  flowgate diff git:HEAD~1 git:HEAD --format markdown > comment.md\n"
      "  flowgate diff old.fgb new.fgb --format sarif > diff.sarif\n"
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
  c->add_option("--max-cubes", o->max_cubes, "Stop listing after this many cubes")
      ->capture_default_str();
  c->callback([o, &exit_code] { exit_code = run_diff(*o); });
}

}  // namespace flowgate::cli
