// analyse_domains: variables, id tables and the class partitions of regions, dates and ages.
#include "compile/domains.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace flowgate {
namespace {

// What the rules' conditions and destination sets look at.
struct Uses {
  std::set<std::string> region_groups, destination_groups;
  std::set<std::string> region_literals, destination_literals;
  std::set<int32_t> date_points;
  std::set<int64_t> age_thresholds;
  bool gpc = false, ads_personalization = false, parental_consent = false,
       consent_for_purpose = false;
  std::set<std::string> consents, features;
  std::set<std::pair<Bit::Kind, std::string>> consent_string_bits;
  // subject.region compared with destination: no coarser partition than one class per region
  // decides that.
  bool places_compared = false;
};

QueryPath path_of(const Expr& e) {
  return e.kind == ExprKind::kPath ? e.path : QueryPath::kNone;
}

void collect(const Expr& e, Uses& uses) {
  auto literal = [&](QueryPath path, const std::string& region) {
    if (path == QueryPath::kSubjectRegion) uses.region_literals.insert(region);
    if (path == QueryPath::kDestination) uses.destination_literals.insert(region);
  };
  switch (e.kind) {
    case ExprKind::kInGroup:
      if (path_of(e.children[0]) == QueryPath::kSubjectRegion) uses.region_groups.insert(e.text);
      if (path_of(e.children[0]) == QueryPath::kDestination) uses.destination_groups.insert(e.text);
      break;
    case ExprKind::kInList:
      for (size_t i = 1; i < e.children.size(); ++i)
        literal(path_of(e.children[0]), e.children[i].text);
      break;
    case ExprKind::kCompare: {
      const Expr& a = e.children[0];
      const Expr& b = e.children[1];
      if (a.kind == ExprKind::kString) literal(path_of(b), a.text);
      if (b.kind == ExprKind::kString) literal(path_of(a), b.text);
      auto place = [](QueryPath p) {
        return p == QueryPath::kSubjectRegion || p == QueryPath::kDestination;
      };
      if (place(path_of(a)) && place(path_of(b)) && path_of(a) != path_of(b)) {
        uses.places_compared = true;
      }
      for (const Expr* side : {&a, &b}) {
        const Expr& other = side == &a ? b : a;
        if (path_of(*side) == QueryPath::kSubjectAge && other.kind == ExprKind::kInt) {
          // Every comparison with N is decided by whether age < N and whether age < N + 1.
          uses.age_thresholds.insert(other.number);
          uses.age_thresholds.insert(other.number + 1);
        }
        if (path_of(*side) == QueryPath::kAsOf && other.kind == ExprKind::kDate) {
          uses.date_points.insert(static_cast<int32_t>(other.number));
          uses.date_points.insert(static_cast<int32_t>(other.number + 1));
        }
      }
      break;
    }
    case ExprKind::kPath:
      if (e.path == QueryPath::kGpc) uses.gpc = true;
      if (e.path == QueryPath::kAdsPersonalization) uses.ads_personalization = true;
      if (e.path == QueryPath::kParentalConsent) uses.parental_consent = true;
      break;
    case ExprKind::kCall:
      if (e.text == "consent") uses.consents.insert(e.children[0].text);
      if (e.text == "feature") uses.features.insert(e.children[0].text);
      break;
    default:
      break;
  }
  if (auto bit = consent_string_bit(e)) uses.consent_string_bits.emplace(bit->kind, bit->id);
  for (const auto& child : e.children) collect(child, uses);
}

// Every group reachable through includes, since membership dates come from all of them.
void close_over_includes(const RegionCatalog& regions, std::set<std::string>& groups) {
  std::vector<std::string> work(groups.begin(), groups.end());
  while (!work.empty()) {
    const RegionGroup* g = regions.group(work.back());
    work.pop_back();
    if (!g) continue;
    for (const auto& [included, location] : g->include) {
      if (groups.insert(included).second) work.push_back(included);
    }
  }
}

// One class per distinct signature of a region, in the order of the regions' first appearance.
template <typename Signature>
void partition(const std::vector<std::string>& ids, Signature signature_of,
               std::vector<uint16_t>& class_of, PlaceClasses& places) {
  std::map<std::vector<bool>, uint16_t> classes;
  class_of.resize(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    std::vector<bool> signature = signature_of(ids[i]);
    auto [it, fresh] = classes.emplace(signature, static_cast<uint16_t>(classes.size()));
    if (fresh) places.signatures.push_back(std::move(signature));
    class_of[i] = it->second;
  }
}

size_t position(const std::vector<std::string>& sorted, const std::string& id, const char* what) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), id);
  if (it == sorted.end() || *it != id) {
    throw std::logic_error("the domain analysis did not collect the " + std::string(what) + " " +
                           id);
  }
  return static_cast<size_t>(it - sorted.begin());
}

}  // namespace

