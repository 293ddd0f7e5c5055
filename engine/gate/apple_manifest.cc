// parse_apple_manifest: pugixml does the XML; this file refuses what a plist never needs (any
// DOCTYPE but Apple's, DTD subsets, entity declarations) and what pugixml lets through (a second
// root element, text after the root), walks the tree under budgets, and reads the four keys.
#include "gate/apple_manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <pugixml.hpp>
#include <utility>

namespace flowgate {
namespace {

constexpr std::string_view kApplePublicId = "-//Apple//DTD PLIST 1.0//EN";
constexpr std::string_view kAppleSystemId = "http://www.apple.com/DTDs/PropertyList-1.0.dtd";

bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// "<?xml" followed by a space or "?>": the XML declaration (a target "xml-stylesheet" is a PI).
bool is_xml_declaration(std::string_view at) {
  return at.size() > 5 && at.substr(0, 5) == "<?xml" && (is_xml_space(at[5]) || at[5] == '?');
}

// A value from the file for a message: quoted, control bytes escaped, cut at 60 bytes.
std::string quoted(std::string_view value) {
  std::string out = "\"";
  for (size_t i = 0; i < value.size() && i < 60; ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    out += c < 0x20 || c == 0x7f ? fmt::format("\\x{:02x}", c) : std::string(1, value[i]);
  }
  return out + (value.size() > 60 ? "…\"" : "\"");
}

class Reader {
 public:
  Reader(const SourceFile& file, DiagnosticSink& sink, const AppleManifestLimits& limits)
      : file_(file), sink_(sink), limits_(limits) {}

  SourceLocation at(pugi::xml_node node) const {
    ptrdiff_t offset = node.offset_debug();
    return offset < 0 ? SourceLocation{file_.path(), 0, 0}
                      : file_.location(static_cast<size_t>(offset));
  }
  // Where the markup of an element, a CDATA section, a PI or a DOCTYPE starts: pugixml's offset
  // is its name's or its value's, past the '<' and what follows it.
  SourceLocation tag_at(pugi::xml_node node) const {
    ptrdiff_t offset = node.offset_debug();
    size_t open =
        offset < 1 ? std::string::npos : file_.text().rfind('<', static_cast<size_t>(offset - 1));
    return open == std::string::npos ? at(node) : file_.location(open);
  }
  // Where a text node's first non-space character is (pugixml's offset is where the text starts,
  // blanks included).
  SourceLocation text_at(pugi::xml_node node) const {
    ptrdiff_t offset = node.offset_debug();
    if (offset < 0) return {file_.path(), 0, 0};
    auto i = static_cast<size_t>(offset);
    while (i < file_.text().size() && is_xml_space(file_.text()[i])) ++i;
    return file_.location(i);
  }
  void error(std::string code, SourceLocation where, std::string message, std::string help = {}) {
    sink_.error(std::move(code), std::move(where), std::move(message), std::move(help));
    ok_ = false;
  }
  bool ok() const { return ok_; }

  // Refuses, before any parsing, what a plist never holds: a NUL byte (pugixml stops reading at
  // one, so whatever follows would go unread), entity declarations, and a prolog other than an
  // XML declaration, comments, processing instructions and Apple's DOCTYPE.
  bool screen_text() {
    const std::string& text = file_.text();
    if (auto pos = text.find('\0'); pos != std::string::npos) {
      error("manifest-xml", file_.location(pos), "malformed XML: a NUL byte",
            "XML text cannot hold NUL; a parser stops there and would not read what follows");
    }
    if (auto pos = text.find("<!ENTITY"); pos != std::string::npos) {
      error("manifest-entity", file_.location(pos),
            "entity declarations are not allowed in a privacy manifest",
            "a plist never declares entities; this file may be an entity-expansion attack");
    }
    if (!ok_) return false;
    return screen_prolog();
  }

