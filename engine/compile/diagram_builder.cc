// DiagramBuilder: unique table, reduction, tabulation and apply.
#include "compile/diagram_builder.h"

#include <algorithm>

namespace flowgate {

DiagramBuilder::Ref DiagramBuilder::make(uint32_t variable, const std::vector<Ref>& children) {
  bool all_same = true;
  for (Ref c : children) all_same = all_same && c == children.front();
  if (all_same) return children.front();
  uint64_t hash = 0x9E3779B97F4A7C15ull ^ variable;
  for (Ref c : children) hash = (hash ^ c) * 0x100000001B3ull;  // FNV-style over the refs
  auto [first, last] = unique_.equal_range(hash);
  for (auto it = first; it != last; ++it) {
    const Node& n = nodes_[it->second];
    if (n.variable == variable &&
        std::equal(children.begin(), children.end(), children_.begin() + n.first_child)) {
      return it->second;
    }
  }
  Ref made = static_cast<Ref>(nodes_.size());
  nodes_.push_back({variable, static_cast<uint32_t>(children_.size())});
  children_.insert(children_.end(), children.begin(), children.end());
  unique_.emplace(hash, made);
  return made;
}

DiagramBuilder::Ref DiagramBuilder::tabulate_from(
    size_t position, const std::vector<uint32_t>& variables, std::vector<uint32_t>& values,
    const std::function<uint32_t(const std::vector<uint32_t>&)>& f) {
  if (position == variables.size()) return leaf(f(values));
  uint32_t variable = variables[position];
  std::vector<Ref> children(domains_[variable]);
  for (uint32_t v = 0; v < domains_[variable]; ++v) {
    values[variable] = v;
    children[v] = tabulate_from(position + 1, variables, values, f);
  }
  return make(variable, children);
}

DiagramBuilder::Ref DiagramBuilder::tabulate(
    const std::vector<uint32_t>& variables,
    const std::function<uint32_t(const std::vector<uint32_t>&)>& f) {
  std::vector<uint32_t> values(domains_.size(), 0);
  return tabulate_from(0, variables, values, f);
}

DiagramBuilder::Ref DiagramBuilder::apply(Ref a, Ref b,
                                          const std::function<uint32_t(uint32_t, uint32_t)>& op,
                                          uint32_t b_identity) {
  std::unordered_map<uint64_t, Ref> memo;
  const Ref identity = b_identity == kNoIdentity ? kNoIdentity : leaf(b_identity);
  std::function<Ref(Ref, Ref)> go = [&](Ref x, Ref y) -> Ref {
    if (y == identity) return x;
    if (is_leaf(x) && is_leaf(y)) return leaf(op(value(x), value(y)));
    uint64_t key = (uint64_t{x} << 32) | y;
    if (auto it = memo.find(key); it != memo.end()) return it->second;
    uint32_t vx = is_leaf(x) ? UINT32_MAX : variable_of(x);
    uint32_t vy = is_leaf(y) ? UINT32_MAX : variable_of(y);
    uint32_t top = std::min(vx, vy);
    std::vector<Ref> children(domains_[top]);
    for (uint32_t v = 0; v < domains_[top]; ++v) {
      children[v] = go(vx == top ? child(x, v) : x, vy == top ? child(y, v) : y);
    }
    Ref result = make(top, children);
    memo.emplace(key, result);
    return result;
  };
  return go(a, b);
}

DiagramBuilder::Ref DiagramBuilder::map_leaves(Ref root,
                                               const std::function<uint32_t(uint32_t)>& map) {
  std::unordered_map<Ref, Ref> memo;
  std::function<Ref(Ref)> go = [&](Ref x) -> Ref {
    if (is_leaf(x)) return leaf(map(value(x)));
    if (auto it = memo.find(x); it != memo.end()) return it->second;
    uint32_t variable = variable_of(x);
    std::vector<Ref> children(domains_[variable]);
    for (uint32_t v = 0; v < domains_[variable]; ++v) children[v] = go(child(x, v));
    Ref result = make(variable, children);
    memo.emplace(x, result);
    return result;
  };
  return go(root);
}

}  // namespace flowgate
