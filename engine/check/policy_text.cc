// PolicyText: section headings and folded text of the policy.
#include "check/policy_text.h"

#include <regex>
#include <sstream>

namespace flowgate {

PolicyText::PolicyText(std::string_view text) : folded_(fold(text)) {
  sections_.insert("§0");
  static const std::regex kHeading(R"(^\s*([1-9][0-9]?(?:\.[1-9][0-9]?)*)\.?\s+\S)");
  std::istringstream lines{std::string(text)};
  std::string line;
  std::smatch match;
  while (std::getline(lines, line)) {
    if (std::regex_search(line, match, kHeading)) sections_.insert("§" + match[1].str());
  }
}

bool PolicyText::has_section(std::string_view citation) const {
  return sections_.count(std::string(citation)) > 0;
}

bool PolicyText::contains_quote(std::string_view quote) const {
  std::string needle = fold(quote);
  return !needle.empty() && folded_.find(needle) != std::string::npos;
}

std::string PolicyText::fold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    // U+2018/2019 (‘ ’) → ', U+201C/201D (“ ”) → ": E2 80 98..9D in UTF-8.
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
      unsigned char d = static_cast<unsigned char>(text[i + 2]);
      if (d == 0x98 || d == 0x99 || d == 0x9C || d == 0x9D) {
        if (space && !out.empty()) out += ' ';
        space = false;
        out += (d <= 0x99) ? '\'' : '"';
        i += 2;
        continue;
      }
    }
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      ++i;  // U+00A0, the no-break space the policy puts after its bullets
      space = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(c);
  }
  return out;
}

}  // namespace flowgate
