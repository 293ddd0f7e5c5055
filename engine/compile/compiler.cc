// compile_policy: rule predicates → a diagram of combinations → decision diagram; and the rule-set
// diagram lint needs (compile_rule_sets).
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
    sets_.push_back({0, 0});  // set 0: no rule matches
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
    // Each set is its last rule added to an earlier set: count every rule of the chain.
    for (uint32_t s = 1; s < sets_.size(); ++s) {
      for (uint32_t in = s; in != 0; in = sets_[in].parent) ++count[sets_[in].rule];
    }
    return count;
  }

  // The rule-set diagram (compile_rule_sets), under `limits` and at most `max_leaves` sets.
  RuleSetDiagram rule_sets(const DiagramBuilder::Limits& limits, size_t max_leaves) {
    builder_.set_limits(limits);
    max_leaves_ = max_leaves;
    Ref acc = fold_rule_sets();
    RuleSetDiagram out{std::move(d_), {}};
    for (uint32_t s = 0; s < sets_.size(); ++s) out.rule_sets.push_back(rules_in(s));
    out.domains.shape.root = export_diagram(acc, out.domains.shape);
    return out;
  }

 private:
  // Every rule's predicate folded in order: where it holds, a leaf becomes step(leaf, rule).
  template <typename Step>
  Ref fold_rules(Step step) {
    Ref acc = DiagramBuilder::leaf(0);
    for (uint16_t i = 0; i < policy_.rules.size(); ++i) {
      folding_ = i;
      Ref predicate = predicates_.rule(policy_.rules[i]);
      acc = builder_.apply(
          acc, predicate,
          [&](uint32_t leaf, uint32_t holds) { return holds == kTrue ? step(leaf, i) : leaf; },
          kFalse);
    }
    return acc;
  }
  // Leaves are combinations (model/combine.h): what compile needs.
  Ref fold_combinations() {
    return fold_rules([this](uint32_t c, uint16_t rule) { return with_rule_combined(c, rule); });
  }
  // Leaves are the sets of matching rules: what lint needs.
  Ref fold_rule_sets() {
    return fold_rules([this](uint32_t set, uint16_t rule) { return with_rule_in_set(set, rule); });
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

  // The set with `rule` added. Rules are folded in order, so `rule` is the set's largest and
  // (set, rule) names the result: no set is compared or copied while folding.
  uint32_t with_rule_in_set(uint32_t set, uint16_t rule) {
    auto [it, fresh] =
        set_index_.emplace((uint64_t{set} << 16) | rule, static_cast<uint32_t>(sets_.size()));
    if (fresh) {
      count_leaf(sets_.size());
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
  std::vector<Combination> combinations_;
  std::unordered_map<std::string, uint32_t> combination_index_;  // combination_key → index
  std::unordered_map<uint64_t, uint32_t> combination_steps_;     // (c << 16 | rule) → c'
  // A rule set is the set it extends (an earlier index) and the rule added to it.
  struct SetLink {
    uint32_t parent;
    uint16_t rule;
  };
  std::vector<SetLink> sets_;
  std::unordered_map<uint64_t, uint32_t> set_index_;  // (parent << 16 | rule) → set
  uint16_t folding_ = 0;
  size_t max_leaves_ = SIZE_MAX;
};

// Combinations' memo and rule sets key rule indices as 16 bits: kMaxRules, which
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

std::variant<RuleSetDiagram, Diagnostic> compile_rule_sets(const Policy& policy,
                                                           const CompileBudget& budget) {
  check_rule_count(policy);
  Compiler compiler(policy, analyse_domains(policy));
  try {
    return compiler.rule_sets(
        {budget.max_nodes, std::chrono::steady_clock::now() + budget.max_time}, budget.max_leaves);
  } catch (const DiagramBuilder::BudgetExceeded& exceeded) {
    return over_budget(policy, compiler.folding(), compiler.leaves_holding(), exceeded.what, budget,
                       "analysis-budget", "analyse as a whole",
                       "distinct sets of rules matching together");
  }
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
