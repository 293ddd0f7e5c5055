// check_policy: the check stage's entry point. Everything `flowgate check` reports beyond what the
// loader found: unknown and misplaced references, duplicate ids, condition types, citations of
// sections that do not exist, quotes that are not in the policy text, the public vocabulary ids
// (docs/design.md, "The public contract"), and jurisdiction facts that contradict themselves in
// time.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "check/condition_check.h"
#include "check/policy_text.h"
#include "flowgate/toolchain.h"
#include "load/fields.h"
#include "model/policy.h"
#include "model/travel.h"
#include "runtime/bundle_format.h"

namespace flowgate {
namespace {

// The public contract (docs/design.md, "Vocabulary"): clients send these ids, so a rename breaks
// them.
struct PublicIds {
  VocabularyKind kind;
  std::vector<std::string_view> ids;
};
const PublicIds kPublicIds[] = {
    {VocabularyKind::kData,
     {"media.photo",
      "media.video",
      "media.audio",
      "media.album",
      "correspondence.support",
      "payment.store_user_id",
      "payment.result",
      "technical.device.info",
      "technical.device.identifier",
      "technical.device.running_processes",
      "technical.device.storage",
      "technical.device.sensor",
      "technical.network.ip_address",
      "technical.network.info",
      "technical.network.bluetooth_address",
      "technical.software.browser",
      "technical.software.language",
      "technical.software.os",
      "technical.software.data",
      "technical.metadata",
      "technical.ads.identifier",
      "technical.account.user_id",
      "technical.account.device_id",
      "cookies.identifier"}},
    {VocabularyKind::kPurpose,
     {"core_functionality", "user_functions", "paid_services", "support", "security",
      "legal_compliance", "advertising.targeted", "advertising.measurement", "analytics",
      "marketing", "cross_device_linking", "corporate_transaction", "third_party_marketing",
      "ai_training"}},
    {VocabularyKind::kRecipient,
     {"device", "first_party", "affiliate", "service_provider.payment",
      "service_provider.cloud_storage", "advertiser.apple", "advertiser.google",
      "advertiser.measurement", "authority", "acquirer"}},
    {VocabularyKind::kRight,
     {"access", "portability", "correct", "delete", "withdraw_consent", "object", "restrict",
      "complain", "opt_out_targeted_ads", "opt_out_sale", "opt_out_profiling", "limit_sensitive",
      "appeal"}},
};

class PolicyChecker {
 public:
  PolicyChecker(Policy& policy, DiagnosticSink& sink)
      : policy_(policy), sink_(sink), text_(policy.text ? policy.text->text() : "") {}

  void run() {
    check_public_ids();
    check_bundle_limits();
    for (const auto& vocabulary : policy_.vocabularies) {
      for (const auto& term : vocabulary.terms()) {
        check_id_spelling(term.id, term.location, "vocabulary term");
        check_citations(term.citations);
      }
    }
    for (auto& rule : policy_.rules) check_rule(rule);
    for (auto& entry : policy_.retention) check_retention(entry);
    for (auto& entry : policy_.rights) check_rights(entry);
    for (const auto& entry : policy_.unencoded) check_unencoded(entry);
    check_region_groups();
    check_jurisdictions();
    check_consent_ages();
    for (const auto& item : policy_.inventory) check_inventory(item);
    // The model's derived rules need typed conditions, so they come after a clean check.
    if (sink_.error_count() == 0) add_travel_rules(policy_, sink_);
    check_rule_budget();
  }

 private:
  // Statement and vocabulary ids are lower case (docs/policy-format.md): apps and reviewers type
  // them, and a case-only difference would be two ids that read as one.
  void check_id_spelling(const std::string& id, const SourceLocation& location,
                         std::string_view kind) {
    static const std::regex kLowerId("[a-z0-9][a-z0-9_.-]*");
    if (id.empty() || std::regex_match(id, kLowerId)) return;
    std::string lower = id;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    sink_.error("bad-id", location, fmt::format("{} id '{}' is not lower case", kind, id),
                fmt::format("ids are a-z, 0-9, '_', '.' and '-': write '{}'", lower));
  }

  void claim_id(const std::string& id, const SourceLocation& location, std::string_view kind) {
    check_id_spelling(id, location, kind);
    if (id.empty()) return;
    auto [it, fresh] = ids_.emplace(id, location);
    if (!fresh) {
      sink_.error("duplicate-id", location,
                  fmt::format("{} id '{}' is already used at {}:{}", kind, id, it->second.file,
                              it->second.line),
                  "ids name one statement each across rules, retention and rights");
    }
  }

