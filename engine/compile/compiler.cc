// compile_policy: rule predicates → a diagram of combinations → decision diagram; and the analysis
// of the rules lint needs (RuleAnalysis).
#include "compile/compiler.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "compile/diagram_builder.h"
#include "compile/domains.h"
#include "compile/predicates.h"
#include "model/combine.h"

namespace flowgate {
namespace {

using Ref = DiagramBuilder::Ref;
constexpr uint32_t kFalse = Predicates::kFalse;
constexpr uint32_t kTrue = Predicates::kTrue;

class Compiler {
 public:
  Compiler(const Policy& policy, Domains domains)
      : policy_(policy),
        d_(std::move(domains)),
        builder_(builder_domains(d_)),
        predicates_(policy_, d_, builder_) {
    combinations_.emplace_back();  // combination 0: no rule matches
    combination_index_.emplace(combination_key(combinations_[0]), 0);
  }

  CompiledPolicy run(CompileStats* stats) { return finish(fold_combinations(), stats); }

  // The compile from a fold's diagram: each combination decided, the policy's effective date,
  // the export.
  CompiledPolicy finish(Ref acc, CompileStats* stats) {
    const uint32_t date = d_.variable(VariableKind::kDate);
    // Whether consent to the flow's purpose is a variable (a rule reads it), and its predicate,
    // taken before the domains move into the output.
    const bool reads_consent =
        std::any_of(d_.shape.bits.begin(), d_.shape.bits.end(),
                    [](const Bit& b) { return b.kind == Bit::Kind::kConsentForPurpose; });
    const Ref consented =
        reads_consent ? predicates_.bit(Bit::Kind::kConsentForPurpose) : DiagramBuilder::leaf(0);
    CompiledPolicy out = std::move(d_.shape);
    std::unordered_map<std::string, uint32_t> record_index;
    auto intern_record = [&](Decision record) {
      std::string key = record_key(record);
      auto [it, fresh] =
          record_index.emplace(std::move(key), static_cast<uint32_t>(out.decisions.size()));
      if (fresh) out.decisions.push_back(std::move(record));
      return it->second;
    };
    // Each combination's decision, without and with consent to the flow's purpose (which changes
    // only the legal basis reported); the consent test is in the diagram only where it does.
    std::vector<std::array<uint32_t, 2>> decision_of(combinations_.size());
    for (uint32_t c = 0; c < combinations_.size(); ++c) {
      for (bool consented : {false, true})
        decision_of[c][consented] = intern_record(decide(combinations_[c], consented));
    }
    Ref decided;
    if (reads_consent) {
      decided = builder_.apply(acc, consented, [&](uint32_t c, uint32_t holds) {
        return decision_of[c][holds == kTrue];
      });
    } else {  // no rule reads the consent: the subject's consent cannot be told apart
      decided = builder_.map_leaves(acc, [&](uint32_t c) { return decision_of[c][false]; });
    }
    if (policy_.info.effective) {  // date class 0 is every day before the policy took effect
      uint32_t not_in_force = intern_record(not_in_force_decision(policy_.info));
      Ref before = builder_.tabulate(
          {date}, [&](const std::vector<uint32_t>& v) { return v[date] == 0 ? kTrue : kFalse; });
      decided = builder_.apply(
          decided, before,
          [&](uint32_t decision, uint32_t is_before) {
            return is_before == kTrue ? not_in_force : decision;
          },
          kFalse);
    }
    out.unknown_id_decision = intern_record(unknown_id_decision());
    out.root = export_diagram(decided, out);
    if (stats) {
      stats->rules = policy_.rules.size();
      stats->combinations = combinations_.size();
      stats->builder_nodes = builder_.node_count();
      stats->diagram_nodes = out.nodes.size();
      stats->decisions = out.decisions.size();
    }
    out.unreduced_nodes = builder_.node_count();
    return out;
  }

  // The fold alone (within_compile_budget), under `limits` and at most `max_leaves`
  // combinations; finish() makes the compile of it.
  Ref fold_within(const DiagramBuilder::Limits& limits, size_t max_leaves) {
    builder_.set_limits(limits);
    max_leaves_ = max_leaves;
    return fold_combinations();
  }
  CompiledPolicy finish_unbounded(Ref acc) {
    builder_.set_limits({});
    max_leaves_ = SIZE_MAX;
    return finish(acc, nullptr);
  }
  // While folding: the rule being folded.
  uint16_t folding() const { return folding_; }
  // Per rule, how many of the fold's leaves so far it is in: the rules in the most leaves are the
  // ones multiplying them.
  std::vector<size_t> leaves_holding() const {
    std::vector<size_t> count(policy_.rules.size(), 0);
    auto index = [&](const Rule* rule) { return static_cast<size_t>(rule - policy_.rules.data()); };
    for (const Combination& c : combinations_) {
      std::set<size_t> in;
      for (const Rule* rule : {c.deny, c.allow, c.requirement}) {
        if (rule) in.insert(index(rule));
      }
      for (const auto* givers : {&c.obligations, &c.bases}) {
        for (const auto& giver : *givers) in.insert(index(giver.second));
      }
      for (size_t r : in) ++count[r];
    }
    for (const auto& summary : summaries_) {  // lint's (names_without)
      for (uint16_t r : summary) ++count[r];
    }
    return count;
  }

