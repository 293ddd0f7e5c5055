// write_sarif: SarifRun → sarifLog JSON.
#include "analysis/sarif.h"

#include <nlohmann/json.hpp>
#include <span>

#include "runtime/hex.h"
#include "runtime/sha256.h"

namespace flowgate {
namespace {

using nlohmann::ordered_json;

ordered_json location_json(const SarifLocation& l, bool with_base) {
  ordered_json artifact = {{"uri", l.file}};
  if (with_base) artifact["uriBaseId"] = "SRCROOT";
  ordered_json physical = {{"artifactLocation", artifact}};
  // GitHub places an alert on a line: the whole file is its first line.
  ordered_json region = {{"startLine", l.line > 0 ? l.line : 1}};
  if (l.line > 0 && l.column > 0) region["startColumn"] = l.column;
  physical["region"] = region;
  ordered_json out = {{"physicalLocation", physical}};
  if (!l.message.empty()) out["message"] = {{"text", l.message}};
  return out;
}

ordered_json rule_json(const SarifRule& r) {
  ordered_json rule = {{"id", r.id}};
  if (!r.name.empty()) rule["name"] = r.name;
  rule["shortDescription"] = {{"text", r.short_description}};
  rule["fullDescription"] = {
      {"text", r.full_description.empty() ? r.short_description : r.full_description}};
  std::string help = r.help.empty() ? r.short_description : r.help;
  rule["help"] = {{"text", help}, {"markdown", r.help_markdown.empty() ? help : r.help_markdown}};
  if (!r.help_uri.empty()) rule["helpUri"] = r.help_uri;
  rule["defaultConfiguration"] = {{"level", r.default_level}};
  return rule;
}

}  // namespace

std::string sarif_fingerprint(std::string_view rule_id, std::string_view key,
                              std::string_view artifact) {
  runtime::Sha256 hash;
  for (std::string_view part : {rule_id, key, artifact}) {
    hash.update(part.data(), part.size());
    hash.update("", 1);
  }
  auto digest = hash.finish();
  return runtime::to_hex(std::span<const uint8_t>(digest.data(), 16));
}

std::string write_sarif(const SarifRun& run) {
  bool with_base = !run.source_root.empty();
  ordered_json rules = ordered_json::array();
  for (const auto& r : run.rules) rules.push_back(rule_json(r));
  ordered_json results = ordered_json::array();
  for (const auto& r : run.results) {
    ordered_json result = {{"ruleId", r.rule_id}};
    for (size_t i = 0; i < run.rules.size(); ++i) {
      if (run.rules[i].id == r.rule_id) result["ruleIndex"] = i;
    }
    result["level"] = r.level;
    result["message"] = {{"text", r.message}};
    std::vector<SarifLocation> locations = r.locations;
    if (locations.empty() && !run.default_artifact.empty()) {
      locations.push_back({run.default_artifact, 1, 0, ""});
    }
    if (!locations.empty()) {
      ordered_json list = ordered_json::array();
      for (const auto& l : locations) list.push_back(location_json(l, with_base));
      result["locations"] = list;
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
    std::string artifact = locations.empty() ? "" : locations.front().file;
    std::string key = !r.fingerprint.empty() ? r.fingerprint
                      : locations.empty()    ? ""
                                             : std::to_string(locations.front().line);
    result["partialFingerprints"] = {
        {"flowgate/v1", sarif_fingerprint(r.rule_id, key, artifact)}};
    if (!r.suppression_justification.empty()) {
      result["suppressions"] =
          ordered_json::array({{{"kind", "external"},
                                {"status", "accepted"},
                                {"justification", r.suppression_justification}}});
    }
    if (!r.properties.empty()) {
      ordered_json properties = ordered_json::object();
      for (const auto& [key_name, value] : r.properties) properties[key_name] = value;
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
