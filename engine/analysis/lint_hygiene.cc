// find_hygiene: the policy's housekeeping —
//   unused-term        a vocabulary term no rule, rights or retention entry or inventory item
//                      uses (a group counts as used when a term under or over it is);
//   missing-quote      a rule, rights or retention entry without the sentence it encodes;
//   unsourced-fact     a legal fact without a source (the loader requires most);
//   unverified-fact    a jurisdiction whose notes or sources say something was not verified;
//   unused-fact        a recorded legal fact no rule or rights question reads: an amendment no
//                      statute rule encodes, a region group no condition or destination tests
//                      (derived groups included, so the facts they come from count too).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "analysis/lint_passes.h"

namespace flowgate::lint {
namespace {

using Uses = std::array<std::set<std::string>, kVocabularyKinds>;

void use(Uses& uses, VocabularyKind kind, const std::string& id) {
  uses[static_cast<size_t>(kind)].insert(id);
}
void use(Uses& uses, VocabularyKind kind, const IdSet& set) {
  for (const auto& id : set.ids) use(uses, kind, id.id);
}
void use_condition(Uses& uses, const Expr& e) {
  if (e.kind == ExprKind::kCall && !e.children.empty()) {
    if (e.text == "consent") use(uses, VocabularyKind::kPurpose, e.children[0].text);
    if (e.text == "feature") use(uses, VocabularyKind::kFeature, e.children[0].text);
  }
  for (const auto& child : e.children) use_condition(uses, child);
}

Uses collect_uses(const Policy& policy) {
  Uses uses;
  for (const Rule& r : policy.rules) {
    use(uses, VocabularyKind::kData, r.data);
    use(uses, VocabularyKind::kPurpose, r.purpose);
    use(uses, VocabularyKind::kRecipient, r.recipient);
    for (const auto& o : r.obligations) use(uses, VocabularyKind::kObligation, o.id);
    for (const auto& b : r.bases) use(uses, VocabularyKind::kLegalBasis, b.id);
    if (r.when) use_condition(uses, r.when->root);
  }
  for (const RetentionEntry& e : policy.retention) {
    use(uses, VocabularyKind::kData, e.data);
    use(uses, VocabularyKind::kEvent, e.event.id);
    for (const auto& x : e.except_when) use(uses, VocabularyKind::kEvent, x.id);
  }
  for (const RightsEntry& e : policy.rights) {
    use(uses, VocabularyKind::kRight, e.right.id);
    if (e.when) use_condition(uses, e.when->root);
  }
  for (const InventoryItem& item : policy.inventory) {
    use(uses, VocabularyKind::kData, item.data.id);
    for (const auto& f : item.flows) {
      use(uses, VocabularyKind::kPurpose, f.purpose.id);
      use(uses, VocabularyKind::kRecipient, f.recipient.id);
    }
  }
  // A right the law grants is used: `flowgate rights` answers it even where the policy is silent.
  for (const Jurisdiction& j : policy.jurisdictions) {
    for (const auto& fact : j.rights) use(uses, VocabularyKind::kRight, fact.right.id);
  }
  return uses;
}

bool mentions_unverified(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* phrase : {"not verified", "not be verified", "not re-verified", "unverified"}) {
    if (lower.find(phrase) != std::string::npos) return true;
  }
  return false;
}

Finding plain(std::string code, Severity severity, std::string subject, SourceLocation location) {
  Finding f;
  f.code = std::move(code);
  f.kind = FindingKind::kHygiene;
  f.severity = severity;
  f.subject = std::move(subject);
  f.location = std::move(location);
  return f;
}

void groups_tested(const Expr& e, std::set<std::string>& out) {
  if (e.kind == ExprKind::kInGroup) out.insert(e.text);
  for (const auto& child : e.children) groups_tested(child, out);
}

// The region groups rules and rights entries read, with every group those include.
std::set<std::string> groups_read(const Policy& policy) {
  std::set<std::string> read;
  for (const Rule& r : policy.rules) {
    if (r.when) groups_tested(r.when->root, read);
    for (const auto& place : r.destination.ids) {
      if (policy.regions.group(place.id)) read.insert(place.id);
    }
  }
  for (const auto& e : policy.rights) {
    if (e.when) groups_tested(e.when->root, read);
  }
  for (std::vector<std::string> pending(read.begin(), read.end()); !pending.empty();) {
    std::string id = pending.back();
    pending.pop_back();
    if (const RegionGroup* g = policy.regions.group(id)) {
      for (const auto& [included, location] : g->include) {
        if (read.insert(included).second) pending.push_back(included);
      }
    }
  }
  return read;
}

// "HB 2008 (2025)" → "HB 2008": what a statute rule names when it encodes the amendment.
std::string bill_of(const std::string& title) {
  return title.substr(0, title.find(" ("));
}

void find_unused_facts(const Policy& policy, std::vector<Finding>& out) {
  const std::set<std::string> read = groups_read(policy);
  for (const auto& [id, group] : policy.regions.groups()) {
    if (read.count(id)) continue;
    Finding f = plain("unused-fact", Severity::kNote, id, group.location);
    f.message =
        fmt::format("region group {} ({}) is recorded, but no rule or rights entry tests it", id,
                    group.description);
    f.help = group.derived
                 ? "the facts it is derived from decide nothing: encode what they require as a "
                   "statute rule under jurisdictions/, or say in the file why they do not apply"
                 : "test it in the rule that needs it, or remove it";
    f.fingerprint = "unused-fact:group:" + id;
    out.push_back(std::move(f));
  }
  for (const Jurisdiction& j : policy.jurisdictions) {
    for (const Amendment& a : j.amendments) {
      const std::string bill = bill_of(a.title);
      auto names = [&](const std::string& text) { return text.find(bill) != std::string::npos; };
      bool encoded = std::any_of(policy.rules.begin(), policy.rules.end(), [&](const Rule& r) {
        return r.statute && (names(r.statute->section) || names(r.statute->law));
      });
      // A rights, response or opt-out fact that cites the amendment reads it too.
      for (const auto& fact : j.rights) encoded |= names(fact.source);
      for (const auto& fact : j.response) encoded |= names(fact.source);
      for (const auto& fact : j.universal_opt_out) encoded |= names(fact.source);
      if (encoded) continue;
      Finding f = plain("unused-fact", Severity::kNote, j.id, a.location);
      f.message = fmt::format(
          "the amendment {} of {} ({}) is recorded, but no statute rule or fact names it: {}",
          a.title, j.id, format_date(a.effective), a.summary);
      f.help = fmt::format(
          "if it changes what the app may do, encode it as a statute rule under jurisdictions/ "
          "whose statute names '{}'; if not, this note is the record that it was reviewed",
          bill);
      f.fingerprint = fmt::format("unused-fact:amendment:{}:{}", j.id, bill);
      out.push_back(std::move(f));
    }
  }
}

}  // namespace

