// build_flow_graph: Boost adjacency_list, an explicit-stack DFS over simple paths, one decision per
// (hop, subject class), memoised.
#include "gate/flow_graph.h"

#include <fmt/format.h>

#include <boost/graph/adjacency_list.hpp>
#include <map>
#include <set>
#include <tuple>

namespace flowgate {
namespace {

struct EdgeLabel {
  size_t index = 0;  // into FlowGraph::edges
  // (data, purpose) pairs that travel this edge; empty means every pair that reached its source.
  std::set<std::pair<std::string, std::string>> carries;
};
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                    EdgeLabel>;

PathVerdict worst(PathVerdict a, PathVerdict b) {
  return a > b ? a : b;
}

class Builder {
 public:
  Builder(const Policy& policy, Date as_of, const std::vector<SubjectClass>& subjects)
      : policy_(policy), as_of_(as_of), subjects_(subjects) {}

  size_t vertex(FlowVertex::Kind kind, const std::string& id, const std::string& owner = {}) {
    auto key = std::make_tuple(kind, id, owner);
    auto it = index_.find(key);
    if (it != index_.end()) return it->second;
    size_t v = boost::add_vertex(graph_);
    out_.vertices.push_back({kind, id, owner});
    index_.emplace(key, v);
    return v;
  }

  void edge(size_t from, size_t to, const std::pair<std::string, std::string>* carries) {
    auto [e, exists] = boost::edge(from, to, graph_);
    if (!exists) {
      EdgeLabel label;
      label.index = out_.edges.size();
      out_.edges.push_back({from, to});
      e = boost::add_edge(from, to, label, graph_).first;
    }
    if (carries) graph_[e].carries.insert(*carries);
  }

  struct Hop {
    PathVerdict verdict = PathVerdict::kAllowed;
    std::string why;
    std::vector<std::string> rules;
  };

  // The verdict of one hop (data, purpose → recipient in region) over the subject classes.
  Hop hop(const std::string& data, const std::string& purpose, const std::string& recipient,
          const std::string& region) {
    auto key = std::make_tuple(data, purpose, recipient, region);
    auto it = hops_.find(key);
    if (it != hops_.end()) return it->second;
    DeclaredFlow f;
    f.data = data;
    f.purpose = purpose;
    f.recipient = recipient;
    f.destination = region;
    auto decisions = decide_for_subjects(policy_, f, subjects_, as_of_);
    auto cls = classify(f, decisions, subjects_);
    Hop result;
    if (cls == PoliCheckClass::kOmitted || cls == PoliCheckClass::kIncorrect) {
      result.verdict = PathVerdict::kForbidden;
      result.rules = blame_rules(decisions);
      result.why = fmt::format("{} for {} to {} in {} is {} ({})", data, purpose, recipient, region,
                               cls == PoliCheckClass::kOmitted ? "never disclosed" : "forbidden",
                               fmt::join(result.rules, ", "));
    } else {
      for (const auto& d : decisions) {
        if (d.verdict != CellVerdict::kAllow) result.verdict = PathVerdict::kConditional;
      }
    }
    hops_.emplace(key, result);
    return result;
  }

  void add(const Component& c) {
    size_t app = vertex(FlowVertex::Kind::kComponent, "app");
    size_t comp = c.name == "app" ? app : vertex(FlowVertex::Kind::kComponent, c.name);
    for (const auto& f : c.flows) {
      if (f.action != Action::kTransmit || f.data.empty() || f.purpose.empty() ||
          f.alternative_reading) {
        continue;
      }
      std::pair<std::string, std::string> pair{f.data, f.purpose};
      origins_.emplace(std::make_tuple(c.name, f.data, f.purpose), f.location);
      size_t data = vertex(FlowVertex::Kind::kData, f.data);
      edge(data, app, &pair);
      if (comp != app) edge(app, comp, &pair);
      size_t recipient = vertex(FlowVertex::Kind::kRecipient, f.recipient, c.name);
      edge(comp, recipient, &pair);
      edge(recipient, vertex(FlowVertex::Kind::kRegion, f.destination), &pair);
      for (const auto& onward : c.onward) {
        size_t next = vertex(FlowVertex::Kind::kRecipient, onward.recipient.id, c.name);
        edge(recipient, next, &pair);
        edge(next, vertex(FlowVertex::Kind::kRegion, onward.destination.id), &pair);
      }
    }
  }

