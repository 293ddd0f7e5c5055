// `flowgate approve`: sign an approval record of the compiled policy and write it into the
// repository (approvals/, engine/store/approvals.h; docs/approvals.md), once the policy is ready:
// it checks, lint finds nothing new beyond the baseline, the policy tests pass, and the policy
// files are committed, so the record names exactly what HEAD compiles to. `--list` shows the
// verified records. The local index (.flowgate/approvals.db) gets a copy of the bundle too.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "analysis/lint_findings.h"
#include "analysis/policy_tests.h"
#include "approved_policy.h"
#include "bundle/bundle_writer.h"
#include "commands.h"
#include "compile/compiler.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"
#include "runtime/hex.h"
#include "store/approvals.h"

namespace flowgate::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct ApproveOptions {
  std::string policy_dir, who, key_path, note, db;
  bool list = false, verbose = false;
  std::string format = "text";
};

// Why the policy is not ready to approve: each with what to do (exit 1).
struct Refusal {
  std::string reason;
  std::vector<std::string> details;  // the findings, failing tests or changed files
  std::string fix;
};

struct ApproveResult {
  std::vector<Refusal> refusals;
  ApprovalRecord record;  // when not refused
  std::string file;       // approvals/….yaml, relative to the policy folder
  std::string index_warning;
};

// Where the record is, then the fields its signature covers (approval_message), which are all of
// its fields but the signature.
ordered_json record_json(const ApprovalRecord& r) {
  ordered_json j = {{"file", r.path}};
  j.update(ordered_json::parse(approval_message(r)));
  return j;
}

