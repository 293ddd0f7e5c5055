// find_undefined_text_terms: categories, recipients, purposes, legal bases and rights the policy's
// own words name in its structured places, that no vocabulary term defines —
//   undefined-text-term   the text discloses something the encoded policy cannot talk about, so
//                         no rule, disclosure or rights answer can cover it.
// The structured places are where a privacy policy enumerates: bullet leads ("· Payment
// information.") in §1 (data) and §3 (recipients), the comma list of §1.3, the §7 subsection
// headings and the rights bullets of §11.1.4 and §11.2.1 (rights), and the cells of the pipe
// tables of §11 (purpose | data | legal basis; data | recipients). Free prose elsewhere is not
// read: guessing at noun phrases in it would drown the findings in noise.
//
// A phrase is defined when one term of its kind holds its content words in its id or description:
// all of them for a phrase of one or two, two in three for a longer one, whose extra words tend
// to be qualifiers ("To withdraw your consent at any time"). Words are compared on their first
// five letters, so "Withdrawal" meets "withdraw" and "Deletion" meets "delete". Descriptions
// quote the text they encode, so a term that encodes a phrase names it.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string_view>

#include "analysis/lint_passes.h"
#include "diagnostic/source_file.h"

namespace flowgate::lint {
namespace {

// Words that carry no meaning of their own in a policy's enumerations.
const std::set<std::string, std::less<>> kStopWords = {
    "a",          "about",      "above",   "all",      "also",     "an",        "and",
    "any",        "applicable", "are",     "as",       "at",       "be",        "by",
    "categories", "category",   "certain", "collect",  "data",     "detailed",  "do",
    "each",       "for",        "from",    "have",     "in",       "including", "information",
    "into",       "is",         "it",      "its",      "law",      "laws",      "may",
    "my",         "no",         "not",     "of",       "on",       "or",        "other",
    "our",        "personal",   "provide", "related",  "relevant", "request",   "right",
    "rights",     "section",    "send",    "services", "some",     "specific",  "subject",
    "such",       "than",       "that",    "the",      "their",    "them",      "these",
    "this",       "those",      "to",      "under",    "us",       "use",       "via",
    "we",         "what",       "when",    "where",    "which",    "will",      "with",
    "you",        "your",
};

// A word's comparison key: lower case, at most five letters.
std::string stem(std::string_view word) {
  std::string out;
  for (char c : word.substr(0, 5))
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::set<std::string> content_words(std::string_view text) {
  std::set<std::string> out;
  std::string word;
  auto flush = [&]() {
    if (word.empty()) return;
    if (!kStopWords.contains(word)) out.insert(stem(word));
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      flush();
    }
  }
  flush();
  return out;
}

struct NamedTerm {
  VocabularyKind kind;
  std::string phrase;
  std::string section;  // "§1.3"
  size_t offset;        // of the phrase in the text
};

// The section a heading line opens ("7.3 Data Deletion" → "§7.3", "1. PERSONAL …" → "§1"),
// nullopt for other lines.
std::optional<std::string> heading(std::string_view line) {
  size_t i = 0;
  while (i < line.size() &&
         (std::isdigit(static_cast<unsigned char>(line[i])) || (line[i] == '.' && i > 0))) {
    ++i;
  }
  if (i == 0 || i >= line.size() || line[i] != ' ') return std::nullopt;
  std::string_view number = line.substr(0, i);
  if (number.back() == '.') number.remove_suffix(1);
  return "§" + std::string(number);
}

bool starts_with_section(const std::string& section, std::string_view top) {
  return section == top ||
         (section.size() > top.size() && section.rfind(top, 0) == 0 && section[top.size()] == '.');
}

// The text up to the first of `stops`, trimmed; its offset moves past leading blanks.
std::pair<size_t, std::string_view> lead(std::string_view text, std::string_view stops) {
  size_t start = 0;
  while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
  size_t end = text.find_first_of(stops, start);
  if (end == std::string_view::npos) end = text.size();
  while (end > start && text[end - 1] == ' ') --end;
  return {start, text.substr(start, end - start)};
}

void add(std::vector<NamedTerm>& out, VocabularyKind kind, std::string_view phrase,
         const std::string& section, size_t offset) {
  if (content_words(phrase).empty()) return;
  out.push_back({kind, std::string(phrase), section, offset});
}

// Splits a list at commas and ampersands, and at " and " when `split_and` (a table cell lists
// whole items; in prose "browser type and settings" is one). A qualifier ("where required by
// applicable laws") is not an item.
void add_list(std::vector<NamedTerm>& out, VocabularyKind kind, std::string_view list,
              const std::string& section, size_t offset, bool split_and) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find_first_of(",&", start);
    if (end == std::string_view::npos) end = list.size();
    if (split_and) end = std::min(end, list.find(" and ", start));
    auto [skip, item] = lead(list.substr(start, end - start), "");
    if (item.rfind("and ", 0) == 0) {
      item.remove_prefix(4);
      skip += 4;
    }
    bool qualifier = false;
    for (std::string_view word : {"where ", "when ", "if "}) {
      qualifier = qualifier || item.rfind(word, 0) == 0;
    }
    if (!qualifier) add(out, kind, item, section, offset + start + skip);
    start = list.compare(end, 5, " and ") == 0 ? end + 5 : end + 1;
  }
}

