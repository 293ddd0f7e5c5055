// evaluate_reference: rule-by-rule matching, then combine().
#include "reference/reference_evaluator.h"

#include "model/combine.h"

namespace flowgate {
namespace {

// Values a condition computes with; an unknown age is nullopt and makes comparisons false.
struct Value {
  ValueType type = ValueType::kBool;
  std::optional<int64_t> number;  // bool, int, date
  std::string text;               // region, string
};

Value value_of(const Expr& e, const Policy& policy, const Query& query) {
  switch (e.kind) {
    case ExprKind::kPath:
      switch (e.path) {
        case QueryPath::kSubjectRegion:
          return {ValueType::kRegion, std::nullopt, query.region};
        case QueryPath::kDestination:
          return {ValueType::kRegion, std::nullopt, query.destination};
        case QueryPath::kSubjectAge:
          return {
              ValueType::kInt, query.age ? std::optional<int64_t>(*query.age) : std::nullopt, {}};
        case QueryPath::kAsOf:
          return {ValueType::kDate, query.as_of.days, {}};
        case QueryPath::kGpc:
          return {ValueType::kBool, query.gpc, {}};
        case QueryPath::kAdsPersonalization:
          return {ValueType::kBool, query.ads_personalization, {}};
        case QueryPath::kParentalConsent:
          return {ValueType::kBool, query.parental_consent, {}};
        case QueryPath::kTcfPresent:
          return {ValueType::kBool, query.consent_strings.tcf_present, {}};
        case QueryPath::kGppPresent:
          return {ValueType::kBool, query.consent_strings.gpp_present, {}};
        case QueryPath::kGppOptOut:
          return {ValueType::kBool, (query.consent_strings.gpp_opt_outs >> e.number) & 1, {}};
        case QueryPath::kNone:
          break;
      }
      return {};
    case ExprKind::kInt:
    case ExprKind::kDate:
      return {e.type, e.number, {}};
    case ExprKind::kString:
      return {e.type, std::nullopt, e.text};
    default:
      return {ValueType::kBool, evaluate_condition(e, policy, query), {}};
  }
}

bool compare(CompareOp op, const Value& a, const Value& b) {
  if (a.type == ValueType::kRegion || b.type == ValueType::kRegion ||
      a.type == ValueType::kString) {
    bool equal = a.text == b.text;
    return op == CompareOp::kEq ? equal : !equal;
  }
  if (!a.number || !b.number) return false;  // an unknown age satisfies no comparison
  switch (op) {
    case CompareOp::kLt:
      return *a.number < *b.number;
    case CompareOp::kLe:
      return *a.number <= *b.number;
    case CompareOp::kGt:
      return *a.number > *b.number;
    case CompareOp::kGe:
      return *a.number >= *b.number;
    case CompareOp::kEq:
      return *a.number == *b.number;
    case CompareOp::kNe:
      return *a.number != *b.number;
  }
  return false;
}

}  // namespace

bool covers(const IdSet& set, const Vocabulary& vocabulary, const std::string& id) {
  if (set.any) return true;
  auto leaf = vocabulary.find(id);
  if (!leaf) return false;
  for (const auto& ref : set.ids) {
    auto group = vocabulary.find(ref.id);
    if (group && vocabulary.is_under(*leaf, *group)) return true;
  }
  return false;
}

bool place_covers(const IdSet& set, const Policy& policy, const std::string& place, Date on) {
  if (set.any) return true;
  for (const auto& ref : set.ids) {
    if (ref.id == place) return true;
    if (policy.regions.group(ref.id) && policy.regions.contains(ref.id, place, on)) return true;
  }
  return false;
}

bool evaluate_condition(const Expr& e, const Policy& policy, const Query& query) {
  switch (e.kind) {
    case ExprKind::kOr:
      for (const auto& child : e.children) {
        if (evaluate_condition(child, policy, query)) return true;
      }
      return false;
    case ExprKind::kAnd:
      for (const auto& child : e.children) {
        if (!evaluate_condition(child, policy, query)) return false;
      }
      return true;
    case ExprKind::kNot:
      return !evaluate_condition(e.children[0], policy, query);
    case ExprKind::kCompare:
      return compare(e.op, value_of(e.children[0], policy, query),
                     value_of(e.children[1], policy, query));
    case ExprKind::kInGroup:
      return policy.regions.contains(e.text, value_of(e.children[0], policy, query).text,
                                     query.as_of);
    case ExprKind::kInList: {
      std::string region = value_of(e.children[0], policy, query).text;
      for (size_t i = 1; i < e.children.size(); ++i) {
        if (e.children[i].text == region) return true;
      }
      return false;
    }
    case ExprKind::kBool:
      return e.number != 0;
    case ExprKind::kCall:
      if (e.text == "consent") return query.consents.count(e.children[0].text) > 0;
      if (e.text == "feature") return query.features.count(e.children[0].text) > 0;
      if (e.text == "known") return query.age.has_value();
      if (e.text == "tcf.purpose_consent") {
        return (query.consent_strings.tcf_purpose_consents >> (e.children[0].number - 1)) & 1;
      }
      if (e.text == "tcf.purpose_legitimate_interest") {
        return (query.consent_strings.tcf_purpose_legitimate_interests >>
                (e.children[0].number - 1)) &
               1;
      }
      return false;
    case ExprKind::kPath:
      return value_of(e, policy, query).number.value_or(0) != 0;
    case ExprKind::kInt:
    case ExprKind::kDate:
    case ExprKind::kString:
      return false;
  }
  return false;
}

bool is_consent_only_basis(const Rule& rule) {
  return rule.effect == Effect::kBasis && rule.bases.size() == 1 && rule.bases[0].id == "consent";
}

bool rule_matches(const Rule& rule, const Policy& policy, const Query& query) {
  if (!rule.in_force(query.as_of)) return false;
  if (rule.action != Action::kAny && rule.action != query.action) return false;
  if (!covers(rule.data, policy.vocabulary(VocabularyKind::kData), query.data)) return false;
  if (!covers(rule.purpose, policy.vocabulary(VocabularyKind::kPurpose), query.purpose)) {
    return false;
  }
  if (!covers(rule.recipient, policy.vocabulary(VocabularyKind::kRecipient), query.recipient)) {
    return false;
  }
  if (!place_covers(rule.destination, policy, query.destination, query.as_of)) return false;
  if (rule.when && !evaluate_condition(rule.when->root, policy, query)) return false;
  if (is_consent_only_basis(rule)) return query.consents.count(query.purpose) > 0;
  return true;
}

Decision evaluate_reference(const Policy& policy, const Query& asked) {
  // A collect stays on the device (docs/design.md, "The query"): whatever recipient and
  // destination it names, it is read as going to `device`, on the device.
  const bool collect = asked.action == Action::kCollect &&
                       (asked.recipient != "device" || asked.destination != "device");
  Query normalised;
  if (collect) {
    normalised = asked;
    normalised.recipient = normalised.destination = "device";
  }
  const Query& query = collect ? normalised : asked;
  auto leaf = [&](VocabularyKind kind, const std::string& id) {
    auto index = policy.vocabulary(kind).find(id);
    return index && policy.vocabulary(kind).is_leaf(*index);
  };
  if (!leaf(VocabularyKind::kData, query.data))
    return unknown_id_decision("data category", query.data);
  if (!leaf(VocabularyKind::kPurpose, query.purpose))
    return unknown_id_decision("purpose", query.purpose);
  if (!leaf(VocabularyKind::kRecipient, query.recipient)) {
    return unknown_id_decision("recipient", query.recipient);
  }
  if (query.destination != "device" && !policy.regions.is_region(query.destination)) {
    return unknown_id_decision("destination region", query.destination);
  }
  if (!policy.regions.is_region(query.region)) return unknown_id_decision("region", query.region);
  // A consent or feature the policy does not know is a mistake, not "no consent".
  for (const auto& id : query.consents) {
    if (!leaf(VocabularyKind::kPurpose, id)) return unknown_id_decision("consented purpose", id);
  }
  for (const auto& id : query.features) {
    if (!leaf(VocabularyKind::kFeature, id)) return unknown_id_decision("feature", id);
  }
  if (policy.info.effective && query.as_of < *policy.info.effective) {
    return not_in_force_decision(policy.info);
  }
  std::vector<const Rule*> matched;
  for (const auto& rule : policy.rules) {
    if (rule_matches(rule, policy, query)) matched.push_back(&rule);
  }
  return combine(matched, query.consents.count(query.purpose) > 0);
}

}  // namespace flowgate