std::optional<Bit> consent_string_bit(const Expr& e) {
  if (e.kind == ExprKind::kPath) {
    switch (e.path) {
      case QueryPath::kTcfPresent:
        return Bit{Bit::Kind::kTcfPresent, {}};
      case QueryPath::kGppPresent:
        return Bit{Bit::Kind::kGppPresent, {}};
      case QueryPath::kGppOptOut:
        return Bit{Bit::Kind::kGppOptOut, std::string(runtime::kGppOptOutNames[e.number])};
      default:
        return std::nullopt;
    }
  }
  if (e.kind == ExprKind::kCall && e.text == "tcf.purpose_consent") {
    return Bit{Bit::Kind::kTcfPurposeConsent, std::to_string(e.children[0].number)};
  }
  if (e.kind == ExprKind::kCall && e.text == "tcf.purpose_legitimate_interest") {
    return Bit{Bit::Kind::kTcfPurposeLegitimateInterest, std::to_string(e.children[0].number)};
  }
  return std::nullopt;
}

uint32_t Domains::variable(VariableKind kind, uint32_t bit) const {
  for (uint32_t i = 0; i < shape.variables.size(); ++i) {
    if (shape.variables[i].kind == kind &&
        (kind != VariableKind::kBit || shape.variables[i].bit == bit)) {
      return i;
    }
  }
  return UINT32_MAX;
}

bool PlaceClasses::in_group(uint32_t place_class, const std::string& group,
                            uint32_t date_class) const {
  return signatures[place_class][position(groups, group, "group") * date_classes + date_class];
}

bool PlaceClasses::is(uint32_t place_class, const std::string& literal) const {
  return signatures[place_class]
                   [groups.size() * date_classes + position(literals, literal, "literal")];
}

std::vector<Boundaries> boundaries_by_rule(const Policy& policy) {
  std::vector<Boundaries> out(policy.rules.size());
  for (size_t r = 0; r < policy.rules.size(); ++r) {
    if (!policy.rules[r].when) continue;
    Uses uses;
    collect(policy.rules[r].when->root, uses);
    out[r] = {uses.age_thresholds.size(), uses.date_points.size(),
              uses.region_groups.size() + uses.destination_groups.size() +
                  uses.region_literals.size() + uses.destination_literals.size()};
  }
  return out;
}

