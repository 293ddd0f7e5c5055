// Query input: JSON parsing with field-named errors, and the flags of a single query.
#include "query_input.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>
#include <set>

#include "bundle/decide_query.h"
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

// signals.tcf and signals.gpp, decoded and applied by the runtime's decode_consent_strings (the
// C API's fg_query_set_consent_strings applies the same): a string that does not decode makes the
// query malformed (fail closed); the TCF purposes grant or withhold the policy purposes
// kTcfPurposeMappings maps; a GPP opt-out of targeted advertising sets gpc; what the strings say
// is kept as the facts rules test.
static void apply_consent_strings(const json& s, Query& q) {
  auto string_of = [&](const char* key) -> std::optional<std::string> {
    if (!s.contains(key)) return std::nullopt;
    if (!s[key].is_string())
      throw std::invalid_argument(fmt::format("'signals.{}' must be a string", key));
    return s[key].get<std::string>();
  };
  std::optional<std::string> tcf = string_of("tcf"), gpp = string_of("gpp");
  if (!tcf && !gpp) return;
  runtime::ConsentStringEffects effects;
  runtime::Status st = runtime::decode_consent_strings(tcf, gpp, &effects);
  if (!st.ok()) throw std::invalid_argument(st.message());
  if (effects.opts_out_of_targeted_ads) q.gpc = true;
  q.consent_strings = effects.facts;
  for (size_t i = 0; i < std::size(runtime::kTcfPurposeMappings); ++i) {
    std::string purpose(runtime::kTcfPurposeMappings[i].purpose);
    if (effects.purposes[i] > 0) q.consents.insert(purpose);
    if (effects.purposes[i] < 0) q.consents.erase(purpose);
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

UnknownIdReport name_unknown_id(const runtime::Bundle& bundle, const Policy* policy,
                                const Query& query, runtime::UnknownId where) {
  std::string value = query_field_value(query, where);
  if (policy != nullptr) {
    KnownIds known = known_ids(*policy, where.field, query.as_of, value);
    return describe_unknown_id(where, std::move(value), known);
  }
  using runtime::QueryField;
  std::vector<std::string> leaves;
  auto all = [&](size_t count, auto id_at) {
    for (size_t i = 0; i < count; ++i) leaves.emplace_back(id_at(i));
  };
  switch (where.field) {
    case QueryField::kData:
      all(bundle.data_count(), [&](size_t i) { return bundle.data_id(i); });
      break;
    case QueryField::kPurpose:
    case QueryField::kConsent:
      all(bundle.purpose_count(), [&](size_t i) { return bundle.purpose_id(i); });
      break;
    case QueryField::kRecipient:
      all(bundle.recipient_count(), [&](size_t i) { return bundle.recipient_id(i); });
      break;
    case QueryField::kFeature:
      all(bundle.feature_count(), [&](size_t i) { return bundle.feature_id(i); });
      break;
    case QueryField::kDestination:
      leaves.emplace_back("device");
      [[fallthrough]];
    case QueryField::kRegion:
      all(bundle.region_count(), [&](size_t i) { return bundle.region_id(i); });
      break;
    case QueryField::kAction:
      leaves = {"collect", "transmit"};
      break;
    default:
      break;
  }
  return describe_unknown_id(where, std::move(value), known_ids(std::move(leaves)));
}

nlohmann::ordered_json unknown_id_json(const UnknownIdReport& r) {
  const auto index = static_cast<size_t>(r.field);
  nlohmann::ordered_json out = {{"field", index < std::size(runtime::kQueryFieldNames)
                                              ? runtime::kQueryFieldNames[index]
                                              : std::string_view("")}};
  if (r.field == runtime::QueryField::kConsent || r.field == runtime::QueryField::kFeature) {
    out["position"] = r.position;
  }
  out["value"] = r.value;
  if (!r.group_leaves.empty()) out["group"] = r.group_leaves;
  if (r.suggestion) out["suggestion"] = *r.suggestion;
  return out;
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
  // A collect's recipient and destination may be left out; whatever it names, every engine reads
  // them as `device` (docs/design.md, "The query").
  const bool collect = q.action == Action::kCollect;
  q.recipient = text(j, "recipient", !collect);
  q.destination = text(j, "destination", !collect);
  if (collect && q.recipient.empty()) q.recipient = "device";
  if (collect && q.destination.empty()) q.destination = "device";
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
