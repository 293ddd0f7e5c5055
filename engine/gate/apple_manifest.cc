// parse_apple_manifest: pugixml does the XML; this file refuses what a plist never needs (DTD
// subsets, entity declarations), walks the tree under budgets, and reads the four keys.
#include "gate/apple_manifest.h"

#include <fmt/format.h>

#include <pugixml.hpp>
#include <utility>

namespace flowgate {
namespace {

class Reader {
 public:
  Reader(const SourceFile& file, DiagnosticSink& sink, const AppleManifestLimits& limits)
      : file_(file), sink_(sink), limits_(limits) {}

  SourceLocation at(pugi::xml_node node) const {
    ptrdiff_t offset = node.offset_debug();
    return offset < 0 ? SourceLocation{file_.path(), 0, 0}
                      : file_.location(static_cast<size_t>(offset));
  }
  void error(std::string code, SourceLocation where, std::string message, std::string help = {}) {
    sink_.error(std::move(code), std::move(where), std::move(message), std::move(help));
    ok_ = false;
  }
  bool ok() const { return ok_; }

  // Refuses DTD subsets and entity declarations before any parsing.
  bool screen_text() {
    const std::string& text = file_.text();
    if (auto pos = text.find("<!ENTITY"); pos != std::string::npos) {
      error("manifest-entity", file_.location(pos),
            "entity declarations are not allowed in a privacy manifest",
            "a plist never declares entities; this file may be an entity-expansion attack");
    }
    for (auto pos = text.find("<!DOCTYPE"); pos != std::string::npos;
         pos = text.find("<!DOCTYPE", pos + 1)) {
      auto end = text.find('>', pos);
      std::string_view doctype(text.data() + pos,
                               (end == std::string::npos ? text.size() : end) - pos);
      if (doctype.find('[') != std::string_view::npos) {
        error("manifest-dtd", file_.location(pos),
              "an internal DTD subset is not allowed in a privacy manifest",
              "keep only <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" …>");
      } else if (doctype != "<!DOCTYPE plist" &&
                 doctype.rfind("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\"", 0) != 0 &&
                 doctype.rfind("<!DOCTYPE plist PUBLIC \"-//Apple Computer//DTD PLIST 1.0//EN\"",
                               0) != 0) {
        error("manifest-dtd", file_.location(pos),
              "the DOCTYPE is not Apple's property-list DOCTYPE (a SYSTEM or other external "
              "identifier is not allowed)",
              "a privacy manifest starts with <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST "
              "1.0//EN\" …>");
      }
    }
    return ok_;
  }

  // Nesting depth and element count, iteratively (no recursion on untrusted depth).
  bool check_budgets(const pugi::xml_document& doc) {
    std::vector<std::pair<pugi::xml_node, size_t>> stack;
    for (auto child : doc.children()) stack.emplace_back(child, 1);
    size_t elements = 0;
    while (!stack.empty()) {
      auto [node, depth] = stack.back();
      stack.pop_back();
      if (node.type() != pugi::node_element) continue;
      if (++elements > limits_.max_elements) {
        error("manifest-too-large", at(node),
              fmt::format("more than {} elements in a privacy manifest", limits_.max_elements));
        return false;
      }
      if (depth > limits_.max_depth) {
        error("manifest-too-deep", at(node),
              fmt::format("elements nest deeper than {} levels", limits_.max_depth),
              "a privacy manifest nests at most six levels");
        return false;
      }
      for (auto child : node.children()) stack.emplace_back(child, depth + 1);
    }
    return true;
  }

  // Element children only; reports stray text (whitespace-only text is not kept by pugixml).
  std::vector<pugi::xml_node> elements(pugi::xml_node node) {
    std::vector<pugi::xml_node> out;
    for (auto child : node.children()) {
      if (child.type() == pugi::node_element) {
        out.push_back(child);
      } else if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
        error("manifest-structure", at(child),
              fmt::format("unexpected text inside <{}>", node.name()));
      }
    }
    return out;
  }