Domains analyse_domains(const Policy& policy) {
  Domains d;
  CompiledPolicy& s = d.shape;
  s.policy_name = policy.info.name;
  s.policy_version = policy.info.version;
  auto leaf_ids = [&](VocabularyKind kind) {
    std::vector<std::string> out;
    const Vocabulary& v = policy.vocabulary(kind);
    for (auto i : v.leaves()) out.push_back(v.term(i).id);
    std::sort(out.begin(), out.end());
    return out;
  };
  s.data_ids = leaf_ids(VocabularyKind::kData);
  s.purpose_ids = leaf_ids(VocabularyKind::kPurpose);
  s.recipient_ids = leaf_ids(VocabularyKind::kRecipient);
  s.feature_ids = leaf_ids(VocabularyKind::kFeature);
  for (const auto& [id, name] : policy.regions.regions()) s.region_ids.push_back(id);

  Uses uses;
  for (const auto& rule : policy.rules) {
    if (rule.when) collect(rule.when->root, uses);
    // Consent for the flow's own purpose decides consent-only basis rows, and whether consent is
    // among the bases a decision reports.
    for (const auto& basis : rule.bases) uses.consent_for_purpose |= basis.id == "consent";
    if (rule.statute) {
      uses.date_points.insert(rule.statute->effective.days);
      if (rule.statute->until) uses.date_points.insert(rule.statute->until->days + 1);
    }
    for (const auto& place : rule.destination.ids) {
      if (policy.regions.group(place.id)) {
        uses.destination_groups.insert(place.id);
      } else {
        uses.destination_literals.insert(place.id);
      }
    }
  }

  // Dates: every day on which a tested group's membership changes, and every as_of comparison.
  std::set<std::string> dated = uses.region_groups;
  dated.insert(uses.destination_groups.begin(), uses.destination_groups.end());
  close_over_includes(policy.regions, dated);
  std::set<int32_t> points = uses.date_points;
  for (const auto& id : dated) {
    if (const RegionGroup* g = policy.regions.group(id)) {
      for (const auto& m : g->members) {
        points.insert(m.from.days);
        if (m.until) points.insert(m.until->days + 1);
      }
    }
  }
  if (policy.info.effective) {
    // Before the policy took effect every flow is denied alike (not_in_force_decision), so days
    // before it need no classes of their own.
    points.erase(points.begin(), points.lower_bound(policy.info.effective->days));
    points.insert(policy.info.effective->days);
  }
  s.date_breakpoints.assign(points.begin(), points.end());
  d.date_representative.push_back(Date{s.date_breakpoints.empty() ? 0 : s.date_breakpoints[0] - 1});
  for (int32_t day : s.date_breakpoints) d.date_representative.push_back(Date{day});

  // Ages: band 0 is unknown; ages are whole years from 0.
  for (int64_t t : uses.age_thresholds) {
    if (t >= 1 && t <= 200) s.age_thresholds.push_back(static_cast<int32_t>(t));
  }

  // Regions: by membership in each tested group on each date class, and by the literals.
  if (uses.places_compared) {
    uses.region_literals.insert(s.region_ids.begin(), s.region_ids.end());
    uses.destination_literals.insert(s.region_ids.begin(), s.region_ids.end());
  }
  auto places = [&](const std::set<std::string>& groups, const std::set<std::string>& literals) {
    return PlaceClasses{{groups.begin(), groups.end()},
                        {literals.begin(), literals.end()},
                        static_cast<uint32_t>(d.date_representative.size()),
                        {}};
  };
  d.regions = places(uses.region_groups, uses.region_literals);
  d.destinations = places(uses.destination_groups, uses.destination_literals);
  auto signature = [&](const PlaceClasses& tested, const std::string& place) {
    std::vector<bool> bits;
    for (const auto& g : tested.groups) {
      for (Date day : d.date_representative) bits.push_back(policy.regions.contains(g, place, day));
    }
    for (const auto& l : tested.literals) bits.push_back(place == l);
    return bits;
  };
  partition(
      s.region_ids, [&](const std::string& r) { return signature(d.regions, r); }, s.region_class,
      d.regions);
  partition(
      s.region_ids, [&](const std::string& r) { return signature(d.destinations, r); },
      s.destination_class, d.destinations);
  s.region_classes = static_cast<uint16_t>(d.regions.signatures.size());
  // The device is in no group and equals only "device": a class of its own, whatever regions share
  // its signature.
  s.device_destination_class = static_cast<uint16_t>(d.destinations.signatures.size());
  d.destinations.signatures.push_back(signature(d.destinations, "device"));
  s.destination_classes = static_cast<uint16_t>(d.destinations.signatures.size());

  if (uses.gpc) s.bits.push_back({Bit::Kind::kGpc, {}});
  if (uses.ads_personalization) s.bits.push_back({Bit::Kind::kAdsPersonalization, {}});
  if (uses.consent_for_purpose) s.bits.push_back({Bit::Kind::kConsentForPurpose, {}});
  for (const auto& id : uses.consents) s.bits.push_back({Bit::Kind::kConsent, id});
  for (const auto& id : uses.features) s.bits.push_back({Bit::Kind::kFeature, id});
  for (const auto& [kind, id] : uses.consent_string_bits) s.bits.push_back({kind, id});
  // Bits are in the order of their kinds (semantic diff aligns two policies' bits by it).
  if (uses.parental_consent) s.bits.push_back({Bit::Kind::kParentalConsent, {}});

  auto add = [&](VariableKind kind, size_t domain, uint32_t bit = 0) {
    s.variables.push_back({kind, bit, static_cast<uint32_t>(domain)});
  };
  add(VariableKind::kData, s.data_ids.size());
  add(VariableKind::kPurpose, s.purpose_ids.size());
  add(VariableKind::kAction, 2);
  add(VariableKind::kRecipient, s.recipient_ids.size());
  add(VariableKind::kDestination, s.destination_classes);
  add(VariableKind::kDate, d.date_representative.size());
  add(VariableKind::kRegion, s.region_classes);
  add(VariableKind::kAge, s.age_thresholds.size() + 2);
  for (uint32_t b = 0; b < s.bits.size(); ++b) add(VariableKind::kBit, 2, b);
  return d;
}

}  // namespace flowgate