  // What check passes, compile compiles: a query carries consents and features as 64-bit masks.
  void check_bundle_limits() {
    const std::pair<VocabularyKind, uint32_t> limits[] = {
        {VocabularyKind::kPurpose, bundle_format::kMaxPurposes},
        {VocabularyKind::kFeature, bundle_format::kMaxFeatures}};
    for (const auto& [kind, limit] : limits) {
      const Vocabulary& v = policy_.vocabulary(kind);
      const size_t leaves = v.leaves().size();
      if (leaves <= limit) continue;
      const Term& last = v.term(v.leaves().back());
      sink_.error(
          "too-many-ids", last.location,
          fmt::format("{} {} ids are leaves; a bundle holds at most {} (a query's {} "
                      "are a 64-bit mask)",
                      leaves, vocabulary_name(kind), limit,
                      kind == VocabularyKind::kPurpose ? "consents" : "features"),
          fmt::format("merge {} ids into groups, or split the policy", vocabulary_name(kind)));
    }
    // Data categories, recipients and regions are a query's 16-bit fields (kMaxIds each).
    for (VocabularyKind kind : {VocabularyKind::kData, VocabularyKind::kRecipient}) {
      const Vocabulary& v = policy_.vocabulary(kind);
      if (v.leaves().size() <= bundle_format::kMaxIds) continue;
      sink_.error("too-many-ids", v.term(v.leaves()[bundle_format::kMaxIds]).location,
                  fmt::format("{} {} ids are leaves; a bundle holds at most {} (a query names "
                              "one in 16 bits)",
                              v.leaves().size(), vocabulary_name(kind), bundle_format::kMaxIds),
                  fmt::format("merge {} ids, or split the policy", vocabulary_name(kind)));
    }
    const auto& regions = policy_.regions.regions();
    if (regions.size() > bundle_format::kMaxIds) {
      sink_.error(
          "too-many-ids",
          policy_.regions.location_of(std::next(regions.begin(), bundle_format::kMaxIds)->first),
          fmt::format("{} regions are defined; a bundle holds at most {} (a query names "
                      "one in 16 bits)",
                      regions.size(), bundle_format::kMaxIds),
          "define regions as countries and their first-level subdivisions only");
    }
  }

  // What check passes, compile compiles: the rules, derived ones included, fit the compiler's
  // 16-bit rule indices (kMaxRules).
  void check_rule_budget() {
    if (policy_.rules.size() <= kMaxRules) return;
    const Rule& last = policy_.rules[kMaxRules];
    sink_.error("too-many-rules", last.location,
                fmt::format("the policy has {} rules, derived rules included; the compiler takes "
                            "at most {}",
                            policy_.rules.size(), kMaxRules),
                "merge rules that differ only in their match lists, or split the policy");
  }

  void check_public_ids() {
    for (const auto& [kind, ids] : kPublicIds) {
      const Vocabulary& vocabulary = policy_.vocabulary(kind);
      for (auto id : ids) {
        if (!vocabulary.contains(id)) {
          sink_.error(
              "missing-public-id", {"rules/vocabulary", 0, 0},
              fmt::format("the public {} id '{}' is not defined", vocabulary_name(kind), id),
              "the public vocabulary ids are the query contract (docs/design.md); apps send them");
        }
      }
    }
  }

  void check_citations(const std::vector<Citation>& citations) {
    if (!policy_.text) return;
    for (const auto& citation : citations) {
      if (!text_.has_section(citation.section)) {
        sink_.error("unknown-section", citation.location,
                    fmt::format("the policy has no section {}", citation.section),
                    "cite a numbered heading of the policy text, or §0 for the preamble");
      }
    }
  }

