// find_contradictions: allow and deny rules that match the same flows. Which pairs meet is the
// compiler's (RuleAnalysis: their predicates hold together somewhere), so conditions, dates and
// region classes are taken into account exactly; the flows they share are the intersection of their
// match blocks (a product of leaf sets, i.e. one cube) under both conditions. Kinds follow
// PolicyLint (Andow et al., USENIX Security 2019), with the recipient as its entity and the data as
// its data object: C1–C5 logical contradictions, N1–N4 narrowing definitions.
#include <fmt/format.h>

#include <map>

#include "analysis/lint_passes.h"

namespace flowgate::lint {
namespace {

enum class Relation { kEqual, kNarrower, kBroader, kPartial };

// How the allow's leaf set relates to the deny's.
Relation relate(const std::vector<std::string>& allow, const std::vector<std::string>& deny) {
  size_t common = intersect(allow, deny).size();
  if (common == allow.size() && common == deny.size()) return Relation::kEqual;
  if (common == allow.size()) return Relation::kNarrower;
  if (common == deny.size()) return Relation::kBroader;
  return Relation::kPartial;
}

struct Kind {
  const char* code;
  const char* meaning;
};

Kind taxonomy(Relation recipients, Relation data) {
  using R = Relation;
  if (recipients == R::kPartial || data == R::kPartial) {
    return {"P", "partial overlap of recipients or data (outside PolicyLint's C1-C5/N1-N4)"};
  }
  static const std::map<std::pair<R, R>, Kind> kinds = {
      {{R::kEqual, R::kEqual}, {"C1", "same recipients, same data"}},
      {{R::kEqual, R::kNarrower}, {"C2", "same recipients; the deny covers more data"}},
      {{R::kNarrower, R::kEqual}, {"C3", "the deny covers more recipients; same data"}},
      {{R::kNarrower, R::kNarrower}, {"C4", "the deny covers more recipients and more data"}},
      {{R::kBroader, R::kNarrower}, {"C5", "the allow covers more recipients, the deny more data"}},
      {{R::kEqual, R::kBroader},
       {"N1", "same recipients; the allow covers more data, which the deny narrows"}},
      {{R::kNarrower, R::kBroader},
       {"N2", "the deny covers more recipients, the allow more data, which the deny narrows"}},
      {{R::kBroader, R::kEqual},
       {"N3", "the allow covers more recipients, which the deny narrows; same data"}},
      {{R::kBroader, R::kBroader},
       {"N4", "the allow covers more recipients and more data, which the deny narrows"}},
  };
  return kinds.at({recipients, data});
}

// Whether a condition reads what a user or a device decides per flow (signals, age, the
// destination): a deny under such a condition narrows allows for some flows by design.
bool reads_flow_context(const Expr& e) {
  if (e.kind == ExprKind::kPath &&
      (e.path == QueryPath::kSubjectAge || e.path == QueryPath::kDestination ||
       e.path == QueryPath::kGpc || e.path == QueryPath::kAdsPersonalization ||
       e.path == QueryPath::kTcfPresent || e.path == QueryPath::kGppPresent ||
       e.path == QueryPath::kGppOptOut || e.path == QueryPath::kParentalConsent)) {
    return true;
  }
  if (e.kind == ExprKind::kCall) return true;  // consent(), feature(), known(subject.age)
  for (const auto& child : e.children) {
    if (reads_flow_context(child)) return true;
  }
  return false;
}

std::string action_text(Action a, Action b) {
  if (a == Action::kAny) return b == Action::kAny ? "collect or transmit" : action_name(b);
  return action_name(a);
}

std::string destination_text(const Rule& a, const Rule& b) {
  std::vector<std::string> parts;
  for (const Rule* r : {&a, &b}) {
    if (r->destination.any) continue;
    std::vector<std::string> ids;
    for (const auto& id : r->destination.ids) ids.push_back(id.id);
    parts.push_back("to " + fmt::to_string(fmt::join(ids, "/")));
  }
  return parts.empty() ? "" : " " + fmt::to_string(fmt::join(parts, " and "));
}

std::string context_text(const Rule& a, const Rule& b) {
  std::vector<std::string> conditions;
  for (const Rule* r : {&a, &b}) {
    if (r->when) conditions.push_back(r->when->text);
  }
  if (conditions.empty()) return "subjects in any region";
  return "where " + fmt::to_string(fmt::join(conditions, " and "));
}

// An allow that would have let an item leave the device without the condition it is collected
// under, had the model not carried that condition along (model/travel.h).
Finding condition_escape(const LintContext& context, const Rule& allow, const Rule& derived) {
  const Policy& policy = context.policy;
  Finding f =
      rule_finding(allow, "condition-escape", FindingKind::kContradiction, Severity::kWarning);
  std::vector<std::string> sources;
  for (const auto& id : derived.derived_from) {
    for (const Rule& rule : policy.rules) {
      if (rule.id != id) continue;
      sources.push_back(fmt::format("{} (only when {})", rule_label(rule), rule.when->text));
      f.related.push_back(related_rule(rule, "collected only under a condition"));
    }
  }
  f.flows.push_back(shared_cube(context, allow, derived));
  f.message = fmt::format(
      "{} allows sending data the policy collects only under a condition: {}; without it the "
      "data would leave the device where it may not even be collected, so {} denies those flows",
      rule_label(allow), fmt::join(sources, ", "), derived.id);
  f.help =
      "give the allow the collection's condition (or narrow its data), or record in "
      "lint-baseline.yaml that the derived deny is the intended reading";
  f.fingerprint =
      fmt::format("condition-escape:{}:{}", allow.id, fmt::join(derived.derived_from, "+"));
  return f;
}

// A statute that narrows what the policy's rules allow, for the subjects it protects: the policy's
// words alone would let these flows through.
Finding law_narrows_policy(const LintContext& context, const Rule& statute,
                           const std::vector<uint16_t>& allows) {
  const Policy& policy = context.policy;
  Finding f =
      rule_finding(statute, "law-narrows-policy", FindingKind::kContradiction, Severity::kNote);
  std::vector<std::string> ids;
  for (uint16_t ai : allows) {
    const Rule& allow = policy.rules[ai];
    ids.push_back(allow.id);
    f.flows.push_back(
        fmt::format("{}: allow by {}", shared_cube(context, allow, statute), rule_label(allow)));
    f.related.push_back(related_rule(allow, "narrowed allow"));
  }
  f.message =
      fmt::format("{} ({}) forbids what {} allow{} of the policy allow{}{}: {}; the law wins there",
                  statute.id, statute.statute->section, allows.size(),
                  allows.size() == 1 ? "" : "s", allows.size() == 1 ? "s" : "",
                  statute.when ? fmt::format(" where {}", statute.when->text) : std::string(),
                  abbreviate(ids, 4));
  f.help =
      "the policy promises more than the law permits for these subjects: say so in the policy "
      "text, or narrow the allows; the decision already follows the law";
  f.fingerprint = fmt::format("law-narrows-policy:{}", statute.id);
  return f;
}

}  // namespace

// The flows two rules share, as one cube.
std::string shared_cube(const LintContext& context, const Rule& a, const Rule& b) {
  auto both = [&](VocabularyKind kind) {
    return context.compact(kind, intersect(context.covered(a, kind), context.covered(b, kind)));
  };
  const std::string& purpose = both(VocabularyKind::kPurpose);
  return fmt::format("{} → {} for {}, {}{}, {}", both(VocabularyKind::kData),
                     both(VocabularyKind::kRecipient), purpose == "any" ? "any purpose" : purpose,
                     action_text(a.action, b.action), destination_text(a, b), context_text(a, b));
}

void find_contradictions(const LintContext& context, std::vector<Finding>& out) {
  const Policy& policy = context.policy;
  std::map<uint16_t, std::vector<uint16_t>> narrowed;  // deny → allows it narrows per flow
  for (const auto& [ai, di] : context.analysis->allows_meeting()) {
    const Rule& allow = policy.rules[ai];
    const Rule& deny = policy.rules[di];
    if (deny.effect != Effect::kDeny) continue;  // a require_basis rule: a gap, not a conflict
    if (!deny.derived_from.empty()) {
      out.push_back(condition_escape(context, allow, deny));
      continue;
    }
    if (deny.statute || (deny.when && reads_flow_context(deny.when->root))) {
      narrowed[di].push_back(ai);
      continue;
    }
    Kind kind = taxonomy(relate(context.covered(allow, VocabularyKind::kRecipient),
                                context.covered(deny, VocabularyKind::kRecipient)),
                         relate(context.covered(allow, VocabularyKind::kData),
                                context.covered(deny, VocabularyKind::kData)));
    Finding f =
        rule_finding(allow, "contradiction", FindingKind::kContradiction, Severity::kWarning);
    std::string cube = shared_cube(context, allow, deny);
    f.taxonomy = kind.code;
    f.flows.push_back(cube);
    f.message = fmt::format("{}: allow by {} vs deny by {}; deny wins ({}: {})", cube,
                            rule_label(allow), rule_label(deny), kind.code, kind.meaning);
    f.help =
        "both statements are in force; if the deny is meant to win, record why in "
        "lint-baseline.yaml, else narrow one rule's match so they no longer overlap";
    f.related.push_back(related_rule(deny, "deny"));
    f.fingerprint = fmt::format("contradiction:{}:{}", allow.id, deny.id);
    out.push_back(std::move(f));
  }
  for (const auto& [di, allows] : narrowed) {
    const Rule& deny = policy.rules[di];
    if (deny.statute) {
      out.push_back(law_narrows_policy(context, deny, allows));
      continue;
    }
    Finding f = rule_finding(deny, "narrowing", FindingKind::kContradiction, Severity::kNote);
    std::vector<std::string> ids;
    for (uint16_t ai : allows) {
      const Rule& allow = policy.rules[ai];
      ids.push_back(allow.id);
      f.flows.push_back(
          fmt::format("{}: allow by {}", shared_cube(context, allow, deny), rule_label(allow)));
      f.related.push_back(related_rule(allow, "narrowed allow"));
    }
    f.message = fmt::format(
        "deny {} narrows {} allow{} for the flows where {}: {}; deny wins there", rule_label(deny),
        allows.size(), allows.size() == 1 ? "" : "s", deny.when->text, abbreviate(ids, 4));
    f.help =
        "a deny on a signal, an age or a destination refines the allows by design; check that "
        "each narrowed allow is meant to yield";
    f.fingerprint = fmt::format("narrowing:{}", deny.id);
    out.push_back(std::move(f));
  }
}

}  // namespace flowgate::lint
