// add_travel_rules: one derived deny per group of data leaves collected only under conditions.
#include "model/travel.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>

namespace flowgate {
namespace {

bool covers_leaf(const IdSet& set, const Vocabulary& vocabulary, Vocabulary::Index leaf) {
  if (set.any) return true;
  for (const auto& ref : set.ids) {
    if (auto group = vocabulary.find(ref.id); group && vocabulary.is_under(leaf, *group)) {
      return true;
    }
  }
  return false;
}

bool reads_destination(const Expr& e) {
  if (e.kind == ExprKind::kPath && e.path == QueryPath::kDestination) return true;
  for (const auto& child : e.children) {
    if (reads_destination(child)) return true;
  }
  return false;
}

// A rule that lets the device capture or read the item: the runtime permission check.
bool allows_collection(const Rule& rule) {
  return rule.effect == Effect::kAllow &&
         (rule.action == Action::kCollect || rule.action == Action::kAny);
}

Rule derive(const Policy& policy, const std::vector<size_t>& sources,
            const std::vector<std::string>& leaves) {
  const Rule& first = policy.rules[sources.front()];
  Rule rule;
  rule.id = kTravelRulePrefix;
  rule.location = first.location;
  rule.effect = Effect::kDeny;
  rule.action = Action::kTransmit;
  rule.data.any = false;
  rule.data.location = first.data.location;
  for (const auto& leaf : leaves) rule.data.ids.push_back({leaf, first.data.location});
  Expr any_condition;
  any_condition.kind = ExprKind::kOr;
  std::string text;
  for (size_t i = 0; i < sources.size(); ++i) {
    const Rule& source = policy.rules[sources[i]];
    rule.id += (i ? "+" : "") + source.id;
    rule.derived_from.push_back(source.id);
    any_condition.children.push_back(source.when->root);
    text += (i ? " or " : "") + fmt::format("({})", source.when->text);
    for (const auto& c : source.citations) {
      bool known = false;
      for (const auto& have : rule.citations) known |= have.section == c.section;
      if (!known) rule.citations.push_back(c);
    }
    rule.quote += (i ? " … " : "") + source.quote;
  }
  Condition when = *first.when;
  when.text = fmt::format("not ({})", text);
  when.root = Expr{};
  when.root.kind = ExprKind::kNot;
  when.root.type = ValueType::kBool;
  when.root.children.push_back(sources.size() == 1 ? std::move(any_condition.children.front())
                                                   : std::move(any_condition));
  if (when.root.children.front().kind == ExprKind::kOr) {
    when.root.children.front().type = ValueType::kBool;
  }
  rule.when = std::move(when);
  rule.quote_location = first.quote_location;
  rule.note = fmt::format(
      "Derived: this data is collected only under {}, so it may leave the device only when one "
      "of them holds (conditions travel with the data).",
      fmt::join(rule.derived_from, ", "));
  return rule;
}

}  // namespace

void add_travel_rules(Policy& policy, DiagnosticSink& sink) {
  for (const auto& rule : policy.rules) {
    if (!rule.derived_from.empty()) return;  // added already
  }
  std::vector<Rule> derived;
  const Vocabulary& data = policy.vocabulary(VocabularyKind::kData);
  // Data leaves by the collection rules that allow them, when every one of those has a condition.
  std::map<std::vector<size_t>, std::vector<std::string>> leaves_by_sources;
  for (auto leaf : data.leaves()) {
    std::vector<size_t> sources;
    bool unconditional = false;
    for (size_t r = 0; r < policy.rules.size(); ++r) {
      const Rule& rule = policy.rules[r];
      if (!allows_collection(rule) || !covers_leaf(rule.data, data, leaf)) continue;
      if (!rule.when) {
        unconditional = true;
        break;
      }
      sources.push_back(r);
    }
    // Never collected at all: nothing to travel (lint's inventory checks speak for such items).
    if (unconditional || sources.empty()) continue;
    leaves_by_sources[sources].push_back(data.term(leaf).id);
  }
  for (const auto& [sources, leaves] : leaves_by_sources) {
    bool usable = true;
    for (size_t r : sources) {
      const Rule& source = policy.rules[r];
      if (reads_destination(source.when->root)) {
        sink.error("collect-tests-destination", source.when->location,
                   fmt::format("rule '{}' allows a collect under a condition on the destination; "
                               "a collect stays on the device, so the condition cannot travel "
                               "with the data",
                               source.id),
                   "test the subject, the signals or the date in a collection rule");
        usable = false;
      }
    }
    if (usable) derived.push_back(derive(policy, sources, leaves));
  }
  // Derived rules speak for the policy, so they come before the statutes' (deny precedence).
  auto statutes = std::find_if(policy.rules.begin(), policy.rules.end(),
                               [](const Rule& rule) { return rule.statute.has_value(); });
  policy.rules.insert(statutes, std::make_move_iterator(derived.begin()),
                      std::make_move_iterator(derived.end()));
}

}  // namespace flowgate
