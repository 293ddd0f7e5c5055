// compile_policy: rule predicates → rule-set diagram → decision diagram.
#include "compile/compiler.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
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
    sets_.push_back({0, 0});  // set 0: no rule matches
  }

  CompiledPolicy run(CompileStats* stats) {
    const uint32_t date = d_.variable(VariableKind::kDate);
    Ref acc = fold_rules();
    // One more member of the sets, after every rule: the flow's purpose was consented to.
    const auto consented_marker = static_cast<uint16_t>(policy_.rules.size());
    if (std::any_of(d_.shape.bits.begin(), d_.shape.bits.end(),
                    [](const Bit& b) { return b.kind == Bit::Kind::kConsentForPurpose; })) {
      Ref consented = predicates_.bit(Bit::Kind::kConsentForPurpose);
      acc = builder_.apply(
          acc, consented,
          [&](uint32_t set, uint32_t holds) {
            return holds == kTrue ? with_rule(set, consented_marker) : set;
          },
          kFalse);
    }
    CompiledPolicy out = std::move(d_.shape);
    std::unordered_map<std::string, uint32_t> record_index;
    auto intern_record = [&](Decision record) {
      std::string key = record_key(record);
      auto [it, fresh] =
          record_index.emplace(std::move(key), static_cast<uint32_t>(out.decisions.size()));
      if (fresh) out.decisions.push_back(std::move(record));
      return it->second;
    };
    std::vector<uint32_t> decision_of_set(sets_.size());
    for (uint32_t s = 0; s < sets_.size(); ++s) {
      std::vector<const Rule*> matched;
      bool purpose_consented = false;
      for (uint16_t r : rules_in(s)) {
        if (r == consented_marker) {
          purpose_consented = true;
        } else {
          matched.push_back(&policy_.rules[r]);
        }
      }
      decision_of_set[s] = intern_record(combine(matched, purpose_consented));
    }
    Ref decided = builder_.map_leaves(acc, [&](uint32_t set) { return decision_of_set[set]; });
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
      stats->rule_sets = sets_.size();
      stats->builder_nodes = builder_.node_count();
      stats->diagram_nodes = out.nodes.size();
      stats->decisions = out.decisions.size();
    }
    out.unreduced_nodes = builder_.node_count();
    return out;
  }

  // The fold alone, under `limits` (within_compile_budget).
  void fold_within(const DiagramBuilder::Limits& limits, size_t max_rule_sets) {
    builder_.set_limits(limits);
    max_rule_sets_ = max_rule_sets;
    fold_rules();
  }
  // While folding: the rule being folded.
  uint16_t folding() const { return folding_; }

  // The rule-set diagram of run(), exported before combining (compile_rule_sets).
  RuleSetDiagram rule_sets() {
    Ref acc = fold_rules();
    RuleSetDiagram out{std::move(d_), {}};
    for (uint32_t s = 0; s < sets_.size(); ++s) out.rule_sets.push_back(rules_in(s));
    out.domains.shape.root = export_diagram(acc, out.domains.shape);
    return out;
  }

 private:
  // Every rule's predicate folded in order: a leaf is the set of rules matching there.
  Ref fold_rules() {
    Ref acc = DiagramBuilder::leaf(0);
    for (uint16_t i = 0; i < policy_.rules.size(); ++i) {
      folding_ = i;
      Ref predicate = predicates_.rule(policy_.rules[i]);
      acc = builder_.apply(
          acc, predicate,
          [&](uint32_t set, uint32_t holds) { return holds == kTrue ? with_rule(set, i) : set; },
          kFalse);
    }
    return acc;
  }

  static std::string record_key(const Decision& r) {
    std::string key = r.allow ? "A" : "D";
    for (const auto* list : {&r.obligations, &r.legal_basis, &r.citations, &r.rules}) {
      key += '\x1e';
      for (const auto& s : *list) key += s + '\x1f';
    }
    return key + '\x1e' + r.reason;
  }

  // The set with `rule` added. Rules are folded in order, so `rule` is the set's largest and
  // (set, rule) names the result: no set is compared or copied while folding.
  uint32_t with_rule(uint32_t set, uint16_t rule) {
    auto [it, fresh] =
        set_index_.emplace((uint64_t{set} << 16) | rule, static_cast<uint32_t>(sets_.size()));
    if (fresh) {
      if (sets_.size() >= max_rule_sets_)
        throw DiagramBuilder::BudgetExceeded{DiagramBuilder::BudgetExceeded::kRuleSets};
      sets_.push_back({set, rule});
    }
    return it->second;
  }

  // A set's rules, ascending.
  std::vector<uint16_t> rules_in(uint32_t set) const {
    std::vector<uint16_t> out;
    for (; set != 0; set = sets_[set].parent) out.push_back(sets_[set].rule);
    std::reverse(out.begin(), out.end());
    return out;
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
  // A rule set is the set it extends (an earlier index) and the rule added to it.
  struct SetLink {
    uint32_t parent;
    uint16_t rule;
  };
  std::vector<SetLink> sets_;
  std::unordered_map<uint64_t, uint32_t> set_index_;  // (parent << 16 | rule) → set
  uint16_t folding_ = 0;
  size_t max_rule_sets_ = SIZE_MAX;
};