  // What RuleAnalysis (compiler.h) answers, under `limits` and at most `max_leaves` combinations.
  struct Analysis {
    std::vector<Ref> predicates;                 // per rule
    std::vector<std::vector<uint16_t>> by_data;  // per data class, the rules that can match there
    std::vector<bool> matches, changes;
    std::vector<std::vector<std::string>> decided_without;
    std::vector<std::pair<uint16_t, uint16_t>> allows_meeting;
  };
  Analysis analyse(const DiagramBuilder::Limits& limits, size_t max_leaves) {
    builder_.set_limits(limits);
    max_leaves_ = max_leaves;
    const size_t n = policy_.rules.size();
    Analysis out;
    out.matches.assign(n, false);
    out.changes.assign(n, false);
    out.decided_without.assign(n, {});
    for (uint16_t r = 0; r < n; ++r) {
      folding_ = r;
      out.predicates.push_back(predicates_.rule(policy_.rules[r]));
      out.matches[r] = out.predicates[r] != DiagramBuilder::leaf(kFalse);
    }
    const uint32_t data = d_.variable(VariableKind::kData);
    out.by_data.assign(builder_.domain(data), {});
    for (uint16_t r = 0; r < n; ++r) {
      for (uint32_t v : data_classes(out.predicates[r], data)) out.by_data[v].push_back(r);
    }
    // Whether a rule changes a decision: where it is the only rule giving a part that shows.
    Effects where = effects(out.predicates);
    for (uint16_t r = 0; r < n; ++r) {
      if (!out.matches[r]) continue;
      folding_ = r;
      auto meets = [&](Ref effect) { return builder_.meet(out.predicates[r], effect, kTrue); };
      const Rule& rule = policy_.rules[r];
      switch (rule.effect) {
        case Effect::kDeny:
          out.changes[r] = meets(where.sole_deny);
          break;
        case Effect::kRequireBasis:
          out.changes[r] = meets(where.sole_requirement);
          break;
        case Effect::kAllow:
        case Effect::kOblige:
          out.changes[r] = rule.effect == Effect::kAllow && meets(where.sole_allow);
          for (const auto& o : rule.obligations) {
            out.changes[r] = out.changes[r] || meets(where.sole_obligation.at(o.id));
          }
          break;
        case Effect::kBasis:
          for (const auto& b : rule.bases) {
            out.changes[r] = out.changes[r] || meets(where.sole_basis.at(b.id));
          }
          break;
      }
    }
    for (uint16_t r = 0; r < n; ++r) {
      const Effect effect = policy_.rules[r].effect;
      if (!out.matches[r] || (effect != Effect::kDeny && effect != Effect::kRequireBasis)) continue;
      auto allow = [](const Rule& rule) { return rule.effect == Effect::kAllow; };
      for (uint16_t a : meeting(out, r, allow)) out.allows_meeting.emplace_back(a, r);
    }
    std::sort(out.allows_meeting.begin(), out.allows_meeting.end());
    // What decides instead of the rules that change nothing.
    std::vector<uint16_t> unchanging;  // rules other than denies that change nothing
    for (uint16_t r = 0; r < n; ++r) {
      if (!out.matches[r] || out.changes[r]) continue;
      if (policy_.rules[r].effect != Effect::kDeny) {
        unchanging.push_back(r);
        continue;
      }
      if (where.instead_of_deny == kNoDiagram)
        where.instead_of_deny = deciders_of_denies(out.predicates, where.some_allow);
      out.decided_without[r] = names_instead_of_deny(out.predicates[r], where, r);
    }
    if (!unchanging.empty()) names_without(out, unchanging);
    // Only the predicates are read from here on (matching_each).
    summaries_.clear();
    summary_index_.clear();
    summary_steps_.clear();
    return out;
  }
  const Domains& domains() const { return d_; }
  const DiagramBuilder& builder() const { return builder_; }