  // The prolog, scanned as XML defines it (XMLDecl? Misc* (doctypedecl Misc*)?), up to the root
  // element's '<'. Each construct ends where the parser's does or earlier (a comment at the first
  // "-->", a processing instruction at the first "?>"), so anything the parser could read as a
  // DOCTYPE is seen here first. Text or anything else before the root is left to pugixml and the
  // top-level check, which refuse it.
  bool screen_prolog() {
    const std::string& text = file_.text();
    size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    const size_t first = i;
    bool doctype = false;
    for (;;) {
      while (i < text.size() && is_xml_space(text[i])) ++i;
      if (i >= text.size()) return ok_;
      if (text.compare(i, 4, "<!--") == 0) {
        size_t end = text.find("-->", i + 4);
        if (end == std::string::npos) {
          error("manifest-xml", file_.location(i), "malformed XML: a comment is never closed");
          return false;
        }
        i = end + 3;
      } else if (text.compare(i, 2, "<?") == 0) {
        size_t end = text.find("?>", i + 2);
        if (end == std::string::npos) {
          error("manifest-xml", file_.location(i),
                "malformed XML: a processing instruction is never closed");
          return false;
        }
        if (is_xml_declaration(std::string_view(text).substr(i)) && i != first) {
          error("manifest-xml", file_.location(i),
                "malformed XML: the XML declaration must be the first thing in the file");
          return false;
        }
        i = end + 2;
      } else if (text.compare(i, 9, "<!DOCTYPE") == 0) {
        if (doctype) {
          error("manifest-dtd", file_.location(i), "a second DOCTYPE",
                "a privacy manifest has at most one DOCTYPE, Apple's plist one");
          return false;
        }
        doctype = true;
        if (!screen_doctype(i, &i)) return false;
      } else {
        return ok_;  // the root element (or content the parse and the top-level check refuse)
      }
    }
  }

  // Parses the DOCTYPE at `start` by XML's grammar ('<!DOCTYPE' S Name (S ExternalID)? S?
  // ('[' intSubset ']' S?)? '>', literals quoted with " or ' and free to hold '>' or '['), then
  // accepts exactly Apple's: plist, PUBLIC kApplePublicId kAppleSystemId, no internal subset.
  bool screen_doctype(size_t start, size_t* end) {
    const std::string& text = file_.text();
    static constexpr std::string_view kHelp =
        "a privacy manifest's DOCTYPE is <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">, or none";
    auto malformed = [&](size_t at, std::string_view what) {
      error("manifest-dtd", file_.location(std::min(at, text.size())),
            fmt::format("malformed DOCTYPE: {}", what), std::string(kHelp));
      return false;
    };
    size_t i = start + 9;
    auto skip_space = [&] {
      size_t from = i;
      while (i < text.size() && is_xml_space(text[i])) ++i;
      return i > from;
    };
    // A quoted literal; its content in *value.
    auto literal = [&](std::string* value) {
      if (i >= text.size() || (text[i] != '"' && text[i] != '\'')) return false;
      size_t close = text.find(text[i], i + 1);
      if (close == std::string::npos) return false;
      *value = text.substr(i + 1, close - i - 1);
      i = close + 1;
      return true;
    };
    if (!skip_space()) return malformed(i, "expected a space and the root element's name");
    size_t name_start = i;
    while (i < text.size() && !is_xml_space(text[i]) && text[i] != '>' && text[i] != '[') ++i;
    std::string name = text.substr(name_start, i - name_start);
    if (name.empty()) return malformed(i, "expected the root element's name");
    std::string kind, public_id, system_id;
    bool spaced = skip_space();
    if (spaced && (text.compare(i, 6, "PUBLIC") == 0 || text.compare(i, 6, "SYSTEM") == 0)) {
      kind = text.substr(i, 6);
      i += 6;
      if (!skip_space()) return malformed(i, "expected a space after " + kind);
      if (kind == "PUBLIC") {
        if (!literal(&public_id)) return malformed(i, "expected a quoted public identifier");
        if (!skip_space()) return malformed(i, "expected a space and a quoted system identifier");
      }
      if (!literal(&system_id)) return malformed(i, "expected a quoted system identifier");
      skip_space();
    }
    if (i < text.size() && text[i] == '[') {
      error("manifest-dtd", file_.location(i),
            "an internal DTD subset is not allowed in a privacy manifest", std::string(kHelp));
      return false;
    }
    if (i >= text.size() || text[i] != '>') {
      return malformed(i, "expected '>' (or PUBLIC/SYSTEM and their quoted identifiers)");
    }
    *end = i + 1;
    std::string why;
    if (name != "plist") {
      why = fmt::format("its root element is {}, not plist", quoted(name));
    } else if (kind.empty()) {
      why = "it has no external identifier";
    } else if (kind == "SYSTEM") {
      why = fmt::format("it names a SYSTEM identifier, {}, not Apple's public one",
                        quoted(system_id));
    } else if (public_id != kApplePublicId) {
      why =
          fmt::format("its public identifier is {}, not \"{}\"", quoted(public_id), kApplePublicId);
    } else if (system_id != kAppleSystemId) {
      why =
          fmt::format("its system identifier is {}, not \"{}\"", quoted(system_id), kAppleSystemId);
    }
    if (!why.empty()) {
      error("manifest-dtd", file_.location(start),
            fmt::format("the DOCTYPE is not Apple's property-list DOCTYPE: {}", why),
            std::string(kHelp));
      return false;
    }
    return true;
  }

