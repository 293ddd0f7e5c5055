// semantic_diff: common refinement → product walk → difference diagram → cubes → merged, named.
#include "analysis/semantic_diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "compile/diagram_walk.h"
#include "model/calendar.h"
#include "model/policy.h"

namespace flowgate {
namespace {

constexpr uint32_t kLeaf = CompiledPolicy::kLeaf;
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();  // a value one side lacks
constexpr uint32_t kSame = kLeaf | 0;                             // the difference leaf "same"

// One variable of the common refinement, and how its values map onto each side's values.
struct Dimension {
  VariableKind kind;
  uint32_t domain = 0;
  std::array<std::vector<uint32_t>, 2> side_value;  // refined value → side value, or kNone
};

std::vector<std::string> sorted_union(const std::vector<std::string>& a,
                                      const std::vector<std::string>& b) {
  std::vector<std::string> out = a;
  out.insert(out.end(), b.begin(), b.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

uint32_t index_in(const std::vector<std::string>& ids, const std::string& id) {
  auto it = std::find(ids.begin(), ids.end(), id);  // side tables are small
  return it == ids.end() ? kNone : static_cast<uint32_t>(it - ids.begin());
}

bool bit_less(const Bit& a, const Bit& b) {
  return std::pair(static_cast<int>(a.kind), a.id) < std::pair(static_cast<int>(b.kind), b.id);
}

class Refinement {
 public:
  Refinement(const CompiledPolicy& a, const CompiledPolicy& b) : sides_{&a, &b} {
    ids(VariableKind::kData, &CompiledPolicy::data_ids, data_ids);
    ids(VariableKind::kPurpose, &CompiledPolicy::purpose_ids, purpose_ids);
    Dimension action{VariableKind::kAction, 2, {}};
    action.side_value = {std::vector<uint32_t>{0, 1}, std::vector<uint32_t>{0, 1}};
    dims.push_back(action);
    ids(VariableKind::kRecipient, &CompiledPolicy::recipient_ids, recipient_ids);
    regions(VariableKind::kDestination, destination_members);
    dates();
    regions(VariableKind::kRegion, region_members);
    ages();
    for (const auto* side : sides_) {
      for (const Bit& bit : side->bits) {
        auto it = std::lower_bound(bits.begin(), bits.end(), bit, bit_less);
        if (it == bits.end() || bit_less(bit, *it)) bits.insert(it, bit);
      }
    }
    for (size_t b = 0; b < bits.size(); ++b) {
      Dimension d{VariableKind::kBit, 2, {}};
      d.side_value = {std::vector<uint32_t>{0, 1}, std::vector<uint32_t>{0, 1}};
      dims.push_back(d);
    }
    // Each side's variables, as refined dimensions; their order must agree with ours.
    for (int s = 0; s < 2; ++s) {
      uint32_t last = 0;
      for (const Variable& v : sides_[s]->variables) {
        uint32_t d = dimension_of(v, *sides_[s]);
        if (d == kNone || (!side_dim[s].empty() && d <= last)) {
          throw std::invalid_argument(
              "the two compiled policies order their variables differently (a bundle from an "
              "incompatible compiler)");
        }
        side_dim[s].push_back(d);
        last = d;
      }
    }
    next_unknown.assign(dims.size() + 1, kNone);
    for (size_t d = dims.size(); d-- > 0;) {
      bool lacks = false;
      for (int s = 0; s < 2; ++s) {
        lacks |= std::count(dims[d].side_value[s].begin(), dims[d].side_value[s].end(), kNone) > 0;
      }
      next_unknown[d] = lacks ? static_cast<uint32_t>(d) : next_unknown[d + 1];
    }
  }

  std::array<const CompiledPolicy*, 2> sides_;
  std::vector<Dimension> dims;
  std::array<std::vector<uint32_t>, 2> side_dim;  // side variable → dimension
  std::vector<uint32_t> next_unknown;  // first dimension ≥ d where a side lacks a value
  std::vector<std::string> data_ids, purpose_ids, recipient_ids;
  std::vector<std::vector<std::string>> region_members, destination_members;  // per class
  std::vector<int32_t> breakpoints, thresholds;
  std::vector<Bit> bits;

 private:
  void ids(VariableKind kind, std::vector<std::string> CompiledPolicy::*table,
           std::vector<std::string>& out) {
    out = sorted_union(sides_[0]->*table, sides_[1]->*table);
    Dimension d{kind, static_cast<uint32_t>(out.size()), {}};
    for (int s = 0; s < 2; ++s) {
      for (const auto& id : out) d.side_value[s].push_back(index_in(sides_[s]->*table, id));
    }
    dims.push_back(std::move(d));
  }

  // Regions (or destinations, with "device") by the pair of their classes on the two sides.
  void regions(VariableKind kind, std::vector<std::vector<std::string>>& members) {
    bool destination = kind == VariableKind::kDestination;
    std::vector<std::string> all = sorted_union(sides_[0]->region_ids, sides_[1]->region_ids);
    if (destination) all.push_back("device");
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> class_of_pair;
    Dimension d{kind, 0, {}};
    for (const auto& region : all) {
      std::array<uint32_t, 2> cls{};
      for (int s = 0; s < 2; ++s) {
        const CompiledPolicy& c = *sides_[s];
        if (region == "device") {
          cls[s] = c.device_destination_class;
          continue;
        }
        uint32_t i = index_in(c.region_ids, region);
        cls[s] = i == kNone ? kNone : (destination ? c.destination_class[i] : c.region_class[i]);
      }
      auto [it, fresh] = class_of_pair.emplace(std::pair(cls[0], cls[1]), d.domain);
      if (fresh) {
        ++d.domain;
        members.emplace_back();
        d.side_value[0].push_back(cls[0]);
        d.side_value[1].push_back(cls[1]);
      }
      members[it->second].push_back(region);
    }
    dims.push_back(std::move(d));
  }

  void dates() {
    std::vector<int32_t> all = sides_[0]->date_breakpoints;
    all.insert(all.end(), sides_[1]->date_breakpoints.begin(), sides_[1]->date_breakpoints.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    breakpoints = all;
    Dimension d{VariableKind::kDate, static_cast<uint32_t>(all.size() + 1), {}};
    for (uint32_t k = 0; k < d.domain; ++k) {
      int32_t day = k == 0 ? (all.empty() ? 0 : all[0] - 1) : all[k - 1];
      for (int s = 0; s < 2; ++s) {
        const auto& bps = sides_[s]->date_breakpoints;
        d.side_value[s].push_back(
            static_cast<uint32_t>(std::upper_bound(bps.begin(), bps.end(), day) - bps.begin()));
      }
    }
    dims.push_back(std::move(d));
  }

  void ages() {
    std::vector<int32_t> all = sides_[0]->age_thresholds;
    all.insert(all.end(), sides_[1]->age_thresholds.begin(), sides_[1]->age_thresholds.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    thresholds = all;
    Dimension d{VariableKind::kAge, static_cast<uint32_t>(all.size() + 2), {}};
    for (uint32_t k = 0; k < d.domain; ++k) {
      for (int s = 0; s < 2; ++s) {
        if (k == 0) {
          d.side_value[s].push_back(0);
          continue;
        }
        int32_t age = k == 1 ? 0 : all[k - 2];
        const auto& t = sides_[s]->age_thresholds;
        d.side_value[s].push_back(
            1 + static_cast<uint32_t>(std::upper_bound(t.begin(), t.end(), age) - t.begin()));
      }
    }
    dims.push_back(std::move(d));
  }

  uint32_t dimension_of(const Variable& v, const CompiledPolicy& side) const {
    for (uint32_t d = 0; d < dims.size(); ++d) {
      if (dims[d].kind != v.kind) continue;
      if (v.kind != VariableKind::kBit) return d;
      const Bit& bit = side.bits[v.bit];
      uint32_t first_bit = static_cast<uint32_t>(dims.size() - bits.size());
      const Bit& ours = bits[d - first_bit];
      if (ours.kind == bit.kind && ours.id == bit.id) return d;
    }
    return kNone;
  }
};

// Whether two decision records differ in what the diff reports: verdict, obligations, basis.
bool same_effect(const Decision& a, const Decision& b) {
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  return a.allow == b.allow && sorted(a.obligations) == sorted(b.obligations) &&
         sorted(a.legal_basis) == sorted(b.legal_basis);
}

class ProductWalk {
 public:
  explicit ProductWalk(const Refinement& r) : r_(r) { pairs_.push_back({0, 0}); }

  uint32_t run() { return walk(r_.sides_[0]->root, r_.sides_[1]->root, 0); }

  const std::vector<std::pair<uint32_t, uint32_t>>& pairs() const { return pairs_; }
  uint32_t variable_of(uint32_t ref) const { return nodes_[ref].front(); }
  uint32_t child(uint32_t ref, uint32_t value) const { return nodes_[ref][1 + value]; }
  size_t visited() const { return memo_.size(); }

 private:
  uint32_t top(int side, uint32_t ref) const {
    if (ref & kLeaf) return kNone;
    return r_.side_dim[side][r_.sides_[side]->nodes[ref].variable];
  }

  uint32_t leaf(uint32_t a, uint32_t b) {
    const auto& da = r_.sides_[0]->decisions[a & ~kLeaf];
    const auto& db = r_.sides_[1]->decisions[b & ~kLeaf];
    if (same_effect(da, db)) return kSame;
    auto [it, fresh] = pair_index_.emplace(std::pair(a, b), static_cast<uint32_t>(pairs_.size()));
    if (fresh) pairs_.push_back({a & ~kLeaf, b & ~kLeaf});
    return kLeaf | it->second;
  }

  uint32_t walk(uint32_t a, uint32_t b, uint32_t from) {
    uint32_t d = std::min({top(0, a), top(1, b), r_.next_unknown[from]});
    if (d == kNone) return leaf(a, b);
    auto key = std::tuple(a, b, from);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    const Dimension& dim = r_.dims[d];
    std::vector<uint32_t> node{d};
    for (uint32_t v = 0; v < dim.domain; ++v) {
      std::array<uint32_t, 2> next{a, b};
      for (int s = 0; s < 2; ++s) {
        uint32_t sv = dim.side_value[s][v];
        const CompiledPolicy& c = *r_.sides_[s];
        if (sv == kNone) {
          next[s] = kLeaf | c.unknown_id_decision;
        } else if (top(s, next[s]) == d) {
          next[s] = c.children[c.nodes[next[s]].first_child + sv];
        }
      }
      node.push_back(walk(next[0], next[1], d + 1));
    }
    uint32_t out = node[1];
    if (!std::all_of(node.begin() + 1, node.end(), [&](uint32_t c) { return c == out; })) {
      auto [it, fresh] = unique_.emplace(node, static_cast<uint32_t>(nodes_.size()));
      if (fresh) nodes_.push_back(std::move(node));
      out = it->second;
    }
    memo_.emplace(key, out);
    return out;
  }

  const Refinement& r_;
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint32_t> memo_;
  std::map<std::vector<uint32_t>, uint32_t> unique_;
  std::vector<std::vector<uint32_t>> nodes_;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> pair_index_;
  std::vector<std::pair<uint32_t, uint32_t>> pairs_;  // leaf id → (old, new) decision
};

std::string name_places(const std::vector<bool>& selected,
                        const std::vector<std::vector<std::string>>& members,
                        const DiffOptions& options, uint64_t* count) {
  std::set<std::string> chosen, all;
  for (size_t c = 0; c < members.size(); ++c) {
    all.insert(members[c].begin(), members[c].end());
    if (selected[c]) chosen.insert(members[c].begin(), members[c].end());
  }
  *count = chosen.size();
  return name_region_set(chosen, all, options);
}

// Runs of selected classes as ranges; `range(first, last)` names classes first..last.
template <typename Range>
std::string name_runs(const std::vector<bool>& selected, size_t from, Range range) {
  std::vector<std::string> runs;
  for (size_t k = from; k < selected.size();) {
    if (!selected[k]) {
      ++k;
      continue;
    }
    size_t end = k;
    while (end + 1 < selected.size() && selected[end + 1]) ++end;
    runs.push_back(range(k, end));
    k = end + 1;
  }
  return fmt::format("{}", fmt::join(runs, ", "));
}

std::string name_dates(const std::vector<bool>& selected, const std::vector<int32_t>& b) {
  if (std::all_of(selected.begin(), selected.end(), [](bool x) { return x; })) return "any date";
  return name_runs(selected, 0, [&](size_t first, size_t last) {
    bool open_start = first == 0, open_end = last == b.size();
    if (open_start && open_end) return std::string("any date");
    if (open_start) return "before " + format_date(Date{b[last]});
    if (open_end) return "from " + format_date(Date{b[first - 1]});
    return format_date(Date{b[first - 1]}) + " to " + format_date(Date{b[last] - 1});
  });
}

std::string name_ages(const std::vector<bool>& selected, const std::vector<int32_t>& t) {
  if (std::all_of(selected.begin(), selected.end(), [](bool x) { return x; })) return "any";
  std::string known = name_runs(selected, 1, [&](size_t first, size_t last) {
    int32_t lo = first == 1 ? 0 : t[first - 2];
    if (last - 1 >= t.size()) return lo == 0 ? std::string("any known") : fmt::format("{}+", lo);
    int32_t hi = t[last - 1] - 1;
    return lo == hi ? fmt::format("{}", lo) : fmt::format("{}–{}", lo, hi);
  });
  if (!selected[0]) return known;
  return known.empty() ? "unknown" : "unknown, " + known;
}

std::string name_bit(const Bit& bit, bool on) {
  switch (bit.kind) {
    case Bit::Kind::kGpc:
      return on ? "gpc" : "no gpc";
    case Bit::Kind::kAdsPersonalization:
      return on ? "ads personalization on" : "ads personalization off";
    case Bit::Kind::kParentalConsent:
      return on ? "parental consent" : "no parental consent";
    case Bit::Kind::kConsentForPurpose:
      return on ? "consent for the purpose" : "no consent for the purpose";
    case Bit::Kind::kConsent:
      return fmt::format("{}consent(\"{}\")", on ? "" : "no ", bit.id);
    case Bit::Kind::kFeature:
      return fmt::format("{}feature(\"{}\")", on ? "" : "no ", bit.id);
    case Bit::Kind::kTcfPurposeConsent:
    case Bit::Kind::kTcfPurposeLegitimateInterest:
    case Bit::Kind::kGppOptOut:
    case Bit::Kind::kTcfPresent:
    case Bit::Kind::kGppPresent:
      return fmt::format("{}{}", on ? "" : "not ", consent_string_test(bit));
  }
  return {};
}

DecisionSide side_of(const Decision& r) {
  return {r.allow, r.obligations, r.legal_basis, r.citations, r.rules, r.reason};
}

std::string describe(const DecisionSide& d, ChangeKind kind) {
  std::string out = d.allow ? "allow" : "deny";
  if (!d.allow) return out;
  if (kind == ChangeKind::kObligationsChanged) {
    out += fmt::format(" [{}]", fmt::join(d.obligations, ", "));
  }
  if (kind == ChangeKind::kLegalBasisChanged ||
      (kind == ChangeKind::kObligationsChanged && !d.legal_basis.empty())) {
    out += fmt::format(" (basis: {})", d.legal_basis.empty()
                                           ? std::string("none")
                                           : fmt::to_string(fmt::join(d.legal_basis, ", ")));
  }
  return out;
}

// ---- compute: the difference diagram's cubes, grouped by change and merged

using Cube = std::vector<std::vector<bool>>;               // per dimension, the values covered
using PairCubes = std::vector<std::pair<uint32_t, Cube>>;  // (record pair, cube)

// Cubes: the difference diagram's paths, values leading to the same child grouped, by record
// pair. Past `max_cubes` the rest are dropped and `*truncated` is set.
std::map<uint32_t, std::vector<Cube>> collect_cubes(const Refinement& r, const ProductWalk& product,
                                                    uint32_t root, size_t max_cubes,
                                                    bool* truncated) {
  std::map<uint32_t, std::vector<Cube>> cubes;
  size_t cube_count = 0;
  Cube current;
  for (const auto& d : r.dims) current.emplace_back(d.domain, true);
  std::function<void(uint32_t)> paths = [&](uint32_t ref) {
    if (ref == kSame) return;
    if (ref & kLeaf) {
      if (cube_count++ < max_cubes) {
        cubes[ref & ~kLeaf].push_back(current);
      } else {
        *truncated = true;
      }
      return;
    }
    uint32_t d = product.variable_of(ref);
    std::map<uint32_t, std::vector<bool>> by_child;
    for (uint32_t v = 0; v < r.dims[d].domain; ++v) {
      auto [it, fresh] = by_child.try_emplace(product.child(ref, v), r.dims[d].domain, false);
      it->second[v] = true;
    }
    std::vector<bool> saved = current[d];
    for (const auto& [child, values] : by_child) {
      current[d] = values;
      paths(child);
    }
    current[d] = saved;
  };
  paths(root);
  return cubes;
}

// The cubes of the same change (verdicts, obligations, basis and rules on both sides), keyed by it.
std::map<std::string, PairCubes> group_cubes(std::map<uint32_t, std::vector<Cube>>& cubes,
                                             const ProductWalk& product,
                                             const CompiledPolicy& before,
                                             const CompiledPolicy& after) {
  std::map<std::string, PairCubes> groups;
  for (auto& [pair, list] : cubes) {
    const auto& [a, b] = product.pairs()[pair];
    const auto& ra = before.decisions[a];
    const auto& rb = after.decisions[b];
    std::string key = fmt::format(
        "{}|{}|{}|{}|{}|{}|{}|{}", ra.allow, fmt::join(ra.obligations, ","),
        fmt::join(ra.legal_basis, ","), fmt::join(ra.rules, ","), rb.allow,
        fmt::join(rb.obligations, ","), fmt::join(rb.legal_basis, ","), fmt::join(rb.rules, ","));
    for (auto& c : list) groups[key].emplace_back(pair, std::move(c));
  }
  return groups;
}

// Merges cubes of one change that differ in one dimension, until none do. Quadratic: a list past
// the budget is left as it is.
void merge_cubes(PairCubes& list, size_t dimensions) {
  bool merged = list.size() <= 4000;
  while (merged) {
    merged = false;
    for (size_t i = 0; i < list.size() && !merged; ++i) {
      for (size_t j = i + 1; j < list.size() && !merged; ++j) {
        size_t differ = 0, where = 0;
        for (size_t d = 0; d < dimensions && differ < 2; ++d) {
          if (list[i].second[d] != list[j].second[d]) {
            ++differ;
            where = d;
          }
        }
        if (differ > 1) continue;
        for (size_t v = 0; v < list[i].second[where].size(); ++v) {
          list[i].second[where][v] = list[i].second[where][v] || list[j].second[where][v];
        }
        list.erase(list.begin() + static_cast<std::ptrdiff_t>(j));
        merged = true;
      }
    }
  }
}

ChangeKind kind_of(const DecisionSide& before, const DecisionSide& after) {
  if (!before.allow && after.allow) return ChangeKind::kNewlyAllowed;
  if (before.allow && !after.allow) return ChangeKind::kNewlyDenied;
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  return sorted(before.obligations) != sorted(after.obligations) ? ChangeKind::kObligationsChanged
                                                                 : ChangeKind::kLegalBasisChanged;
}

// A cube's values named per dimension ("advertiser.*", "EU_EEA", "13+"), its class combinations
// and its flows.
void name_cube(const Cube& cube, const Refinement& r, const DiffOptions& options, DiffChange& c) {
  uint64_t destinations = 1, regions = 1;
  c.classes = 1;
  c.flows = 1;
  for (size_t d = 0; d < r.dims.size(); ++d) {
    const std::vector<bool>& values = cube[d];
    uint64_t n = static_cast<uint64_t>(std::count(values.begin(), values.end(), true));
    c.classes *= n;
    switch (r.dims[d].kind) {
      case VariableKind::kData:
        c.data = name_id_set(values, r.data_ids);
        c.flows *= n;
        break;
      case VariableKind::kPurpose:
        c.purpose = name_id_set(values, r.purpose_ids);
        c.flows *= n;
        break;
      case VariableKind::kAction:
        c.action = n == 2 ? "any" : values[0] ? "collect" : "transmit";
        c.flows *= n;
        break;
      case VariableKind::kRecipient:
        c.recipient = name_id_set(values, r.recipient_ids);
        c.flows *= n;
        break;
      case VariableKind::kDestination:
        c.destination = name_places(values, r.destination_members, options, &destinations);
        c.flows *= destinations;
        break;
      case VariableKind::kRegion:
        c.region = name_places(values, r.region_members, options, &regions);
        break;
      case VariableKind::kDate:
        c.date = name_dates(values, r.breakpoints);
        break;
      case VariableKind::kAge:
        c.age = name_ages(values, r.thresholds);
        break;
      case VariableKind::kBit:
        if (n == 1)
          c.signals.push_back(name_bit(r.bits[d - (r.dims.size() - r.bits.size())], values[1]));
        break;
    }
  }
}

// ---- render: a change in one line

// "technical.ads.identifier → advertiser.* for advertising.targeted, subjects in US-CA: deny →
// allow"
std::string summary_of(const DiffChange& c) {
  std::string flow = c.action == "collect" ? "collect " + c.data : c.data;
  if (c.action == "any") flow = "collect or transmit " + c.data;
  if (c.action != "collect" || c.recipient != "any") flow += " → " + c.recipient;
  if (c.destination != "any") flow += " (to " + c.destination + ")";
  std::string summary = fmt::format("{} for {}, subjects in {}", flow, c.purpose, c.region);
  if (c.age != "any") summary += ", age " + c.age;
  if (c.date != "any date") summary += ", " + c.date;
  if (!c.signals.empty()) summary += fmt::format(", {}", fmt::join(c.signals, ", "));
  summary += ": " + describe(c.before, c.kind) + " → " + describe(c.after, c.kind);
  return summary;
}

void count_changes(DiffResult& result) {
  for (const auto& c : result.changes) {
    switch (c.kind) {
      case ChangeKind::kNewlyAllowed:
        ++result.newly_allowed;
        break;
      case ChangeKind::kNewlyDenied:
        ++result.newly_denied;
        break;
      case ChangeKind::kObligationsChanged:
        ++result.obligations_changed;
        break;
      case ChangeKind::kLegalBasisChanged:
        ++result.legal_basis_changed;
        break;
    }
  }
}

}  // namespace

std::string name_id_set(const std::vector<bool>& selected,
                        const std::vector<std::string>& universe) {
  if (std::all_of(selected.begin(), selected.end(), [](bool b) { return b; })) return "any";
  std::vector<std::string> names;
  for (size_t i = 0; i < universe.size(); ++i) {
    if (!selected[i]) continue;
    const std::string& id = universe[i];
    std::string name = id;
    for (size_t dot = id.find('.'); dot != std::string::npos; dot = id.find('.', dot + 1)) {
      std::string prefix = id.substr(0, dot + 1);
      size_t under = 0;
      bool all = true;
      for (size_t j = 0; j < universe.size(); ++j) {
        if (universe[j].rfind(prefix, 0) == 0) {
          ++under;
          all &= selected[j];
        }
      }
      if (all && under >= 2) {
        name = prefix + "*";
        break;
      }
    }
    if (names.empty() || names.back() != name) names.push_back(name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

std::vector<std::pair<std::string, std::set<std::string>>> region_groups_on(const Policy& policy,
                                                                            Date on) {
  std::vector<std::pair<std::string, std::set<std::string>>> groups;
  for (const auto& [id, group] : policy.regions.groups()) {
    std::set<std::string> members;
    for (const auto& [region, name] : policy.regions.regions()) {
      if (policy.regions.contains(id, region, on)) members.insert(region);
    }
    groups.emplace_back(id, std::move(members));
  }
  return groups;
}

namespace {

// `chosen` as the largest region groups that fit (greedy), then the regions left, every one.
std::vector<std::string> region_names(const std::set<std::string>& chosen,
                                      const std::set<std::string>& all,
                                      const DiffOptions& options) {
  std::vector<std::string> names;
  std::set<std::string> left = chosen;
  for (;;) {
    const std::pair<std::string, std::set<std::string>>* best = nullptr;
    size_t best_size = 1;  // a group must name at least two regions still to be named
    for (const auto& group : options.region_groups) {
      size_t inside = 0;
      bool fits = !group.second.empty();
      for (const auto& m : group.second) {
        if (!all.count(m)) continue;
        if (!chosen.count(m)) {
          fits = false;
          break;
        }
        inside += left.count(m);
      }
      if (fits && inside > best_size) {
        best = &group;
        best_size = inside;
      }
    }
    if (!best) break;
    names.push_back(best->first);
    for (const auto& m : best->second) left.erase(m);
  }
  names.insert(names.end(), left.begin(), left.end());
  return names;
}

}  // namespace

std::string name_region_set(const std::set<std::string>& chosen, const std::set<std::string>& all,
                            const DiffOptions& options) {
  constexpr size_t kListed = 12;
  if (chosen.size() == all.size()) return "any";
  // "any except EU_EEA, US-CA": the complement, when it is the larger set and names short.
  if (chosen.size() * 2 > all.size()) {
    std::set<std::string> rest;
    for (const auto& r : all) {
      if (!chosen.count(r)) rest.insert(r);
    }
    std::vector<std::string> names = region_names(rest, all, options);
    if (names.size() <= kListed) return fmt::format("any except {}", fmt::join(names, ", "));
  }
  std::vector<std::string> names = region_names(chosen, all, options);
  if (names.size() > kListed + 1) {
    size_t more = names.size() - kListed;
    names.resize(kListed);
    names.push_back(fmt::format("and {} more", more));
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

const char* change_kind_name(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kNewlyAllowed:
      return "newly-allowed";
    case ChangeKind::kNewlyDenied:
      return "newly-denied";
    case ChangeKind::kObligationsChanged:
      return "obligations-changed";
    case ChangeKind::kLegalBasisChanged:
      return "legal-basis-changed";
  }
  return "changed";
}

DiffResult semantic_diff(const CompiledPolicy& before, const CompiledPolicy& after,
                         const DiffOptions& options) {
  Refinement r(before, after);
  ProductWalk product(r);
  uint32_t root = product.run();
  DiffResult result;
  result.old_name = before.policy_name;
  result.old_version = before.policy_version;
  result.new_name = after.policy_name;
  result.new_version = after.policy_version;
  result.product_pairs = product.visited();
  for (const auto& d : r.dims) result.refined_classes += d.domain;

  auto cubes = collect_cubes(r, product, root, options.max_cubes, &result.truncated);
  for (auto& [key, list] : group_cubes(cubes, product, before, after)) {
    merge_cubes(list, r.dims.size());
    for (const auto& [pair, cube] : list) {
      const auto& [a, b] = product.pairs()[pair];
      DiffChange c;
      c.before = side_of(before.decisions[a]);
      c.after = side_of(after.decisions[b]);
      c.kind = kind_of(c.before, c.after);
      name_cube(cube, r, options, c);
      c.summary = summary_of(c);
      result.changes.push_back(std::move(c));
    }
  }
  std::sort(result.changes.begin(), result.changes.end(),
            [](const DiffChange& x, const DiffChange& y) {
              return std::pair(x.kind, x.summary) < std::pair(y.kind, y.summary);
            });
  count_changes(result);
  return result;
}

}  // namespace flowgate
