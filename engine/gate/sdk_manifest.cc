// read_sdk_manifest: yaml_tree + Fields, ids checked against the policy.
#include "gate/sdk_manifest.h"

#include <fmt/format.h>

#include <filesystem>

#include "analysis/unknown_ids.h"
#include "load/fields.h"
#include "load/yaml_tree.h"

namespace flowgate {
namespace {

// An id the policy does not know, named as decide names it (analysis/unknown_ids.h): the nearest
// id, a group's leaves, a country's ISO code.
void report_unknown(const Policy& policy, runtime::QueryField field, const IdRef& ref,
                    DiagnosticSink& sink) {
  UnknownIdReport report = describe_unknown_id(
      {field, 0}, ref.id, known_ids(policy, field, policy.info.effective.value_or(Date{}), ref.id));
  std::string help;
  if (report.suggestion) {
    help = fmt::format("write '{}'", *report.suggestion);
  } else if (report.group_leaves.empty()) {
    help = field == runtime::QueryField::kDestination
               ? "destinations are ISO 3166 codes of jurisdictions/regions.yaml"
               : "an id the policy does not define yet goes into rules/vocabulary/ first";
  }
  sink.error("sdk-unknown-id", ref.location, report.message(), help);
}

void check_id(const Policy& policy, VocabularyKind kind, const IdRef& ref, DiagnosticSink& sink) {
  const auto& vocabulary = policy.vocabulary(kind);
  auto index = vocabulary.find(ref.id);
  if (index && vocabulary.is_leaf(*index)) return;
  report_unknown(policy,
                 kind == VocabularyKind::kData      ? runtime::QueryField::kData
                 : kind == VocabularyKind::kPurpose ? runtime::QueryField::kPurpose
                                                    : runtime::QueryField::kRecipient,
                 ref, sink);
}

void check_region(const Policy& policy, const IdRef& ref, DiagnosticSink& sink) {
  if (!policy.regions.is_region(ref.id)) {
    report_unknown(policy, runtime::QueryField::kDestination, ref, sink);
  }
}

}  // namespace

std::optional<SdkManifest> read_sdk_manifest(const std::string& path, const Policy& policy,
                                             DiagnosticSink& sink) {
  size_t errors_before = sink.error_count();
  auto file = read_source_file(path, path, 1 << 20, sink);
  if (!file) return std::nullopt;
  auto root = parse_yaml(*file, sink);
  if (!root) return std::nullopt;
  Fields f(
      *root, "the SDK manifest", sink,
      {"sdk", "vendor", "recipient", "destinations", "routed_through_runtime", "apple_manifest",
       "data", "purposes", "tracking", "tracking_domains", "onward", "note"});
  if (!f.is_map()) return std::nullopt;
  SdkManifest m;
  m.path = path;
  m.location = root->location;
  m.sdk = f.string("sdk", true).value_or("");
  m.vendor = f.string("vendor", true).value_or("");
  if (auto r = f.id("recipient", true)) {
    check_id(policy, VocabularyKind::kRecipient, *r, sink);
    m.recipient = *r;
  }
  m.destinations = f.id_list("destinations", true);
  for (const auto& d : m.destinations) check_region(policy, d, sink);
  m.routed_through_runtime = f.boolean("routed_through_runtime", true).value_or(false);
  if (auto apple = f.string("apple_manifest", false)) {
    m.apple_manifest =
        (std::filesystem::path(path).parent_path() / *apple).lexically_normal().string();
  }
  m.data = f.id_list("data", false);
  for (const auto& d : m.data) check_id(policy, VocabularyKind::kData, d, sink);
  m.purposes = f.id_list("purposes", false);
  for (const auto& p : m.purposes) check_id(policy, VocabularyKind::kPurpose, p, sink);
  if (m.data.empty() != m.purposes.empty()) {
    sink.error("sdk-shape", m.location,
               "'data' and 'purposes' go together: each data id is declared for each purpose");
  }
  if (m.apple_manifest.empty() && m.data.empty()) {
    sink.warning("sdk-declares-nothing", m.location,
                 fmt::format("SDK '{}' declares no data and no Apple manifest", m.sdk));
  }
  m.tracking = f.boolean("tracking", false);
  if (const YamlNode* domains = f.get("tracking_domains")) {
    if (const auto* list = read_list(*domains, "'tracking_domains'", sink)) {
      for (const auto& d : *list) {
        if (auto s = read_scalar(d, "a tracking domain", sink)) m.tracking_domains.push_back(*s);
      }
    }
  }
  if (const YamlNode* onward = f.get("onward")) {
    if (const auto* list = read_list(*onward, "'onward'", sink)) {
      for (const auto& item : *list) {
        Fields o(item, "an onward transfer", sink, {"recipient", "destination"});
        if (!o.is_map()) continue;
        auto r = o.id("recipient", true);
        auto d = o.id("destination", true);
        if (!r || !d) continue;
        check_id(policy, VocabularyKind::kRecipient, *r, sink);
        check_region(policy, *d, sink);
        m.onward.push_back({*r, *d});
      }
    }
  }
  m.note = f.string("note", false).value_or("");
  if (sink.error_count() > errors_before) return std::nullopt;
  return m;
}

}  // namespace flowgate
