// Vocabulary: one kind of id (data categories, purposes, recipients, …) as a DAG of terms.
// Entry point: Vocabulary::build, which reports duplicate ids, undefined parents and cycles (with
// the cycle's path) and precomputes the reflexive-transitive closure, so "is X under Y?" is one
// bit test.
#pragma once

#include <boost/dynamic_bitset.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flowgate/diagnostic.h"
#include "model/citation.h"

namespace flowgate {

enum class VocabularyKind : uint8_t {
  kData,
  kPurpose,
  kRecipient,
  kRight,
  kObligation,
  kLegalBasis,
  kEvent,
  kFeature,
};
inline constexpr size_t kVocabularyKinds = 8;

const char* vocabulary_name(VocabularyKind kind);  // "data", "purpose", …
std::optional<VocabularyKind> parse_vocabulary_kind(std::string_view name);

struct Term {
  std::string id;
  SourceLocation location;
  std::vector<std::string> parents;
  std::vector<SourceLocation> parent_locations;
  std::string description;
  std::vector<Citation> citations;
};

class Vocabulary {
 public:
  using Index = uint32_t;

  Vocabulary() = default;
  // Builds the DAG from `terms` (in file order). Problems go to `sink`; the vocabulary keeps every
  // term whose id is unique, drops edges to undefined parents, and, when there is a cycle, keeps
  // no closure (is_under answers only the reflexive case).
  static Vocabulary build(VocabularyKind kind, std::vector<Term> terms, DiagnosticSink& sink);

  VocabularyKind kind() const { return kind_; }
  size_t size() const { return terms_.size(); }
  const Term& term(Index index) const { return terms_[index]; }
  const std::vector<Term>& terms() const { return terms_; }
  std::optional<Index> find(std::string_view id) const;
  bool contains(std::string_view id) const { return find(id).has_value(); }

  // Reflexive: a term is under itself.
  bool is_under(Index term, Index ancestor) const;
  bool is_leaf(Index index) const { return children_[index].empty(); }
  const std::vector<Index>& children(Index index) const { return children_[index]; }
  // The leaves under `index` (itself when it is a leaf), in term order.
  std::vector<Index> leaves_under(Index index) const;
  std::vector<Index> leaves() const;

 private:
  VocabularyKind kind_ = VocabularyKind::kData;
  std::vector<Term> terms_;
  std::unordered_map<std::string, Index> index_;
  std::vector<std::vector<Index>> children_;
  std::vector<boost::dynamic_bitset<>> ancestors_;  // ancestors_[t][a]: t is under a
};

}  // namespace flowgate
