// compute_coverage: the policy text split into sentences, and for each the statements whose quotes
// overlap it or the rules/unencoded.yaml listing that says why none does. Quotes are located with
// PolicyText::find_quote, the matcher check_policy verifies them with.
#include "analysis/coverage.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "check/policy_text.h"

namespace flowgate {
namespace {

// Bytes of white space at `at`: a space, a tab, or the no-break space U+00A0; 0 otherwise.
size_t blank_at(std::string_view text, size_t at) {
  if (at >= text.size()) return 0;
  if (text[at] == ' ' || text[at] == '\t') return 1;
  if (text.compare(at, 2, "\xC2\xA0") == 0) return 2;
  return 0;
}

// Bytes of a closing quote or bracket at `at` (", ', ), ”, ’); 0 otherwise.
size_t closer_at(std::string_view text, size_t at) {
  if (at >= text.size()) return 0;
  if (text[at] == '"' || text[at] == '\'' || text[at] == ')' || text[at] == ']') return 1;
  if (text.compare(at, 3, "\xE2\x80\x9D") == 0 || text.compare(at, 3, "\xE2\x80\x99") == 0) {
    return 3;
  }
  return 0;
}

// Bytes of a bullet marker and the white space after it at the start of `line`; 0 for none.
size_t bullet_at(std::string_view line) {
  for (std::string_view marker :
       {std::string_view("\xC2\xB7"), std::string_view("\xE2\x80\xA2"),
        std::string_view("\xC2\xA7"), std::string_view("-"), std::string_view("*")}) {
    if (line.substr(0, marker.size()) != marker) continue;
    size_t at = marker.size();
    size_t blank = blank_at(line, at);
    if (blank == 0) continue;  // "-5 degrees", "§5" are not bullets
    while (blank > 0) {
      at += blank;
      blank = blank_at(line, at);
    }
    return at;
  }
  return 0;
}

bool is_lower(char c) {
  return std::islower(static_cast<unsigned char>(c)) != 0;
}
bool is_upper(char c) {
  return std::isupper(static_cast<unsigned char>(c)) != 0;
}

// Whether the word ending with the '.' at `dot` (from the white space before it) does not end a
// sentence: an abbreviation, initials ("U.S.", "e.g."), or a number ("1.", "11.2.1.").
bool non_final_dot(std::string_view text, size_t line_begin, size_t dot) {
  size_t start = dot;
  while (start > line_begin && text[start - 1] != ' ' && text[start - 1] != '\t' &&
         !(start >= line_begin + 2 && text.compare(start - 2, 2, "\xC2\xA0") == 0)) {
    --start;
  }
  std::string word;
  for (size_t i = start; i <= dot; ++i) {
    word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  }
  // Opening quotes and brackets are not part of the word: "(e.g.", "“No.".
  for (std::string_view opener : {"(", "[", "\"", "'", "\xE2\x80\x9C", "\xE2\x80\x98"}) {
    while (word.rfind(opener, 0) == 0) word.erase(0, opener.size());
  }
  static const std::array<std::string_view, 19> kAbbreviations = {
      "e.g.", "i.e.",  "etc.", "vs.",  "no.", "nos.", "co.", "ltd.", "inc.",   "corp.",
      "art.", "arts.", "mr.",  "mrs.", "ms.", "dr.",  "st.", "cf.",  "approx."};
  if (std::find(kAbbreviations.begin(), kAbbreviations.end(), word) != kAbbreviations.end()) {
    return true;
  }
  // Initials: one letter and a dot, at least twice.
  bool initials = word.size() >= 4 && word.size() % 2 == 0;
  for (size_t i = 0; initials && i < word.size(); i += 2) {
    initials = std::isalpha(static_cast<unsigned char>(word[i])) && word[i + 1] == '.';
  }
  if (initials) return true;
  // A section number: digits and dots only.
  bool number = word.size() >= 2 && std::isdigit(static_cast<unsigned char>(word[0]));
  for (char c : word) number = number && (std::isdigit(static_cast<unsigned char>(c)) || c == '.');
  return number;
}

struct Splitter {
  std::string_view text;
  std::vector<Sentence>& out;
  uint32_t line = 0;
  size_t line_begin = 0;

  void emit(SentenceKind kind, const std::string& section, size_t begin, size_t end) {
    while (begin < end && blank_at(text, begin) > 0) begin += blank_at(text, begin);
    while (end > begin) {
      if (text[end - 1] == ' ' || text[end - 1] == '\t') {
        --end;
      } else if (end - begin >= 2 && text.compare(end - 2, 2, "\xC2\xA0") == 0) {
        end -= 2;
      } else {
        break;
      }
    }
    if (begin == end) return;
    out.push_back({kind, section, begin, end, line, static_cast<uint32_t>(begin - line_begin + 1),
                   std::string(text.substr(begin, end - begin))});
  }