void find_hygiene(const LintContext& context, std::vector<Finding>& out) {
  const Policy& policy = context.policy;
  Uses uses = collect_uses(policy);
  for (size_t k = 0; k < kVocabularyKinds; ++k) {
    const Vocabulary& v = policy.vocabularies[k];
    std::vector<Vocabulary::Index> used;
    for (const auto& id : uses[k]) {
      if (auto i = v.find(id)) used.push_back(*i);
    }
    for (Vocabulary::Index t = 0; t < v.size(); ++t) {
      bool is_used = std::any_of(used.begin(), used.end(), [&](Vocabulary::Index u) {
        return v.is_under(t, u) || v.is_under(u, t);
      });
      if (is_used) continue;
      const Term& term = v.term(t);
      Finding f = plain("unused-term", Severity::kNote, term.id, term.location);
      f.citations = sections_of(term.citations);
      f.message = fmt::format(
          "{} term '{}' is defined but no rule, rights or retention entry or inventory item uses "
          "it",
          vocabulary_name(v.kind()), term.id);
      f.help = "remove it, or encode the statement of the policy that needs it";
      f.fingerprint = fmt::format("unused-term:{}:{}", vocabulary_name(v.kind()), term.id);
      out.push_back(std::move(f));
    }
  }
  auto quote_missing = [&](const std::string& what, const std::string& id,
                           const SourceLocation& location, const std::vector<Citation>& citations,
                           const std::string& quote) {
    if (!quote.empty()) return;
    Finding f = plain("missing-quote", Severity::kWarning, id, location);
    f.citations = sections_of(citations);
    f.message = fmt::format("{} '{}' quotes no sentence of the policy", what, id);
    f.help = "add the sentence it encodes as `quote`, copied from the policy text";
    f.fingerprint = "missing-quote:" + id;
    out.push_back(std::move(f));
  };
  for (const Rule& r : policy.rules) quote_missing("rule", r.id, r.location, r.citations, r.quote);
  for (const auto& e : policy.rights) {
    quote_missing("rights entry", e.id, e.location, e.citations, e.quote);
  }
  for (const auto& e : policy.retention) {
    quote_missing("retention entry", e.id, e.location, e.citations, e.quote);
  }
  for (const Jurisdiction& j : policy.jurisdictions) {
    auto unsourced = [&](const std::string& what, const std::string& source,
                         const SourceLocation& location) {
      if (!source.empty()) return;
      Finding f = plain("unsourced-fact", Severity::kWarning, j.id, location);
      f.message = fmt::format("{} of {} has no source", what, j.id);
      f.help = "add the statute section or article, with a URL where one exists";
      f.fingerprint = fmt::format("unsourced-fact:{}:{}", j.id, what);
      out.push_back(std::move(f));
    };
    unsourced("the law", j.law.source, j.law.location);
    for (const auto& fact : j.rights)
      unsourced("right " + fact.right.id, fact.source, fact.location);
    for (const auto& fact : j.response)
      unsourced("the response period", fact.source, fact.location);
    for (const auto& fact : j.universal_opt_out) {
      unsourced("the universal opt-out duty", fact.source, fact.location);
    }
    if (mentions_unverified(j.notes)) {
      Finding f = plain("unverified-fact", Severity::kNote, j.id, j.location);
      f.message = fmt::format(
          "the notes of {} ({}) say some of its facts were not verified against the official "
          "text",
          j.id, j.name);
      f.quote = j.notes;
      f.help = "verify them against the official code and update the notes before release";
      f.fingerprint = "unverified-fact:" + j.id;
      out.push_back(std::move(f));
    }
  }
  find_unused_facts(policy, out);
  for (const auto& age : policy.digital_consent_ages) {
    if (!age.source.empty()) continue;
    Finding f = plain("unsourced-fact", Severity::kWarning, age.region.id, age.location);
    f.message = fmt::format("the digital consent age of {} has no source", age.region.id);
    f.fingerprint = "unsourced-fact:digital-consent-age:" + age.region.id;
    out.push_back(std::move(f));
  }
}

}  // namespace flowgate::lint
