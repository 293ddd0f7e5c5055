// How a query reaches the CLI: the JSON object of docs/design.md ("The public contract"), or
// flags for one query. Shared by the commands that decide (decide, explain).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/unknown_ids.h"
#include "flowgate/runtime.h"
#include "model/query.h"

namespace flowgate::cli {

struct QueryFlags {
  std::string data, purpose, action = "transmit", recipient, destination, region;
  std::optional<int> age;  // absent: unknown
  std::string as_of;
  bool ads_personalization_off = false;
  bool gpc = false;
  bool parental_consent = false;
  std::vector<std::string> consents, features;
};

void add_query_flags(CLI::App* command, QueryFlags& flags);
// One query's JSON text, strictly: the whole text is one JSON value (no NUL byte, no trailing
// bytes) and no object names a key twice. Throws std::invalid_argument or json::parse_error.
nlohmann::json parse_query_text(std::string_view text);
// With --data, the flags must describe a whole query; throws CLI::ValidationError otherwise.
void require_complete(const QueryFlags& flags);
// The flags as the query JSON (docs/design.md, "The public contract").
nlohmann::json flags_to_json(const QueryFlags& flags);
// --as-of, or today; prints an error and returns nullopt when it is not a date.
std::optional<Date> query_date(const QueryFlags& flags);
// Reads one query object; throws std::invalid_argument with a message naming the field. A TC or
// GPP string (signals.tcf, signals.gpp) is decoded and applied to the query's consents and gpc
// (docs/signals.md); one that does not decode makes the query malformed (fail closed).
Query query_from_json(const nlohmann::json& j, Date default_date);

// The id a query held in the field the runtime reported unknown, in words: named from the policy
// (its vocabulary groups, region names) when at hand, else from the bundle's ids alone.
UnknownIdReport name_unknown_id(const runtime::Bundle& bundle, const Policy* policy,
                                const Query& query, runtime::UnknownId where);
// {"field": "data", "value": "media", "group": [...]} or {…, "suggestion": "DE"}; the position for
// consents and features.
nlohmann::ordered_json unknown_id_json(const UnknownIdReport& report);

}  // namespace flowgate::cli
