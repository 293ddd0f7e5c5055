// Query input: JSON parsing with field-named errors, and the flags of a single query.
#include "query_input.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>
#include <set>

#include "flowgate/signals.h"

namespace flowgate::cli {

using nlohmann::json;

void add_query_flags(CLI::App* c, QueryFlags& q) {
  c->add_option("--data", q.data, "Data category id (a leaf), e.g. technical.ads.identifier");
  c->add_option("--purpose", q.purpose, "Purpose id, e.g. advertising.targeted");
  c->add_option("--action", q.action, "collect (on the device) or transmit (leaves it)")
      ->check(CLI::IsMember({"collect", "transmit"}))
      ->capture_default_str();
  c->add_option("--recipient", q.recipient, "Recipient id, e.g. advertiser.google");
  c->add_option("--destination", q.destination, "Destination region, e.g. US, JP");
  c->add_option("--region", q.region, "Subject's region: DE, JP, US-CA");
  c->add_option("--age", q.age, "Subject's age in whole years (default: unknown)");
  c->add_option("--as-of", q.as_of, "Decide as of this date, YYYY-MM-DD (default: today)");
  c->add_flag("--ads-personalization-off", q.ads_personalization_off,
              "The in-app ads-personalization toggle is off");
  c->add_flag("--gpc", q.gpc, "A Global Privacy Control signal is present");
  c->add_flag("--parental-consent", q.parental_consent,
              "A parent or guardian gave verifiable consent (COPPA; a child's data needs it)");
  c->add_option("--consent", q.consents, "A purpose the subject consented to (repeatable)");
  c->add_option("--feature", q.features, "A feature in use, e.g. bluetooth (repeatable)");
}

void require_complete(const QueryFlags& q) {
  if (!q.data.empty() &&
      (q.purpose.empty() || q.region.empty() ||
       (q.action == "transmit" && (q.recipient.empty() || q.destination.empty())))) {
    throw CLI::ValidationError(
        "--data needs --purpose and --region, and --recipient and "
        "--destination for transmit");
  }
}

json flags_to_json(const QueryFlags& o) {
  json q = {{"data", o.data},
            {"purpose", o.purpose},
            {"action", o.action},
            {"subject", {{"region", o.region}}}};
  if (o.action == "transmit") {
    q["recipient"] = o.recipient;
    q["destination"] = o.destination;
  }
  if (o.age) q["subject"]["age"] = *o.age;  // a negative age is refused there, not dropped
  q["signals"] = {{"ads_personalization", !o.ads_personalization_off},
                  {"gpc", o.gpc},
                  {"parental_consent", o.parental_consent},
                  {"consents", o.consents},
                  {"features", o.features}};
  return q;
}

std::optional<Date> query_date(const QueryFlags& q) {
  if (q.as_of.empty()) return today();
  auto date = parse_date(q.as_of);
  if (!date) fmt::print(stderr, "flowgate: error: --as-of must be a date, YYYY-MM-DD\n");
  return date;
}

// signals.tcf and signals.gpp, decoded by the runtime's decoders and applied as docs/signals.md
// says: a string that does not decode makes the query malformed (fail closed); a TC string (or a
// GPP string's tcfeuv2 section) grants or withholds the purposes kTcfPurposeMappings maps; a GPP
// opt-out of targeted advertising or sharing, or its GPC flag, sets gpc. What the strings say is
// also kept as the facts rules test (add_tcf_facts, add_gpp_facts), as an app deciding does.
static void apply_consent_strings(const json& s, Query& q) {
  auto string_of = [&](const char* key) -> std::optional<std::string> {
    if (!s.contains(key)) return std::nullopt;
    if (!s[key].is_string())
      throw std::invalid_argument(fmt::format("'signals.{}' must be a string", key));
    return s[key].get<std::string>();
  };
  auto apply_tcf = [&](const runtime::TcfString& tc) {
    for (const auto& m : runtime::kTcfPurposeMappings) {
      if (runtime::tcf_grants(tc, m)) {
        q.consents.insert(std::string(m.purpose));
      } else {
        q.consents.erase(std::string(m.purpose));
      }
    }
  };
  std::optional<runtime::TcfString> gpp_tc;
  if (auto text = string_of("gpp")) {
    runtime::GppString gpp;
    runtime::Status st = runtime::decode_gpp(*text, &gpp);
    if (!st.ok()) throw std::invalid_argument("'signals.gpp' does not decode: " + st.message());
    if (runtime::gpp_opts_out_of_targeted_ads(gpp)) q.gpc = true;
    runtime::add_gpp_facts(gpp, &q.consent_strings);
    gpp_tc = std::move(gpp.tcfeuv2);
  }
  if (auto text = string_of("tcf")) {
    runtime::TcfString tc;
    runtime::Status st = runtime::decode_tcf(*text, &tc);
    if (!st.ok()) throw std::invalid_argument("'signals.tcf' does not decode: " + st.message());
    apply_tcf(tc);
    runtime::add_tcf_facts(tc, &q.consent_strings);
  }
  // Both carry TCF consent: a purpose is granted only when both grant it.
  if (gpp_tc) {
    for (const auto& m : runtime::kTcfPurposeMappings) {
      if (!runtime::tcf_grants(*gpp_tc, m)) q.consents.erase(std::string(m.purpose));
    }
    if (!s.contains("tcf")) apply_tcf(*gpp_tc);
  }
}

// A misspelt field must not be dropped: `"GPC": true` ignored would decide as if no signal were
// sent, and allow what the signal denies. `prefix` names the enclosing object in the message.
static void refuse_unknown_keys(const json& object, const std::set<std::string>& known,
                                std::string_view prefix) {
  for (const auto& [key, value] : object.items()) {
    if (!known.count(key)) {
      std::vector<std::string> names(known.begin(), known.end());
      throw std::invalid_argument(
          fmt::format("unknown field '{}{}' (known: {})", prefix, key, fmt::join(names, ", ")));
    }
  }
}

json parse_query_text(std::string_view text) {
  // nlohmann's lexer ends the input at a NUL byte, so "{…}\0garbage" would read as the object
  // alone: a line that is not all JSON must not be decided on.
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    throw std::invalid_argument(fmt::format("NUL byte at column {}", nul + 1));
  }
  // nlohmann keeps the last of duplicate keys; a query that says a field twice is ambiguous.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto refuse_duplicates = [&](int depth, json::parse_event_t event, json& parsed) {
    (void)depth;
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() &&
            !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        break;
      default:
        break;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text.begin(), text.end(), refuse_duplicates);
  } catch (const json::out_of_range& e) {
    // A number past double's range ("1e400") is json::out_of_range 406, not a parse_error.
    throw std::invalid_argument(e.what());
  }
  if (!duplicate.empty()) {
    throw std::invalid_argument(fmt::format("duplicate field '{}'", duplicate));
  }
  return j;
}

