// PolicyText: the sections and sentences of the policy's own words, so citations can be checked to
// name real sections and quotes to be verbatim.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace flowgate {

class PolicyText {
 public:
  explicit PolicyText(std::string_view text);

  // "§0" (the preamble) and every numbered heading: "§1", "§1.1", "§11.2.2".
  bool has_section(std::string_view citation) const;
  const std::set<std::string>& sections() const { return sections_; }
  // The quote appears in the text, white space and typographic quotes folded.
  bool contains_quote(std::string_view quote) const;

  static std::string fold(std::string_view text);

 private:
  std::set<std::string> sections_;
  std::string folded_;
};

}  // namespace flowgate
