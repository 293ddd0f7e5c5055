// Vocabulary::build: duplicate ids, dangling parents, cycles (Boost Graph DFS), closure.
#include "model/vocabulary.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/topological_sort.hpp>
#include <iterator>

namespace flowgate {
namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using Edge = boost::graph_traits<Graph>::edge_descriptor;

constexpr const char* kNames[kVocabularyKinds] = {
    "data", "purpose", "recipient", "right", "obligation", "legal_basis", "event", "feature"};

// Records the first back edge the DFS meets, and the tree path that leads to it, so the cycle can
// be printed as "a → b → c → a".
struct CycleFinder : boost::default_dfs_visitor {
  std::vector<Vertex>* parent;
  std::optional<Edge>* found;
  void tree_edge(Edge e, const Graph& g) const {
    (*parent)[boost::target(e, g)] = boost::source(e, g);
  }
  void back_edge(Edge e, const Graph&) const {
    if (!found->has_value()) *found = e;
  }
};

}  // namespace

const char* vocabulary_name(VocabularyKind kind) {
  return kNames[static_cast<size_t>(kind)];
}

std::optional<VocabularyKind> parse_vocabulary_kind(std::string_view name) {
  for (size_t i = 0; i < kVocabularyKinds; ++i) {
    if (name == kNames[i]) return static_cast<VocabularyKind>(i);
  }
  return std::nullopt;
}

Vocabulary Vocabulary::build(VocabularyKind kind, std::vector<Term> terms, DiagnosticSink& sink) {
  Vocabulary v;
  v.kind_ = kind;
  for (auto& term : terms) {
    if (auto it = v.index_.find(term.id); it != v.index_.end()) {
      sink.error("duplicate-id", term.location,
                 fmt::format("{} term '{}' is defined twice (first at {}:{})", kNames[size_t(kind)],
                             term.id, v.terms_[it->second].location.file,
                             v.terms_[it->second].location.line),
                 "each id names one term; merge the two or rename one");
      continue;
    }
    v.index_.emplace(term.id, static_cast<Index>(v.terms_.size()));
    v.terms_.push_back(std::move(term));
  }

  const size_t n = v.terms_.size();
  Graph graph(n);  // edges run parent → child
  v.children_.assign(n, {});
  for (Index child = 0; child < n; ++child) {
    const Term& term = v.terms_[child];
    for (size_t p = 0; p < term.parents.size(); ++p) {
      auto parent = v.find(term.parents[p]);
      if (!parent) {
        sink.error("unknown-parent", term.parent_locations[p],
                   fmt::format("parent '{}' of {} term '{}' is not defined", term.parents[p],
                               kNames[size_t(kind)], term.id),
                   fmt::format("define '{}' as a {} term, or fix the spelling", term.parents[p],
                               kNames[size_t(kind)]));
        continue;
      }
      boost::add_edge(*parent, child, graph);
      v.children_[*parent].push_back(child);
    }
  }

  std::vector<Vertex> parent(n, boost::graph_traits<Graph>::null_vertex());
  std::optional<Edge> back;
  CycleFinder finder;
  finder.parent = &parent;
  finder.found = &back;
  boost::depth_first_search(graph, boost::visitor(finder));
  v.ancestors_.assign(n, boost::dynamic_bitset<>(n));
  for (Index i = 0; i < n; ++i) v.ancestors_[i].set(i);
  if (back) {
    Vertex from = boost::source(*back, graph);
    Vertex to = boost::target(*back, graph);
    std::vector<std::string> path{v.terms_[to].id};
    std::vector<Vertex> chain;
    for (Vertex x = from; x != to && x != boost::graph_traits<Graph>::null_vertex();
         x = parent[x]) {
      chain.push_back(x);
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) path.push_back(v.terms_[*it].id);
    path.push_back(v.terms_[to].id);
    std::string joined;
    for (size_t i = 0; i < path.size(); ++i) joined += (i ? " → " : "") + path[i];
    sink.error("vocabulary-cycle", v.terms_[to].location,
               fmt::format("{} terms form a cycle: {}", kNames[size_t(kind)], joined),
               "a term cannot be its own ancestor; remove one of these parent links");
    return v;
  }

  std::vector<Vertex> order;
  boost::topological_sort(graph, std::back_inserter(order));  // children before parents
  for (auto it = order.rbegin(); it != order.rend(); ++it) {  // parents first
    for (Index child : v.children_[*it]) v.ancestors_[child] |= v.ancestors_[*it];
  }
  return v;
}

std::optional<Vocabulary::Index> Vocabulary::find(std::string_view id) const {
  auto it = index_.find(std::string(id));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

bool Vocabulary::is_under(Index term, Index ancestor) const {
  return ancestors_[term].test(ancestor);
}

std::vector<Vocabulary::Index> Vocabulary::leaves_under(Index index) const {
  std::vector<Index> out;
  for (Index i = 0; i < terms_.size(); ++i) {
    if (is_leaf(i) && is_under(i, index)) out.push_back(i);
  }
  return out;
}

std::vector<Vocabulary::Index> Vocabulary::leaves() const {
  std::vector<Index> out;
  for (Index i = 0; i < terms_.size(); ++i) {
    if (is_leaf(i)) out.push_back(i);
  }
  return out;
}

}  // namespace flowgate
