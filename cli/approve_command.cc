// `flowgate approve`: record a bundle as approved (engine/store/approvals.h), or list approvals.
// `flowgate diff --against approved` then compares the working rules with the last approved one.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bundle/bundle_writer.h"
#include "commands.h"
#include "compile/compiler.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"
#include "store/approvals.h"

namespace flowgate::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct ApproveOptions {
  std::string policy_dir, bundle_path, db, who, note;
  bool list = false;
  std::string format = "text";
};

ordered_json approval_json(const Approval& a) {
  return {{"id", a.id},
          {"sha256", a.sha256},
          {"policy_name", a.policy_name},
          {"policy_version", a.policy_version},
          {"who", a.who},
          {"approved_at", a.approved_at},
          {"note", a.note}};
}

int run_approve(const ApproveOptions& o) {
  std::string db = o.db;
  std::optional<std::string> root;
  if (db.empty() || (o.bundle_path.empty() && !o.list)) {
    root = locate_policy(o.policy_dir);
    if (!root) return kExitInputError;
    if (db.empty()) db = (fs::path(*root) / ".flowgate" / "approvals.db").string();
  }
  std::error_code ec;
  if (fs::path(db).has_parent_path()) fs::create_directories(fs::path(db).parent_path(), ec);
  std::unique_ptr<ApprovalStore> store;
  if (runtime::Status s = ApprovalStore::open(db, &store); !s.ok()) {
    fmt::print(stderr, "flowgate: error: {}\n", s.message());
    return kExitInputError;
  }
  if (o.list) {
    std::vector<Approval> all;
    if (runtime::Status s = store->list(&all, false); !s.ok()) {
      fmt::print(stderr, "flowgate: error: {}: {}\n", db, s.message());
      return kExitInputError;
    }
    if (o.format == "json") {
      ordered_json out = ordered_json::array();
      for (const auto& a : all) out.push_back(approval_json(a));
      fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      if (all.empty()) fmt::print("No approvals yet in {}\n", db);
      for (const auto& a : all) {
        fmt::print("#{:<4} {}  {} {}  sha256 {}  by {}: {}\n", a.id, a.approved_at, a.policy_name,
                   a.policy_version, a.sha256.substr(0, 16), a.who, a.note);
      }
    }
    return kExitClean;
  }
  if (o.who.empty() || o.note.empty()) {
    fmt::print(stderr, "flowgate: error: approve needs --who and --note\n");
    return kExitInputError;
  }
  std::string bytes;
  if (!o.bundle_path.empty()) {
    auto read = read_bounded_file(o.bundle_path, kMaxBundleFileBytes, "bundle");
    if (!read) return kExitInputError;
    bytes = std::move(*read);
  } else {
    auto policy = load_checked_policy(*root, "nothing is approved");
    if (!policy) return kExitInputError;
    bytes = encode_bundle(compile_policy(*policy));
  }
  Approval a;
  if (runtime::Status s = store->record(bytes, o.who, o.note, &a); !s.ok()) {
    fmt::print(stderr, "flowgate: error: {}: {}\n", db, s.message());
    return kExitInputError;
  }
  if (o.format == "json") {
    fmt::print("{}\n",
               approval_json(a).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("Approved #{}: {} {} (sha256 {}) by {} at {} in {}\n", a.id, a.policy_name,
               a.policy_version, a.sha256, a.who, a.approved_at, db);
  }
  return kExitClean;
}

}  // namespace

void add_approve_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ApproveOptions>();
  CLI::App* c = app.add_subcommand(
      "approve", "Record a compiled policy bundle as approved (SQLite), or list the approvals");
  c->footer(
      "Records the bundle's SHA-256, policy name and version, who, when (UTC) and a note, with\n"
      "the bundle bytes, in POLICY/.flowgate/approvals.db (or --db). Without --bundle the policy\n"
      "folder is compiled in memory, as flowgate compile would. flowgate diff --against approved\n"
      "compares the working rules with the last approval.\n"
      "Exit status: 0 recorded (or listed), 2 on input errors.\n"
      "Examples:\n"
      "  flowgate approve --who 'A. Officer' --note 'Q4 review, ticket PRIV-42'\n"
      "  flowgate approve --bundle policy.fgb --who ci --note 'release 1.8' --db approvals.db\n"
      "  flowgate approve --list --format json");
  c->add_option("--policy", o->policy_dir, "Policy folder (default: found from here upward)");
  c->add_option("--bundle", o->bundle_path, "Approve this bundle file (flowgate compile -o)");
  c->add_option("--db", o->db, "Approvals database (default: POLICY/.flowgate/approvals.db)");
  c->add_option("--who", o->who, "Who approves");
  c->add_option("--note", o->note, "Why: the review, ticket or release");
  c->add_flag("--list", o->list, "List the approvals, oldest first");
  c->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  c->callback([o, &exit_code] { exit_code = run_approve(*o); });
}

}  // namespace flowgate::cli