Query query_from_json(const json& j, Date default_date) {
  if (!j.is_object()) throw std::invalid_argument("a query is a JSON object");
  refuse_unknown_keys(
      j, {"data", "purpose", "action", "recipient", "destination", "subject", "as_of", "signals"},
      "");
  auto text = [](const json& obj, const char* key, bool required) -> std::string {
    if (!obj.contains(key)) {
      if (required) throw std::invalid_argument(fmt::format("missing field '{}'", key));
      return {};
    }
    if (!obj[key].is_string())
      throw std::invalid_argument(fmt::format("'{}' must be a string", key));
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
  refuse_unknown_keys(subject, {"region", "age"}, "subject.");
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
    refuse_unknown_keys(
        s, {"ads_personalization", "gpc", "parental_consent", "consents", "features", "tcf", "gpp"},
        "signals.");
    auto flag = [&](const char* key, bool fallback) {
      if (!s.contains(key)) return fallback;
      if (!s[key].is_boolean())
        throw std::invalid_argument(fmt::format("'signals.{}' must be true or false", key));
      return s[key].get<bool>();
    };
    q.ads_personalization = flag("ads_personalization", true);
    q.gpc = flag("gpc", false);
    q.parental_consent = flag("parental_consent", false);
    for (const char* key : {"consents", "features"}) {
      if (!s.contains(key)) continue;
      if (!s[key].is_array())
        throw std::invalid_argument(fmt::format("'signals.{}' must be a list", key));
      for (const auto& item : s[key]) {
        if (!item.is_string())
          throw std::invalid_argument(fmt::format("'signals.{}' holds ids", key));
        (std::string(key) == "consents" ? q.consents : q.features).insert(item.get<std::string>());
      }
    }
    apply_consent_strings(s, q);
  }
  return q;
}

}  // namespace flowgate::cli
