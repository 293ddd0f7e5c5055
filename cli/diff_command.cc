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
  std::string policy_dir, db;
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

// Runs argv (no shell); stdout to *out when given, else to `out_file` when given. Exit status, or
// -1 when it could not run.
int run_process(const std::vector<std::string>& argv, std::string* out) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string collected;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) {
    collected.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (out) *out = std::move(collected);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

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

// git:REV → the policy folder's rules/, jurisdictions/ and data_inventory.yaml at REV, extracted
// into a temporary folder.
bool load_git(const std::string& rev, const DiffCommandOptions& o, Side& side) {
  auto root = locate_policy(o.policy_dir);
  if (!root) return false;
  std::string prefix;
  if (run_process({"git", "-C", *root, "rev-parse", "--show-prefix"}, &prefix) != 0) {
    fmt::print(stderr, "flowgate: error: {}: the policy folder {} is not in a git repository\n",
               side.label, *root);
    return false;
  }
  while (!prefix.empty() && (prefix.back() == '\n' || prefix.back() == '\r')) prefix.pop_back();
  std::random_device random;
  side.temp_dir =
      fs::temp_directory_path() / fmt::format("flowgate-diff-{}-{}", getpid(), random());
  std::error_code ec;
  fs::create_directories(side.temp_dir, ec);
  std::string tar = (side.temp_dir / "rules.tar").string();
  std::string ignored;
  if (run_process({"git", "-C", *root, "archive", "--format=tar", "-o", tar, rev + ":" + prefix,
                   "rules", "jurisdictions", "data_inventory.yaml"},
                  &ignored) != 0) {
    fmt::print(stderr,
               "flowgate: error: {}: git archive failed (is '{}' a revision holding rules/, "
               "jurisdictions/ and data_inventory.yaml?)\n",
               side.label, rev);
    return false;
  }
  fs::path tree = side.temp_dir / "policy";
  fs::create_directories(tree, ec);
  if (run_process({"tar", "-x", "-f", tar, "-C", tree.string()}, &ignored) != 0) {
    fmt::print(stderr, "flowgate: error: {}: could not extract the archive\n", side.label);
    return false;
  }
  return load_rules(tree.string(), side);
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

bool load_approved(const DiffCommandOptions& o, Side& side) {
  std::string db = o.db;
  if (db.empty()) {
    auto root = locate_policy(o.policy_dir);
    if (!root) return false;
    db = (fs::path(*root) / ".flowgate" / "approvals.db").string();
  }
  std::error_code ec;
  if (!fs::exists(db, ec)) {
    fmt::print(stderr,
               "flowgate: error: no approvals database at {}\n  = help: approve a "
               "version first: flowgate approve --who NAME --note TEXT\n",
               db);
    return false;
  }
  std::unique_ptr<ApprovalStore> store;
  std::optional<Approval> latest;
  runtime::Status s = ApprovalStore::open(db, &store);
  if (s.ok()) s = store->latest(&latest);
  if (!s.ok() || !latest) {
    fmt::print(stderr, "flowgate: error: {}\n",
               s.ok() ? "nothing has been approved yet (flowgate approve)" : s.message());
    return false;
  }
  side.label = fmt::format("approval #{} ({} by {}, sha256 {})", latest->id, latest->approved_at,
                           latest->who, latest->sha256.substr(0, 12));
  return load_bundle_bytes(latest->bundle, side);
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
bool load_sides(const DiffCommandOptions& o, Side& before, Side& after) {
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
  if (!load_approved(o, before)) return false;
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
  if (!load_sides(o, before, after)) return kExitInputError;
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
  return report.diff.newly_allowed > 0 ? kExitFindings : kExitClean;
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
      "  flowgate diff --against approved                # working rules vs last approval");
  c->add_option("OLD", o->old_input, "The policy before: folder, git:REV or bundle file");
  c->add_option("NEW", o->new_input, "The policy after: folder, git:REV or bundle file");
  c->add_option("--against", o->against,
                "Compare the working rules (or NEW) with the last approved bundle")
      ->check(CLI::IsMember({"approved"}));
  c->add_option("--policy", o->policy_dir,
                "Policy folder for git:REV and --against (default: found from here upward)");
  c->add_option("--db", o->db, "Approvals database (default: POLICY/.flowgate/approvals.db)");
  c->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "markdown"}))
      ->capture_default_str();
  c->add_option("--max-cubes", o->max_cubes, "Stop listing after this many cubes")
      ->capture_default_str();
  c->callback([o, &exit_code] { exit_code = run_diff(*o); });
}

}  // namespace flowgate::cli