std::vector<NamedTerm> named_terms(const SourceFile& text) {
  std::vector<NamedTerm> out;
  std::string section = "§0";
  size_t table_row = 0;
  const std::string& all = text.text();
  size_t line_start = 0;
  while (line_start < all.size()) {
    size_t line_end = all.find('\n', line_start);
    if (line_end == std::string::npos) line_end = all.size();
    std::string_view line(all.data() + line_start, line_end - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (auto opened = heading(line)) {
      section = *opened;
      table_row = 0;
      auto [skip, title] = lead(line.substr(line.find(' ')), "");
      if (starts_with_section(section, "§7") && section != "§7") {
        add(out, VocabularyKind::kRight, title, section, line_start + line.find(' ') + skip);
      }
    } else if (line.find(" | ") != std::string_view::npos) {
      // A pipe table: the first row is its header.
      if (table_row++ > 0) {
        std::vector<VocabularyKind> columns;
        if (section == "§11.1.1") {
          columns = {VocabularyKind::kPurpose, VocabularyKind::kData, VocabularyKind::kLegalBasis};
        } else if (section == "§11.2.2") {
          columns = {VocabularyKind::kData, VocabularyKind::kRecipient};
        }
        size_t cell_start = 0;
        for (VocabularyKind kind : columns) {
          size_t bar = line.find('|', cell_start);
          if (bar == std::string_view::npos) break;
          std::string_view cell = line.substr(cell_start, bar - cell_start);
          if (kind == VocabularyKind::kPurpose) {
            auto [skip, purpose] = lead(cell, ",");
            add(out, kind, purpose, section, line_start + cell_start + skip);
          } else {
            add_list(out, kind, cell, section, line_start + cell_start, true);
          }
          cell_start = bar + 1;
        }
      }
    } else {
      // Bullets: "· ", "• " (UTF-8) or "- ".
      std::string_view body;
      for (std::string_view bullet : {std::string_view("\xC2\xB7"),
                                      std::string_view("\xE2\x80\xA2"), std::string_view("- ")}) {
        if (line.rfind(bullet, 0) == 0) body = line.substr(bullet.size());
      }
      size_t body_offset = line_start + (line.size() - body.size());
      if (!body.empty()) {
        if (starts_with_section(section, "§1")) {
          auto [skip, name] = lead(body, ".");
          add(out, VocabularyKind::kData, name, section, body_offset + skip);
        } else if (section == "§3") {
          auto [skip, name] = lead(body, ".");
          add(out, VocabularyKind::kRecipient, name, section, body_offset + skip);
        } else if (section == "§11.1.4" || section == "§11.2.1") {
          // "To object, on grounds …" / "Right to request that we correct …, taking …"
          auto [skip, name] = lead(body, ".,;:(");
          if (name.rfind("To ", 0) == 0 || name.rfind("Right", 0) == 0) {
            add(out, VocabularyKind::kRight, name, section, body_offset + skip);
          }
        }
      }
      // §1.3's enumeration of technical information.
      constexpr std::string_view kCollectList = "we will collect ";
      if (section == "§1.3") {
        if (size_t at = line.find(kCollectList); at != std::string_view::npos) {
          size_t list_start = at + kCollectList.size();
          size_t list_end = line.find('.', list_start);
          add_list(
              out, VocabularyKind::kData,
              line.substr(list_start, list_end == std::string_view::npos ? std::string_view::npos
                                                                         : list_end - list_start),
              section, line_start + list_start, false);
        }
      }
    }
    line_start = line_end + 1;
  }
  return out;
}

bool defined(const Vocabulary& vocabulary, const std::set<std::string>& words) {
  for (const Term& term : vocabulary.terms()) {
    std::set<std::string> known = content_words(term.description);
    for (const auto& w : content_words(term.id)) known.insert(w);
    size_t found = 0;
    for (const auto& w : words) found += known.contains(w);
    if (words.size() <= 2 ? found == words.size() : 3 * found >= 2 * words.size()) return true;
  }
  return false;
}

}  // namespace

void find_undefined_text_terms(const LintContext& context, std::vector<Finding>& out) {
  const Policy& policy = context.policy;
  if (!policy.text) return;
  std::set<std::string> reported;
  for (const NamedTerm& named : named_terms(*policy.text)) {
    const Vocabulary& vocabulary = policy.vocabulary(named.kind);
    if (defined(vocabulary, content_words(named.phrase))) continue;
    const char* kind = vocabulary_name(named.kind);
    std::string fingerprint = fmt::format("undefined-text-term:{}:{}", kind, named.phrase);
    if (!reported.insert(fingerprint).second) continue;
    Finding f;
    f.code = "undefined-text-term";
    f.kind = FindingKind::kGap;
    f.severity = Severity::kWarning;
    f.subject = named.phrase;
    f.location = policy.text->location(named.offset);
    f.citations = {named.section};
    f.quote = named.phrase;
    f.message = fmt::format(
        "{} names \"{}\" as {}, and no {} term defines it: no rule, disclosure or rights answer "
        "can speak of it",
        named.section, named.phrase, kind, kind);
    f.help = fmt::format(
        "add a term to rules/vocabulary/{}.yaml whose description names \"{}\", or name it in the "
        "description of the term that covers it",
        kind, named.phrase);
    f.fingerprint = fingerprint;
    out.push_back(std::move(f));
  }
}

}  // namespace flowgate::lint