 private:
  // Every rule's predicate folded in precedence order into a diagram whose leaves are combinations
  // (model/combine.h): what compile needs. A combination a deny decided stays as it is, so the
  // fold does not walk below it.
  Ref fold_combinations() {
    Ref acc = DiagramBuilder::leaf(0);
    for (uint16_t i = 0; i < policy_.rules.size(); ++i) {
      folding_ = i;
      acc = builder_.apply(
          acc, predicates_.rule(policy_.rules[i]),
          [&](uint32_t c, uint32_t holds) { return holds == kTrue ? with_rule_combined(c, i) : c; },
          kFalse, [this](uint32_t c) { return combinations_[c].deny != nullptr; });
    }
    return acc;
  }
  // A leaf outside the part of the diagram a fold is about (names_without), which no rule changes.
  static constexpr uint32_t kOutside = DiagramBuilder::kLeaf - 2;
  static_assert(DiagramBuilder::leaf(kOutside) != DiagramBuilder::kNoIdentity);
  static constexpr Ref kNoDiagram = DiagramBuilder::kNoIdentity;  // not built yet

  // The data classes where a predicate is not false everywhere: the children of its root when
  // that tests the data (the first variable), else every class.
  std::vector<uint32_t> data_classes(Ref predicate, uint32_t data) const {
    std::vector<uint32_t> out;
    if (predicate == DiagramBuilder::leaf(kFalse)) return out;
    const bool tests_data =
        !DiagramBuilder::is_leaf(predicate) && builder_.variable_of(predicate) == data;
    for (uint32_t v = 0; v < builder_.domain(data); ++v) {
      if (!tests_data || builder_.child(predicate, v) != DiagramBuilder::leaf(kFalse))
        out.push_back(v);
    }
    return out;
  }

