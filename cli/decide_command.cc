// `flowgate decide`: answer data-flow queries — one from flags, or JSON lines on stdin, one JSON
// decision a line out (DESIGN.md, "The query and the decision"). Decisions come from the runtime
// the app links, deciding on a bundle: --bundle FILE, or the policy folder compiled in memory.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "bundle_source.h"
#include "commands.h"
#include "flowgate/runtime.h"
#include "model/query.h"

namespace flowgate::cli {
namespace {

using nlohmann::json;

struct DecideOptions {
  BundleSource source;
  std::string data, purpose, action = "transmit", recipient, destination, region;
  int age = -1;
  std::string as_of;
  bool ads_personalization_off = false;
  bool gpc = false;
  std::vector<std::string> consents, features;
};

// Reads one query object; throws std::invalid_argument with a message naming the field.
Query query_from_json(const json& j, Date default_date) {
  if (!j.is_object()) throw std::invalid_argument("a query is a JSON object");
  static const std::set<std::string> kKeys = {"data",      "purpose",     "action",  "recipient",
                                              "destination", "subject",   "as_of",   "signals"};
  for (const auto& [key, value] : j.items()) {
    if (!kKeys.count(key)) throw std::invalid_argument(fmt::format("unknown field '{}'", key));
  }
  auto text = [](const json& obj, const char* key, bool required) -> std::string {
    if (!obj.contains(key)) {
      if (required) throw std::invalid_argument(fmt::format("missing field '{}'", key));
      return {};
    }
    if (!obj[key].is_string()) throw std::invalid_argument(fmt::format("'{}' must be a string", key));
    return obj[key].get<std::string>();
  };
  Query q;
  q.data = text(j, "data", true);
  q.purpose = text(j, "purpose", true);
  std::string action = text(j, "action", true);
  if (action == "collect") {
    q.action = Action::kCollect;
  } else if (action == "transmit") {
    q.action = Action::kTransmit;
  } else {
    throw std::invalid_argument("'action' must be collect or transmit");
  }
  q.recipient = q.action == Action::kCollect ? "device" : text(j, "recipient", true);
  q.destination = q.action == Action::kCollect ? "device" : text(j, "destination", true);
  if (!j.contains("subject") || !j["subject"].is_object()) {
    throw std::invalid_argument("missing object 'subject' with its 'region'");
  }
  const json& subject = j["subject"];
  q.region = text(subject, "region", true);
  if (subject.contains("age") && !subject["age"].is_null()) {
    if (!subject["age"].is_number_integer() || subject["age"].get<int64_t>() < 0 ||
        subject["age"].get<int64_t>() > 150) {
      throw std::invalid_argument("'subject.age' must be whole years from 0 to 150");
    }
    q.age = subject["age"].get<int>();
  }
  q.as_of = default_date;
  if (j.contains("as_of")) {
    auto date = parse_date(text(j, "as_of", true));
    if (!date) throw std::invalid_argument("'as_of' must be a date, YYYY-MM-DD");
    q.as_of = *date;
  }
  if (j.contains("signals")) {
    const json& s = j["signals"];
    if (!s.is_object()) throw std::invalid_argument("'signals' must be an object");
    auto flag = [&](const char* key, bool fallback) {
      if (!s.contains(key)) return fallback;
      if (!s[key].is_boolean()) throw std::invalid_argument(fmt::format("'signals.{}' must be true or false", key));
      return s[key].get<bool>();
    };
    q.ads_personalization = flag("ads_personalization", true);
    q.gpc = flag("gpc", false);
    for (const char* key : {"consents", "features"}) {
      if (!s.contains(key)) continue;
      if (!s[key].is_array()) throw std::invalid_argument(fmt::format("'signals.{}' must be a list", key));
      for (const auto& item : s[key]) {
        if (!item.is_string()) throw std::invalid_argument(fmt::format("'signals.{}' holds ids", key));
        (std::string(key) == "consents" ? q.consents : q.features).insert(item.get<std::string>());
      }
    }
    if (s.contains("tcf") || s.contains("gpp")) {
      throw std::invalid_argument("TCF and GPP strings are not decoded yet; refusing rather than ignoring them");
    }
  }
  return q;
}

nlohmann::ordered_json decision_json(const runtime::Decision& d) {
  auto list = [](const runtime::StringList& strings) {
    json out = json::array();
    for (std::string_view s : strings) out.push_back(std::string(s));
    return out;
  };
  return {{"decision", d.allow() ? "allow" : "deny"}, {"obligations", list(d.obligations())},
          {"legal_basis", list(d.legal_basis())},      {"citations", list(d.citations())},
          {"rules", list(d.rules())},                  {"reason", std::string(d.reason())}};
}

// The runtime's string query, viewing the strings of a parsed Query.
runtime::Decision decide(const runtime::Bundle& bundle, const Query& q) {
  std::vector<std::string_view> consents(q.consents.begin(), q.consents.end());
  std::vector<std::string_view> features(q.features.begin(), q.features.end());
  runtime::StringQuery s;
  s.data = q.data;
  s.purpose = q.purpose;
  s.action = q.action == Action::kCollect ? "collect" : "transmit";
  s.recipient = q.recipient;
  s.destination = q.destination;
  s.region = q.region;
  s.age = q.age.value_or(-1);
  s.as_of_days = q.as_of.days;
  s.gpc = q.gpc;
  s.ads_personalization = q.ads_personalization;
  s.consents = consents;
  s.features = features;
  return bundle.decision(bundle.decide(s));
}

nlohmann::ordered_json malformed(const std::string& why) {
  return {{"decision", "deny"}, {"obligations", json::array()}, {"legal_basis", json::array()},
          {"citations", {"§0"}}, {"rules", {"malformed-query"}},
          {"reason", "malformed query, denied: " + why}};
}

int run_decide(const DecideOptions& o) {
  auto bundle = open_bundle(o.source);
  if (!bundle) return kExitInputError;
  Date default_date = today();
  if (!o.as_of.empty()) {
    auto date = parse_date(o.as_of);
    if (!date) {
      fmt::print(stderr, "flowgate: error: --as-of must be a date, YYYY-MM-DD\n");
      return kExitInputError;
    }
    default_date = *date;
  }
  bool any_deny = false;
  bool any_malformed = false;
  if (o.data.empty()) {  // JSON lines on stdin
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::ordered_json out;
      try {
        runtime::Decision d = decide(*bundle, query_from_json(json::parse(line), default_date));
        any_deny |= !d.allow();
        out = decision_json(d);
      } catch (const std::exception& e) {  // json::parse_error and std::invalid_argument
        any_malformed = true;
        out = malformed(e.what());
      }
      fmt::print("{}\n", out.dump(-1, ' ', false, json::error_handler_t::replace));
    }
  } else {
    json q = {{"data", o.data}, {"purpose", o.purpose}, {"action", o.action},
              {"subject", {{"region", o.region}}}};
    if (o.action == "transmit") {
      q["recipient"] = o.recipient;
      q["destination"] = o.destination;
    }
    if (o.age >= 0) q["subject"]["age"] = o.age;
    q["signals"] = {{"ads_personalization", !o.ads_personalization_off}, {"gpc", o.gpc},
                    {"consents", o.consents}, {"features", o.features}};
    try {
      runtime::Decision d = decide(*bundle, query_from_json(q, default_date));
      any_deny = !d.allow();
      fmt::print("{}\n", decision_json(d).dump(2, ' ', false, json::error_handler_t::replace));
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
  CLI::App* c = app.add_subcommand("decide", "Decide data-flow queries: may this data go to this recipient, for this purpose, now?");
  c->footer(
      "With --data, decides the one query the flags describe; otherwise reads JSON lines on stdin\n"
      "and writes one JSON decision a line. A malformed line is denied, with its reason.\n"
      "Exit status: 0 all allowed, 1 some denied, 2 malformed input or a broken policy.\n"
      "Examples:\n"
      "  flowgate decide --data technical.ads.identifier --purpose advertising.targeted \\\n"
      "      --recipient advertiser.google --destination US --region US-VA --age 34\n"
      "  echo '{\"data\":\"media.photo\",\"purpose\":\"core_functionality\",\"action\":\"collect\",\n"
      "        \"subject\":{\"region\":\"DE\",\"age\":30}}' | flowgate decide");
  c->add_option("--policy", o->source.policy_dir,
                "Policy folder, compiled in memory (default: found from here upward)");
  c->add_option("--bundle", o->source.bundle_path, "Decide on this bundle (flowgate compile -o)");
  c->add_option("--trusted-key", o->source.trusted_key,
                "Public key file: refuse the bundle unless it is signed by this key");
  c->add_option("--data", o->data, "Data category id (a leaf), e.g. technical.ads.identifier");
  c->add_option("--purpose", o->purpose, "Purpose id, e.g. advertising.targeted");
  c->add_option("--action", o->action, "collect (on the device) or transmit (leaves it)")
      ->check(CLI::IsMember({"collect", "transmit"}))
      ->capture_default_str();
  c->add_option("--recipient", o->recipient, "Recipient id, e.g. advertiser.google");
  c->add_option("--destination", o->destination, "Destination region, e.g. US, JP");
  c->add_option("--region", o->region, "Subject's region: DE, JP, US-CA");
  c->add_option("--age", o->age, "Subject's age in whole years (default: unknown)");
  c->add_option("--as-of", o->as_of, "Decide as of this date, YYYY-MM-DD (default: today)");
  c->add_flag("--ads-personalization-off", o->ads_personalization_off,
              "The in-app ads-personalization toggle is off");
  c->add_flag("--gpc", o->gpc, "A Global Privacy Control signal is present");
  c->add_option("--consent", o->consents, "A purpose the subject consented to (repeatable)");
  c->add_option("--feature", o->features, "A feature in use, e.g. bluetooth (repeatable)");
  c->callback([o, &exit_code] {
    if (!o->data.empty() && (o->purpose.empty() || o->region.empty())) {
      throw CLI::ValidationError("--data needs --purpose and --region (and --recipient and "
                                 "--destination for transmit)");
    }
    exit_code = run_decide(*o);
  });
}

}  // namespace flowgate::cli
