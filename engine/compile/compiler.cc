// compile_policy: rule predicates → rule-set diagram → decision diagram.
#include "compile/compiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "compile/diagram_builder.h"
#include "compile/domains.h"
#include "model/combine.h"
#include "reference/reference_evaluator.h"

namespace flowgate {
namespace {

using Ref = DiagramBuilder::Ref;
constexpr uint32_t kFalse = 0;
constexpr uint32_t kTrue = 1;

class Compiler {
 public:
  Compiler(const Policy& policy, Domains domains)
      : policy_(policy), d_(std::move(domains)), builder_(domains_of(d_)) {
    sets_.push_back({0, 0});  // set 0: no rule matches
  }

  CompiledPolicy run(CompileStats* stats) {
    const uint32_t date = d_.variable(VariableKind::kDate);
    Ref acc = fold_rules();
    // One more member of the sets, after every rule: the flow's purpose was consented to.
    const auto consented_marker = static_cast<uint16_t>(policy_.rules.size());
    if (uint32_t bit = bit_variable(Bit::Kind::kConsentForPurpose, {}); bit != UINT32_MAX) {
      Ref consented =
          tabulate_bool({bit}, [&](const std::vector<uint32_t>& v) { return v[bit] == 1; });
      acc = builder_.apply(
          acc, consented,
          [&](uint32_t set, uint32_t holds) {
            return holds == kTrue ? with_rule(set, consented_marker) : set;
          },
          kFalse);
    }
    CompiledPolicy out = std::move(d_.shape);
    std::unordered_map<std::string, uint32_t> record_index;
    auto intern_record = [&](DecisionRecord record) {
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
      decision_of_set[s] = intern_record(to_record(combine(matched, purpose_consented)));
    }
    Ref decided = builder_.map_leaves(acc, [&](uint32_t set) { return decision_of_set[set]; });
    if (policy_.info.effective) {  // date class 0 is every day before the policy took effect
      uint32_t not_in_force = intern_record(to_record(not_in_force_decision(policy_.info)));
      Ref before =
          tabulate_bool({date}, [&](const std::vector<uint32_t>& v) { return v[date] == 0; });
      decided = builder_.apply(
          decided, before,
          [&](uint32_t decision, uint32_t is_before) {
            return is_before == kTrue ? not_in_force : decision;
          },
          kFalse);
    }
    out.unknown_id_decision = intern_record(to_record(unknown_id_decision()));
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
      Ref predicate = rule_predicate(policy_.rules[i]);
      acc = builder_.apply(
          acc, predicate,
          [&](uint32_t set, uint32_t holds) { return holds == kTrue ? with_rule(set, i) : set; },
          kFalse);
    }
    return acc;
  }

  static std::vector<uint32_t> domains_of(const Domains& d) {
    std::vector<uint32_t> out;
    for (const auto& v : d.shape.variables) out.push_back(v.domain);
    return out;
  }

  static DecisionRecord to_record(const Decision& d) {
    return {d.allow, d.obligations, d.legal_basis, d.citations, d.rules, d.reason};
  }

  static std::string record_key(const DecisionRecord& r) {
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
    if (fresh) sets_.push_back({set, rule});
    return it->second;
  }

  // A set's rules, ascending.
  std::vector<uint16_t> rules_in(uint32_t set) const {
    std::vector<uint16_t> out;
    for (; set != 0; set = sets_[set].parent) out.push_back(sets_[set].rule);
    std::reverse(out.begin(), out.end());
    return out;
  }

  Ref tabulate_bool(std::vector<uint32_t> variables,
                    const std::function<bool(const std::vector<uint32_t>&)>& holds) {
    std::sort(variables.begin(), variables.end());
    variables.erase(std::unique(variables.begin(), variables.end()), variables.end());
    return builder_.tabulate(variables, [&](const std::vector<uint32_t>& values) {
      return holds(values) ? kTrue : kFalse;
    });
  }

  Ref conjunction(Ref a, Ref b) {
    return builder_.apply(
        a, b, [](uint32_t x, uint32_t y) { return x & y; }, kTrue);
  }

  Ref id_set_predicate(const IdSet& set, VariableKind kind, VocabularyKind vocabulary,
                       const std::vector<std::string>& ids) {
    if (set.any) return DiagramBuilder::leaf(kTrue);
    uint32_t variable = d_.variable(kind);
    return tabulate_bool({variable}, [&](const std::vector<uint32_t>& values) {
      return covers(set, policy_.vocabulary(vocabulary), ids[values[variable]]);
    });
  }

