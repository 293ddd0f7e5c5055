// load_policy: the load stage's driver. Finds the policy's YAML files, parses each, dispatches its
// sections to their readers (sections.h), then assembles the model: vocabulary DAGs, the region
// catalog with the groups derived from US state facts, and the policy text that citations and
// quotes refer to.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "flowgate/load.h"
#include "load/sections.h"

namespace flowgate {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> yaml_files_under(const fs::path& dir, DiagnosticSink& sink,
                                       size_t max_files) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (it.depth() > 8) {
      it.disable_recursion_pending();
      continue;
    }
    auto extension = it->path().extension();
    if ((extension == ".yaml" || extension == ".yml") && it->is_regular_file(ec)) {
      out.push_back(it->path());
    }
    if (out.size() > max_files) {
      sink.error("too-many-files", {dir.string(), 0, 0},
                 fmt::format("more than {} YAML files under this folder", max_files));
      break;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void read_file(const fs::path& path, const fs::path& root, Place place, const LoadOptions& options,
               LoadState& state) {
  std::string display = path.lexically_relative(root).generic_string();
  if (display.empty() || display.rfind("..", 0) == 0) display = path.generic_string();
  auto source = read_source_file(path.string(), display, options.max_file_bytes, state.sink);
  if (!source) return;
  state.policy.files.push_back(std::make_unique<SourceFile>(std::move(*source)));
  const SourceFile& file = *state.policy.files.back();
  auto root_node = parse_yaml(file, state.sink);
  if (!root_node) return;
  if (root_node->is_null()) {
    state.sink.warning("empty-file", {display, 0, 0}, "file holds no YAML content");
    return;
  }
  read_document(*root_node, file, place, state);
}

}  // namespace

void read_document(const YamlNode& node, const SourceFile& file, Place place, LoadState& state) {
  if (place == Place::kRules && node.is_map() && node.find("vocabulary")) {
    read_vocabulary(node, file, state);
    return;
  }
  if (place == Place::kJurisdictions && node.is_map() && node.find("jurisdiction")) {
    read_jurisdiction(node, file, state);
    return;
  }
  switch (place) {
    case Place::kRules: {
      Fields top(node, "a file under rules/", state.sink,
                 {"policy", "rules", "retention", "rights", "vocabulary", "terms", "unencoded"});
      if (!top.is_map()) return;
      if (const YamlNode* n = top.get("terms")) {
        state.sink.error("missing-key", n->location,
                         "'terms' needs 'vocabulary: KIND' in the same file");
      }
      if (const YamlNode* n = top.get("policy")) read_policy_info(*n, file, state);
      if (const YamlNode* n = top.get("rules")) read_rules(*n, file, place, state);
      if (const YamlNode* n = top.get("retention")) read_retention(*n, file, state);
      if (const YamlNode* n = top.get("rights")) read_rights(*n, file, state);
      if (const YamlNode* n = top.get("unencoded")) read_unencoded(*n, file, state);
      return;
    }
    case Place::kJurisdictions: {
      Fields top(node, "a file under jurisdictions/", state.sink,
                 {"regions", "region_groups", "digital_consent_ages", "jurisdiction", "rules"});
      if (!top.is_map()) return;
      if (const YamlNode* n = top.get("rules")) read_rules(*n, file, place, state);
      if (const YamlNode* n = top.get("regions")) read_regions(*n, file, state);
      if (const YamlNode* n = top.get("region_groups")) read_region_groups(*n, file, state);
      if (const YamlNode* n = top.get("digital_consent_ages")) {
        read_digital_consent_ages(*n, file, state);
      }
      return;
    }
    case Place::kInventory: {
      Fields top(node, "data_inventory.yaml", state.sink, {"inventory"});
      if (const YamlNode* n = top.require("inventory")) read_inventory(*n, file, state);
      return;
    }
  }
}

// A derived group is computed from facts, so conditions can follow the law as it changes.
void derive_us_groups(LoadState& state) {
  RegionGroup privacy_law{"US_PRIVACY_LAW",
                          "US states whose comprehensive consumer privacy law is in force",
                          "derived from the law facts in jurisdictions/us/",
                          {"(derived)", 0, 0},
                          {},
                          {},
                          true};
  RegionGroup opt_out{"US_UNIVERSAL_OPT_OUT",
                      "US states whose law requires honouring a universal opt-out signal (GPC)",
                      "derived from the universal_opt_out facts in jurisdictions/us/",
                      {"(derived)", 0, 0},
                      {},
                      {},
                      true};
  for (const auto& j : state.policy.jurisdictions) {
    if (j.id.rfind("US-", 0) != 0) continue;
    privacy_law.members.push_back({j.id, j.law.effective, std::nullopt, j.law.source, j.location});
    for (const auto& fact : j.universal_opt_out) {
      if (fact.required) {
        opt_out.members.push_back({j.id, fact.effective, fact.until, fact.source, fact.location});
      }
    }
  }
  state.region_groups.push_back(std::move(privacy_law));
  state.region_groups.push_back(std::move(opt_out));
}

// GDPR_ART8_AGE_13 … _16: the regions whose age of digital consent (GDPR Art. 8(1)) is that age,
// each from the day its entry takes effect to the day before the region's next entry does.
void derive_consent_age_groups(LoadState& state) {
  std::map<std::string, std::vector<const DigitalConsentAge*>> by_region;
  for (const auto& entry : state.policy.digital_consent_ages) {
    by_region[entry.region.id].push_back(&entry);
  }
  std::map<int, RegionGroup> groups;
  for (int age = 13; age <= 16; ++age) {
    groups[age] = {fmt::format("GDPR_ART8_AGE_{}", age),
                   fmt::format("Regions whose age of digital consent (GDPR Art. 8(1)) is {}", age),
                   "derived from jurisdictions/eu/digital_consent_age.yaml",
                   {"(derived)", 0, 0},
                   {},
                   {},
                   true};
  }
  for (auto& [region, entries] : by_region) {
    std::sort(entries.begin(), entries.end(),
              [](auto* a, auto* b) { return a->effective < b->effective; });
    for (size_t i = 0; i < entries.size(); ++i) {
      std::optional<Date> until;
      if (i + 1 < entries.size()) until = Date{entries[i + 1]->effective.days - 1};
      if (until && *until < entries[i]->effective) continue;  // replaced on the same day
      groups[entries[i]->age].members.push_back(
          {region, entries[i]->effective, until, entries[i]->source, entries[i]->location});
    }
  }
  for (auto& [age, group] : groups) state.region_groups.push_back(std::move(group));
}

namespace {

void load_policy_text(const fs::path& root, LoadState& state, const LoadOptions& options) {
  const PolicyInfo& info = state.policy.info;
  if (info.text_path.empty()) {
    if (info.name.empty()) {
      state.sink.error("missing-policy-info", {"rules/policy.yaml", 0, 0},
                       "no file under rules/ has a 'policy' section",
                       "add rules/policy.yaml with policy: {name, version, text}");
    }
    return;
  }
  fs::path text_path = root / "rules" / info.text_path;
  auto source =
      read_source_file(text_path.string(), ("rules" / fs::path(info.text_path)).generic_string(),
                       options.max_file_bytes, state.sink);
  if (source) {
    state.policy.text = std::make_unique<SourceFile>(std::move(*source));
  } else {
    state.sink.error("missing-policy-text", info.location,
                     fmt::format("the policy text '{}' cannot be read", info.text_path),
                     "'text' is a path relative to rules/");
  }
}

}  // namespace

bool is_policy_dir(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(fs::path(dir) / "rules", ec) &&
         fs::is_directory(fs::path(dir) / "jurisdictions", ec);
}

std::optional<std::string> find_policy_dir(const std::string& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return std::nullopt;
  for (; !dir.empty(); dir = dir.parent_path()) {
    if (is_policy_dir(dir.string())) return dir.string();
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

std::unique_ptr<Policy> load_policy(const std::string& dir, DiagnosticSink& sink,
                                    const LoadOptions& options) {
  auto policy = std::make_unique<Policy>();
  policy->root = dir;
  LoadState state{*policy, sink, {}, {}};
  const fs::path root(dir);
  if (!is_policy_dir(dir)) {
    sink.error("not-a-policy", {dir, 0, 0},
               "not a policy folder: it needs rules/ and jurisdictions/",
               "run inside a policy folder, or name one with --policy DIR");
    return policy;
  }
  for (const auto& path : yaml_files_under(root / "rules", sink, options.max_files)) {
    read_file(path, root, Place::kRules, options, state);
  }
  for (const auto& path : yaml_files_under(root / "jurisdictions", sink, options.max_files)) {
    read_file(path, root, Place::kJurisdictions, options, state);
  }
  std::error_code ec;
  if (fs::exists(root / "data_inventory.yaml", ec)) {
    read_file(root / "data_inventory.yaml", root, Place::kInventory, options, state);
  } else {
    sink.warning("missing-inventory", {"data_inventory.yaml", 0, 0},
                 "the policy folder has no data_inventory.yaml",
                 "declare what the app collects and where it flows, so lint can check it");
  }

  for (size_t k = 0; k < kVocabularyKinds; ++k) {
    policy->vocabularies[k] =
        Vocabulary::build(static_cast<VocabularyKind>(k), std::move(state.terms[k]), sink);
  }
  derive_us_groups(state);
  derive_consent_age_groups(state);
  for (auto& group : state.region_groups) policy->regions.add_group(std::move(group), sink);
  policy->regions.resolve(sink);
  load_policy_text(root, state, options);
  return policy;
}

}  // namespace flowgate