  // Every simple path from each data vertex to a region, following only edges that carry the
  // path's (data, purpose).
  void enumerate(const FlowGraphLimits& limits) {
    for (size_t start = 0; start < out_.vertices.size(); ++start) {
      if (out_.vertices[start].kind != FlowVertex::Kind::kData) continue;
      std::set<std::string> purposes;
      for (auto [e, end] = boost::out_edges(start, graph_); e != end; ++e) {
        for (const auto& [d, p] : graph_[*e].carries) purposes.insert(p);
      }
      for (const auto& purpose : purposes) walk(start, purpose, limits);
    }
  }

  void walk(size_t start, const std::string& purpose, const FlowGraphLimits& limits) {
    const std::string& data = out_.vertices[start].id;
    std::pair<std::string, std::string> pair{data, purpose};
    std::vector<size_t> path{start};
    std::vector<size_t> path_edges;
    std::vector<std::vector<std::pair<size_t, size_t>>> pending;  // (target, edge index)
    auto successors = [&](size_t v) {
      std::vector<std::pair<size_t, size_t>> out;
      for (auto [e, end] = boost::out_edges(v, graph_); e != end; ++e) {
        if (graph_[*e].carries.count(pair)) {
          out.emplace_back(boost::target(*e, graph_), graph_[*e].index);
        }
      }
      return out;
    };
    pending.push_back(successors(start));
    while (!pending.empty()) {
      if (pending.back().empty()) {
        pending.pop_back();
        path.pop_back();
        if (!path_edges.empty()) path_edges.pop_back();
        continue;
      }
      auto [next, edge_index] = pending.back().back();
      pending.back().pop_back();
      if (std::find(path.begin(), path.end(), next) != path.end()) continue;  // simple paths
      path.push_back(next);
      path_edges.push_back(edge_index);
      if (out_.vertices[next].kind == FlowVertex::Kind::kRegion) {
        record(path, path_edges, data, purpose);
        path.pop_back();
        path_edges.pop_back();
        if (out_.paths.size() >= limits.max_paths) {
          out_.truncated = true;
          return;
        }
        continue;
      }
      if (path.size() > limits.max_depth) {
        out_.truncated = true;
        path.pop_back();
        path_edges.pop_back();
        continue;
      }
      pending.push_back(successors(next));
    }
  }

  void record(const std::vector<size_t>& path, const std::vector<size_t>& path_edges,
              const std::string& data, const std::string& purpose) {
    FlowPath p;
    p.vertices = path;
    p.data = data;
    p.purpose = purpose;
    // Each recipient followed by a region (directly or after onward recipients) is a hop; an
    // onward recipient is reached in the region its own edge names.
    for (size_t i = 0; i + 1 < path.size(); ++i) {
      const auto& v = out_.vertices[path[i]];
      if (v.kind != FlowVertex::Kind::kRecipient) continue;
      // The region this recipient receives in: the first region after the recipient chain.
      std::string region;
      size_t j = i + 1;
      while (j < path.size() && out_.vertices[path[j]].kind == FlowVertex::Kind::kRecipient) ++j;
      if (j < path.size()) region = out_.vertices[path[j]].id;
      // A vendor that forwards onward receives in its own declared region: take it from its edges.
      if (j != i + 1) region = own_region(path[i], data, purpose, region);
      Hop h = hop(data, purpose, v.id, region);
      if (h.verdict > p.verdict) {
        p.verdict = h.verdict;
        if (!h.why.empty()) p.why = h.why;
        if (h.verdict == PathVerdict::kForbidden) {
          p.hop_recipient = v.id;
          p.hop_region = region;
          p.rules = h.rules;
          p.onward_hop = i > 0 && out_.vertices[path[i - 1]].kind == FlowVertex::Kind::kRecipient;
        }
      }
    }
    for (size_t v : path) {
      if (out_.vertices[v].kind == FlowVertex::Kind::kComponent) p.component = out_.vertices[v].id;
    }
    auto origin = origins_.find(std::make_tuple(p.component, data, purpose));
    if (origin != origins_.end()) p.origin = origin->second;
    for (size_t e : path_edges) {
      out_.edges[e].used = true;
      out_.edges[e].verdict = worst(out_.edges[e].verdict, p.verdict);
    }
    out_.paths.push_back(std::move(p));
  }

  std::string own_region(size_t recipient, const std::string& data, const std::string& purpose,
                         const std::string& fallback) {
    std::pair<std::string, std::string> pair{data, purpose};
    for (auto [e, end] = boost::out_edges(recipient, graph_); e != end; ++e) {
      size_t t = boost::target(*e, graph_);
      if (out_.vertices[t].kind == FlowVertex::Kind::kRegion && graph_[*e].carries.count(pair)) {
        return out_.vertices[t].id;
      }
    }
    return fallback;
  }

  FlowGraph take() { return std::move(out_); }