  // The sentences of text[begin, end), one line's worth.
  void split(SentenceKind kind, const std::string& section, size_t begin, size_t end) {
    size_t start = begin;
    for (size_t i = begin; i < end; ++i) {
      char c = text[i];
      if (c != '.' && c != '!' && c != '?') continue;
      size_t j = i + 1;
      while (j < end && (text[j] == '.' || text[j] == '!' || text[j] == '?')) ++j;
      for (size_t close = closer_at(text, j); close > 0 && j < end; close = closer_at(text, j)) {
        j += close;
      }
      if (j >= end) break;  // the line's end ends the sentence
      bool boundary = false;
      if (blank_at(text, j) > 0) {
        boundary = !(c == '.' && j == i + 1 && non_final_dot(text, begin, i));
      } else if (c == '.' && j == i + 1 && i > begin && is_lower(text[i - 1]) &&
                 is_upper(text[j]) && j + 1 < end && is_lower(text[j + 1])) {
        boundary = true;  // "information.You can purchase"
      }
      if (!boundary) {
        i = j - 1;
        continue;
      }
      emit(kind, section, start, j);
      start = j;
      i = j - 1;
    }
    emit(kind, section, start, end);
  }
};

bool top_level(const std::string& section) {
  return section.find('.') == std::string::npos;
}

}  // namespace

const char* sentence_kind_name(SentenceKind kind) {
  switch (kind) {
    case SentenceKind::kHeading:
      return "heading";
    case SentenceKind::kBullet:
      return "bullet";
    case SentenceKind::kTableRow:
      return "table_row";
    case SentenceKind::kProse:
      return "prose";
  }
  return "prose";
}

std::vector<Sentence> split_sentences(std::string_view text) {
  // The lines, without their breaks.
  struct Line {
    size_t begin, end;
  };
  std::vector<Line> lines;
  for (size_t begin = 0; begin <= text.size();) {
    size_t end = text.find('\n', begin);
    size_t next = end == std::string_view::npos ? text.size() + 1 : end + 1;
    if (end == std::string_view::npos) end = text.size();
    size_t stop = end;
    if (stop > begin && text[stop - 1] == '\r') --stop;
    lines.push_back({begin, stop});
    begin = next;
  }
  auto heading_of = [&](size_t index) -> std::optional<std::string> {
    return PolicyText::heading_section(
        text.substr(lines[index].begin, lines[index].end - lines[index].begin));
  };
  auto blank_line = [&](size_t index) {
    for (size_t at = lines[index].begin; at < lines[index].end;) {
      size_t blank = blank_at(text, at);
      if (blank == 0) return false;
      at += blank;
    }
    return true;
  };

  std::vector<Sentence> out;
  Splitter splitter{text, out};
  std::string section = "§0";
  for (size_t index = 0; index < lines.size(); ++index) {
    if (blank_line(index)) continue;
    const Line& l = lines[index];
    splitter.line = static_cast<uint32_t>(index + 1);
    splitter.line_begin = l.begin;
    size_t begin = l.begin;
    while (begin < l.end && blank_at(text, begin) > 0) begin += blank_at(text, begin);
    std::string_view line = text.substr(begin, l.end - begin);
    if (auto opened = heading_of(index)) {
      // A contents line: a top-level heading followed at once by another.
      size_t next = index + 1;
      while (next < lines.size() && blank_line(next)) ++next;
      std::optional<std::string> following = next < lines.size() ? heading_of(next) : std::nullopt;
      bool contents = top_level(*opened) && following && top_level(*following);
      if (!contents) section = *opened;
      splitter.emit(SentenceKind::kHeading, section, begin, l.end);
    } else if (size_t marker = bullet_at(line); marker > 0) {
      splitter.split(SentenceKind::kBullet, section, begin + marker, l.end);
    } else if (line.find(" | ") != std::string_view::npos ||
               (line.size() > 2 && line.substr(line.size() - 2) == " |")) {
      splitter.emit(SentenceKind::kTableRow, section, begin, l.end);
    } else {
      splitter.split(SentenceKind::kProse, section, begin, l.end);
    }
  }
  return out;
}

namespace {

struct Located {
  QuotedBy who;
  std::vector<PolicyText::Span> spans;
};

bool under(const std::string& section, const std::string& cited) {
  return section == cited ||
         (section.size() > cited.size() && section.compare(0, cited.size(), cited) == 0 &&
          section[cited.size()] == '.');
}

bool overlaps(const PolicyText::Span& span, size_t begin, size_t end) {
  return span.begin < end && begin < span.end;
}

class CoverageBuilder {
 public:
  CoverageBuilder(const Policy& policy, CoverageReport& report)
      : policy_(policy), report_(report), text_(policy.text->text()) {}

