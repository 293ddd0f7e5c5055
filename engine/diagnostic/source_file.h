// SourceFile: one input file's bytes, read under a size budget and checked to be UTF-8 text,
// with the line index that turns byte offsets into file:line:col. At the bottom of the toolchain
// with the diagnostics (docs/design.md, "Pipeline and layering"): the loader reads files, the model
// keeps them for locations, and every stage reports against them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flowgate/diagnostic.h"

namespace flowgate {

class SourceFile {
 public:
  SourceFile(std::string display_path, std::string text);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }

  // Line and column (both 1-based; column counts bytes) of a byte offset.
  SourceLocation location(size_t offset) const;
  // Offset of a 1-based line and column; clamps to the text.
  size_t offset(uint32_t line, uint32_t column) const;
  // The text of a 1-based line, without its line break.
  std::string_view line_text(uint32_t line) const;

 private:
  std::string path_;
  std::string text_;
  std::vector<size_t> line_starts_;
};

// The first offset at which `text` is not valid UTF-8 or holds a control character YAML forbids
// (C0 controls but tab, LF and CR; DEL), with what is wrong there; nullopt when the text is fine.
struct TextProblem {
  size_t offset;
  std::string what;
};
std::optional<TextProblem> find_text_problem(std::string_view text);

// Where the character at `value_offset` of a YAML scalar's value sits, for the scalar that starts
// at byte `scalar_offset` of `file` at `scalar_location`, following its style (plain, quoted,
// literal or folded block). Exact for single-line scalars and block scalars; for multi-line flow
// scalars it follows the raw text. A condition in the model finds its characters with it
// (load/yaml_tree.h has the same for a YamlNode).
SourceLocation scalar_char_location(const SourceFile& file, size_t scalar_offset,
                                    const SourceLocation& scalar_location, size_t value_offset);

// Reads a file whose size is at most `max_bytes`; reports unreadable, oversized and non-text files
// (with the location of the first bad byte) and returns nullopt for them.
std::optional<SourceFile> read_source_file(const std::string& filesystem_path,
                                           const std::string& display_path, size_t max_bytes,
                                           DiagnosticSink& sink);

}  // namespace flowgate
