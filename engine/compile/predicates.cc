// Predicates: conditions and match blocks compiled into diagrams over the variables' classes.
#include "compile/predicates.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace flowgate {
namespace {

bool holds(CompareOp op, int64_t x, int64_t y) {
  switch (op) {
    case CompareOp::kLt:
      return x < y;
    case CompareOp::kLe:
      return x <= y;
    case CompareOp::kGt:
      return x > y;
    case CompareOp::kGe:
      return x >= y;
    case CompareOp::kEq:
      return x == y;
    case CompareOp::kNe:
      return x != y;
  }
  return false;
}

// `x op y` is `y mirrored(op) x`: a literal on the left is moved to the right.
CompareOp mirrored(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return CompareOp::kGt;
    case CompareOp::kLe:
      return CompareOp::kGe;
    case CompareOp::kGt:
      return CompareOp::kLt;
    case CompareOp::kGe:
      return CompareOp::kLe;
    default:
      return op;
  }
}

// Whether `x op x` holds for a known value x.
bool reflexive(CompareOp op) {
  return op == CompareOp::kLe || op == CompareOp::kGe || op == CompareOp::kEq;
}

bool is_path(const Expr& e, QueryPath path) {
  return e.kind == ExprKind::kPath && e.path == path;
}

bool is_place(const Expr& e) {
  return is_path(e, QueryPath::kSubjectRegion) || is_path(e, QueryPath::kDestination);
}

[[noreturn]] void unchecked(const Expr& e) {
  throw std::logic_error("the compiler needs a checked condition; got '" + to_string(e) + "'");
}

// Per class, the one literal the class equals, or "" (for a class equal to none of them).
std::vector<std::string> sole_literals(const PlaceClasses& places) {
  std::vector<std::string> out(places.signatures.size());
  for (uint32_t c = 0; c < out.size(); ++c) {
    for (const auto& literal : places.literals) {
      if (places.is(c, literal)) out[c] = literal;
    }
  }
  return out;
}

}  // namespace

std::vector<uint32_t> builder_domains(const Domains& domains) {
  std::vector<uint32_t> out;
  for (const auto& v : domains.shape.variables) out.push_back(v.domain);
  return out;
}

Predicates::Ref Predicates::both(Ref a, Ref b) {
  return builder_.apply(
      a, b, [](uint32_t x, uint32_t y) { return x & y; }, kTrue);
}

Predicates::Ref Predicates::either(Ref a, Ref b) {
  return builder_.apply(
      a, b, [](uint32_t x, uint32_t y) { return x | y; }, kFalse);
}

Predicates::Ref Predicates::negation(Ref a) {
  return builder_.map_leaves(a, [](uint32_t x) { return x ^ 1u; });
}

Predicates::Ref Predicates::over(VariableKind kind, const std::function<bool(uint32_t)>& holds) {
  const uint32_t variable = d_.variable(kind);
  return builder_.tabulate({variable}, [&](const std::vector<uint32_t>& values) {
    return holds(values[variable]) ? kTrue : kFalse;
  });
}

Predicates::Ref Predicates::over_place_and_date(
    QueryPath place, const std::function<bool(uint32_t, uint32_t)>& holds) {
  const uint32_t p = d_.variable(place == QueryPath::kSubjectRegion ? VariableKind::kRegion
                                                                    : VariableKind::kDestination);
  const uint32_t date = d_.variable(VariableKind::kDate);
  std::vector<uint32_t> variables = {std::min(p, date), std::max(p, date)};
  return builder_.tabulate(variables, [&](const std::vector<uint32_t>& values) {
    return holds(values[p], values[date]) ? kTrue : kFalse;
  });
}

Predicates::Ref Predicates::bit(Bit::Kind kind, const std::string& id) {
  const auto& bits = d_.shape.bits;
  for (uint32_t b = 0; b < bits.size(); ++b) {
    if (bits[b].kind == kind && bits[b].id == id) {
      const uint32_t variable = d_.variable(VariableKind::kBit, b);
      return builder_.tabulate({variable}, [&](const std::vector<uint32_t>& values) {
        return values[variable] == 1 ? kTrue : kFalse;
      });
    }
  }
  throw std::logic_error("the domain analysis did not collect the bit " + id);
}

const PlaceClasses& Predicates::places(QueryPath path) const {
  return path == QueryPath::kSubjectRegion ? d_.regions : d_.destinations;
}

Predicates::Ref Predicates::id_set(const IdSet& set, VariableKind kind, VocabularyKind vocabulary,
                                   const std::vector<std::string>& ids) {
  if (set.any) return DiagramBuilder::leaf(kTrue);
  const Vocabulary& v = policy_.vocabulary(vocabulary);
  std::set<std::string> covered;
  for (const auto& ref : set.ids) {
    if (auto term = v.find(ref.id)) {
      for (auto leaf : v.leaves_under(*term)) covered.insert(v.term(leaf).id);
    }
  }
  return over(kind, [&](uint32_t value) { return covered.count(ids[value]) > 0; });
}