  // A quote is the policy's own words (verbatim, folded), at least a phrase, and found in a section
  // the statement cites (or one above or below it): a word or a sentence of another section would
  // pass a substring test and prove nothing.
  void check_quote(const std::string& quote, const SourceLocation& location,
                   const std::vector<Citation>& citations, bool statement = true) {
    if (!policy_.text || quote.empty()) return;
    std::string shown = quote.size() > 60 ? quote.substr(0, 57) + "..." : quote;
    const auto places = text_.find_quote(quote);
    if (places.empty()) {
      sink_.error("quote-not-in-policy", location,
                  fmt::format("quote is not in the policy text: \"{}\"", shown),
                  "copy the sentence verbatim from the policy; white space and curly quotes may "
                  "differ");
      return;
    }
    // A quote runs across a heading only by joining two sections' words: no statement says that.
    const auto& first = places.front();
    if (const std::string from = text_.section_at(first.begin),
        to = text_.section_at(first.end - 1);
        from != to) {
      sink_.error("quote-spans-sections", location,
                  fmt::format("quote \"{}\" runs from {} into {}", shown, from, to),
                  "quote the sentence of one section; a statement that needs both cites both and "
                  "quotes each");
      return;
    }
    const std::string folded = PolicyText::fold(quote);
    if (statement && (std::count(folded.begin(), folded.end(), ' ') < 1 || folded.size() < 8)) {
      sink_.error("quote-too-short", location,
                  fmt::format("quote \"{}\" is a word or two, not the policy's statement", shown),
                  "quote at least the clause the statement encodes");
    }
    if (citations.empty()) return;
    auto related = [](const std::string& a,
                      const std::string& b) {  // same, or one inside the other
      return a == b || a.rfind(b + ".", 0) == 0 || b.rfind(a + ".", 0) == 0;
    };
    for (const auto& place : places) {
      const std::string section = text_.section_at(place.begin);
      for (const auto& c : citations) {
        if (related(section, c.section)) return;
      }
    }
    std::vector<std::string> found, cited;
    for (const auto& place : places) found.push_back(text_.section_at(place.begin));
    for (const auto& c : citations) cited.push_back(c.section);
    sink_.error(
        "quote-outside-citation", location,
        fmt::format("quote \"{}\" is in {}, which the statement does not cite ({})", shown,
                    fmt::join(found, ", "), fmt::join(cited, ", ")),
        fmt::format("cite {} too, or quote the sentence of the section it cites", found.front()));
  }

  void check_id(const IdRef& ref, VocabularyKind kind, std::string_view what) {
    if (ref.id.empty()) return;
    if (policy_.vocabulary(kind).contains(ref.id)) return;
    const Vocabulary& vocabulary = policy_.vocabulary(kind);
    const char* name = vocabulary_name(kind);
    std::vector<std::string_view> known;
    for (const auto& term : vocabulary.terms()) known.push_back(term.id);
    std::string message = fmt::format("'{}' in {} is not a known {} id", ref.id, what, name);
    if (auto guess = nearest_id(ref.id, known)) {
      sink_.error("unknown-id", ref.location, message, fmt::format("did you mean '{}'?", *guess));
      return;
    }
    // Not a slip of the keyboard: a new term, which its vocabulary file must define.
    std::string file = vocabulary.terms().empty() ? fmt::format("rules/vocabulary/{}.yaml", name)
                                                  : vocabulary.terms().front().location.file;
    std::string parent;
    if (size_t dot = ref.id.rfind('.');
        dot != std::string::npos && vocabulary.contains(ref.id.substr(0, dot))) {
      parent = fmt::format(", parents: [{}]", ref.id.substr(0, dot));
    }
    sink_.error("unknown-id", ref.location, fmt::format("{}; {} defines them", message, file),
                fmt::format("if it is a new {}, add it to the terms of {}: - {{id: {}{}, "
                            "description: \"what it is\", citations: [\"§ of the policy that "
                            "names it\"]}}",
                            name, file, ref.id, parent));
  }

  void check_leaf(const IdRef& ref, VocabularyKind kind, std::string_view what) {
    auto index = policy_.vocabulary(kind).find(ref.id);
    if (!index) return check_id(ref, kind, what);
    if (!policy_.vocabulary(kind).is_leaf(*index)) {
      sink_.error("group-not-leaf", ref.location,
                  fmt::format("'{}' in {} is a group; name one {} leaf", ref.id, what,
                              vocabulary_name(kind)));
    }
  }

  void check_id_set(const IdSet& set, VocabularyKind kind, std::string_view what) {
    for (const auto& ref : set.ids) check_id(ref, kind, what);
  }

  void check_place(const IdRef& ref, std::string_view what, bool allow_groups) {
    if (ref.id == "device" || policy_.regions.is_region(ref.id)) return;
    if (allow_groups && policy_.regions.group(ref.id)) return;
    sink_.error(
        "unknown-region", ref.location,
        fmt::format("'{}' in {} is not {}", ref.id, what,
                    allow_groups ? "device, a region or a region group" : "device or a region"),
        place_help(ref.id));
  }

