// `flowgate decide`: answer data-flow queries — one from flags, or JSON lines on stdin, one JSON
// decision a line out (docs/design.md, "The public contract"). Decisions come from the runtime
// the app links, deciding on a bundle: --bundle FILE, or the policy folder compiled in memory.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "bundle/decide_query.h"
#include "bundle_source.h"
#include "commands.h"
#include "flowgate/runtime.h"
#include "model/query.h"
#include "query_input.h"

namespace flowgate::cli {
namespace {

using nlohmann::json;

struct DecideOptions {
  BundleSource source;
  QueryFlags query;
};

nlohmann::ordered_json decision_json(const runtime::Decision& d) {
  auto list = [](const runtime::StringList& strings) {
    json out = json::array();
    for (std::string_view s : strings) out.push_back(std::string(s));
    return out;
  };
  return {{"decision", d.allow() ? "allow" : "deny"},
          {"obligations", list(d.obligations())},
          {"legal_basis", list(d.legal_basis())},
          {"citations", list(d.citations())},
          {"rules", list(d.rules())},
          {"reason", std::string(d.reason())}};
}

// The decision on one query; beside an unknown-id decision, which field held which value, with
// the nearest ids (the reason says it in words).
nlohmann::ordered_json decide_json(const runtime::Bundle& bundle, const Policy* policy,
                                   const Query& query, bool* allowed) {
  runtime::UnknownId unknown;
  runtime::Decision d = decide_on_bundle(bundle, query, &unknown);
  *allowed = d.allow();
  nlohmann::ordered_json out = decision_json(d);
  if (unknown.field != runtime::QueryField::kNone) {
    UnknownIdReport report = name_unknown_id(bundle, policy, query, unknown);
    out["reason"] = "Unknown id, denied: " + report.message();
    out["unknown"] = unknown_id_json(report);
  }
  return out;
}

nlohmann::ordered_json malformed(const std::string& why) {
  return {{"decision", "deny"},           {"obligations", json::array()},
          {"legal_basis", json::array()}, {"citations", {"§0"}},
          {"rules", {"malformed-query"}}, {"reason", "malformed query, denied: " + why}};
}

int run_decide(const DecideOptions& o) {
  std::unique_ptr<Policy> policy;  // with --policy (not --bundle): names unknown ids
  auto bundle = open_bundle(o.source, &policy);
  if (!bundle) return kExitInputError;
  auto default_date = query_date(o.query);
  if (!default_date) return kExitInputError;
  bool any_deny = false;
  bool any_malformed = false;
  if (o.query.data.empty()) {  // JSON lines on stdin
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::ordered_json out;
      try {
        bool allowed = false;
        out = decide_json(*bundle, policy.get(),
                          query_from_json(parse_query_text(line), *default_date), &allowed);
        any_deny |= !allowed;
      } catch (const std::exception& e) {  // json::parse_error and std::invalid_argument
        any_malformed = true;
        out = malformed(e.what());
      }
      fmt::print("{}\n", out.dump(-1, ' ', false, json::error_handler_t::replace));
    }
  } else {
    json q = flags_to_json(o.query);
    try {
      bool allowed = false;
      auto out = decide_json(*bundle, policy.get(), query_from_json(q, *default_date), &allowed);
      any_deny = !allowed;
      fmt::print("{}\n", out.dump(2, ' ', false, json::error_handler_t::replace));

    } catch (const std::exception& e) {
      fmt::print(stderr, "flowgate: error: {}\n", e.what());
      return kExitInputError;
    }
  }
  if (any_malformed) return kExitInputError;
  return any_deny ? kExitFindings : kExitClean;
}

}  // namespace

void add_decide_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DecideOptions>();
  CLI::App* c = app.add_subcommand(
      "decide",
      "Decide data-flow queries: may this data go to this recipient, for this purpose, now?");
  c->footer(
      "With --data, decides the one query the flags describe; otherwise reads JSON lines on stdin\n"
      "and writes one JSON decision a line. A malformed line is denied, with its reason.\n"
      "An id the policy does not know (consents and features too) is denied as unknown-id, and\n"
      "named: its field, its value, the nearest ids or a group's leaves (\"unknown\" in the "
      "JSON).\n"
      "A collect stays on the device: its recipient and destination are read as device.\n"
      "Exit status: 0 all allowed, 1 some denied, 2 malformed input or a broken policy.\n"
      "Examples:\n"
      "  flowgate decide --data technical.ads.identifier --purpose advertising.targeted \\\n"
      "      --recipient advertiser.google --destination US --region US-VA --age 34\n"
      "  echo "
      "'{\"data\":\"media.photo\",\"purpose\":\"core_functionality\",\"action\":\"collect\",\n"
      "        \"subject\":{\"region\":\"DE\",\"age\":30}}' | flowgate decide");
  c->add_option("--policy", o->source.policy_dir,
                "Policy folder, compiled in memory (default: found from here upward)");
  c->add_option("--bundle", o->source.bundle_path, "Decide on this bundle (flowgate compile -o)");
  c->add_option("--trusted-key", o->source.trusted_key,
                "Public key file: refuse the bundle unless it is signed by this key");
  add_query_flags(c, o->query);
  c->callback([o, &exit_code] {
    require_complete(o->query);
    exit_code = run_decide(*o);
  });
}

}  // namespace flowgate::cli