  // The variables a condition reads.
  void variables_read(const Expr& e, std::vector<uint32_t>& out) const {
    if (auto bit = consent_string_bit(e)) out.push_back(bit_variable(bit->kind, bit->id));
    switch (e.kind) {
      case ExprKind::kPath:
        switch (e.path) {
          case QueryPath::kSubjectRegion:
            out.push_back(d_.variable(VariableKind::kRegion));
            break;
          case QueryPath::kDestination:
            out.push_back(d_.variable(VariableKind::kDestination));
            break;
          case QueryPath::kSubjectAge:
            out.push_back(d_.variable(VariableKind::kAge));
            break;
          case QueryPath::kAsOf:
            out.push_back(d_.variable(VariableKind::kDate));
            break;
          case QueryPath::kGpc:
            out.push_back(bit_variable(Bit::Kind::kGpc, {}));
            break;
          case QueryPath::kAdsPersonalization:
            out.push_back(bit_variable(Bit::Kind::kAdsPersonalization, {}));
            break;
          case QueryPath::kParentalConsent:
            out.push_back(bit_variable(Bit::Kind::kParentalConsent, {}));
            break;
          case QueryPath::kTcfPresent:
          case QueryPath::kGppPresent:
          case QueryPath::kGppOptOut:
            break;  // consent_string_bit
          case QueryPath::kNone:
            break;
        }
        break;
      case ExprKind::kInGroup:
        out.push_back(d_.variable(VariableKind::kDate));  // memberships are dated
        break;
      case ExprKind::kCall:
        if (e.text == "consent")
          out.push_back(bit_variable(Bit::Kind::kConsent, e.children[0].text));
        if (e.text == "feature")
          out.push_back(bit_variable(Bit::Kind::kFeature, e.children[0].text));
        if (e.text == "known") out.push_back(d_.variable(VariableKind::kAge));
        return;
      default:
        break;
    }
    for (const auto& child : e.children) variables_read(child, out);
  }

  uint32_t bit_variable(Bit::Kind kind, const std::string& id) const {
    for (uint32_t b = 0; b < d_.shape.bits.size(); ++b) {
      if (d_.shape.bits[b].kind == kind && d_.shape.bits[b].id == id) {
        return d_.variable(VariableKind::kBit, b);
      }
    }
    return UINT32_MAX;
  }

  Ref condition_predicate(const Expr& e) {
    std::vector<uint32_t> variables;
    variables_read(e, variables);
    std::sort(variables.begin(), variables.end());
    variables.erase(std::unique(variables.begin(), variables.end()), variables.end());
    uint64_t product = 1;
    for (uint32_t v : variables) product *= builder_.domain(v);
    // A condition reading many variables at once is split at and/or so tables stay small.
    if (product > (1u << 16) && (e.kind == ExprKind::kAnd || e.kind == ExprKind::kOr)) {
      Ref acc = condition_predicate(e.children[0]);
      for (size_t i = 1; i < e.children.size(); ++i) {
        Ref next = condition_predicate(e.children[i]);
        acc = builder_.apply(acc, next, [&](uint32_t x, uint32_t y) {
          return e.kind == ExprKind::kAnd ? (x & y) : (x | y);
        });
      }
      return acc;
    }
    return tabulate_bool(variables, [&](const std::vector<uint32_t>& values) {
      return evaluate_condition(e, policy_, d_.representative_query(values));
    });
  }

  Ref rule_predicate(const Rule& rule) {
    Ref p =
        id_set_predicate(rule.data, VariableKind::kData, VocabularyKind::kData, d_.shape.data_ids);
    p = conjunction(p, id_set_predicate(rule.purpose, VariableKind::kPurpose,
                                        VocabularyKind::kPurpose, d_.shape.purpose_ids));
    if (rule.action != Action::kAny) {
      uint32_t variable = d_.variable(VariableKind::kAction);
      p = conjunction(p, tabulate_bool({variable}, [&](const std::vector<uint32_t>& values) {
                        return (values[variable] == 0 ? Action::kCollect : Action::kTransmit) ==
                               rule.action;
                      }));
    }
    p = conjunction(p, id_set_predicate(rule.recipient, VariableKind::kRecipient,
                                        VocabularyKind::kRecipient, d_.shape.recipient_ids));
    if (!rule.destination.any) {
      uint32_t destination = d_.variable(VariableKind::kDestination);
      uint32_t date = d_.variable(VariableKind::kDate);
      p = conjunction(p,
                      tabulate_bool({destination, date}, [&](const std::vector<uint32_t>& values) {
                        return place_covers(rule.destination, policy_,
                                            d_.destination_representative[values[destination]],
                                            d_.date_representative[values[date]]);
                      }));
    }
    if (rule.statute) {  // the law speaks from its effective date (a class boundary)
      uint32_t date = d_.variable(VariableKind::kDate);
      p = conjunction(p, tabulate_bool({date}, [&](const std::vector<uint32_t>& values) {
                        return rule.in_force(d_.date_representative[values[date]]);
                      }));
    }
    if (rule.when) p = conjunction(p, condition_predicate(rule.when->root));
    if (is_consent_only_basis(rule)) {
      uint32_t bit = bit_variable(Bit::Kind::kConsentForPurpose, {});
      p = conjunction(p, tabulate_bool({bit}, [&](const std::vector<uint32_t>& values) {
                        return values[bit] == 1;
                      }));
    }
    return p;
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
  // A rule set is the set it extends (an earlier index) and the rule added to it.
  struct SetLink {
    uint32_t parent;
    uint16_t rule;
  };
  std::vector<SetLink> sets_;
  std::unordered_map<uint64_t, uint32_t> set_index_;  // (parent << 16 | rule) → set
};

// Rule sets hold rule indices as 16 bits, one value kept for the consent marker.
void check_rule_count(const Policy& policy) {
  if (policy.rules.size() >= UINT16_MAX) {
    throw std::length_error(fmt::format("the policy has {} rules; the compiler takes at most {}",
                                        policy.rules.size(), UINT16_MAX - 1));
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

}  // namespace flowgate
