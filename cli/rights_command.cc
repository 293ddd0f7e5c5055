// `flowgate rights --region R [--request Q] [--as-of DATE]`: which rights a subject in a region
// has on a date, with the response deadline and extension, the policy sections and the statutes
// (docs/design.md, "Rights and retention").
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "analysis/rights.h"
#include "commands.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"

namespace flowgate::cli {
namespace {

using nlohmann::ordered_json;

struct RightsOptions {
  std::string policy_dir;
  std::string region;
  std::string request;
  std::string as_of;
  std::string format = "text";
};

ordered_json duration_json(const std::optional<Duration>& d) {
  return d ? ordered_json(format_duration(*d)) : ordered_json(nullptr);
}

// The keys docs/design.md ("Rights and retention") lists first, in its order; what else a
// machine may want after the reason.
ordered_json answer_json(const RightsAnswer& a) {
  ordered_json j;
  j["region"] = a.region;
  j["request"] = a.request;
  j["available"] = a.available;
  j["deadline"] = duration_json(a.deadline);
  j["extension"] = duration_json(a.extension);
  j["citations"] = a.citations;
  j["reason"] = a.reason;
  j["as_of"] = format_date(a.as_of);
  j["sources"] = a.sources;
  j["entries"] = a.entries;
  return j;
}

std::string text_of(const RightsAnswer& a) {
  std::string out = fmt::format("{} in {} on {}: {}\n", a.request, a.region, format_date(a.as_of),
                                a.available ? "available" : "not available");
  if (a.available) {
    out += fmt::format("  deadline   {}\n",
                       a.deadline ? format_duration(*a.deadline) : std::string("none fixed"));
    out += fmt::format("  extension  {}\n",
                       a.extension ? format_duration(*a.extension) : std::string("none fixed"));
  }
  std::string sections;
  for (const auto& section : a.citations) sections += (sections.empty() ? "" : ", ") + section;
  out += fmt::format("  policy     {}\n", sections.empty() ? "(no statement)" : sections);
  for (const auto& source : a.sources) out += fmt::format("  law        {}\n", source);
  out += fmt::format("  why        {}\n", a.reason);
  return out;
}

int run_rights(const RightsOptions& o) {
  auto as_of = as_of_date(o.as_of);
  if (!as_of) return kExitInputError;
  auto policy = load_checked_policy(o.policy_dir, "nothing is answered");
  if (!policy) return kExitInputError;
  std::vector<RightsAnswer> answers;
  try {
    if (o.request.empty()) {
      answers = answer_rights(*policy, o.region, *as_of);
    } else {
      answers.push_back(answer_right(*policy, o.region, o.request, *as_of));
    }
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "flowgate: error: {}\n", e.what());
    return kExitInputError;
  }
  if (o.format == "json") {
    ordered_json out;
    if (o.request.empty()) {
      out = ordered_json::array();
      for (const auto& a : answers) out.push_back(answer_json(a));
    } else {
      out = answer_json(answers.front());
    }
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    for (size_t i = 0; i < answers.size(); ++i) {
      fmt::print("{}{}", i ? "\n" : "", text_of(answers[i]));
    }
  }
  return kExitClean;
}

}  // namespace

void add_rights_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RightsOptions>();
  CLI::App* c = app.add_subcommand(
      "rights", "Which rights a subject in a region has on a date, and how fast to answer");
  c->footer(
      "A right is available when the law in force on the date grants it (jurisdictions/) or the\n"
      "policy promises it to that subject (rules/rights.yaml); a policy's exclusion never removes\n"
      "a statutory right, and the answer says so when the policy is out of date. Deadlines are\n"
      "ISO 8601 durations (P1M, P45D); 'citations' are the policy's sections, 'sources' the\n"
      "statutes. Without --request, every right is answered.\n"
      "Exit status: 0 answered (available or not), 2 unknown region or request, or a broken "
      "policy.\n"
      "Examples:\n"
      "  flowgate rights --region US-IA --request correct --format json\n"
      "  flowgate rights --region US-UT --request correct --as-of 2026-07-01\n"
      "  flowgate rights --region DE                 # every right, as of today");
  c->add_option("--region", o->region, "Subject's region: DE, JP, CH, US-CA (ISO 3166)")
      ->required();
  c->add_option("--request", o->request,
                "Right requested: access, portability, correct, delete, withdraw_consent, object,\n"
                "restrict, complain, opt_out_targeted_ads, opt_out_sale, opt_out_profiling,\n"
                "limit_sensitive, appeal, non_discrimination (default: all)");
  c->add_option("--as-of", o->as_of, "Answer as of this date, YYYY-MM-DD (default: today)");
  c->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  c->add_option("--policy", o->policy_dir, "Policy folder (default: found from here upward)");
  c->callback([o, &exit_code] { exit_code = run_rights(*o); });
}

}  // namespace flowgate::cli