// Rule sets hold rule indices as 16 bits, one value kept for the consent marker: kMaxRules, which
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

RuleSetDiagram compile_rule_sets(const Policy& policy) {
  check_rule_count(policy);
  return Compiler(policy, analyse_domains(policy)).rule_sets();
}

namespace {

std::string what_ran_out(DiagramBuilder::BudgetExceeded::What what, const CompileBudget& budget) {
  switch (what) {
    case DiagramBuilder::BudgetExceeded::kNodes:
      return fmt::format("{} diagram nodes", budget.max_nodes);
    case DiagramBuilder::BudgetExceeded::kRuleSets:
      return fmt::format("{} distinct sets of matching rules", budget.max_rule_sets);
    case DiagramBuilder::BudgetExceeded::kTime:
      break;
  }
  return fmt::format("{} s of work", budget.max_time.count() / 1000.0);
}

}  // namespace

bool within_compile_budget(const Policy& policy, DiagnosticSink& sink,
                           const CompileBudget& budget) {
  check_rule_count(policy);
  Compiler compiler(policy, analyse_domains(policy));
  try {
    compiler.fold_within({budget.max_nodes, std::chrono::steady_clock::now() + budget.max_time},
                         budget.max_rule_sets);
    return true;
  } catch (const DiagramBuilder::BudgetExceeded& exceeded) {
    // The rule being folded is rarely the cause: the classes every rule is compiled over multiply
    // across the query's fields, and the rules that draw boundaries no other rule shares add them.
    const Rule& stopped = policy.rules[compiler.folding()];
    const Domains d = analyse_domains(policy);
    auto classes = [&](VariableKind kind) {
      const uint32_t v = d.variable(kind);
      return v == UINT32_MAX ? 1u : d.shape.variables[v].domain;
    };
    const uint32_t ages = classes(VariableKind::kAge), days = classes(VariableKind::kDate),
                   places = classes(VariableKind::kRegion);
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
    std::vector<const Rule*> drawing;
    const std::vector<Boundaries> boundaries = boundaries_by_rule(policy);
    for (size_t r = 0; r < policy.rules.size(); ++r) {
      if (boundaries[r].*drawn > 0) drawing.push_back(&policy.rules[r]);
    }
    std::vector<std::string> named;
    for (size_t i = 0; i < std::min<size_t>(drawing.size(), 3); ++i) {
      named.push_back(fmt::format("{} ({}:{})", drawing[i]->id, drawing[i]->location.file,
                                  drawing[i]->location.line));
    }
    if (drawing.size() > named.size())
      named.push_back(fmt::format("{} more", drawing.size() - named.size()));
    sink.error(
        "compile-budget", drawing.empty() ? stopped.location : drawing.front()->location,
        fmt::format("the policy is too costly to compile: at rule '{}' ({} of {}) it passes {} "
                    "(the compile budget). Rules are compiled over every combination of {} age "
                    "bands, {} date classes and {} region classes; {} rules draw {}: {}",
                    stopped.id, compiler.folding() + 1, policy.rules.size(),
                    what_ran_out(exceeded.what, budget), ages, days, places, drawing.size(), field,
                    fmt::join(named, ", ")),
        "share age thresholds, dates and region lists between rules (one age band, one region "
        "group), merge rules that differ only in their match lists, or split the policy");
    return false;
  }
}

}  // namespace flowgate