  // A region written by its name (`Japan`) or in the wrong case (`jp`) gets its ISO code.
  std::string place_help(const std::string& place) const {
    if (std::string code = policy_.regions.code_for(place); !code.empty()) {
      return fmt::format(
          "write '{}' ({}): regions are ISO codes, listed in "
          "jurisdictions/regions.yaml",
          code, policy_.regions.regions().at(code));
    }
    return "regions are ISO codes listed in jurisdictions/regions.yaml (JP, US-CA)";
  }

  void check_rule(Rule& rule) {
    std::string what = fmt::format("rule '{}'", rule.id);
    claim_id(rule.id, rule.location, "rule");
    if (rule.id == "default-deny" || rule.id == "unknown-id") {
      sink_.error("reserved-id", rule.location,
                  fmt::format("'{}' is the engine's own rule; pick another id", rule.id));
    }
    check_id_set(rule.data, VocabularyKind::kData, what);
    check_id_set(rule.purpose, VocabularyKind::kPurpose, what);
    check_id_set(rule.recipient, VocabularyKind::kRecipient, what);
    for (const auto& place : rule.destination.ids) check_place(place, what, true);
    for (const auto& obligation : rule.obligations) {
      check_id(obligation, VocabularyKind::kObligation, what);
    }
    for (const auto& basis : rule.bases) check_id(basis, VocabularyKind::kLegalBasis, what);
    bool takes_obligations = rule.effect == Effect::kAllow || rule.effect == Effect::kOblige;
    if (!rule.obligations.empty() && !takes_obligations) {
      sink_.error("misplaced-key", rule.obligations.front().location,
                  fmt::format("{} has effect {}, which carries no obligations", what,
                              effect_name(rule.effect)),
                  "obligations go with allow and oblige rules");
    }
    if (rule.effect == Effect::kOblige && rule.obligations.empty()) {
      sink_.error("missing-key", rule.location,
                  fmt::format("{} has effect oblige but no obligations", what));
    }
    if (rule.effect == Effect::kBasis && rule.bases.empty()) {
      sink_.error("missing-key", rule.location,
                  fmt::format("{} has effect basis but no bases", what),
                  "list the legal bases of this row: contract, consent, legitimate_interests, "
                  "legal_obligation");
    }
    if (rule.effect != Effect::kBasis && !rule.bases.empty()) {
      sink_.error("misplaced-key", rule.bases.front().location,
                  fmt::format("{} has effect {}; only basis rules list bases", what,
                              effect_name(rule.effect)));
    }
    if (rule.when) check_condition(*rule.when, policy_, fmt::format("'when' of {}", what), sink_);
    check_citations(rule.citations);
    check_collect_place(rule, what);
    // A rule under jurisdictions/ quotes its statute, not the policy (even when its statute block
    // is itself in error, so that error is the one reported).
    const bool statute_file = rule.location.file.rfind("jurisdictions/", 0) == 0;
    if (rule.statute) check_statute_rule(rule, what);
    if (!statute_file) check_quote(rule.quote, rule.quote_location, rule.citations);
  }

  // A collect is the permission check on the device: its recipient and destination are the
  // device, so a collect rule that names another destination, or tests one, can never apply.
  void check_collect_place(const Rule& rule, std::string_view what) {
    if (rule.action != Action::kCollect) return;
    for (const auto& place : rule.destination.ids) {
      if (place.id == "device") continue;
      sink_.error("collect-destination", place.location,
                  fmt::format("{} matches collects sent to '{}'; a collect stays on the device",
                              what, place.id),
                  "use destination: device (or leave it out) on a collect rule; transmits name "
                  "their destination");
    }
    if (rule.when && reads_destination(rule.when->root)) {
      sink_.error("collect-destination", rule.when->location,
                  fmt::format("'when' of {} tests the destination of a collect, which is always "
                              "the device",
                              what),
                  "test the subject, the signals or the date in a collect rule");
    }
  }

  static bool reads_destination(const Expr& e) {
    if (e.kind == ExprKind::kPath && e.path == QueryPath::kDestination) return true;
    return std::any_of(e.children.begin(), e.children.end(), reads_destination);
  }

