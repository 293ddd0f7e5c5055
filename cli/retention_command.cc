// `flowgate retention --data C --event E`: what happens to a data category on an event (the
// account deleted, the retention period expired, a legal hold), with the sentences that say so
// (docs/design.md, "Rights and retention").
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "analysis/retention.h"
#include "commands.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"

namespace flowgate::cli {
namespace {

using nlohmann::ordered_json;

struct RetentionOptions {
  std::string policy_dir;
  std::string data;
  std::string event;
  std::string format = "text";
};

ordered_json match_json(const RetentionMatch& m) {
  ordered_json j;
  j["id"] = m.id;
  j["outcome"] = m.outcome;
  j["exceptions"] = m.exceptions;
  j["citations"] = m.citations;
  j["quote"] = m.quote;
  if (!m.note.empty()) j["note"] = m.note;
  return j;
}

ordered_json answer_json(const RetentionAnswer& a) {
  ordered_json j;
  j["data"] = a.data;
  j["event"] = a.event;
  j["outcome"] = a.outcome ? ordered_json(*a.outcome) : ordered_json(nullptr);
  j["exceptions"] = a.exceptions;
  j["citations"] = a.citations;
  j["reason"] = a.reason;
  j["entries"] = ordered_json::array();
  for (const auto& m : a.entries) j["entries"].push_back(match_json(m));
  j["suspends"] = ordered_json::array();
  for (const auto& m : a.suspends) j["suspends"].push_back(match_json(m));
  return j;
}

std::string text_of(const RetentionAnswer& a) {
  std::string out =
      fmt::format("{} on {}: {}\n", a.data, a.event,
                  a.outcome ? *a.outcome : (a.conflict ? "conflict" : "no statement"));
  if (a.outcome) {
    out += fmt::format("  except on  {}\n", a.exceptions.empty()
                                                ? "(none)"
                                                : fmt::to_string(fmt::join(a.exceptions, ", ")));
  }
  auto list = [&](const char* heading, const std::vector<RetentionMatch>& matches) {
    for (const auto& m : matches) {
      out += fmt::format(
          "  {:<10} {} ({}): {}{}\n", heading, m.id, fmt::join(m.citations, ", "), m.outcome,
          m.exceptions.empty() ? ""
                               : ", except on " + fmt::to_string(fmt::join(m.exceptions, ", ")));
      out += fmt::format("             \"{}\"\n", m.quote);
    }
  };
  list("entry", a.entries);
  list("suspends", a.suspends);
  out += fmt::format("  why        {}\n", a.reason);
  return out;
}

int run_retention(const RetentionOptions& o) {
  auto policy = load_checked_policy(o.policy_dir, "nothing is answered");
  if (!policy) return kExitInputError;
  RetentionAnswer answer;
  try {
    answer = answer_retention(*policy, o.data, o.event);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "flowgate: error: {}\n", e.what());
    return kExitInputError;
  }
  if (o.format == "json") {
    fmt::print("{}\n",
               answer_json(answer).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{}", text_of(answer));
  }
  return kExitClean;
}

}  // namespace

void add_retention_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RetentionOptions>();
  CLI::App* c = app.add_subcommand(
      "retention", "What happens to a data category on an event: deleted, anonymized, retained");
  c->footer(
      "Lists the retention entries (rules/retention.yaml) whose data covers the category and "
      "whose\n"
      "event is the event, each with its outcome, the events that suspend it, its sections and "
      "its\n"
      "quoted sentence. 'outcome' is what satisfies every entry at once (delete satisfies both\n"
      "'delete' and 'delete_or_anonymize'); null when they conflict or none applies. An event "
      "that\n"
      "is only an exception (legal_hold) lists the entries it suspends.\n"
      "Exit status: 0 answered, 2 unknown category or event, or a broken policy.\n"
      "Examples:\n"
      "  flowgate retention --data media.photo --event account_deleted\n"
      "  flowgate retention --data correspondence.support --event deletion_requested --format "
      "json\n"
      "  flowgate retention --data technical --event legal_hold");
  c->add_option("--data", o->data, "Data category id, a leaf or a group: media.photo, technical")
      ->required();
  c->add_option("--event", o->event,
                "Event id (rules/vocabulary/event.yaml): account_deleted, account_deactivated,\n"
                "deletion_requested, retention_expired, legal_hold, legal_grounds_to_retain,\n"
                "legal_claim_retention_request, …")
      ->required();
  c->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  c->add_option("--policy", o->policy_dir, "Policy folder (default: found from here upward)");
  c->callback([o, &exit_code] { exit_code = run_retention(*o); });
}

}  // namespace flowgate::cli
