// PolicyText: the sections and sentences of the policy's own words, so citations can be checked to
// name real sections and quotes to be verbatim.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace flowgate {

class PolicyText {
 public:
  explicit PolicyText(std::string_view text);

  // "§0" (the preamble) and every numbered heading: "§1", "§1.1", "§11.2.2".
  bool has_section(std::string_view citation) const;
  const std::set<std::string>& sections() const { return sections_; }
  // The quote appears in the text, white space and typographic quotes folded.
  bool contains_quote(std::string_view quote) const;
  // Every place the quote appears, as byte ranges [begin, end) of the original text, folded as
  // contains_quote folds; empty when it does not appear.
  struct Span {
    size_t begin = 0;
    size_t end = 0;
  };
  std::vector<Span> find_quote(std::string_view quote) const;

  // The section whose text holds byte `offset` of the original: the last heading at or before it
  // ("§0" before the first).
  std::string section_at(size_t offset) const;

  static std::string fold(std::string_view text);
  // The section a heading line opens: "7.3 Data Deletion" → "§7.3", "1. PERSONAL …" → "§1";
  // nullopt for any other line.
  static std::optional<std::string> heading_section(std::string_view line);

 private:
  // fold, and for each folded byte the range of original bytes it stands for (when asked).
  static std::string fold(std::string_view text, std::vector<Span>* origin);

  std::set<std::string> sections_;
  std::vector<std::pair<size_t, std::string>> headings_;  // (offset of the heading line, section)
  std::string folded_;
  std::vector<Span> origin_;  // origin_[i]: the original bytes of folded_[i]
};

}  // namespace flowgate