  // The law only narrows what the policy allows (deny, oblige, require_basis); its words are the
  // statute's, so they are not looked up in the policy text.
  void check_statute_rule(const Rule& rule, std::string_view what) {
    if (rule.effect == Effect::kAllow || rule.effect == Effect::kBasis) {
      sink_.error("statute-widens", rule.location,
                  fmt::format("{} is a statute rule with effect {}; the law can only narrow what "
                              "the policy allows",
                              what, effect_name(rule.effect)),
                  "use deny (or oblige, require_basis); an allow belongs in rules/ and must cite "
                  "the policy");
    }
    const Statute& statute = *rule.statute;
    if (statute.source.rfind("https://", 0) != 0 && statute.source.rfind("http://", 0) != 0) {
      sink_.warning("unsourced-statute", statute.location,
                    fmt::format("the statute of {} has no URL where its text can be read", what),
                    "set 'source' to the official text (https://…)");
    }
  }

  void check_retention(const RetentionEntry& entry) {
    std::string what = fmt::format("retention entry '{}'", entry.id);
    claim_id(entry.id, entry.location, "retention");
    check_id_set(entry.data, VocabularyKind::kData, what);
    check_id(entry.event, VocabularyKind::kEvent, what);
    for (const auto& event : entry.except_when) check_id(event, VocabularyKind::kEvent, what);
    if (entry.period) check_id(entry.period->from, VocabularyKind::kEvent, what);
    check_citations(entry.citations);
    check_quote(entry.quote, entry.quote_location, entry.citations);
  }

  void check_rights(RightsEntry& entry) {
    std::string what = fmt::format("rights entry '{}'", entry.id);
    claim_id(entry.id, entry.location, "rights");
    check_id(entry.right, VocabularyKind::kRight, what);
    if (entry.when) {
      check_condition(*entry.when, policy_, fmt::format("'when' of {}", what), sink_);
      check_rights_condition(*entry.when, entry.when->root, what);
    }
    check_citations(entry.citations);
    check_quote(entry.quote, entry.quote_location, entry.citations);
  }

  // A rights question names a region and a date, nothing else: a condition on an age, a signal or
  // a destination could never hold, and the promise would silently vanish.
  void check_rights_condition(const Condition& condition, const Expr& e, std::string_view what) {
    const bool region_or_date = e.kind != ExprKind::kPath || e.path == QueryPath::kSubjectRegion ||
                                e.path == QueryPath::kAsOf;
    if (!region_or_date || e.kind == ExprKind::kCall) {
      sink_.error("rights-condition", condition.location_of(e.offset),
                  fmt::format("'when' of {} tests {}, which a rights question does not carry", what,
                              e.kind == ExprKind::kCall ? e.text + "()" : to_string(e)),
                  "a rights entry's condition may test subject.region and as_of only");
      return;
    }
    for (const auto& child : e.children) check_rights_condition(condition, child, what);
  }

  void check_unencoded(const UnencodedEntry& entry) {
    check_citations(entry.sections);
    check_quote(entry.quote, entry.quote_location, entry.sections, /*statement=*/false);
    if (entry.reason.empty()) return;  // the loader reported it missing
    if (std::find(kUnencodedReasons.begin(), kUnencodedReasons.end(), entry.reason) ==
        kUnencodedReasons.end()) {
      std::vector<std::string_view> known(kUnencodedReasons.begin(), kUnencodedReasons.end());
      std::string help = "one of organisational, notice, definition, heading, contact, other";
      if (auto guess = nearest(entry.reason, known)) {
        help = fmt::format("did you mean '{}'?", *guess);
      }
      sink_.error("bad-unencoded-reason", entry.reason_location,
                  fmt::format("'{}' is not a reason a sentence goes unencoded", entry.reason),
                  help);
    } else if (entry.reason == "other" && entry.note.empty()) {
      sink_.error("missing-key", entry.location,
                  "an unencoded entry with reason 'other' has no 'note'",
                  "say why the sentence is not encoded, or \"should be encoded: …\"");
    }
  }

  void check_region_groups() {
    for (const auto& [id, group] : policy_.regions.groups()) {
      for (const auto& member : group.members) {
        if (!policy_.regions.is_region(member.region)) {
          sink_.error(
              "unknown-region", member.location,
              fmt::format("member '{}' of region group '{}' is not a region", member.region, id),
              "regions are listed in jurisdictions/regions.yaml");
        }
        if (member.until && *member.until < member.from) {
          sink_.error(
              "bad-date-range", member.location,
              fmt::format("membership of '{}' in '{}' ends before it starts", member.region, id));
        }
      }
    }
  }