Predicates::Ref Predicates::condition(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kOr:
    case ExprKind::kAnd: {
      Ref acc = condition(e.children[0]);
      for (size_t i = 1; i < e.children.size(); ++i) {
        Ref next = condition(e.children[i]);
        acc = e.kind == ExprKind::kAnd ? both(acc, next) : either(acc, next);
      }
      return acc;
    }
    case ExprKind::kNot:
      return negation(condition(e.children[0]));
    case ExprKind::kCompare:
      return compare(e);
    case ExprKind::kInGroup: {
      if (!is_place(e.children[0])) unchecked(e);
      const PlaceClasses& tested = places(e.children[0].path);
      return over_place_and_date(e.children[0].path, [&](uint32_t place, uint32_t date) {
        return tested.in_group(place, e.text, date);
      });
    }
    case ExprKind::kInList: {
      if (!is_place(e.children[0])) unchecked(e);
      const PlaceClasses& tested = places(e.children[0].path);
      return over(e.children[0].path == QueryPath::kSubjectRegion ? VariableKind::kRegion
                                                                  : VariableKind::kDestination,
                  [&](uint32_t place) {
                    return std::any_of(
                        e.children.begin() + 1, e.children.end(),
                        [&](const Expr& listed) { return tested.is(place, listed.text); });
                  });
    }
    case ExprKind::kBool:
      return DiagramBuilder::leaf(e.number != 0 ? kTrue : kFalse);
    case ExprKind::kCall:
      if (e.text == "consent") return bit(Bit::Kind::kConsent, e.children[0].text);
      if (e.text == "feature") return bit(Bit::Kind::kFeature, e.children[0].text);
      if (e.text == "known")
        return over(VariableKind::kAge, [](uint32_t band) { return band != 0; });
      if (auto tested = consent_string_bit(e)) return bit(tested->kind, tested->id);
      unchecked(e);
    case ExprKind::kPath:
      if (e.path == QueryPath::kGpc) return bit(Bit::Kind::kGpc);
      if (e.path == QueryPath::kAdsPersonalization) return bit(Bit::Kind::kAdsPersonalization);
      if (e.path == QueryPath::kParentalConsent) return bit(Bit::Kind::kParentalConsent);
      if (auto tested = consent_string_bit(e)) return bit(tested->kind, tested->id);
      unchecked(e);  // a region, age or date where a truth value belongs
    case ExprKind::kInt:
    case ExprKind::kDate:
    case ExprKind::kString:
      unchecked(e);
  }
  unchecked(e);
}

Predicates::Ref Predicates::compare(const Expr& e) {
  const Expr& a = e.children[0];
  const Expr& b = e.children[1];
  switch (a.type) {
    case ValueType::kBool: {
      if (e.op != CompareOp::kEq && e.op != CompareOp::kNe) unchecked(e);
      const uint32_t differ = e.op == CompareOp::kNe ? 1 : 0;
      return builder_.apply(condition(a), condition(b), [&](uint32_t x, uint32_t y) {
        return (x ^ y) == differ ? kTrue : kFalse;
      });
    }
    case ValueType::kInt:
      return compare_ages(e.op, a, b);
    case ValueType::kDate:
      return compare_dates(e.op, a, b);
    case ValueType::kRegion:
    case ValueType::kString:
      return compare_places(e.op, a, b);
    case ValueType::kUnknown:
      break;
  }
  unchecked(e);
}

// Ages: band 0 is unknown, which satisfies no comparison; band b >= 1 holds the ages from
// age_thresholds[b - 2] (0 for band 1) up to the next threshold. Every age the rules compare with
// is a threshold, and so is the age after it, so a comparison is the same on every age of a band
// and its least age decides it.
Predicates::Ref Predicates::compare_ages(CompareOp op, const Expr& a, const Expr& b) {
  const bool age_a = is_path(a, QueryPath::kSubjectAge);
  const bool age_b = is_path(b, QueryPath::kSubjectAge);
  if (!age_a && a.kind != ExprKind::kInt) unchecked(a);
  if (!age_b && b.kind != ExprKind::kInt) unchecked(b);
  if (!age_a && !age_b) return DiagramBuilder::leaf(holds(op, a.number, b.number) ? kTrue : kFalse);
  if (age_a && age_b) {
    return over(VariableKind::kAge, [&](uint32_t band) { return band != 0 && reflexive(op); });
  }
  if (!age_a) return compare_ages(mirrored(op), b, a);
#ifdef FLOWGATE_INJECT_COMPILER_FAULT_AGE_OFF_BY_ONE
  // The deliberate fault of the mutation test compiler_catches_fault: `<` read as `<=`.
  if (op == CompareOp::kLt) op = CompareOp::kLe;
#endif
  const std::vector<int32_t>& thresholds = d_.shape.age_thresholds;
  return over(VariableKind::kAge, [&](uint32_t band) {
    if (band == 0) return false;
    const int64_t least = band == 1 ? 0 : thresholds[band - 2];
    return holds(op, least, b.number);
  });
}

