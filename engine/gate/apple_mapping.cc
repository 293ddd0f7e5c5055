// load_apple_mapping: yaml_tree + Fields, then completeness and vocabulary checks.
#include "gate/apple_mapping.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "gate/apple_manifest.h"
#include "load/fields.h"
#include "load/yaml_tree.h"

namespace flowgate {
namespace {

bool is_leaf(const Policy& policy, VocabularyKind kind, const std::string& id) {
  const auto& vocabulary = policy.vocabulary(kind);
  auto index = vocabulary.find(id);
  return index && vocabulary.is_leaf(*index);
}

void check_leaf(const Policy& policy, VocabularyKind kind, const std::string& id,
                const SourceLocation& where, DiagnosticSink& sink) {
  if (!is_leaf(policy, kind, id)) {
    sink.error(
        "mapping-unknown-id", where,
        fmt::format("'{}' is not a {} leaf of the policy's vocabulary", id, vocabulary_name(kind)));
  }
}

void read_terms(const YamlNode* node, std::string_view section, VocabularyKind kind,
                const std::vector<std::string_view>& apple_values, const Policy& policy,
                std::map<std::string, AppleTermMapping>& out, DiagnosticSink& sink) {
  if (!node) return;
  const auto* list = read_list(*node, fmt::format("'{}'", section), sink);
  if (!list) return;
  for (const auto& item : *list) {
    Fields f(item, fmt::format("an entry of '{}'", section), sink,
             {"apple", "ours", "none", "recipient", "note"});
    if (!f.is_map()) continue;
    AppleTermMapping m;
    m.location = item.location;
    m.apple = f.string("apple", true).value_or("");
    for (const auto& ref : f.id_list("ours", false)) {
      check_leaf(policy, kind, ref.id, ref.location, sink);
      m.ours.push_back(ref.id);
    }
    m.none_reason = f.string("none", false).value_or("");
    m.note = f.string("note", false).value_or("");
    if (auto r = f.id("recipient", false)) {
      check_leaf(policy, VocabularyKind::kRecipient, r->id, r->location, sink);
      m.recipient = r->id;
    }
    if (m.apple.empty()) continue;
    if (std::find(apple_values.begin(), apple_values.end(), m.apple) == apple_values.end()) {
      sink.error("mapping-unknown-apple", m.location,
                 fmt::format("'{}' is not one of Apple's documented values", m.apple));
      continue;
    }
    if (m.ours.empty() == m.none_reason.empty()) {
      sink.error("mapping-shape", m.location,
                 fmt::format("'{}' needs either 'ours' (our ids) or 'none' (why the policy has "
                             "no counterpart), not both or neither",
                             m.apple));
    }
    if (out.count(m.apple)) {
      sink.error("mapping-duplicate", m.location, fmt::format("'{}' is mapped twice", m.apple));
      continue;
    }
    out.emplace(m.apple, std::move(m));
  }
  for (auto value : apple_values) {
    if (!out.count(std::string(value))) {
      sink.error("mapping-incomplete", {node->location.file, node->location.line, 0},
                 fmt::format("Apple's '{}' is not mapped", value),
                 "map it to our ids, or to `none` with the reason");
    }
  }
}

void read_declarations(const YamlNode* node, std::string_view section, VocabularyKind kind,
                       const Policy& policy, std::vector<StoreDeclaration>& out,
                       DiagnosticSink& sink) {
  if (!node) return;
  const auto* list = read_list(*node, fmt::format("'{}'", section), sink);
  if (!list) return;
  for (const auto& item : *list) {
    Fields f(item, fmt::format("an entry of '{}'", section), sink,
             {"ours", "store", "category", "linked"});
    if (!f.is_map()) continue;
    StoreDeclaration d;
    d.location = item.location;
    if (auto id = f.id("ours", true)) {
      check_leaf(policy, kind, id->id, id->location, sink);
      d.ours = id->id;
    }
    d.store = f.string("store", true).value_or("");
    d.category = f.string("category", false).value_or("");
    d.linked = f.boolean("linked", false).value_or(true);
    out.push_back(std::move(d));
  }
}

}  // namespace

const StoreDeclaration* AppleMapping::find(const std::vector<StoreDeclaration>& table,
                                           const std::string& ours) const {
  for (const auto& d : table) {
    if (d.ours == ours) return &d;
  }
  return nullptr;
}

std::string default_mapping_path(const std::string& policy_dir) {
  return (std::filesystem::path(policy_dir) / "mappings" / "apple.yaml").string();
}

std::optional<AppleMapping> load_apple_mapping(const std::string& path, const Policy& policy,
                                               DiagnosticSink& sink) {
  size_t errors_before = sink.error_count();
  auto file = read_source_file(path, path, 1 << 20, sink);
  if (!file) return std::nullopt;
  auto root = parse_yaml(*file, sink);
  if (!root) return std::nullopt;
  Fields top(*root, "the mapping file", sink, {"apple", "play_data_safety"});
  if (!top.is_map()) return std::nullopt;
  AppleMapping mapping;
  mapping.path = path;
  if (const YamlNode* apple = top.require("apple")) {
    Fields f(*apple, "'apple'", sink,
             {"default_destination", "data_types", "purposes", "emit_data", "emit_purposes"});
    if (auto d = f.id("default_destination", true)) {
      if (!policy.regions.is_region(d->id)) {
        sink.error("mapping-unknown-id", d->location,
                   fmt::format("'{}' is not a region id", d->id));
      }
      mapping.default_destination = d->id;
    }
    read_terms(f.require("data_types"), "data_types", VocabularyKind::kData, apple_data_types(),
               policy, mapping.data_types, sink);
    read_terms(f.require("purposes"), "purposes", VocabularyKind::kPurpose, apple_purposes(),
               policy, mapping.purposes, sink);
    read_declarations(f.require("emit_data"), "emit_data", VocabularyKind::kData, policy,
                      mapping.emit_data, sink);
    read_declarations(f.require("emit_purposes"), "emit_purposes", VocabularyKind::kPurpose, policy,
                      mapping.emit_purposes, sink);
    for (const auto& d : mapping.emit_data) {
      if (!mapping.data_types.count(d.store)) {
        sink.error("mapping-unknown-apple", d.location,
                   fmt::format("'{}' is not a mapped Apple data type", d.store));
      }
    }
    for (const auto& d : mapping.emit_purposes) {
      if (!mapping.purposes.count(d.store)) {
        sink.error("mapping-unknown-apple", d.location,
                   fmt::format("'{}' is not a mapped Apple purpose", d.store));
      }
    }
    for (const auto& [name, purpose] : mapping.purposes) {
      if (!purpose.ours.empty() && purpose.recipient.empty()) {
        sink.error("mapping-shape", purpose.location,
                   fmt::format("'{}' needs a 'recipient': who receives when an SDK ships only "
                               "Apple's manifest",
                               name));
      }
    }
  }
  if (const YamlNode* play = top.require("play_data_safety")) {
    Fields f(*play, "'play_data_safety'", sink, {"data", "purposes"});
    read_declarations(f.require("data"), "data", VocabularyKind::kData, policy, mapping.play_data,
                      sink);
    read_declarations(f.require("purposes"), "purposes", VocabularyKind::kPurpose, policy,
                      mapping.play_purposes, sink);
  }
  if (sink.error_count() > errors_before) return std::nullopt;
  return mapping;
}

}  // namespace flowgate
