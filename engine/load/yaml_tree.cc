// parse_yaml: yaml-cpp → YamlNode, under budgets.
#include "load/yaml_tree.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <sstream>
#include <unordered_map>
#include <vector>

#include "load/yaml_syntax.h"

namespace flowgate {
namespace {

// Where each document of a stream starts. yaml-cpp 0.7's LoadAll never returns — and allocates
// until memory runs out — when its parser ends a document without consuming input, as it does at a
// stray ',' that starts a line (jbeder/yaml-cpp#1040, fixed upstream by #1319, after 0.7). So the
// documents are first counted here with a bounded loop, and a document that starts where the one
// before it did is that bug's signature: a syntax error at that character.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// The first two documents' starts at most (throws YAML::Exception on a syntax error).
std::vector<YAML::Mark> document_starts(const std::string& text) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentStarts handler;
  while (handler.starts.size() < 2 && parser.HandleNextDocument(handler)) {
  }
  return handler.starts;
}

class Converter {
 public:
  Converter(const SourceFile& file, DiagnosticSink& sink, const YamlLimits& limits)
      : file_(file), sink_(sink), limits_(limits) {}

  bool convert(const YAML::Node& in, YamlNode& out, size_t depth, size_t fallback_offset) {
    if (++nodes_ > limits_.max_nodes) {
      if (!budget_reported_) {
        sink_.error("yaml-too-many-nodes", file_.location(fallback_offset),
                    fmt::format("document has more than {} nodes", limits_.max_nodes),
                    "aliases (*name) can multiply a small file; write the data out plainly");
        budget_reported_ = true;
      }
      return false;
    }
    const YAML::Mark mark = in.Mark();
    out.offset = mark.is_null() ? fallback_offset : static_cast<size_t>(mark.pos);
    out.location = file_.location(out.offset);
    if (depth > limits_.max_depth) {
      sink_.error("yaml-too-deep", out.location,
                  fmt::format("nesting is deeper than {} levels", limits_.max_depth),
                  "policy files need only a few levels of nesting");
      return false;
    }
    // Policy files are plain data: a tag ("!python/object", "!!binary") asks some other loader to
    // build something, and would be silently read as text here.
    if (const std::string& tag = in.Tag(); !tag.empty() && tag != "?" && tag != "!") {
      sink_.error("yaml-tag", out.location,
                  fmt::format("YAML tag '{}' is not allowed in a policy file", tag),
                  "remove the tag; values are plain strings, numbers, lists and mappings");
    }
    switch (in.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = YamlNode::Kind::kNull;
        return true;
      case YAML::NodeType::Scalar:
        out.kind = YamlNode::Kind::kScalar;
        out.scalar = in.Scalar();
        out.quoted = in.Tag() == "!";
        return true;
      case YAML::NodeType::Sequence:
        out.kind = YamlNode::Kind::kSequence;
        for (const auto& item : in) {
          YamlNode child;
          if (!convert(item, child, depth + 1, out.offset)) return false;
          out.items.push_back(std::move(child));
        }
        return true;
      case YAML::NodeType::Map: {
        out.kind = YamlNode::Kind::kMap;
        std::unordered_map<std::string, SourceLocation> seen;
        for (const auto& entry : in) {
          YamlNode key;
          YamlNode value;
          if (!convert(entry.first, key, depth + 1, out.offset)) return false;
          if (!convert(entry.second, value, depth + 1, key.offset)) return false;
          if (!key.is_scalar()) {
            sink_.error("yaml-complex-key", key.location, "mapping keys must be plain strings");
          } else if (auto [it, fresh] = seen.emplace(key.scalar, key.location); !fresh) {
            sink_.error(
                "duplicate-key", key.location,
                fmt::format("duplicate key '{}' (first at line {})", key.scalar, it->second.line),
                "YAML keeps only one of them; remove or rename the other");
          }
          out.entries.push_back({std::move(key), std::move(value)});
        }
        return true;
      }
    }
    return true;
  }

 private:
  const SourceFile& file_;
  DiagnosticSink& sink_;
  const YamlLimits& limits_;
  size_t nodes_ = 0;
  bool budget_reported_ = false;
};

}  // namespace

const YamlNode* YamlNode::find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.is_scalar() && k.scalar == key) return &v;
  }
  return nullptr;
}

const char* describe_kind(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return "nothing";
    case YamlNode::Kind::kScalar:
      return "a scalar";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kMap:
      return "a mapping";
  }
  return "nothing";
}

std::optional<YamlNode> parse_yaml(const SourceFile& file, DiagnosticSink& sink,
                                   const YamlLimits& limits) {
  std::optional<YAML::Node> document;  // none for an empty stream
  try {
    std::vector<YAML::Mark> starts = document_starts(file.text());
    if (starts.size() == 2 && starts[1].pos == starts[0].pos) {
      size_t at = static_cast<size_t>(starts[1].pos);
      char found = at < file.text().size() ? file.text()[at] : ' ';
      sink.error("yaml-syntax", file.location(at),
                 fmt::format("YAML syntax error: unexpected '{}'", found),
                 found == ',' ? "a ',' separates items only inside [ ] or { }" : "");
      return std::nullopt;
    }
    if (starts.size() == 2) {
      sink.error("yaml-multiple-documents", file.location(starts[1].pos),
                 "a policy file holds one YAML document; found a second one ('---')");
      return std::nullopt;
    }
    if (!starts.empty()) document = YAML::Load(file.text());
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      sink.error("yaml-syntax", {file.path(), 0, 0}, fmt::format("YAML syntax error: {}", e.msg));
      return std::nullopt;
    }
    // In plain words, at the mistake itself, which may be a line or two above where yaml-cpp
    // stopped.
    YamlSyntaxExplanation why =
        explain_yaml_syntax_error(file.text(), static_cast<size_t>(e.mark.pos), e.msg);
    sink.error("yaml-syntax", file.location(why.offset), why.message, why.help);
    return std::nullopt;
  }
  YamlNode root;
  root.location = {file.path(), 1, 1};
  if (!document) return root;
  Converter converter(file, sink, limits);
  if (!converter.convert(*document, root, 0, 0)) return std::nullopt;
  return root;
}

SourceLocation scalar_char_location(const SourceFile& file, const YamlNode& scalar,
                                    size_t value_offset) {
  return scalar_char_location(file, scalar.offset, scalar.location, value_offset);
}

}  // namespace flowgate
