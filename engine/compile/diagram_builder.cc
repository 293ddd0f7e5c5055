// DiagramBuilder: unique table, reduction, tabulation and apply.
#include "compile/diagram_builder.h"

#include <algorithm>

namespace flowgate {

namespace {

// Spreads a 64-bit key over the bits a power-of-two table indexes by (splitmix64's finaliser).
uint64_t mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

void DiagramBuilder::Memo::clear() {
  size_ = 0;
  if (++generation_ == 0) {  // wrapped: every old stamp could look current again
    std::fill(slots_.begin(), slots_.end(), Slot{0, 0, 0});
    generation_ = 1;
  }
}

const DiagramBuilder::Ref* DiagramBuilder::Memo::find(uint64_t key) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.generation != generation_) return nullptr;
    if (s.key == key) return &s.value;
  }
}

void DiagramBuilder::Memo::insert(uint64_t key, Ref value) {
  if (2 * (size_ + 1) > slots_.size()) {
    std::vector<Slot> old(slots_.size() * 2, Slot{0, 0, 0});
    old.swap(slots_);
    const uint32_t live = generation_;
    size_ = 0;
    for (const Slot& s : old) {
      if (s.generation == live) insert(s.key, s.value);
    }
  }
  const size_t mask = slots_.size() - 1;
  size_t i = mix(key) & mask;
  while (slots_[i].generation == generation_) i = (i + 1) & mask;
  slots_[i] = {key, generation_, value};
  ++size_;
}

size_t DiagramBuilder::unique_slot(uint64_t hash, uint32_t variable,
                                   const std::vector<Ref>& children) const {
  const size_t mask = unique_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    if (unique_[i] == 0) return i;
    const Node& n = nodes_[unique_[i] - 1];
    if (n.hash == hash && n.variable == variable &&
        std::equal(children.begin(), children.end(), children_.begin() + n.first_child)) {
      return i;
    }
  }
}

void DiagramBuilder::tick() {
  if ((++calls_ & 0x3FFF) == 0 && std::chrono::steady_clock::now() > limits_.deadline) {
    throw BudgetExceeded{BudgetExceeded::kTime};
  }
}

DiagramBuilder::Ref DiagramBuilder::make(uint32_t variable, const std::vector<Ref>& children) {
  tick();
  bool all_same = true;
  for (Ref c : children) all_same = all_same && c == children.front();
  if (all_same) return children.front();
  uint64_t hash = 0x9E3779B97F4A7C15ull ^ variable;
  for (Ref c : children) hash = mix(hash ^ c);
  size_t slot = unique_slot(hash, variable, children);
  if (unique_[slot] != 0) return unique_[slot] - 1;
  if (nodes_.size() >= limits_.max_nodes) throw BudgetExceeded{BudgetExceeded::kNodes};
  Ref made = static_cast<Ref>(nodes_.size());
  nodes_.push_back({variable, static_cast<uint32_t>(children_.size()), hash});
  children_.insert(children_.end(), children.begin(), children.end());
  unique_[slot] = made + 1;
  if (2 * nodes_.size() > unique_.size()) {
    std::vector<uint32_t> grown(unique_.size() * 2, 0);
    const size_t mask = grown.size() - 1;
    for (uint32_t index = 0; index < nodes_.size(); ++index) {
      size_t i = nodes_[index].hash & mask;
      while (grown[i] != 0) i = (i + 1) & mask;
      grown[i] = index + 1;
    }
    unique_.swap(grown);
  }
  return made;
}

DiagramBuilder::Ref DiagramBuilder::tabulate_from(
    size_t position, const std::vector<uint32_t>& variables, std::vector<uint32_t>& values,
    const std::function<uint32_t(const std::vector<uint32_t>&)>& f) {
  if (position == variables.size()) return leaf(f(values));
  uint32_t variable = variables[position];
  std::vector<Ref>& children = scratch_[variable];
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

bool DiagramBuilder::meet_pair(Ref x, Ref y, Ref target) {
  tick();
  if (is_leaf(x) && is_leaf(y)) return x == target && y == target;
  if ((is_leaf(x) && x != target) || (is_leaf(y) && y != target)) return false;
  const uint64_t key = (uint64_t{x} << 32) | y;
  if (memo_.find(key)) return false;
  const uint32_t vx = is_leaf(x) ? UINT32_MAX : variable_of(x);
  const uint32_t vy = is_leaf(y) ? UINT32_MAX : variable_of(y);
  const uint32_t top = std::min(vx, vy);
  for (uint32_t v = 0; v < domains_[top]; ++v) {
    const Ref cx = vx == top ? child(x, v) : x, cy = vy == top ? child(y, v) : y;
    // Most children of a wide node are the other leaf: skipped without a call.
    if ((is_leaf(cx) && cx != target) || (is_leaf(cy) && cy != target)) continue;
    if (meet_pair(cx, cy, target)) return true;
  }
  memo_.insert(key, 0);
  return false;
}

std::vector<uint32_t> DiagramBuilder::leaves_where(Ref where, Ref b, uint32_t where_value) {
  memo_.clear();  // here: the pairs already walked
  const Ref target = leaf(where_value);
  std::vector<uint32_t> out;
  std::function<void(Ref, Ref)> walk = [&](Ref x, Ref y) {
    tick();
    if (is_leaf(x) && x != target) return;
    if (is_leaf(x) && is_leaf(y)) {
      out.push_back(DiagramBuilder::value(y));
      return;
    }
    const uint64_t key = (uint64_t{x} << 32) | y;
    if (memo_.find(key)) return;
    memo_.insert(key, 0);
    const uint32_t vx = is_leaf(x) ? UINT32_MAX : variable_of(x);
    const uint32_t vy = is_leaf(y) ? UINT32_MAX : variable_of(y);
    const uint32_t top = std::min(vx, vy);
    for (uint32_t v = 0; v < domains_[top]; ++v)
      walk(vx == top ? child(x, v) : x, vy == top ? child(y, v) : y);
  };
  walk(where, b);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

DiagramBuilder::Ref DiagramBuilder::map_leaves(Ref root,
                                               const std::function<uint32_t(uint32_t)>& map) {
  std::unordered_map<Ref, Ref> memo;
  std::function<Ref(Ref)> go = [&](Ref x) -> Ref {
    if (is_leaf(x)) return leaf(map(value(x)));
    if (auto it = memo.find(x); it != memo.end()) return it->second;
    uint32_t variable = variable_of(x);
    std::vector<Ref>& children = scratch_[variable];
    for (uint32_t v = 0; v < domains_[variable]; ++v) children[v] = go(child(x, v));
    Ref result = make(variable, children);
    memo.emplace(x, result);
    return result;
  };
  return go(root);
}

}  // namespace flowgate
