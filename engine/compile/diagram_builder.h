// DiagramBuilder: a multi-valued decision diagram under construction — hash-consed nodes (one
// node per distinct (variable, children), so equal sub-diagrams are shared) that are reduced as
// they are made (a node whose children are all the same is that child). Leaves carry a value whose
// meaning belongs to the caller: 0/1 for a predicate, a rule-set or decision index otherwise.
// Variables are ordered by index; a child always tests a later variable than its parent.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

namespace flowgate {

class DiagramBuilder {
 public:
  using Ref = uint32_t;  // a node index, or kLeaf | value
  static constexpr Ref kLeaf = 0x8000'0000u;

  explicit DiagramBuilder(std::vector<uint32_t> domains) : domains_(std::move(domains)) {}

  static Ref leaf(uint32_t value) { return kLeaf | value; }
  static bool is_leaf(Ref r) { return (r & kLeaf) != 0; }
  static uint32_t value(Ref r) { return r & ~kLeaf; }

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
  Ref apply(Ref a, Ref b, const std::function<uint32_t(uint32_t, uint32_t)>& op,
            uint32_t b_identity = kNoIdentity);
  // The diagram with each leaf value replaced by map(value).
  Ref map_leaves(Ref root, const std::function<uint32_t(uint32_t)>& map);

  uint32_t variable_of(Ref node) const { return nodes_[node].variable; }
  Ref child(Ref node, uint32_t value) const { return children_[nodes_[node].first_child + value]; }
  size_t node_count() const { return nodes_.size(); }
  uint32_t domain(uint32_t variable) const { return domains_[variable]; }
  uint32_t variable_count() const { return static_cast<uint32_t>(domains_.size()); }

 private:
  struct Node {
    uint32_t variable;
    uint32_t first_child;
  };
  Ref tabulate_from(size_t position, const std::vector<uint32_t>& variables,
                    std::vector<uint32_t>& values,
                    const std::function<uint32_t(const std::vector<uint32_t>&)>& f);

  std::vector<uint32_t> domains_;
  std::vector<Node> nodes_;
  std::vector<Ref> children_;
  // The unique table: node indices by a hash of (variable, children); equal keys are compared
  // against the stored nodes, so a lookup allocates nothing.
  std::unordered_multimap<uint64_t, Ref> unique_;
};

}  // namespace flowgate