  template <typename Fact, typename SameSubject>
  void check_overlaps(const std::vector<Fact>& facts, const Jurisdiction& j, std::string_view kind,
                      SameSubject same) {
    for (size_t a = 0; a < facts.size(); ++a) {
      for (size_t b = a + 1; b < facts.size(); ++b) {
        if (!same(facts[a], facts[b])) continue;
        const Fact& x = facts[a];
        const Fact& y = facts[b];
        bool disjoint = (x.until && *x.until < y.effective) || (y.until && *y.until < x.effective);
        if (!disjoint) {
          sink_.error("overlapping-facts", y.location,
                      fmt::format("{} has two {} facts in force at once (the other at line {})",
                                  j.id, kind, x.location.line),
                      "end the earlier one with 'until' (the last day it applied)");
        }
      }
    }
  }

  void check_jurisdictions() {
    std::map<std::string, SourceLocation> seen;
    for (const auto& j : policy_.jurisdictions) {
      if (auto [it, fresh] = seen.emplace(j.id, j.location); !fresh) {
        sink_.error("duplicate-id", j.location,
                    fmt::format("jurisdiction '{}' is described twice (first at {}:{})", j.id,
                                it->second.file, it->second.line));
      }
      if (!policy_.regions.is_region(j.id) && !policy_.regions.group(j.id)) {
        sink_.error("unknown-region", j.location,
                    fmt::format("jurisdiction '{}' is neither a region nor a region group", j.id));
      }
      std::string what = fmt::format("jurisdiction {}", j.id);
      for (const auto& fact : j.rights) check_id(fact.right, VocabularyKind::kRight, what);
      check_overlaps(j.rights, j, "right", [](const RightFact& a, const RightFact& b) {
        return a.right.id == b.right.id;
      });
      check_overlaps(j.response, j, "response", [](const auto&, const auto&) { return true; });
      check_overlaps(j.universal_opt_out, j, "universal_opt_out",
                     [](const auto&, const auto&) { return true; });
      if (j.law.enacted && *j.law.enacted > j.law.effective) {
        sink_.error("bad-date-range", j.law.location,
                    fmt::format("the law of {} takes effect before it was enacted", j.id));
      }
    }
  }

  void check_consent_ages() {
    std::map<std::string, std::vector<const DigitalConsentAge*>> by_region;
    for (const auto& age : policy_.digital_consent_ages) {
      if (!policy_.regions.is_region(age.region.id)) {
        sink_.error("unknown-region", age.region.location,
                    fmt::format("'{}' is not a region", age.region.id));
      }
      by_region[age.region.id].push_back(&age);
    }
  }

  void check_inventory(const InventoryItem& item) {
    std::string what = fmt::format("inventory item '{}'", item.id);
    claim_id(item.id, item.location, "inventory");
    check_leaf(item.data, VocabularyKind::kData, what);
    if (item.period) check_id(item.period->from, VocabularyKind::kEvent, what);
    check_citations(item.citations);
    for (const auto& flow : item.flows) {
      check_leaf(flow.purpose, VocabularyKind::kPurpose, what);
      check_leaf(flow.recipient, VocabularyKind::kRecipient, what);
      check_place(flow.destination, what, false);
      bool on_device = flow.recipient.id == "device" && flow.destination.id == "device";
      if (flow.action == Action::kCollect && !on_device) {
        sink_.error("bad-flow", flow.location,
                    fmt::format("a collect flow of {} stays on the device: recipient and "
                                "destination must be 'device'",
                                what));
      }
      if (flow.action == Action::kTransmit && flow.destination.id == "device") {
        sink_.error("bad-flow", flow.location,
                    fmt::format("a transmit flow of {} leaves the device: name its destination "
                                "region",
                                what));
      }
    }
  }

  Policy& policy_;
  DiagnosticSink& sink_;
  PolicyText text_;
  std::map<std::string, SourceLocation> ids_;
};

}  // namespace

void check_policy(const Policy& policy, DiagnosticSink& sink) {
  // Checking annotates conditions with resolved names and types; the model is otherwise unchanged.
  PolicyChecker(const_cast<Policy&>(policy), sink).run();
}

}  // namespace flowgate