  void run() {
    report_.text_path = policy_.text->path();
    for (auto& sentence : split_sentences(policy_.text->text())) {
      report_.sentences.push_back({std::move(sentence), {}, nullptr});
    }
    std::vector<Located> statements;
    for (const auto& rule : policy_.rules) {
      if (rule.statute) continue;  // the law's words, not the policy's
      add(statements, {"rule", rule.id, rule.quote_location}, rule.quote, rule.citations);
    }
    for (const auto& entry : policy_.retention) {
      add(statements, {"retention", entry.id, entry.quote_location}, entry.quote, entry.citations);
    }
    for (const auto& entry : policy_.rights) {
      add(statements, {"rights", entry.id, entry.quote_location}, entry.quote, entry.citations);
    }
    for (const auto& vocabulary : policy_.vocabularies) {
      for (const auto& term : vocabulary.terms()) {
        // A description quotes the text only when it is verbatim in it.
        if (!text_.contains_quote(term.description)) continue;
        add(statements,
            {"term", std::string(vocabulary_name(vocabulary.kind())) + ":" + term.id,
             term.location},
            term.description, term.citations);
      }
    }
    for (const auto& statement : statements) {
      for (auto& s : report_.sentences) {
        bool hit = std::any_of(statement.spans.begin(), statement.spans.end(), [&](auto& span) {
          return overlaps(span, s.sentence.begin, s.sentence.end);
        });
        if (hit) s.quoted_by.push_back(statement.who);
      }
    }
    for (const auto& entry : policy_.unencoded) {
      auto spans = locate(entry.quote, entry.sections);
      for (auto& s : report_.sentences) {
        if (s.unencoded) continue;
        for (const auto& span : spans) {
          if (overlaps(span, s.sentence.begin, s.sentence.end)) s.unencoded = &entry;
        }
      }
      StaleListing stale{&entry, {}};
      for (const auto& statement : statements) {
        bool hit = false;
        for (const auto& a : spans) {
          for (const auto& b : statement.spans) hit = hit || overlaps(a, b.begin, b.end);
        }
        if (hit) stale.quoted_by.push_back(statement.who);
      }
      if (!stale.quoted_by.empty()) report_.stale.push_back(std::move(stale));
    }
    for (const auto& s : report_.sentences) {
      if (s.quoted()) {
        ++report_.quoted;
      } else if (s.listed()) {
        ++report_.listed;
        ++report_.listed_by_reason[s.unencoded->reason];
      } else {
        ++report_.unaccounted;
      }
    }
  }

 private:
  // The section of the sentence holding `offset` (or the last one before it).
  const std::string& section_at(size_t offset) const {
    static const std::string kPreamble = "§0";
    const std::string* section = &kPreamble;
    for (const auto& s : report_.sentences) {
      if (s.sentence.begin > offset) break;
      section = &s.sentence.section;
    }
    return *section;
  }

  // Where a quote counts: its occurrences in the sections cited, else all of them.
  std::vector<PolicyText::Span> locate(const std::string& quote,
                                       const std::vector<Citation>& citations) const {
    std::vector<PolicyText::Span> all = text_.find_quote(quote);
    std::vector<PolicyText::Span> cited;
    for (const auto& span : all) {
      const std::string& section = section_at(span.begin);
      if (std::any_of(citations.begin(), citations.end(),
                      [&](const Citation& c) { return under(section, c.section); })) {
        cited.push_back(span);
      }
    }
    return cited.empty() ? all : cited;
  }

  void add(std::vector<Located>& statements, QuotedBy who, const std::string& quote,
           const std::vector<Citation>& citations) const {
    if (quote.empty()) return;
    auto spans = locate(quote, citations);
    if (!spans.empty()) statements.push_back({std::move(who), std::move(spans)});
  }

  const Policy& policy_;
  CoverageReport& report_;
  PolicyText text_;
};

}  // namespace

CoverageReport compute_coverage(const Policy& policy) {
  CoverageReport report;
  if (!policy.text) return report;
  CoverageBuilder(policy, report).run();
  return report;
}

}  // namespace flowgate
