// DiagramBuilder: a multi-valued decision diagram under construction — hash-consed nodes (one
// node per distinct (variable, children), so equal sub-diagrams are shared) that are reduced as
// they are made (a node whose children are all the same is that child). Leaves carry a value whose
// meaning belongs to the caller: 0/1 for a predicate, a combination, count or decision index
// otherwise. Variables are ordered by index; a child always tests a later variable than its parent.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace flowgate {

class DiagramBuilder {
 public:
  using Ref = uint32_t;  // a node index, or kLeaf | value
  static constexpr Ref kLeaf = 0x8000'0000u;

  // What a build may cost: make() throws BudgetExceeded when a new node would pass max_nodes (the
  // diagram's memory) or, checked every few thousand calls, once the deadline has passed (so do
  // meet and leaves_where, which build nothing but can walk for long). The
  // exception unwinds a recursion thousands of frames deep in one step; it stays inside the compile
  // stage, whose entry point turns it into a diagnostic (compile/compiler.h).
  struct Limits {
    size_t max_nodes = SIZE_MAX;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  };
  struct BudgetExceeded {
    enum What { kNodes, kTime, kLeaves } what;  // kLeaves: the compiler's own limit
  };

  explicit DiagramBuilder(std::vector<uint32_t> domains)
      : domains_(std::move(domains)), scratch_(domains_.size()) {
    for (size_t v = 0; v < domains_.size(); ++v) scratch_[v].resize(domains_[v]);
  }

  static constexpr Ref leaf(uint32_t value) { return kLeaf | value; }
  static constexpr bool is_leaf(Ref r) { return (r & kLeaf) != 0; }
  static constexpr uint32_t value(Ref r) { return r & ~kLeaf; }

  // The node testing `variable` with these children (one per value), reduced and shared.
  Ref make(uint32_t variable, const std::vector<Ref>& children);
  // A diagram over the given variables (ascending) whose leaf for each assignment is f(values);
  // `values` is indexed by variable, filled only for those listed.
  Ref tabulate(const std::vector<uint32_t>& variables,
               const std::function<uint32_t(const std::vector<uint32_t>&)>& f);
  static constexpr uint32_t kNoIdentity = UINT32_MAX;
  // Pointwise combination of two diagrams' leaves. When `b_identity` is a leaf value with
  // op(x, b_identity) == x for every x, the parts of `a` under that leaf of `b` are kept as they
  // are instead of rebuilt: folding many small predicates into a large diagram then costs what
  // the predicates touch, not the whole diagram each time.
  // `op` is a template parameter: it runs at every pair of leaves, and a fold calls apply
  // thousands of times.
  // `absorbs(x)`, when given, says a leaf value of `a` that op leaves as it is whatever `b`
  // holds (a combination a deny has decided): the parts of `a` under it are not walked at all.
  template <typename Op, typename Absorbs = bool (*)(uint32_t)>
  Ref apply(
      Ref a, Ref b, Op op, uint32_t b_identity = kNoIdentity,
      Absorbs absorbs = [](uint32_t) { return false; }) {
    memo_.clear();
    return apply_pair(a, b, op, b_identity == kNoIdentity ? kNoIdentity : leaf(b_identity),
                      absorbs);
  }
  // Whether some assignment reaches leaf `value` in both diagrams: a walk of the pairs of nodes
  // the two reach together, which builds nothing and stops at the first such assignment.
  bool meet(Ref a, Ref b, uint32_t value) {
    memo_.clear();  // here: the pairs already walked without finding one
    return meet_pair(a, b, leaf(value));
  }
  // The distinct leaf values of `b` (ascending) at the assignments where `where` reaches leaf
  // `value`.
  std::vector<uint32_t> leaves_where(Ref where, Ref b, uint32_t value);
  // The diagram with each leaf value replaced by map(value).
  Ref map_leaves(Ref root, const std::function<uint32_t(uint32_t)>& map);