// Dates: every date an `as_of` comparison names is a breakpoint, and so is the day after it, so
// the comparison is the same on every day of a date class as on the day that stands for it.
Predicates::Ref Predicates::compare_dates(CompareOp op, const Expr& a, const Expr& b) {
  const bool day_a = is_path(a, QueryPath::kAsOf);
  const bool day_b = is_path(b, QueryPath::kAsOf);
  if (!day_a && a.kind != ExprKind::kDate) unchecked(a);
  if (!day_b && b.kind != ExprKind::kDate) unchecked(b);
  if (!day_a && !day_b) return DiagramBuilder::leaf(holds(op, a.number, b.number) ? kTrue : kFalse);
  if (day_a && day_b) return DiagramBuilder::leaf(reflexive(op) ? kTrue : kFalse);
  if (!day_a) return compare_dates(mirrored(op), b, a);
  return over(VariableKind::kDate, [&](uint32_t date) {
    return holds(op, d_.date_representative[date].days, b.number);
  });
}

// Places: equality with a literal is a bit of the class signature; the subject's region and the
// destination are equal when their classes are the same region (the domain analysis then gives
// every region a class of its own on both sides).
Predicates::Ref Predicates::compare_places(CompareOp op, const Expr& a, const Expr& b) {
  if (op != CompareOp::kEq && op != CompareOp::kNe) unchecked(a);
  Ref equal;
  if (is_place(a) && is_place(b)) {
    if (a.path == b.path) {
      equal = DiagramBuilder::leaf(kTrue);
    } else {
      const std::vector<std::string> region = sole_literals(d_.regions);
      const std::vector<std::string> destination = sole_literals(d_.destinations);
      const uint32_t r = d_.variable(VariableKind::kRegion);
      const uint32_t dst = d_.variable(VariableKind::kDestination);
      equal = builder_.tabulate(
          {std::min(r, dst), std::max(r, dst)}, [&](const std::vector<uint32_t>& values) {
            const std::string& here = region[values[r]];
            return !here.empty() && here == destination[values[dst]] ? kTrue : kFalse;
          });
    }
  } else if (is_place(a) && b.kind == ExprKind::kString) {
    const PlaceClasses& tested = places(a.path);
    equal = over(
        a.path == QueryPath::kSubjectRegion ? VariableKind::kRegion : VariableKind::kDestination,
        [&](uint32_t place) { return tested.is(place, b.text); });
  } else if (is_place(b) && a.kind == ExprKind::kString) {
    return compare_places(op, b, a);
  } else {
    unchecked(a);
  }
  return op == CompareOp::kEq ? equal : negation(equal);
}

Predicates::Ref Predicates::rule(const Rule& rule) {
  const CompiledPolicy& s = d_.shape;
  Ref p = id_set(rule.data, VariableKind::kData, VocabularyKind::kData, s.data_ids);
  p = both(p,
           id_set(rule.purpose, VariableKind::kPurpose, VocabularyKind::kPurpose, s.purpose_ids));
  if (rule.action != Action::kAny) {
    p = both(p, over(VariableKind::kAction, [&](uint32_t action) {
               return (action == 0 ? Action::kCollect : Action::kTransmit) == rule.action;
             }));
  }
  p = both(p, id_set(rule.recipient, VariableKind::kRecipient, VocabularyKind::kRecipient,
                     s.recipient_ids));
  if (!rule.destination.any) {
    p = both(p, over_place_and_date(QueryPath::kDestination, [&](uint32_t place, uint32_t date) {
               return std::any_of(rule.destination.ids.begin(), rule.destination.ids.end(),
                                  [&](const IdRef& ref) {
                                    return policy_.regions.group(ref.id)
                                               ? d_.destinations.in_group(place, ref.id, date)
                                               : d_.destinations.is(place, ref.id);
                                  });
             }));
  }
  if (rule.statute) {  // the law speaks from its effective date (a class boundary)
    p = both(p, over(VariableKind::kDate,
                     [&](uint32_t date) { return rule.in_force(d_.date_representative[date]); }));
  }
  if (rule.when) {
    // Rules often share a condition (one per region, copied across apps): compiled once each.
    auto known = conditions_.find(rule.when->text);
    if (known == conditions_.end())
      known = conditions_.emplace(rule.when->text, condition(rule.when->root)).first;
    p = both(p, known->second);
  }
  // A basis row whose only basis is consent holds only with consent for the flow's purpose.
  if (rule.effect == Effect::kBasis && rule.bases.size() == 1 && rule.bases[0].id == "consent") {
    p = both(p, bit(Bit::Kind::kConsentForPurpose));
  }
  return p;
}

}  // namespace flowgate
