// `flowgate explain`: why a query is decided as it is — the path through the compiled diagram,
// the decision, and every rule whose match and condition hold, marked as deciding, agreeing or
// overridden, with the sentence of the policy it encodes.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "compile/compiler.h"
#include "compile/diagram_walk.h"
#include "flowgate/toolchain.h"
#include "model/combine.h"
#include "model/policy.h"
#include "query_input.h"
#include "reference/reference_evaluator.h"

namespace flowgate::cli {
namespace {

using nlohmann::ordered_json;

struct ExplainOptions {
  std::string policy_dir;
  QueryFlags query;
  std::string format = "text";
};

// "in force from 2026-01-01" or "in force 2024-10-01 to 2026-06-30".
std::string in_force_text(const Statute& s) {
  return s.until ? fmt::format("in force {} to {}", format_date(s.effective), format_date(*s.until))
                 : fmt::format("in force from {}", format_date(s.effective));
}

int run_explain(const ExplainOptions& o) {
  CompiledPolicy compiled;
  auto policy = load_checked_policy(o.policy_dir, "nothing is explained", nullptr, &compiled);
  if (!policy) return kExitInputError;
  auto date = query_date(o.query);
  if (!date) return kExitInputError;
  Query query;
  try {
    if (o.query.data.empty()) {
      std::string text((std::istreambuf_iterator<char>(std::cin)),
                       std::istreambuf_iterator<char>());
      query = query_from_json(parse_query_text(text), *date);
    } else {
      query = query_from_json(flags_to_json(o.query), *date);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "flowgate: error: malformed query: {}\n", e.what());
    return kExitInputError;
  }
  Walk walk = walk_diagram(compiled, query);
  Decision decision = compiled.decisions[walk.decision];
  // An unknown id: which field held which value, with the nearest ids (as decide says it).
  std::optional<UnknownIdReport> unknown;
  if (walk.unknown_id) unknown = find_unknown_id(*policy, query);
  if (unknown) decision.reason = "Unknown id, denied: " + unknown->message();
  std::vector<const Rule*> matched;
  if (!walk.unknown_id) {
    for (const auto& rule : policy->rules) {
      if (rule_matches(rule, *policy, query)) matched.push_back(&rule);
    }
  }
  // A rule named by the decision decided it. Another deny also denies (the decision names the
  // first, combine.h; so does another requirement of a legal basis); on an allowed flow another
  // allow also allows, and an oblige or basis rule whose obligations and bases an earlier rule
  // already gave also applies. Any other rule that matched a denied flow was overridden.
  // Denied for want of a legal basis (the decision names a requirement): every requirement that
  // matched asks for one.
  const bool basis_missing =
      !decision.allow && std::any_of(matched.begin(), matched.end(), [&](const Rule* rule) {
        return rule->effect == Effect::kRequireBasis && !decision.rules.empty() &&
               decision.rules.front() == rule->id;
      });
  auto role = [&](const Rule* rule) -> std::string {
    if (std::find(decision.rules.begin(), decision.rules.end(), rule->id) != decision.rules.end())
      return "decided";
    if (rule->effect == Effect::kDeny) return "also denies";
    if (rule->effect == Effect::kRequireBasis && basis_missing) return "also denies";
    if (!decision.allow) return "overridden";
    return rule->effect == Effect::kAllow ? "also allows" : "also applies";
  };

  if (o.format == "json") {
    ordered_json path = ordered_json::array();
    for (const auto& step : walk.steps) path.push_back({{"node", step.node}, {"test", step.label}});
    ordered_json rules = ordered_json::array();
    for (const Rule* rule : matched) {
      ordered_json entry = {
          {"id", rule->id},
          {"effect", effect_name(rule->effect)},
          {"role", role(rule)},
          {"citations", cited_sections(*rule)},
          {"quote", rule->quote},
          {"file", fmt::format("{}:{}", rule->location.file, rule->location.line)}};
      if (const auto& s = rule->statute) {
        entry["statute"] = {{"law", s->law},
                            {"section", s->section},
                            {"source", s->source},
                            {"effective", format_date(s->effective)},
                            {"until", s->until ? ordered_json(format_date(*s->until)) : nullptr}};
      }
      if (!rule->derived_from.empty()) entry["derived_from"] = rule->derived_from;
      rules.push_back(std::move(entry));
    }
    ordered_json out = {{"decision", decision.allow ? "allow" : "deny"},
                        {"obligations", decision.obligations},
                        {"legal_basis", decision.legal_basis},
                        {"citations", decision.citations},
                        {"rules", decision.rules},
                        {"reason", decision.reason},
                        {"path", path},
                        {"matched_rules", rules}};
    if (unknown) out["unknown"] = unknown_id_json(*unknown);
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{} — {}\n", decision.allow ? "ALLOW" : "DENY", decision.reason);
    if (!decision.obligations.empty()) {
      fmt::print("  obligations: {}\n", fmt::join(decision.obligations, ", "));
    }
    if (!decision.legal_basis.empty()) {
      fmt::print("  legal basis: {}\n", fmt::join(decision.legal_basis, ", "));
    }
    fmt::print("  citations: {}\n\n", fmt::join(decision.citations, ", "));
    fmt::print("Path through the decision diagram ({} nodes):\n", compiled.nodes.size());
    if (walk.unknown_id) fmt::print("  (none: the query names an id the policy does not know)\n");
    for (const auto& step : walk.steps) fmt::print("  node {:>4}: {}\n", step.node, step.label);
    fmt::print("\nRules whose match and condition hold ({}):\n", matched.size());
    if (matched.empty()) fmt::print("  none — the default deny (§0) applies\n");
    for (const Rule* rule : matched) {
      std::string r = role(rule);
      fmt::print("  {} {:<12} {} [{}] ({}) {}:{}\n",
                 r == "decided"      ? "✔"
                 : r == "overridden" ? "✘"
                                     : "·",
                 r, rule->id, effect_name(rule->effect), fmt::join(cited_sections(*rule), ", "),
                 rule->location.file, rule->location.line);
      if (const auto& s = rule->statute) {
        fmt::print("      law: {}, {} ({}); {}\n", s->law, s->section, in_force_text(*s),
                   s->source);
      }
      if (!rule->derived_from.empty()) {
        fmt::print("      derived from {}: the item is collected only under their conditions\n",
                   fmt::join(rule->derived_from, ", "));
      }
      fmt::print("      \"{}\"\n", rule->quote);
    }
  }
  return decision.allow ? kExitClean : kExitFindings;
}

}  // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ExplainOptions>();
  CLI::App* c = app.add_subcommand(
      "explain",
      "Explain one decision: the diagram's path and every rule that matched or was overridden");
  c->footer(
      "Takes one query by flags, or one JSON query on stdin (the format of flowgate decide).\n"
      "Exit status: 0 allowed, 1 denied, 2 malformed input or a broken policy.\n"
      "Example:\n"
      "  flowgate explain --data media.photo --purpose core_functionality \\\n"
      "      --recipient service_provider.cloud_storage --destination JP --region US-CA --age 30");
  c->add_option("--policy", o->policy_dir, "Policy folder (default: found from here upward)");
  add_query_flags(c, o->query);
  c->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  c->callback([o, &exit_code] {
    require_complete(o->query);
    exit_code = run_explain(*o);
  });
}

}  // namespace flowgate::cli