  std::optional<std::string> string_of(pugi::xml_node node, std::string_view what) {
    if (std::string_view(node.name()) != "string") {
      error("manifest-type", at(node),
            fmt::format("{} must be a <string>, found <{}>", what, node.name()));
      return std::nullopt;
    }
    std::string value = node.text().get();
    if (value.size() > limits_.max_string) {
      error("manifest-too-large", at(node),
            fmt::format("{} is longer than {} characters", what, limits_.max_string));
      return std::nullopt;
    }
    if (value.find('&') != std::string::npos) {
      error("manifest-entity", at(node),
            fmt::format("{} holds an entity reference that XML does not define", what));
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> bool_of(pugi::xml_node node, std::string_view what) {
    std::string_view name = node.name();
    if (name == "true" || name == "false") {
      if (node.first_child()) {
        error("manifest-structure", at(node), fmt::format("<{}/> must be empty", name));
      }
      return name == "true";
    }
    error("manifest-type", at(node),
          fmt::format("{} must be <true/> or <false/>, found <{}>", what, name));
    return std::nullopt;
  }

  std::vector<std::string> strings_of(pugi::xml_node node, std::string_view what,
                                      std::vector<SourceLocation>* locations = nullptr) {
    std::vector<std::string> out;
    if (std::string_view(node.name()) != "array") {
      error("manifest-type", at(node),
            fmt::format("{} must be an <array>, found <{}>", what, node.name()));
      return out;
    }
    for (auto item : elements(node)) {
      if (auto s = string_of(item, what)) {
        out.push_back(std::move(*s));
        if (locations) locations->push_back(at(item));
      }
    }
    return out;
  }

  // A <dict> as (key, value) pairs in file order; reports odd shapes and duplicate keys.
  std::vector<std::pair<std::string, pugi::xml_node>> dict_of(pugi::xml_node node,
                                                              std::string_view what) {
    std::vector<std::pair<std::string, pugi::xml_node>> out;
    if (std::string_view(node.name()) != "dict") {
      error("manifest-type", at(node),
            fmt::format("{} must be a <dict>, found <{}>", what, node.name()));
      return out;
    }
    auto children = elements(node);
    for (size_t i = 0; i < children.size(); i += 2) {
      auto key = children[i];
      if (std::string_view(key.name()) != "key") {
        error("manifest-structure", at(key),
              fmt::format("expected <key> in {}, found <{}>", what, key.name()));
        return out;
      }
      if (i + 1 == children.size()) {
        error("manifest-structure", at(key),
              fmt::format("<key>{}</key> in {} has no value", key.text().get(), what));
        return out;
      }
      std::string name = key.text().get();
      for (const auto& [seen, _] : out) {
        if (seen == name) {
          error("manifest-duplicate-key", at(key),
                fmt::format("key '{}' appears twice in {}", name, what));
        }
      }
      out.emplace_back(std::move(name), children[i + 1]);
    }
    return out;
  }

  void read_collected(pugi::xml_node node, AppleManifest& manifest) {
    if (std::string_view(node.name()) != "array") {
      error("manifest-type", at(node),
            fmt::format("NSPrivacyCollectedDataTypes must be an <array>, found <{}>", node.name()));
      return;
    }
    for (auto entry : elements(node)) {
      AppleCollectedType type;
      type.location = at(entry);
      bool has_type = false;
      for (const auto& [key, value] : dict_of(entry, "a collected data type")) {
        if (key == "NSPrivacyCollectedDataType") {
          if (auto s = string_of(value, key)) type.type = *s, has_type = true;
        } else if (key == "NSPrivacyCollectedDataTypeLinked") {
          if (auto b = bool_of(value, key)) type.linked = *b;
        } else if (key == "NSPrivacyCollectedDataTypeTracking") {
          if (auto b = bool_of(value, key)) type.tracking = *b;
        } else if (key == "NSPrivacyCollectedDataTypePurposes") {
          type.purposes = strings_of(value, key);
        }
      }
      if (std::string_view(entry.name()) != "dict") continue;
      if (!has_type) {
        error("manifest-missing-key", type.location,
              "a collected data type has no NSPrivacyCollectedDataType");
        continue;
      }
      manifest.collected.push_back(std::move(type));
    }
  }

  void read_apis(pugi::xml_node node, AppleManifest& manifest) {
    if (std::string_view(node.name()) != "array") {
      error("manifest-type", at(node),
            fmt::format("NSPrivacyAccessedAPITypes must be an <array>, found <{}>", node.name()));
      return;
    }
    for (auto entry : elements(node)) {
      AppleAccessedApi api;
      api.location = at(entry);
      for (const auto& [key, value] : dict_of(entry, "an accessed API type")) {
        if (key == "NSPrivacyAccessedAPIType") {
          if (auto s = string_of(value, key)) api.category = *s;
        } else if (key == "NSPrivacyAccessedAPITypeReasons") {
          api.reasons = strings_of(value, key);
        }
      }
      if (!api.category.empty()) manifest.accessed_apis.push_back(std::move(api));
    }
  }

  std::optional<AppleManifest> read(const pugi::xml_document& doc) {
    AppleManifest manifest;
    manifest.path = file_.path();
    auto root = doc.document_element();
    if (!root || std::string_view(root.name()) != "plist") {
      error("manifest-not-plist", root ? at(root) : SourceLocation{file_.path(), 1, 1},
            fmt::format("not a property list: the root element is <{}>, not <plist>",
                        root ? root.name() : ""),
            "a privacy manifest is PrivacyInfo.xcprivacy, an XML plist");
      return std::nullopt;
    }
    auto top = elements(root);
    if (top.size() != 1) {
      error("manifest-structure", at(root),
            fmt::format("<plist> must hold exactly one <dict>, found {} elements", top.size()));
      return std::nullopt;
    }
    for (const auto& [key, value] : dict_of(top[0], "the manifest")) {
      if (key == "NSPrivacyTracking") {
        manifest.tracking = bool_of(value, key);
        manifest.tracking_location = at(value);
      } else if (key == "NSPrivacyTrackingDomains") {
        manifest.tracking_domains = strings_of(value, key, &manifest.tracking_domain_locations);
      } else if (key == "NSPrivacyCollectedDataTypes") {
        read_collected(value, manifest);
      } else if (key == "NSPrivacyAccessedAPITypes") {
        read_apis(value, manifest);
      }
    }
    if (!ok_) return std::nullopt;
    return manifest;
  }

 private:
  const SourceFile& file_;
  DiagnosticSink& sink_;
  const AppleManifestLimits& limits_;
  bool ok_ = true;
};

}  // namespace

std::optional<AppleManifest> parse_apple_manifest(const SourceFile& file, DiagnosticSink& sink,
                                                  const AppleManifestLimits& limits) {
  Reader reader(file, sink, limits);
  if (file.text().size() > limits.max_bytes) {
    reader.error("manifest-too-large", {file.path(), 0, 0},
                 fmt::format("the manifest is {} bytes; the limit is {}", file.text().size(),
                             limits.max_bytes));
    return std::nullopt;
  }
  if (!reader.screen_text()) return std::nullopt;
  pugi::xml_document doc;
  // parse_escapes expands only XML's five entities and character references; DOCTYPE kept so the
  // tree mirrors the file. No PIs, no comments in the tree.
  auto result = doc.load_buffer(file.text().data(), file.text().size(),
                                pugi::parse_default | pugi::parse_doctype, pugi::encoding_utf8);
  if (!result) {
    reader.error("manifest-xml",
                 file.location(static_cast<size_t>(std::max<ptrdiff_t>(0, result.offset))),
                 fmt::format("malformed XML: {}", result.description()));
    return std::nullopt;
  }
  if (!reader.check_budgets(doc)) return std::nullopt;
  return reader.read(doc);
}

std::optional<AppleManifest> read_apple_manifest(const std::string& filesystem_path,
                                                 const std::string& display_path,
                                                 DiagnosticSink& sink,
                                                 const AppleManifestLimits& limits) {
  auto file = read_source_file(filesystem_path, display_path, limits.max_bytes, sink);
  if (!file) return std::nullopt;
  return parse_apple_manifest(*file, sink, limits);
}

const std::vector<std::string_view>& apple_data_types() {
  static const std::vector<std::string_view> types = {
      "NSPrivacyCollectedDataTypeName",
      "NSPrivacyCollectedDataTypeEmailAddress",
      "NSPrivacyCollectedDataTypePhoneNumber",
      "NSPrivacyCollectedDataTypePhysicalAddress",
      "NSPrivacyCollectedDataTypeOtherUserContactInfo",
      "NSPrivacyCollectedDataTypeHealth",
      "NSPrivacyCollectedDataTypeFitness",
      "NSPrivacyCollectedDataTypePaymentInfo",
      "NSPrivacyCollectedDataTypeCreditInfo",
      "NSPrivacyCollectedDataTypeOtherFinancialInfo",
      "NSPrivacyCollectedDataTypePreciseLocation",
      "NSPrivacyCollectedDataTypeCoarseLocation",
      "NSPrivacyCollectedDataTypeSensitiveInfo",
      "NSPrivacyCollectedDataTypeContacts",
      "NSPrivacyCollectedDataTypeEmailsOrTextMessages",
      "NSPrivacyCollectedDataTypePhotosorVideos",
      "NSPrivacyCollectedDataTypeAudioData",
      "NSPrivacyCollectedDataTypeGameplayContent",
      "NSPrivacyCollectedDataTypeCustomerSupport",
      "NSPrivacyCollectedDataTypeOtherUserContent",
      "NSPrivacyCollectedDataTypeBrowsingHistory",
      "NSPrivacyCollectedDataTypeSearchHistory",
      "NSPrivacyCollectedDataTypeUserID",
      "NSPrivacyCollectedDataTypeDeviceID",
      "NSPrivacyCollectedDataTypePurchaseHistory",
      "NSPrivacyCollectedDataTypeProductInteraction",
      "NSPrivacyCollectedDataTypeAdvertisingData",
      "NSPrivacyCollectedDataTypeOtherUsageData",
      "NSPrivacyCollectedDataTypeCrashData",
      "NSPrivacyCollectedDataTypePerformanceData",
      "NSPrivacyCollectedDataTypeOtherDiagnosticData",
      "NSPrivacyCollectedDataTypeEnvironmentScanning",
      "NSPrivacyCollectedDataTypeHands",
      "NSPrivacyCollectedDataTypeHead",
      "NSPrivacyCollectedDataTypeOtherDataTypes",
  };
  return types;
}

const std::vector<std::string_view>& apple_purposes() {
  static const std::vector<std::string_view> purposes = {
      "NSPrivacyCollectedDataTypePurposeThirdPartyAdvertising",
      "NSPrivacyCollectedDataTypePurposeDeveloperAdvertising",
      "NSPrivacyCollectedDataTypePurposeAnalytics",
      "NSPrivacyCollectedDataTypePurposeProductPersonalization",
      "NSPrivacyCollectedDataTypePurposeAppFunctionality",
      "NSPrivacyCollectedDataTypePurposeOther",
  };
  return purposes;
}

}  // namespace flowgate
