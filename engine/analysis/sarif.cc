// write_sarif: SarifRun → sarifLog JSON.
#include "analysis/sarif.h"

#include <nlohmann/json.hpp>

namespace flowgate {
namespace {

using nlohmann::ordered_json;

ordered_json location_json(const SarifLocation& l, bool with_base) {
  ordered_json artifact = {{"uri", l.file}};
  if (with_base) artifact["uriBaseId"] = "SRCROOT";
  ordered_json physical = {{"artifactLocation", artifact}};
  if (l.line > 0) {
    ordered_json region = {{"startLine", l.line}};
    if (l.column > 0) region["startColumn"] = l.column;
    physical["region"] = region;
  }
  ordered_json out = {{"physicalLocation", physical}};
  if (!l.message.empty()) out["message"] = {{"text", l.message}};
  return out;
}

}  // namespace

std::string write_sarif(const SarifRun& run) {
  bool with_base = !run.source_root.empty();
  ordered_json rules = ordered_json::array();
  for (const auto& r : run.rules) {
    ordered_json rule = {{"id", r.id}};
    if (!r.name.empty()) rule["name"] = r.name;
    rule["shortDescription"] = {{"text", r.short_description}};
    if (!r.help.empty()) rule["help"] = {{"text", r.help}};
    rule["defaultConfiguration"] = {{"level", r.default_level}};
    rules.push_back(rule);
  }
  ordered_json results = ordered_json::array();
  for (const auto& r : run.results) {
    ordered_json result = {{"ruleId", r.rule_id}};
    for (size_t i = 0; i < run.rules.size(); ++i) {
      if (run.rules[i].id == r.rule_id) result["ruleIndex"] = i;
    }
    result["level"] = r.level;
    result["message"] = {{"text", r.message}};
    if (!r.locations.empty()) {
      ordered_json locations = ordered_json::array();
      for (const auto& l : r.locations) locations.push_back(location_json(l, with_base));
      result["locations"] = locations;
    }
    if (!r.related_locations.empty()) {
      ordered_json related = ordered_json::array();
      for (size_t i = 0; i < r.related_locations.size(); ++i) {
        ordered_json l = location_json(r.related_locations[i], with_base);
        l["id"] = i;
        related.push_back(l);
      }
      result["relatedLocations"] = related;
    }
    if (!r.fingerprint.empty()) result["partialFingerprints"] = {{"flowgate/v1", r.fingerprint}};
    if (!r.suppression_justification.empty()) {
      result["suppressions"] =
          ordered_json::array({{{"kind", "external"},
                                {"status", "accepted"},
                                {"justification", r.suppression_justification}}});
    }
    if (!r.properties.empty()) {
      ordered_json properties = ordered_json::object();
      for (const auto& [key, value] : r.properties) properties[key] = value;
      result["properties"] = properties;
    }
    results.push_back(result);
  }
  ordered_json driver = {{"name", run.tool_name}};
  if (!run.tool_version.empty()) driver["version"] = run.tool_version;
  driver["informationUri"] = run.information_uri;
  driver["rules"] = rules;
  ordered_json out_run = {{"tool", {{"driver", driver}}}};
  if (with_base) {
    std::string root = run.source_root;
    if (root.back() != '/') root += '/';
    out_run["originalUriBaseIds"] = {{"SRCROOT", {{"uri", "file://" + root}}}};
  }
  out_run["results"] = results;
  ordered_json log = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", ordered_json::array({out_run})},
  };
  return log.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace flowgate
