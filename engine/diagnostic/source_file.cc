// Reading input files: size budget, UTF-8 validation, line index.
#include "diagnostic/source_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace flowgate {

SourceFile::SourceFile(std::string display_path, std::string text)
    : path_(std::move(display_path)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

SourceLocation SourceFile::location(size_t offset) const {
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line_index = static_cast<size_t>(it - line_starts_.begin()) - 1;
  return {path_, static_cast<uint32_t>(line_index + 1),
          static_cast<uint32_t>(offset - line_starts_[line_index] + 1)};
}

size_t SourceFile::offset(uint32_t line, uint32_t column) const {
  if (line == 0) return 0;
  if (line > line_starts_.size()) return text_.size();
  size_t start = line_starts_[line - 1];
  return std::min(text_.size(), start + (column > 0 ? column - 1 : 0));
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  size_t start = line_starts_[line - 1];
  size_t end = line < line_starts_.size() ? line_starts_[line] - 1 : text_.size();
  std::string_view view(text_.data() + start, end - start);
  if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
  return view;
}

std::optional<TextProblem> find_text_problem(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = bytes[i];
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
        return TextProblem{i, fmt::format("control character 0x{:02X} is not allowed in YAML", c)};
      }
      ++i;
      continue;
    }
    size_t length = 0;
    uint32_t code_point = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      code_point = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code_point = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code_point = c & 0x07;
    } else {
      return TextProblem{i, fmt::format("byte 0x{:02X} is not valid UTF-8", c)};
    }
    if (i + length > n) return TextProblem{i, "truncated UTF-8 sequence at end of file"};
    for (size_t k = 1; k < length; ++k) {
      if ((bytes[i + k] & 0xC0) != 0x80) {
        return TextProblem{i, fmt::format("byte 0x{:02X} is not valid UTF-8", c)};
      }
      code_point = (code_point << 6) | (bytes[i + k] & 0x3F);
    }
    static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return TextProblem{i, fmt::format("byte 0x{:02X} starts an invalid UTF-8 sequence", c)};
    }
    i += length;
  }
  return std::nullopt;
}

std::optional<SourceFile> read_source_file(const std::string& filesystem_path,
                                           const std::string& display_path, size_t max_bytes,
                                           DiagnosticSink& sink) {
  std::error_code ec;
  auto size = std::filesystem::file_size(filesystem_path, ec);
  if (ec) {
    sink.error("unreadable-file", {display_path, 0, 0},
               fmt::format("cannot read file: {}", ec.message()));
    return std::nullopt;
  }
  if (size > max_bytes) {
    sink.error("file-too-large", {display_path, 0, 0},
               fmt::format("file is {} bytes; the limit is {} bytes", size, max_bytes),
               "split the file, or check that it is the file you meant");
    return std::nullopt;
  }
  std::ifstream in(filesystem_path, std::ios::binary);
  std::string text(size, '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(size))) {
    sink.error("unreadable-file", {display_path, 0, 0}, "cannot read file");
    return std::nullopt;
  }
  SourceFile file(display_path, std::move(text));
  if (auto problem = find_text_problem(file.text())) {
    sink.error("not-utf8-text", file.location(problem->offset), problem->what,
               "policy files must be UTF-8 text");
    return std::nullopt;
  }
  return file;
}

SourceLocation scalar_char_location(const SourceFile& file, size_t scalar_offset,
                                    const SourceLocation& scalar_location, size_t value_offset) {
  const std::string& text = file.text();
  size_t pos = scalar_offset;
  if (pos >= text.size()) return scalar_location;
  char style = text[pos];
  if (style == '"' || style == '\'') {
    size_t i = pos + 1;
    for (size_t consumed = 0; consumed < value_offset && i < text.size(); ++consumed) {
      if (style == '"' && text[i] == '\\' && i + 1 < text.size()) {
        // \xNN, \uNNNN and \UNNNNNNNN stand for one code point, 1 to 4 bytes of the value.
        size_t hex = text[i + 1] == 'x' ? 2 : text[i + 1] == 'u' ? 4 : text[i + 1] == 'U' ? 8 : 0;
        if (hex > 0 && i + 2 + hex <= text.size()) {
          unsigned long code_point = std::strtoul(text.substr(i + 2, hex).c_str(), nullptr, 16);
          consumed += (code_point >= 0x80) + (code_point >= 0x800) + (code_point >= 0x10000);
          i += 2 + hex;
        } else {
          i += 2;
        }
      } else if (style == '\'' && text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        i += 2;
      } else {
        ++i;
      }
    }
    return file.location(i);
  }
  if (style == '|' || style == '>') {
    // Block scalar: content starts on the next line, at the indentation of its first line.
    size_t line_start = text.find('\n', pos);
    if (line_start == std::string::npos) return scalar_location;
    ++line_start;
    // The indentation is that of the first line that is not blank.
    size_t first_content = line_start;
    while (first_content < text.size()) {
      size_t end = text.find('\n', first_content);
      if (end == std::string::npos) end = text.size();
      if (text.find_first_not_of(' ', first_content) < end) break;
      first_content = end + 1;
    }
    size_t indent = 0;
    while (first_content + indent < text.size() && text[first_content + indent] == ' ') ++indent;
    size_t remaining = value_offset;
    size_t i = line_start + indent;
    while (i < text.size()) {
      size_t line_end = text.find('\n', i);
      if (line_end == std::string::npos) line_end = text.size();
      size_t length = line_end - i;
      if (remaining <= length) return file.location(i + remaining);
      remaining -= length + 1;  // the line break is one character of the value
      i = line_end + 1 + indent;
    }
    return scalar_location;
  }
  return file.location(std::min(pos + value_offset, text.size()));
}

}  // namespace flowgate