 private:
  const Policy& policy_;
  Date as_of_;
  const std::vector<SubjectClass>& subjects_;
  Graph graph_;
  FlowGraph out_;
  std::map<std::tuple<FlowVertex::Kind, std::string, std::string>, size_t> index_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Hop> hops_;
  // (component, data, purpose) → where the component declares it (the first such flow).
  std::map<std::tuple<std::string, std::string, std::string>, SourceLocation> origins_;
};

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

const char* colour(PathVerdict v) {
  switch (v) {
    case PathVerdict::kAllowed:
      return "forestgreen";
    case PathVerdict::kConditional:
      return "darkorange";
    case PathVerdict::kForbidden:
      return "red";
  }
  return "black";
}

}  // namespace

const char* path_verdict_name(PathVerdict v) {
  switch (v) {
    case PathVerdict::kAllowed:
      return "allowed";
    case PathVerdict::kConditional:
      return "conditional";
    case PathVerdict::kForbidden:
      return "forbidden";
  }
  return "?";
}

std::string FlowGraph::describe(const FlowPath& path) const {
  std::string out = path.data;
  for (size_t i = 1; i < path.vertices.size(); ++i) {
    const auto& v = vertices[path.vertices[i]];
    out += " → ";
    out += v.kind == FlowVertex::Kind::kRecipient ? fmt::format("{} ({})", v.id, v.owner) : v.id;
  }
  return out + fmt::format(" [{}]", path.purpose);
}

FlowGraph build_flow_graph(const Policy& policy, const std::vector<Component>& components,
                           Date as_of, const std::vector<SubjectClass>& subjects,
                           const FlowGraphLimits& limits) {
  Builder builder(policy, as_of, subjects);
  for (const auto& c : components) builder.add(c);
  builder.enumerate(limits);
  return builder.take();
}

std::vector<GateFinding> path_findings(const FlowGraph& graph) {
  std::vector<GateFinding> out;
  for (const auto& p : graph.paths) {
    if (p.verdict != PathVerdict::kForbidden) continue;
    auto& f = out.emplace_back(
        "gate-path-forbidden", Severity::kError,
        fmt::format("path {} reaches a recipient or region the policy forbids: {}",
                    graph.describe(p), p.why),
        p.origin, p.component);
    f.readings = {fmt::format("{} for {}", p.data, p.purpose)};
    f.rules = p.rules;
    f.hop = fmt::format("{} in {}", p.hop_recipient, p.hop_region);
    f.onward_hop = p.onward_hop;
  }
  if (graph.truncated) {
    out.push_back({"gate-path-limit",
                   Severity::kError,
                   "the flow graph has more paths (or deeper ones) than the gate's limits; the "
                   "paths listed are incomplete",
                   {},
                   ""});
  }
  return out;
}

std::string to_dot(const FlowGraph& graph, const std::string& title) {
  std::string out = fmt::format(
      "digraph flowgate {{\n  label=\"{}\";\n  labelloc=t;\n  rankdir=LR;\n"
      "  node [fontname=\"Helvetica\", fontsize=10];\n  edge [penwidth=1.4];\n",
      dot_escape(title));
  for (size_t i = 0; i < graph.vertices.size(); ++i) {
    const auto& v = graph.vertices[i];
    const char* shape = "box";
    std::string label = dot_escape(v.id);  // escaped here: "\\n" below is DOT's line break
    switch (v.kind) {
      case FlowVertex::Kind::kData:
        shape = "note";
        break;
      case FlowVertex::Kind::kComponent:
        shape = "box3d";
        break;
      case FlowVertex::Kind::kRecipient:
        shape = "ellipse";
        label = fmt::format("{}\\n({})", dot_escape(v.id), dot_escape(v.owner));
        break;
      case FlowVertex::Kind::kRegion:
        shape = "hexagon";
        break;
    }
    out += fmt::format("  v{} [shape={}, label=\"{}\"];\n", i, shape, label);
  }
  for (const auto& e : graph.edges) {
    if (!e.used) continue;
    out += fmt::format("  v{} -> v{} [color={}, tooltip=\"{}\"];\n", e.from, e.to,
                       colour(e.verdict), path_verdict_name(e.verdict));
  }
  out +=
      "  subgraph cluster_legend {\n    label=\"verdict\";\n"
      "    l1 [shape=plaintext, label=\"allowed for every subject\", fontcolor=forestgreen];\n"
      "    l2 [shape=plaintext, label=\"conditional: runtime check decides\", "
      "fontcolor=darkorange];\n"
      "    l3 [shape=plaintext, label=\"forbidden or undisclosed\", fontcolor=red];\n  }\n}\n";
  return out;
}

}  // namespace flowgate
