// Coverage: every sentence of the policy text accounted for. A sentence is accounted for when a
// statement quotes it (a rule, a retention or rights entry, or a vocabulary term whose description
// is a verbatim quote), or when rules/unencoded.yaml lists it with the reason no statement encodes
// it (organisational measures, promises about notices, definitions, headings, contact details).
//
//   auto report = flowgate::compute_coverage(policy);   // policy loaded and checked
//   for (const auto& s : report.sentences) if (!s.accounted()) …  // line:col, section, text
//
// A quote accounts for every sentence it overlaps (a quote of half a sentence accounts for all of
// it). A quote that appears more than once in the text counts where it appears in a section its
// statement cites (or a subsection of one), else everywhere. Statute rules (jurisdictions/) quote
// the law, not the policy, and count for nothing here. A listing whose quote a statement quotes
// too is stale: the statement now encodes what the listing says nothing does.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/policy.h"

namespace flowgate {

enum class SentenceKind : uint8_t { kHeading, kBullet, kTableRow, kProse };
const char* sentence_kind_name(SentenceKind kind);  // heading | bullet | table_row | prose

struct Sentence {
  SentenceKind kind = SentenceKind::kProse;
  std::string section;  // "§0" (preamble and table of contents) … "§11.2.2"
  size_t begin = 0;     // byte range [begin, end) in the policy text
  size_t end = 0;
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based, in bytes (as diagnostics count)
  std::string text;
};

// The sentences of a policy text, in order. Every line break ends a sentence, so headings, bullet
// lines and table rows are sentences of their own (a bullet's marker is not part of its text; a
// table row is one sentence whatever its cells hold). Within a line a sentence ends at '.', '!' or
// '?' (with any closing quotes or brackets) followed by white space, or at a '.' wedged between
// words ("information.You"), but not after an abbreviation ("e.g.", "i.e.", "Co.", "Ltd.", "No.",
// "U.S.") or a section number ("Section 1. PERSONAL …", "11.2.1"). A run of top-level headings
// with nothing between them is the table of contents, which belongs to the preamble (§0).
std::vector<Sentence> split_sentences(std::string_view text);

// A statement whose quote overlaps a sentence.
struct QuotedBy {
  std::string kind;         // rule | retention | rights | term
  std::string id;           // a term's id is "<vocabulary>:<id>", e.g. "purpose:security"
  SourceLocation location;  // of its quote (a term's: of the term)
};

struct SentenceCoverage {
  Sentence sentence;
  std::vector<QuotedBy> quoted_by;
  const UnencodedEntry* unencoded = nullptr;  // the first listing whose quote overlaps it
  bool quoted() const { return !quoted_by.empty(); }
  bool listed() const { return quoted_by.empty() && unencoded != nullptr; }
  bool accounted() const { return quoted() || unencoded != nullptr; }
};

struct StaleListing {
  const UnencodedEntry* entry = nullptr;
  std::vector<QuotedBy> quoted_by;  // the statements that quote (part of) what it lists
};

struct CoverageReport {
  std::string text_path;  // the policy text, as diagnostics name it
  std::vector<SentenceCoverage> sentences;
  std::vector<StaleListing> stale;
  size_t quoted = 0;       // sentences a statement quotes
  size_t listed = 0;       // sentences only rules/unencoded.yaml accounts for
  size_t unaccounted = 0;  // neither
  std::map<std::string, size_t> listed_by_reason;
};

// The policy must have passed check_policy (its quotes are in the text). A policy without text
// has no sentences.
CoverageReport compute_coverage(const Policy& policy);

}  // namespace flowgate
