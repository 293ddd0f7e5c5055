// PolicyText: section headings and folded text of the policy.
#include "check/policy_text.h"

#include <algorithm>
#include <iterator>
#include <regex>
#include <sstream>

namespace flowgate {

PolicyText::PolicyText(std::string_view text) {
  folded_ = fold(text, &origin_);
  sections_.insert("§0");
  std::istringstream lines{std::string(text)};
  std::string line;
  size_t offset = 0;
  while (std::getline(lines, line)) {
    if (auto section = heading_section(line)) {
      sections_.insert(*section);
      headings_.push_back({offset, *section});
    }
    offset += line.size() + 1;
  }
  // A table of contents repeats the headings before the text: the sections start at the last
  // "1." heading, and what precedes it (the contents included) is the preamble, §0.
  auto first = std::find_if(headings_.rbegin(), headings_.rend(),
                            [](const auto& h) { return h.second == "§1"; });
  if (first != headings_.rend()) headings_.erase(headings_.begin(), std::prev(first.base()));
}

std::string PolicyText::section_at(size_t offset) const {
  std::string section = "§0";
  for (const auto& [start, id] : headings_) {
    if (start > offset) break;
    section = id;
  }
  return section;
}

std::optional<std::string> PolicyText::heading_section(std::string_view line) {
  static const std::regex kHeading(R"(^\s*([1-9][0-9]?(?:\.[1-9][0-9]?)*)\.?\s+\S)");
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_search(line.begin(), line.end(), match, kHeading)) return std::nullopt;
  return "§" + match[1].str();
}

bool PolicyText::has_section(std::string_view citation) const {
  return sections_.count(std::string(citation)) > 0;
}

bool PolicyText::contains_quote(std::string_view quote) const {
  std::string needle = fold(quote);
  return !needle.empty() && folded_.find(needle) != std::string::npos;
}

std::vector<PolicyText::Span> PolicyText::find_quote(std::string_view quote) const {
  std::vector<Span> out;
  std::string needle = fold(quote);
  if (needle.empty()) return out;
  for (size_t at = folded_.find(needle); at != std::string::npos;
       at = folded_.find(needle, at + 1)) {
    out.push_back({origin_[at].begin, origin_[at + needle.size() - 1].end});
  }
  return out;
}

std::string PolicyText::fold(std::string_view text) {
  return fold(text, nullptr);
}

std::string PolicyText::fold(std::string_view text, std::vector<Span>* origin) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  size_t space_begin = 0;  // where the pending run of white space starts
  auto emit = [&](char c, size_t begin, size_t end) {
    if (space && !out.empty()) {
      out += ' ';
      if (origin) origin->push_back({space_begin, begin});
    }
    space = false;
    out += c;
    if (origin) origin->push_back({begin, end});
  };
  auto blank = [&](size_t at) {
    if (!space) space_begin = at;
    space = true;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    // U+2018/2019 (‘ ’) → ', U+201C/201D (“ ”) → ": E2 80 98..9D in UTF-8.
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
      unsigned char d = static_cast<unsigned char>(text[i + 2]);
      if (d == 0x98 || d == 0x99 || d == 0x9C || d == 0x9D) {
        emit((d <= 0x99) ? '\'' : '"', i, i + 3);
        i += 2;
        continue;
      }
    }
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      blank(i);  // U+00A0, the no-break space the policy puts after its bullets
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      blank(i);
      continue;
    }
    emit(static_cast<char>(c), i, i + 1);
  }
  return out;
}

}  // namespace flowgate