  // The rules other than `r` that `wanted` selects and that match some flow together with it,
  // ascending.
  template <typename Wanted>
  std::vector<uint16_t> meeting(const Analysis& a, uint16_t r, Wanted wanted) {
    std::vector<bool> seen(policy_.rules.size(), false);
    std::vector<uint16_t> out;
    for (uint32_t v : data_classes(a.predicates[r], d_.variable(VariableKind::kData))) {
      for (uint16_t other : a.by_data[v]) {
        if (seen[other] || other == r) continue;
        seen[other] = true;
        if (!wanted(policy_.rules[other])) continue;
        if (builder_.meet(a.predicates[other], a.predicates[r], kTrue)) out.push_back(other);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Where removing a rule that gives one part of a decision changes that decision (0/1 leaves):
  // where it is the only rule giving that part, and the part shows in the decision.
  struct Effects {
    Ref no_deny, some_allow;
    Ref sole_deny, sole_requirement, sole_allow;
    // Built when a deny changes nothing: deciders_of_denies.
    Ref instead_of_deny = kNoDiagram;
    std::map<std::string, Ref> sole_obligation, sole_basis;
  };
  Effects effects(const std::vector<Ref>& predicates) {
    // How many rules give a part (0, 1, or 2 for two and more), for the rules `gives` selects.
    auto count = [&](const std::function<bool(const Rule&)>& gives) {
      Ref acc = DiagramBuilder::leaf(0);
      for (uint16_t r = 0; r < policy_.rules.size(); ++r) {
        if (!gives(policy_.rules[r])) continue;
        folding_ = r;
        acc = builder_.apply(
            acc, predicates[r],
            [](uint32_t c, uint32_t holds) { return holds == kTrue ? std::min(c + 1, 2u) : c; },
            kFalse, [](uint32_t c) { return c == 2; });
      }
      return acc;
    };
    auto is = [&](Ref counts, uint32_t c) {
      return builder_.map_leaves(counts, [c](uint32_t x) { return x == c ? kTrue : kFalse; });
    };
    auto both = [&](Ref a, Ref b) {
      return builder_.apply(
          a, b, [](uint32_t x, uint32_t y) { return x & y; }, kTrue);
    };
    auto either = [&](Ref a, Ref b) {
      return builder_.apply(
          a, b, [](uint32_t x, uint32_t y) { return x | y; }, kFalse);
    };
    auto not_ = [&](Ref a) {
      return builder_.map_leaves(a, [](uint32_t x) { return x == kTrue ? kFalse : kTrue; });
    };
    const Ref denies = count([](const Rule& r) { return r.effect == Effect::kDeny; });
    const Ref allows = count([](const Rule& r) { return r.effect == Effect::kAllow; });
    const Ref requirements = count([](const Rule& r) { return r.effect == Effect::kRequireBasis; });
    const Ref some_basis = not_(
        is(count([](const Rule& r) { return r.effect == Effect::kBasis && !r.bases.empty(); }), 0));
    const Ref no_deny = is(denies, 0), some_allow = not_(is(allows, 0));
    const Ref no_requirement = is(requirements, 0);
    // Allowed for a subject who consented, at least (decide(): a requirement denies unless a
    // basis holds; with consent every basis of a matching row holds), when no deny matches and
    // some allow does.
    const Ref allowable = either(no_requirement, some_basis);
    const Ref allowed = both(both(no_deny, some_allow), allowable);
    Effects out;
    out.no_deny = no_deny;
    out.some_allow = some_allow;
    // The only deny where the rest allow; the only requirement where no deny and an allow match.
    out.sole_deny = both(both(is(denies, 1), some_allow), allowable);
    out.sole_requirement = both(both(no_deny, some_allow), is(requirements, 1));
    // The only allow where it allows; the only giver of an obligation or a basis there.
    out.sole_allow = both(allowed, is(allows, 1));
    std::set<std::string> obligations, bases;
    for (const Rule& rule : policy_.rules) {
      for (const auto& o : rule.obligations) obligations.insert(o.id);
      for (const auto& b : rule.bases) bases.insert(b.id);
    }
    for (const auto& id : obligations) {
      const Ref givers = count([&](const Rule& r) {
        return (r.effect == Effect::kAllow || r.effect == Effect::kOblige) &&
               std::any_of(r.obligations.begin(), r.obligations.end(),
                           [&](const IdRef& o) { return o.id == id; });
      });
      out.sole_obligation[id] = both(allowed, is(givers, 1));
    }
    // A basis shows only where a requirement asks for one (decide()).
    const Ref asked = both(both(no_deny, some_allow), not_(no_requirement));
    for (const auto& id : bases) {
      const Ref givers = count([&](const Rule& r) {
        return r.effect == Effect::kBasis &&
               std::any_of(r.bases.begin(), r.bases.end(),
                           [&](const IdRef& b) { return b.id == id; });
      });
      out.sole_basis[id] = both(asked, is(givers, 1));
    }
    return out;
  }

  // What decides a flow a deny matches without it, for every deny that changes nothing: there
  // the rest deny in both consent modes (else it would change the verdict) — by the other deny
  // first in precedence, else by default (no allow), else by the first basis requirement (which no
  // basis meets). One diagram for all of them, whose leaves index deciders_.
  struct Deciders {
    static constexpr uint16_t kNone = UINT16_MAX;
    uint16_t first_deny = kNone, second_deny = kNone, requirement = kNone;
    bool allow = false;
    uint64_t key() const {
      return (uint64_t{first_deny} << 48) | (uint64_t{second_deny} << 32) |
             (uint64_t{requirement} << 16) | (allow ? 1 : 0);
    }
  };
  Ref deciders_of_denies(const std::vector<Ref>& predicates, Ref some_allow) {
    std::unordered_map<uint64_t, uint32_t> index;
    auto intern = [&](const Deciders& d) {
      auto [it, fresh] = index.emplace(d.key(), static_cast<uint32_t>(deciders_.size()));
      if (fresh) deciders_.push_back(d);
      return it->second;
    };
    Ref acc = DiagramBuilder::leaf(intern(Deciders{}));
    // Folds the rules of `effect` in precedence order; a leaf `done` says no later one changes
    // is left as it is.
    auto fold = [&](Effect effect, auto step, auto done) {
      for (uint16_t r = 0; r < policy_.rules.size(); ++r) {
        if (policy_.rules[r].effect != effect) continue;
        folding_ = r;
        acc = builder_.apply(
            acc, predicates[r],
            [&](uint32_t d, uint32_t holds) { return holds == kTrue ? step(deciders_[d], r) : d; },
            kFalse, [&](uint32_t d) { return done(deciders_[d]); });
      }
    };
    fold(
        Effect::kDeny,
        [&](Deciders d, uint16_t r) {
          (d.first_deny == Deciders::kNone ? d.first_deny : d.second_deny) = r;
          return intern(d);
        },
        [](const Deciders& d) { return d.second_deny != Deciders::kNone; });
    fold(
        Effect::kRequireBasis,
        [&](Deciders d, uint16_t r) {
          d.requirement = r;
          return intern(d);
        },
        [](const Deciders& d) { return d.requirement != Deciders::kNone; });
    return builder_.apply(acc, some_allow, [&](uint32_t d, uint32_t allows) {
      Deciders with = deciders_[d];
      with.allow = allows == kTrue;
      return intern(with);
    });
  }
  std::vector<std::string> names_instead_of_deny(Ref predicate, const Effects& where, uint16_t r) {
    std::set<std::string> named;
    for (uint32_t leaf : builder_.leaves_where(predicate, where.instead_of_deny, kTrue)) {
      const Deciders& d = deciders_[leaf];
      const uint16_t other = d.first_deny == r ? d.second_deny : d.first_deny;
      if (other != Deciders::kNone) {
        named.insert(policy_.rules[other].id);
      } else if (!d.allow) {
        named.insert(decide(Combination{}, false).rules.front());  // the default deny
      } else if (d.requirement != Deciders::kNone) {
        named.insert(policy_.rules[d.requirement].id);
      }
    }
    return {named.begin(), named.end()};
  }

  // For each rule of `rules` (none a deny): the names of the decisions of the flows it matches,
  // were it removed (consent not given). One fold, within where any of them matches, of the rules
  // meeting them into summaries: the rules matching there that removing one of `rules` can matter
  // for. A deny decides whatever else matches and is never removed, so the first is kept alone;
  // else, per part of a combination (an allow, a requirement, each obligation and basis id), the
  // first rule giving it, and the first two where one of `rules` gives it. Without one of its
  // rules a summary decides as the set of matching rules would without it; without another rule,
  // as the set does.
  void names_without(Analysis& a, const std::vector<uint16_t>& rules) {
    if (slots_.empty()) slots_ = combination_slots(policy_);
    Ref anywhere = DiagramBuilder::leaf(kFalse);
    std::vector<bool> folded(policy_.rules.size(), false);
    kept_givers_.clear();
    for (uint16_t r : rules) {
      anywhere = builder_.apply(
          anywhere, a.predicates[r], [](uint32_t x, uint32_t y) { return x | y; }, kFalse);
      folded[r] = true;
      for (uint16_t other : meeting(a, r, [](const Rule&) { return true; })) folded[other] = true;
      for (uint32_t slot : slots_[r]) {
        if (slot >= kept_givers_.size()) kept_givers_.resize(slot + 1, 1);
        kept_givers_[slot] = 2;
      }
    }
    summaries_.assign(1, {});
    summary_index_.clear();
    summary_index_.emplace(std::vector<uint16_t>{}, 0);
    summary_steps_.clear();
    Ref acc =
        builder_.map_leaves(anywhere, [](uint32_t holds) { return holds == kTrue ? 0 : kOutside; });
    for (uint16_t g = 0; g < policy_.rules.size(); ++g) {
      if (!folded[g]) continue;
      folding_ = g;
      acc = builder_.apply(
          acc, a.predicates[g],
          [&](uint32_t s, uint32_t holds) { return holds == kTrue ? summarised(s, g) : s; }, kFalse,
          [&](uint32_t s) { return s == kOutside || decided_by_deny(s); });
    }
    for (uint16_t r : rules) {
      std::set<std::string> named;
      for (uint32_t s : builder_.leaves_where(a.predicates[r], acc, kTrue)) {
        std::vector<const Rule*> without;
        for (uint16_t kept : summaries_[s]) {
          if (kept != r) without.push_back(&policy_.rules[kept]);
        }
        for (auto& id : combine(without, false).rules) named.insert(std::move(id));
      }
      a.decided_without[r] = {named.begin(), named.end()};
    }
  }
  bool decided_by_deny(uint32_t s) const {
    const auto& kept = summaries_[s];
    return kept.size() == 1 && policy_.rules[kept[0]].effect == Effect::kDeny;
  }
  // Summary `s` with rule `g` matched too (g comes after its rules), memoised.
  uint32_t summarised(uint32_t s, uint16_t g) {
    auto [step, fresh] = summary_steps_.emplace((uint64_t{s} << 16) | g, 0);
    if (!fresh) return step->second;
    std::vector<uint16_t> kept = summaries_[s];
    bool keep = false;
    if (policy_.rules[g].effect == Effect::kDeny) {
      kept.clear();
      keep = true;
    } else {
      for (uint32_t slot : slots_[g]) {
        size_t givers = 0;
        for (uint16_t k : kept) {
          givers += std::binary_search(slots_[k].begin(), slots_[k].end(), slot);
        }
        keep = keep || givers < (slot < kept_givers_.size() ? kept_givers_[slot] : 1);
      }
    }
    if (keep) kept.push_back(g);
    auto [it, added] =
        summary_index_.emplace(std::move(kept), static_cast<uint32_t>(summaries_.size()));
    if (added) {
      count_leaf(summaries_.size());
      summaries_.push_back(it->first);
    }
    return step->second = it->second;
  }
  // Per rule, the parts of a combination it gives (model/combine.h), as sorted numbers: allowing,
  // requiring a basis, and each obligation and basis id.
  static std::vector<std::vector<uint32_t>> combination_slots(const Policy& policy) {
    std::map<std::pair<int, std::string>, uint32_t> numbers;
    auto number = [&](int kind, const std::string& id) {
      return numbers.emplace(std::make_pair(kind, id), static_cast<uint32_t>(numbers.size()))
          .first->second;
    };
    std::vector<std::vector<uint32_t>> out(policy.rules.size());
    for (size_t r = 0; r < policy.rules.size(); ++r) {
      const Rule& rule = policy.rules[r];
      std::vector<uint32_t>& slots = out[r];
      if (rule.effect == Effect::kAllow) slots.push_back(number(0, ""));
      if (rule.effect == Effect::kRequireBasis) slots.push_back(number(1, ""));
      if (rule.effect == Effect::kAllow || rule.effect == Effect::kOblige) {
        for (const auto& o : rule.obligations) slots.push_back(number(2, o.id));
      }
      if (rule.effect == Effect::kBasis) {
        for (const auto& b : rule.bases) slots.push_back(number(3, b.id));
      }
      std::sort(slots.begin(), slots.end());
      slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
    }
    return out;
  }

  static std::string record_key(const Decision& r) {
    std::string key = r.allow ? "A" : "D";
    for (const auto* list : {&r.obligations, &r.legal_basis, &r.citations, &r.rules}) {
      key += '\x1e';
      for (const auto& s : *list) key += s + '\x1f';
    }
    return key + '\x1e' + r.reason;
  }

  // The combination's rules as indices, and its obligation and basis ids.
  std::string combination_key(const Combination& c) const {
    auto index = [&](const Rule* rule) {
      return rule ? std::to_string(rule - policy_.rules.data()) : std::string("-");
    };
    std::string key = index(c.deny) + ',' + index(c.allow) + ',' + index(c.requirement);
    for (const auto* givers : {&c.obligations, &c.bases}) {
      key += '\x1e';
      for (const auto& [id, rule] : *givers) key += id + '\x1f' + index(rule) + '\x1f';
    }
    return key;
  }

  void count_leaf(size_t leaves) const {
    if (leaves >= max_leaves_)
      throw DiagramBuilder::BudgetExceeded{DiagramBuilder::BudgetExceeded::kLeaves};
  }

  // The combination `c` with `rule` matched too, memoised by (c, rule).
  uint32_t with_rule_combined(uint32_t c, uint16_t rule) {
    auto [step, fresh] = combination_steps_.emplace((uint64_t{c} << 16) | rule, 0);
    if (!fresh) return step->second;
    Combination next = with_rule(combinations_[c], policy_.rules[rule]);
    auto [it, added] = combination_index_.emplace(combination_key(next),
                                                  static_cast<uint32_t>(combinations_.size()));
    if (added) {
      count_leaf(combinations_.size());
      combinations_.push_back(std::move(next));
    }
    return step->second = it->second;
  }

  // Copies the nodes reachable from `root` into `out`, children before parents, so a loader can
  // check that every child index is below its parent's.
  uint32_t export_diagram(Ref root, CompiledPolicy& out) {
    std::map<Ref, uint32_t> index;
    std::function<uint32_t(Ref)> emit = [&](Ref r) -> uint32_t {
      if (DiagramBuilder::is_leaf(r)) return CompiledPolicy::kLeaf | DiagramBuilder::value(r);
      if (auto it = index.find(r); it != index.end()) return it->second;
      uint32_t variable = builder_.variable_of(r);
      std::vector<uint32_t> children(builder_.domain(variable));
      for (uint32_t v = 0; v < children.size(); ++v) children[v] = emit(builder_.child(r, v));
      uint32_t self = static_cast<uint32_t>(out.nodes.size());
      out.nodes.push_back({variable, static_cast<uint32_t>(out.children.size())});
      out.children.insert(out.children.end(), children.begin(), children.end());
      index.emplace(r, self);
      return self;
    };
    return emit(root);
  }

  const Policy& policy_;
  Domains d_;
  DiagramBuilder builder_;
  Predicates predicates_;
  std::vector<Combination> combinations_;
  std::unordered_map<std::string, uint32_t> combination_index_;  // combination_key → index
  std::unordered_map<uint64_t, uint32_t> combination_steps_;     // (c << 16 | rule) → c'
  std::vector<Deciders> deciders_;                               // deciders_of_denies' leaves
  // names_without's summaries, their index and steps, and each rule's parts of a combination.
  std::vector<std::vector<uint16_t>> summaries_;
  std::map<std::vector<uint16_t>, uint32_t> summary_index_;
  std::unordered_map<uint64_t, uint32_t> summary_steps_;
  std::vector<std::vector<uint32_t>> slots_;
  std::vector<uint8_t> kept_givers_;  // per slot, how many givers a summary keeps (1 if absent)
  uint16_t folding_ = 0;
  size_t max_leaves_ = SIZE_MAX;
};

// Combinations' memo keys rule indices as 16 bits: kMaxRules, which
// check_policy enforces as `too-many-rules`. Reaching here with more is a caller's bug (an
// unchecked policy), reported as the compiler's other precondition failures are.
static_assert(kMaxRules < UINT16_MAX);
void check_rule_count(const Policy& policy) {
  if (policy.rules.size() > kMaxRules) {
    throw std::logic_error(
        fmt::format("the compiler needs a checked policy: {} rules, at most {} "
                    "(check_policy reports too-many-rules)",
                    policy.rules.size(), kMaxRules));
  }
}

}  // namespace

CompiledPolicy compile_policy(const Policy& policy, CompileStats* stats) {
  auto start = std::chrono::steady_clock::now();
  check_rule_count(policy);
  CompiledPolicy out = Compiler(policy, analyse_domains(policy)).run(stats);
  if (stats) {
    stats->milliseconds =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  return out;
}

namespace {

std::string what_ran_out(DiagramBuilder::BudgetExceeded::What what, const CompileBudget& budget,
                         const char* leaves) {
  switch (what) {
    case DiagramBuilder::BudgetExceeded::kNodes:
      return fmt::format("{} diagram nodes", budget.max_nodes);
    case DiagramBuilder::BudgetExceeded::kLeaves:
      return fmt::format("{} {}", budget.max_leaves, leaves);
    case DiagramBuilder::BudgetExceeded::kTime:
      break;
  }
  return fmt::format("{} s of work", budget.max_time.count() / 1000.0);
}

// "id (file:line), id (file:line), id (file:line), 4 more"
std::string rule_list(const std::vector<const Rule*>& rules) {
  std::vector<std::string> named;
  for (size_t i = 0; i < std::min<size_t>(rules.size(), 3); ++i) {
    named.push_back(
        fmt::format("{} ({}:{})", rules[i]->id, rules[i]->location.file, rules[i]->location.line));
  }
  if (rules.size() > named.size())
    named.push_back(fmt::format("{} more", rules.size() - named.size()));
  return fmt::format("{}", fmt::join(named, ", "));
}

// The diagnostic for a fold that passed the budget at rule `stopped_at`. That rule is rarely the
// cause. Past the leaves budget, the rules in the most leaves (`leaves_holding`) multiply them.
// Past nodes or time, the classes every rule is folded over multiply across the query's fields,
// and the rules that draw boundaries no other rule shares add them.
Diagnostic over_budget(const Policy& policy, uint16_t stopped_at,
                       const std::vector<size_t>& leaves_holding,
                       DiagramBuilder::BudgetExceeded::What what, const CompileBudget& budget,
                       const char* code, const char* task, const char* leaves) {
  const Rule& stopped = policy.rules[stopped_at];
  const Domains d = analyse_domains(policy);
  auto classes = [&](VariableKind kind) {
    const uint32_t v = d.variable(kind);
    return v == UINT32_MAX ? 1u : d.shape.variables[v].domain;
  };
  const uint32_t ages = classes(VariableKind::kAge), days = classes(VariableKind::kDate),
                 places = classes(VariableKind::kRegion);
  std::string message = fmt::format(
      "the policy is too costly to {}: at rule '{}' ({} of {}) it passes {} (the {} budget)", task,
      stopped.id, stopped_at + 1, policy.rules.size(), what_ran_out(what, budget, leaves),
      code == std::string("compile-budget") ? "compile" : "analysis");
  std::vector<const Rule*> culprits;
  if (what == DiagramBuilder::BudgetExceeded::kLeaves) {
    std::vector<size_t> order(policy.rules.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return leaves_holding[a] > leaves_holding[b]; });
    for (size_t r : order) {
      if (leaves_holding[r] > 0) culprits.push_back(&policy.rules[r]);
    }
    message += fmt::format(
        ". The rules up to it overlap in more ways than a decision diagram can hold (each leaf "
        "is one way: which rules, obligations and legal bases hold together); in the most: {}",
        rule_list(culprits));
  } else {
    // The field with the most classes, and the rules that draw its boundaries.
    const char* field = "age thresholds";
    size_t Boundaries::*drawn = &Boundaries::ages;
    if (days > ages && days >= places) {
      field = "dates";
      drawn = &Boundaries::days;
    } else if (places > ages && places > days) {
      field = "places";
      drawn = &Boundaries::places;
    }
    const std::vector<Boundaries> boundaries = boundaries_by_rule(policy);
    for (size_t r = 0; r < policy.rules.size(); ++r) {
      if (boundaries[r].*drawn > 0) culprits.push_back(&policy.rules[r]);
    }
    message += fmt::format(
        ". Rules are folded over every combination of {} age bands, {} date classes and {} region "
        "classes; {} rules draw {}: {}",
        ages, days, places, culprits.size(), field, rule_list(culprits));
  }
  return Diagnostic{
      Severity::kError, code, culprits.empty() ? stopped.location : culprits.front()->location,
      std::move(message),
      "share age thresholds, dates and region lists between rules (one age band, one region "
      "group), merge rules that differ only in their match lists or conditions, or split the "
      "policy"};
}

}  // namespace

struct RuleAnalysis::State {
  explicit State(const Policy& policy) : compiler(policy, analyse_domains(policy)) {}
  Compiler compiler;
  Compiler::Analysis answers;
};

RuleAnalysis::RuleAnalysis(std::unique_ptr<State> state) : state_(std::move(state)) {}
RuleAnalysis::RuleAnalysis(RuleAnalysis&&) noexcept = default;
RuleAnalysis& RuleAnalysis::operator=(RuleAnalysis&&) noexcept = default;
RuleAnalysis::~RuleAnalysis() = default;

std::variant<RuleAnalysis, Diagnostic> RuleAnalysis::analyse(const Policy& policy,
                                                             const CompileBudget& budget) {
  check_rule_count(policy);
  auto state = std::make_unique<State>(policy);
  Compiler& compiler = state->compiler;
  try {
    state->answers = compiler.analyse(
        {budget.max_nodes, std::chrono::steady_clock::now() + budget.max_time}, budget.max_leaves);
  } catch (const DiagramBuilder::BudgetExceeded& exceeded) {
    return over_budget(policy, compiler.folding(), compiler.leaves_holding(), exceeded.what, budget,
                       "analysis-budget", "analyse",
                       "distinct summaries of the rules matching together");
  }
  return RuleAnalysis(std::move(state));
}

const Domains& RuleAnalysis::domains() const {
  return state_->compiler.domains();
}
bool RuleAnalysis::matches(uint16_t rule) const {
  return state_->answers.matches[rule];
}
bool RuleAnalysis::changes(uint16_t rule) const {
  return state_->answers.changes[rule];
}
const std::vector<std::string>& RuleAnalysis::decided_without(uint16_t rule) const {
  return state_->answers.decided_without[rule];
}
const std::vector<std::pair<uint16_t, uint16_t>>& RuleAnalysis::allows_meeting() const {
  return state_->answers.allows_meeting;
}
size_t RuleAnalysis::diagram_nodes() const {
  return state_->compiler.builder().node_count();
}

std::vector<std::vector<uint16_t>> RuleAnalysis::matching_each(const std::vector<uint32_t>& values,
                                                               uint32_t variable) const {
  using Builder = DiagramBuilder;
  const Builder& builder = state_->compiler.builder();
  const Compiler::Analysis& a = state_->answers;
  std::vector<std::vector<uint16_t>> out(builder.domain(variable));
  for (uint16_t r : a.by_data[values[domains().variable(VariableKind::kData)]]) {
    // The walk down to `variable` is the same for every class of it.
    Builder::Ref above = a.predicates[r];
    while (!Builder::is_leaf(above) && builder.variable_of(above) < variable)
      above = builder.child(above, values[builder.variable_of(above)]);
    if (above == Builder::leaf(kFalse)) continue;
    for (uint32_t c = 0; c < out.size(); ++c) {
      Builder::Ref at = above;
      while (!Builder::is_leaf(at)) {
        const uint32_t tested = builder.variable_of(at);
        at = builder.child(at, tested == variable ? c : values[tested]);
      }
      if (Builder::value(at) == kTrue) out[c].push_back(r);
    }
  }
  return out;
}

bool within_compile_budget(const Policy& policy, DiagnosticSink& sink, const CompileBudget& budget,
                           CompiledPolicy* compiled) {
  check_rule_count(policy);
  Compiler compiler(policy, analyse_domains(policy));
  try {
    const auto acc = compiler.fold_within(
        {budget.max_nodes, std::chrono::steady_clock::now() + budget.max_time}, budget.max_leaves);
    // The budget is the fold's, as check sees it: finishing (a few passes over the result) runs
    // without limits, as compile_policy does.
    if (compiled) *compiled = compiler.finish_unbounded(acc);
    return true;
  } catch (const DiagramBuilder::BudgetExceeded& exceeded) {
    sink.report(over_budget(policy, compiler.folding(), compiler.leaves_holding(), exceeded.what,
                            budget, "compile-budget", "compile",
                            "distinct combinations of matching rules"));
    return false;
  }
}

}  // namespace flowgate