std::string dump(const ordered_json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

int run_list(const std::string& root, const ApproveOptions& o) {
  auto state = read_approval_state(root);
  if (!state) return kExitInputError;
  if (o.format == "json") {
    ordered_json out = ordered_json::array();
    for (const auto& r : state->records) out.push_back(record_json(r));
    fmt::print("{}", dump(out));
    return kExitClean;
  }
  if (state->records.empty()) fmt::print("No approval records in {}/\n", kApprovalsDir);
  for (const auto& r : state->records) {
    fmt::print("{}  {} {}  digest {}  by {}: {}  ({})\n", r.approved_at, r.policy_name,
               r.policy_version, r.digest.substr(0, 12), r.approver, r.note, r.path);
  }
  return kExitClean;
}

// Lint findings at or above warning that the baseline does not hold. nullopt on a broken
// baseline (printed).
std::optional<std::vector<Finding>> new_lint_findings(const Policy& policy,
                                                      const std::string& root) {
  DiagnosticSink sink;
  Baseline baseline = read_baseline((fs::path(root) / kBaselineFile).string(), kBaselineFile, sink);
  if (sink.has_errors()) {
    fmt::print(stderr, "{}", render_text(sink.sorted(), nullptr, false));
    return std::nullopt;
  }
  LintOptions options;
  options.as_of = today();
  std::vector<Finding> findings = lint_policy(policy, options);
  apply_baseline(baseline, findings);
  std::vector<Finding> fresh;
  for (auto& f : findings) {
    if (at_or_above(f.severity, Severity::kWarning) && !f.baselined) fresh.push_back(std::move(f));
  }
  return fresh;
}

// Everything approve decides, before anything is written. nullopt on input errors (printed).
std::optional<ApproveResult> compute_approval(const ApproveOptions& o, const std::string& root,
                                              const Policy& policy, std::string* bundle) {
  ApproveResult result;
  // Who: a listed approver whose listed key is the given secret key's public half.
  auto state = read_approval_state(root);
  if (!state) return std::nullopt;
  const Approver* approver = find_approver(state->approvers, o.who);
  if (approver == nullptr) {
    std::vector<std::string> names;
    for (const auto& a : state->approvers) names.push_back(a.name);
    fmt::print(stderr,
               "flowgate: error: '{}' is not an approver in {} (approvers: {})\n  = help: give "
               "--who a listed name or email; a new approver is added to {} in a reviewed "
               "change\n",
               o.who, kApproversFile,
               names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")), kApproversFile);
    return std::nullopt;
  }
  SecretKey secret;
  if (runtime::Status s = read_secret_key_file(o.key_path, &secret); !s.ok()) {
    fmt::print(stderr,
               "flowgate: error: {}\n  = help: --key is the approver's secret key file "
               "(flowgate keygen --secret FILE --public FILE.pub)\n",
               s.message());
    return std::nullopt;
  }
  if (public_key_of(secret).bytes != approver->key.bytes) {
    fmt::print(stderr,
               "flowgate: error: the key {} is not {}'s: {} lists {} for them\n  = help: sign "
               "with your own secret key; if it changed, update your key in {} in a reviewed "
               "change first\n",
               o.key_path, approver->name, kApproversFile,
               runtime::to_hex(approver->key.bytes).substr(0, 16) + "…", kApproversFile);
    return std::nullopt;
  }

  // What was compiled is what HEAD holds: no uncommitted edit to the policy, tests or baseline.
  auto changes = uncommitted_changes(root, {std::begin(kApprovalPaths), std::end(kApprovalPaths)});
  if (!changes) return std::nullopt;
  if (!changes->empty()) {
    result.refusals.push_back(
        {"the policy has uncommitted changes, so the approval would not name what was compiled",
         *changes, "commit them (git commit), then approve the commit"});
  }
  auto fresh = new_lint_findings(policy, root);
  if (!fresh) return std::nullopt;
  if (!fresh->empty()) {
    Refusal r{fmt::format("lint finds {} new finding(s) beyond {}", fresh->size(), kBaselineFile),
              {},
              "fix them, or review each and add it to the baseline (flowgate lint "
              "--update-baseline, then write its reason)"};
    for (const auto& f : *fresh) {
      r.details.push_back(fmt::format("{}:{}:{}: {}: {}", f.location.file, f.location.line,
                                      f.location.column, f.code, f.message));
    }
    result.refusals.push_back(std::move(r));
  }
  CompiledPolicy compiled = compile_policy(policy);
  std::vector<std::string> test_files = default_policy_test_files(root);
  DiagnosticSink test_sink;
  auto tests = load_policy_tests(test_files, today(), test_sink);
  if (test_sink.has_errors()) {
    fmt::print(stderr, "{}", render_text(test_sink.sorted(), nullptr, false));
    fmt::print(stderr, "flowgate: error: the policy tests do not load; nothing is approved\n");
    return std::nullopt;
  }
  PolicyTestRun run = run_policy_tests(policy, compiled, tests);
  if (run.failed > 0) {
    Refusal r{fmt::format("{} of {} policy test(s) fail", run.failed, run.results.size()),
              {},
              "run flowgate test, fix the rules or the tests, commit, then approve"};
    for (const auto& t : run.results) {
      if (t.passed) continue;
      r.details.push_back(fmt::format("{}:{}:{}: {}", t.test->location.file, t.test->location.line,
                                      t.test->location.column, t.test->name));
    }
    result.refusals.push_back(std::move(r));
  }
  if (!result.refusals.empty()) return result;

  auto source = head_policy_source(root);
  if (!source) return std::nullopt;
  ApprovalRecord& r = result.record;
  r.policy_name = policy.info.name;
  r.policy_version = policy.info.version;
  r.digest = compiled_policy_digest(compiled, bundle);
  r.source = *source;
  r.approver = approver->name;
  r.key = runtime::to_hex(approver->key.bytes);
  r.approved_at = utc_timestamp();
  r.note = o.note;
  r.signature = sign_detached(approval_message(r), secret);
  result.file = (fs::path(kApprovalsDir) / approval_file_name(r)).string();
  r.path = result.file;
  return result;
}

void render_refusals(const ApproveResult& result, bool verbose) {
  constexpr size_t kShown = 5;
  fmt::print(stderr, "flowgate: approve refused: nothing was written\n");
  for (const auto& r : result.refusals) {
    fmt::print(stderr, "  ✘ {}\n", r.reason);
    size_t shown = verbose ? r.details.size() : std::min(r.details.size(), kShown);
    for (size_t i = 0; i < shown; ++i) fmt::print(stderr, "      {}\n", r.details[i]);
    if (shown < r.details.size()) {
      fmt::print(stderr, "      … and {} more (--verbose)\n", r.details.size() - shown);
    }
    fmt::print(stderr, "    = help: {}\n", r.fix);
  }
}

int run_approve(const ApproveOptions& o) {
  auto root = locate_policy(o.policy_dir);
  if (!root) return kExitInputError;
  if (o.list) return run_list(*root, o);
  if (o.who.empty() || o.key_path.empty() || o.note.empty()) {
    fmt::print(stderr,
               "flowgate: error: approve needs --who, --key and --note\n  = help: flowgate "
               "approve --who NAME --key SECRET.key --note 'review, ticket'\n");
    return kExitInputError;
  }
  auto policy = load_checked_policy(*root, "nothing is approved");
  if (!policy) return kExitInputError;
  std::string bundle;
  auto result = compute_approval(o, *root, *policy, &bundle);
  if (!result) return kExitInputError;
  if (!result->refusals.empty()) {
    if (o.format == "json") {
      ordered_json refusals = ordered_json::array();
      for (const auto& r : result->refusals) {
        refusals.push_back({{"reason", r.reason}, {"details", r.details}, {"fix", r.fix}});
      }
      fmt::print("{}", dump({{"approved", false}, {"refusals", refusals}}));
    }
    render_refusals(*result, o.verbose);
    return kExitFindings;
  }

  const fs::path path = fs::path(*root) / result->file;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (runtime::Status s =
          write_file_atomically(path.string(), render_approval_record(result->record));
      !s.ok()) {
    fmt::print(stderr, "flowgate: error: {}\n", s.message());
    return kExitInputError;
  }
  // The local index: a convenience beside the record, never the only copy.
  const std::string db =
      o.db.empty() ? (fs::path(*root) / ".flowgate" / "approvals.db").string() : o.db;
  fs::create_directories(fs::path(db).parent_path(), ec);
  std::unique_ptr<ApprovalStore> store;
  runtime::Status s = ApprovalStore::open(db, &store);
  if (s.ok()) s = store->record(bundle, result->record.approver, result->record.note, nullptr);
  if (!s.ok()) result->index_warning = s.message();

  const ApprovalRecord& r = result->record;
  if (o.format == "json") {
    ordered_json out = {{"approved", true}, {"record", record_json(r)}};
    if (!result->index_warning.empty()) out["index_warning"] = result->index_warning;
    fmt::print("{}", dump(out));
  } else {
    fmt::print("Approved {} {} (digest {}) by {}: wrote {}\n", r.policy_name, r.policy_version,
               r.digest.substr(0, 12), r.approver, result->file);
    fmt::print("  next: git add {} && git commit -m 'Approve policy {}'\n", result->file,
               r.policy_version);
    if (o.verbose) {
      fmt::print("  digest {}\n  commit {}\n  at {}\n", r.digest, r.source.commit, r.approved_at);
    }
  }
  if (!result->index_warning.empty()) {
    fmt::print(stderr, "flowgate: warning: the local index {} was not updated: {}\n", db,
               result->index_warning);
  }
  return kExitClean;
}

}  // namespace

void add_approve_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ApproveOptions>();
  CLI::App* c = app.add_subcommand(
      "approve", "Sign an approval record of the compiled policy into approvals/ (commit it)");
  c->footer(
      "Compiles the committed policy and writes approvals/<version>-<digest>-<approver>.yaml:\n"
      "the compiled policy's digest (SHA-256 of its bundle, unsigned, no serial), the policy's\n"
      "name and version, the git objects of rules/, jurisdictions/ and data_inventory.yaml at\n"
      "HEAD (so diff can extract the approved policy again), who, when (UTC), the note, and an\n"
      "Ed25519 signature with the approver's key. approvers.yaml at the policy root lists who\n"
      "may approve (name, email, role, public key). Review the record and commit it with the\n"
      "change; flowgate diff --against approved --require-approval in CI then accepts the\n"
      "change. docs/approvals.md explains the workflow.\n"
      "Refuses, writing nothing, while: check fails (exit 2); lint has findings not in\n"
      "lint-baseline.yaml; a policy test fails; rules/, jurisdictions/, data_inventory.yaml,\n"
      "policy_tests/ or lint-baseline.yaml have uncommitted or untracked changes (git status)\n"
      "(exit 1); --who is not in approvers.yaml or --key is not their key (exit 2).\n"
      "Exit status: 0 written (or listed), 1 refused (policy not ready), 2 input errors.\n"
      "Examples:\n"
      "  flowgate keygen --secret ~/.flowgate/ana.key --public ana.pub  # list ana.pub's key\n"
      "  flowgate approve --who 'A. Officer' --key ~/.flowgate/ana.key --note 'PRIV-42'\n"
      "  git add approvals/ && git commit -m 'Approve policy 2026-01-30'\n"
      "  flowgate approve --list --format json");
  c->add_option("--policy", o->policy_dir, "Policy folder (default: found from here upward)");
  c->add_option("--who", o->who, "The approver: a name or email listed in approvers.yaml");
  c->add_option("--key", o->key_path, "The approver's secret key file (flowgate keygen)");
  c->add_option("--note", o->note, "Why: the review, ticket or release");
  c->add_option("--db", o->db, "Local index (default: POLICY/.flowgate/approvals.db)");
  c->add_flag("--list", o->list, "List the verified approval records, oldest first");
  c->add_flag("--verbose", o->verbose, "Every refusal detail; the record's full digest");
  c->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  c->callback([o, &exit_code] { exit_code = run_approve(*o); });
}

}  // namespace flowgate::cli