  // The document's top level, which pugixml does not police: it reads the first root element and
  // ignores (or, with parse_fragment, keeps) whatever follows. Exactly one element, nothing but
  // comments and whitespace after it, no text before it (the prolog was screened already).
  bool check_top_level(const pugi::xml_document& doc) {
    pugi::xml_node root;
    for (auto node : doc.children()) {
      switch (node.type()) {
        case pugi::node_element:
          if (!root) {
            root = node;
            break;
          }
          error("manifest-xml", tag_at(node),
                fmt::format("malformed XML: a second root element <{}> after <{}> (line {}); a "
                            "document has exactly one, and nothing after it may go unread",
                            node.name(), root.name(), at(root).line),
                "a privacy manifest is one <plist> element");
          return false;
        case pugi::node_pcdata:
        case pugi::node_cdata:
          error("manifest-xml", node.type() == pugi::node_cdata ? tag_at(node) : text_at(node),
                root ? fmt::format("malformed XML: text after the root element <{}>", root.name())
                     : std::string("malformed XML: text before the root element"),
                "only comments and whitespace may follow </plist>");
          return false;
        case pugi::node_pi:
        case pugi::node_declaration:
        case pugi::node_doctype:
          if (root) {
            error("manifest-xml", tag_at(node),
                  fmt::format(
                      "malformed XML: {} after the root element <{}>",
                      node.type() == pugi::node_doctype ? "a DOCTYPE" : "a processing instruction",
                      root.name()),
                  "only comments and whitespace may follow </plist>");
            return false;
          }
          break;
        default:
          break;
      }
    }
    return true;
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
  // parse_escapes expands only XML's five entities and character references. The DOCTYPE, the
  // declaration, processing instructions and (parse_fragment) text outside the root are kept as
  // nodes so that check_top_level sees everything at the top level but comments and whitespace;
  // without parse_fragment pugixml drops such text silently.
  auto result = doc.load_buffer(file.text().data(), file.text().size(),
                                pugi::parse_default | pugi::parse_doctype |
                                    pugi::parse_declaration | pugi::parse_pi | pugi::parse_fragment,
                                pugi::encoding_utf8);
  if (!result) {
    reader.error("manifest-xml",
                 file.location(static_cast<size_t>(std::max<ptrdiff_t>(0, result.offset))),
                 fmt::format("malformed XML: {}", result.description()));
    return std::nullopt;
  }
  if (!reader.check_top_level(doc) || !reader.check_budgets(doc)) return std::nullopt;
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
