// YamlNode: a YAML document as a plain tree in which every node keeps its file:line:col.
// Entry point: parse_yaml. yaml-cpp parses; this file copies its nodes into our own tree under
// budgets (nesting depth, node count — aliases can expand a small file into a huge tree) and
// reports duplicate mapping keys, which yaml-cpp accepts silently.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "diagnostic/source_file.h"
#include "flowgate/diagnostic.h"

namespace flowgate {

struct YamlLimits {
  size_t max_depth = 64;
  size_t max_nodes = 200'000;
};

struct YamlEntry;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kNull;
  std::string scalar;   // kScalar only
  bool quoted = false;  // the scalar was written in quotes or as a block: never a number/bool
  size_t offset = 0;    // byte offset of the node in its file
  SourceLocation location;
  std::vector<YamlNode> items;     // kSequence
  std::vector<YamlEntry> entries;  // kMap, in file order

  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_map() const { return kind == Kind::kMap; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_null() const { return kind == Kind::kNull; }
  const YamlNode* find(std::string_view key) const;
};

struct YamlEntry {
  YamlNode key;
  YamlNode value;
};

// "a mapping", "a list", "a string", "nothing": for messages like "expected a list, found …".
const char* describe_kind(const YamlNode& node);

// Parses `file` as one YAML document. Reports syntax errors (with yaml-cpp's location), budget
// overruns and duplicate keys to `sink`; returns nullopt when the document cannot be used.
std::optional<YamlNode> parse_yaml(const SourceFile& file, DiagnosticSink& sink,
                                   const YamlLimits& limits = {});

// Where the character at `value_offset` of a scalar's value sits in the file, following the
// scalar's style (diagnostic/source_file.h, which this calls with the node's offset and location).
SourceLocation scalar_char_location(const SourceFile& file, const YamlNode& scalar,
                                    size_t value_offset);

}  // namespace flowgate