  uint32_t variable_of(Ref node) const { return nodes_[node].variable; }
  Ref child(Ref node, uint32_t value) const { return children_[nodes_[node].first_child + value]; }
  size_t node_count() const { return nodes_.size(); }
  void set_limits(const Limits& limits) { limits_ = limits; }
  uint32_t domain(uint32_t variable) const { return domains_[variable]; }
  uint32_t variable_count() const { return static_cast<uint32_t>(domains_.size()); }

 private:
  struct Node {
    uint32_t variable;
    uint32_t first_child;
    uint64_t hash;  // of (variable, children), for the unique table
  };

  // apply's memo: (x, y) → result in open addressing, emptied by moving to a new generation, so
  // the thousands of applies of a compile share one allocation.
  class Memo {
   public:
    void clear();
    const Ref* find(uint64_t key) const;
    void insert(uint64_t key, Ref value);

   private:
    struct Slot {
      uint64_t key;
      uint32_t generation;  // the slot is empty unless this is generation_
      Ref value;
    };
    std::vector<Slot> slots_ = std::vector<Slot>(1024, Slot{0, 0, 0});
    size_t size_ = 0;
    uint32_t generation_ = 1;
  };

  template <typename Op, typename Absorbs>
  Ref apply_pair(Ref x, Ref y, Op& op, Ref identity, Absorbs& absorbs) {
    if (y == identity) return x;
    if (is_leaf(x) && absorbs(value(x))) return x;
    if (is_leaf(x) && is_leaf(y)) return leaf(op(value(x), value(y)));
    tick();  // also where nothing changes, so no make() would count it
    uint64_t key = (uint64_t{x} << 32) | y;
    if (const Ref* known = memo_.find(key)) return *known;
    uint32_t vx = is_leaf(x) ? UINT32_MAX : variable_of(x);
    uint32_t vy = is_leaf(y) ? UINT32_MAX : variable_of(y);
    uint32_t top = std::min(vx, vy);
    std::vector<Ref>& children = scratch_[top];
    bool unchanged = vx == top;  // then x is the node, and need not be looked up again
    for (uint32_t v = 0; v < domains_[top]; ++v) {
      const Ref cx = vx == top ? child(x, v) : x, cy = vy == top ? child(y, v) : y;
      // Most children of a wide node are kept as they are: no call for those.
      children[v] = cy == identity || (is_leaf(cx) && absorbs(value(cx)))
                        ? cx
                        : apply_pair(cx, cy, op, identity, absorbs);
      unchanged = unchanged && children[v] == child(x, v);
    }
    Ref result = unchanged ? x : make(top, children);
    memo_.insert(key, result);
    return result;
  }

  bool meet_pair(Ref x, Ref y, Ref target);
  // Counts a step of work; throws BudgetExceeded past the deadline (checked every few thousand).
  void tick();
  // The unique table's slot for (variable, children): the slot holding that node, or the empty
  // slot where it belongs.
  size_t unique_slot(uint64_t hash, uint32_t variable, const std::vector<Ref>& children) const;
  Ref tabulate_from(size_t position, const std::vector<uint32_t>& variables,
                    std::vector<uint32_t>& values,
                    const std::function<uint32_t(const std::vector<uint32_t>&)>& f);

  std::vector<uint32_t> domains_;
  std::vector<Node> nodes_;
  std::vector<Ref> children_;
  // The unique table, open addressing: node index + 1 per slot, 0 for empty; at most half full.
  std::vector<uint32_t> unique_ = std::vector<uint32_t>(1024, 0);
  // Children under construction, one buffer per variable: a recursion visits each variable at
  // most once on its way down, so a level's buffer is never overwritten while in use.
  std::vector<std::vector<Ref>> scratch_;
  Memo memo_;
  Limits limits_;
  uint32_t calls_ = 0;  // steps of work, for the deadline check
};

}  // namespace flowgate
