// find_gaps: what the rules leave uncovered or get wrong against the world —
//   inventory-flow-denied   a flow data_inventory.yaml declares that the rules deny (for whom, by
//                           which rules), decided per region class on the compiler's classes;
//   missing-legal-basis     an allow whose flows a require_basis rule denies for want of a basis
//                           row (EU/EEA: the §11.1.1 table);
//   disclosure-mismatch     a recipient, or data for a recipient, that one disclosure section (§3)
//                           names and the other (the §11.2.2 table) does not, both ways;
//   law-contradicts-policy  a rights entry `excluded` where the law in force grants the right
//                           (note: where a law already enacted will grant it on a later date);
//   missing-retention-period  an inventory item whose data leaves the device with no retention
//                           period, its own or a retention entry's for its data, where the GDPR
//                           applies: the record of processing lists erasure time limits (Art.
//                           30(1)(f)). Data that stays on the device is not held by anyone.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "analysis/lint_passes.h"
#include "analysis/retention.h"
#include "analysis/rights.h"
#include "model/combine.h"
#include "reference/reference_evaluator.h"

namespace flowgate::lint {
namespace {

// The disclosure sections whose recipients must agree: §3 and the California table.
constexpr std::pair<const char*, const char*> kDisclosureSections[] = {{"§3", "§11.2.2"}};
constexpr int kAdultAge = 30;  // inventory flows are judged for adults; minors have their own rules

bool cites(const Rule& rule, const std::string& section) {
  for (const auto& c : rule.citations) {
    if (c.section == section) return true;
  }
  return false;
}

size_t index_of(const std::vector<std::string>& ids, const std::string& id) {
  return static_cast<size_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
}

// A set of regions by the group it equals on `on`, else "every region but …", else listed.
std::string describe_regions(const Policy& policy, const std::vector<std::string>& regions,
                             const std::vector<std::string>& all, Date on) {
  if (regions.size() == all.size()) return "every region";
  std::set<std::string> wanted(regions.begin(), regions.end());
  for (const auto& [id, group] : policy.regions.groups()) {
    size_t members = 0;
    bool equal = true;
    for (const auto& r : all) {
      bool in = policy.regions.contains(id, r, on);
      members += in;
      if (in != (wanted.count(r) > 0)) {
        equal = false;
        break;
      }
    }
    if (equal && members > 0) return id;
  }
  if (regions.size() > all.size() / 2) {
    std::vector<std::string> rest;
    for (const auto& r : all) {
      if (!wanted.count(r)) rest.push_back(r);
    }
    return "every region but " + abbreviate(rest, 6);
  }
  return abbreviate(regions, 6);
}

void inventory_gaps(const LintContext& context, std::vector<Finding>& out) {
  const Policy& policy = context.policy;
  const Domains& d = context.analysis->domains();
  const CompiledPolicy& shape = d.shape;
  std::vector<uint32_t> values(shape.variables.size(), 0);
  auto set_value = [&](VariableKind kind, uint32_t value) {
    uint32_t v = d.variable(kind);
    if (v != UINT32_MAX) values[v] = value;
  };
  auto set_bits = [&](bool permissive) {
    for (uint32_t v = 0; v < shape.variables.size(); ++v) {
      if (shape.variables[v].kind != VariableKind::kBit) continue;
      switch (shape.bits[shape.variables[v].bit].kind) {
        case Bit::Kind::kGpc:
        case Bit::Kind::kGppOptOut:  // opt-outs, like gpc, are not asserted
          values[v] = 0;
          break;
        case Bit::Kind::kAdsPersonalization:
          values[v] = 1;
          break;
        default:  // consents, features, TCF purposes, a string's presence
          values[v] = permissive ? 1 : 0;
      }
    }
  };
  set_value(VariableKind::kDate, context.date_class(context.options.as_of));
  set_value(VariableKind::kAge, context.age_band(kAdultAge));
  // Decisions by the rules matching (region classes often share them) and the subject's consent.
  struct Hash {
    size_t operator()(const std::pair<std::vector<uint16_t>, bool>& key) const {
      size_t h = key.second;
      for (uint16_t r : key.first) h = h * 0x100000001B3ull ^ r;
      return h;
    }
  };
  struct Decided {
    Decision decision;
    std::string rules;  // the rules it names, joined
  };
  std::unordered_map<std::pair<std::vector<uint16_t>, bool>, Decided, Hash> decisions;
  auto decision_of = [&](const std::vector<uint16_t>& matching, bool consented) -> const Decided& {
    auto [it, fresh] = decisions.try_emplace({matching, consented});
    if (fresh) {
      it->second.decision = combine(rules_of(policy, matching), consented);
      it->second.rules = fmt::to_string(fmt::join(it->second.decision.rules, ","));
    }
    return it->second;
  };
  const uint32_t region = d.variable(VariableKind::kRegion);
  std::map<std::vector<std::string>, std::string> region_text;  // describe_regions, once each
  std::map<std::string, size_t> rule_index;
  for (size_t r = 0; r < policy.rules.size(); ++r) rule_index.emplace(policy.rules[r].id, r);
  std::map<std::pair<std::string, std::string>, Finding> by_item_rules;  // (item, rules)
  std::vector<std::pair<std::string, std::string>> order;
  for (const InventoryItem& item : policy.inventory) {
    size_t data = index_of(shape.data_ids, item.data.id);
    if (data == shape.data_ids.size()) continue;
    for (const InventoryFlow& flow : item.flows) {
      size_t purpose = index_of(shape.purpose_ids, flow.purpose.id);
      size_t recipient = index_of(shape.recipient_ids, flow.recipient.id);
      if (purpose == shape.purpose_ids.size() || recipient == shape.recipient_ids.size()) continue;
      uint32_t destination = shape.device_destination_class;
      if (flow.destination.id != "device") {
        size_t r = index_of(shape.region_ids, flow.destination.id);
        if (r == shape.region_ids.size()) continue;
        destination = shape.destination_class[r];
      }
      set_value(VariableKind::kData, static_cast<uint32_t>(data));
      set_value(VariableKind::kPurpose, static_cast<uint32_t>(purpose));
      set_value(VariableKind::kAction, flow.action == Action::kCollect ? 0 : 1);
      set_value(VariableKind::kRecipient, static_cast<uint32_t>(recipient));
      set_value(VariableKind::kDestination, destination);
      // Region classes denied, grouped by the rules that deny; and whether consent helps.
      std::map<std::string, std::vector<uint16_t>> denied_by;  // rules → region classes
      std::map<std::string, std::vector<std::string>> deciding;
      size_t denied_classes = 0, denied_with_consent = 0;
      set_bits(false);
      const auto matching = context.analysis->matching_each(values, region);
      set_bits(true);
      const auto matching_permissive = context.analysis->matching_each(values, region);
      for (uint16_t rc = 0; rc < shape.region_classes; ++rc) {
        const Decided& decided = decision_of(matching[rc], false);
        if (decided.decision.allow) continue;
        ++denied_classes;
        denied_by[decided.rules].push_back(rc);
        deciding.try_emplace(decided.rules, decided.decision.rules);
        if (!decision_of(matching_permissive[rc], true).decision.allow) {
          ++denied_with_consent;
        }
      }
      if (denied_classes == 0) continue;
      std::string what =
          fmt::format("{} {} for {} → {} ({})", action_name(flow.action), item.data.id,
                      flow.purpose.id, flow.recipient.id, flow.destination.id);
      std::set<std::string> all_rules;
      std::vector<std::string> cubes;
      for (const auto& [key, classes] : denied_by) {
        std::vector<std::string> regions;
        for (size_t r = 0; r < shape.region_ids.size(); ++r) {
          if (std::find(classes.begin(), classes.end(), shape.region_class[r]) != classes.end()) {
            regions.push_back(shape.region_ids[r]);
          }
        }
        auto [described, fresh] = region_text.try_emplace(regions);
        if (fresh) {
          described->second =
              describe_regions(policy, regions, shape.region_ids, context.options.as_of);
        }
        const std::string& who = described->second;
        cubes.push_back(fmt::format(
            "{}, subjects in {}: deny by {}{}", what, who, fmt::join(deciding[key], ", "),
            denied_with_consent < denied_classes ? " (allowed with consent or the feature in use)"
                                                 : ""));
        for (const auto& id : deciding[key]) all_rules.insert(id);
      }
      // One finding per item and set of denying rules; its flows listed.
      std::string key = fmt::to_string(fmt::join(all_rules, ","));
      auto [it, fresh] = by_item_rules.try_emplace({item.id, key});
      Finding& f = it->second;
      if (fresh) {
        f.code = "inventory-flow-denied";
        f.kind = FindingKind::kGap;
        f.severity = Severity::kWarning;
        f.subject = item.id;
        f.location = flow.location;
        f.citations = sections_of(item.citations);
        std::vector<size_t> denying;  // in rule order
        for (const auto& id : all_rules) {
          if (auto at = rule_index.find(id); at != rule_index.end()) denying.push_back(at->second);
        }
        std::sort(denying.begin(), denying.end());
        for (size_t r : denying) f.related.push_back(related_rule(policy.rules[r], "deny"));
        f.fingerprint = fmt::format("inventory-flow-denied:{}:{}", item.id, key);
        order.push_back(it->first);
      }
      if (denied_with_consent == shape.region_classes) f.severity = Severity::kError;
      f.flows.insert(f.flows.end(), cubes.begin(), cubes.end());
    }
  }
  for (const auto& k : order) {
    Finding& f = by_item_rules.at(k);
    std::string rules;
    for (char c : k.second) rules += c == ',' ? std::string(", ") : std::string(1, c);
    f.message = fmt::format("inventory item {} declares {} flow{} that {} deny for some subjects",
                            f.subject, f.flows.size(), f.flows.size() == 1 ? "" : "s", rules);
    f.help = f.severity == Severity::kError
                 ? "some flow is denied for every subject: allow it with a cited rule or remove it "
                   "from the inventory"
                 : "make sure the app does not take these flows for those subjects (or obtains "
                   "the consent), and record that in lint-baseline.yaml";
    out.push_back(std::move(f));
  }
}

bool content_covers(const LintContext& context, const Rule& rule, const std::string& data,
                    const std::string& purpose, const std::string& recipient, Action action) {
  auto has = [&](VocabularyKind kind, const std::string& leaf) {
    const auto& leaves = context.covered(rule, kind);
    return std::binary_search(leaves.begin(), leaves.end(), leaf);
  };
  return has(VocabularyKind::kData, data) && has(VocabularyKind::kPurpose, purpose) &&
         has(VocabularyKind::kRecipient, recipient) &&
         (rule.action == Action::kAny || action == Action::kAny || rule.action == action);
}

void legal_basis_gaps(const LintContext& context, std::vector<Finding>& out) {
  const Policy& policy = context.policy;
  const auto& data_v = policy.vocabulary(VocabularyKind::kData);
  std::vector<const Rule*> bases;
  for (const Rule& r : policy.rules) {
    if (r.effect == Effect::kBasis) bases.push_back(&r);
  }
  for (uint16_t q = 0; q < policy.rules.size(); ++q) {
    const Rule& requirement = policy.rules[q];
    if (requirement.effect != Effect::kRequireBasis) continue;
    for (uint16_t a = 0; a < policy.rules.size(); ++a) {
      const Rule& allow = policy.rules[a];
      if (allow.effect != Effect::kAllow || !context.meet(a, q)) {
        continue;
      }
      Action action = allow.action == Action::kAny ? requirement.action : allow.action;
      // Uncovered (purpose, recipients) → data leaves.
      std::map<std::pair<std::string, std::string>, std::vector<std::string>> gaps;
      auto both = [&](VocabularyKind kind) {
        return intersect(context.covered(allow, kind), context.covered(requirement, kind));
      };
      auto data = both(VocabularyKind::kData);
      auto purposes = both(VocabularyKind::kPurpose);
      auto recipients = both(VocabularyKind::kRecipient);
      // The basis rows that cover some of this data at all.
      std::vector<const Rule*> rows;
      for (const Rule* b : bases) {
        if (!intersect(context.covered(*b, VocabularyKind::kData), data).empty()) rows.push_back(b);
      }
      for (const auto& p : purposes) {
        std::map<std::string, std::vector<std::string>> by_data;  // data → uncovered recipients
        for (const auto& dd : data) {
          for (const auto& r : recipients) {
            bool covered = std::any_of(rows.begin(), rows.end(), [&](const Rule* b) {
              return content_covers(context, *b, dd, p, r, action);
            });
            if (!covered) by_data[dd].push_back(r);
          }
        }
        for (const auto& [dd, rs] : by_data)
          gaps[{p, context.compact(VocabularyKind::kRecipient, rs)}].push_back(dd);
      }
      if (gaps.empty()) continue;
      Finding f = rule_finding(allow, "missing-legal-basis", FindingKind::kGap, Severity::kWarning);
      std::set<std::string> purpose_ids;
      for (const auto& [key, leaves] : gaps) {
        purpose_ids.insert(key.first);
        f.flows.push_back(fmt::format("{} → {} for {}, {}, where {}", compact_ids(data_v, leaves),
                                      key.second, key.first, action_name(action),
                                      requirement.when ? requirement.when->text : "anywhere"));
      }
      f.message = fmt::format(
          "{} allows {} for {}, but no legal-basis row covers it where {} applies ({}), so "
          "those flows are denied there",
          rule_label(allow), action_name(action), fmt::join(purpose_ids, ", "),
          rule_label(requirement), requirement.when ? requirement.when->text : "everywhere");
      f.help =
          "the jurisdiction requires a legal basis for every purpose: add the basis the policy "
          "gives (a basis rule citing its row), or record in lint-baseline.yaml that the policy "
          "names none";
      f.related.push_back(related_rule(requirement, "requires a legal basis"));
      f.fingerprint = fmt::format("missing-legal-basis:{}:{}", allow.id, requirement.id);
      out.push_back(std::move(f));
    }
  }
}

// Per recipient leaf (not the device or ourselves), the data leaves a section's allows disclose.
std::map<std::string, std::set<std::string>> disclosures(const Policy& policy,
                                                         const std::string& section,
                                                         std::map<std::string, const Rule*>& by) {
  const auto& data_v = policy.vocabulary(VocabularyKind::kData);
  const auto& recipient_v = policy.vocabulary(VocabularyKind::kRecipient);
  std::map<std::string, std::set<std::string>> out;
  for (const Rule& rule : policy.rules) {
    if (rule.effect != Effect::kAllow || rule.action == Action::kCollect || !cites(rule, section) ||
        rule.recipient.any) {
      continue;
    }
    auto data = leaves_covered(rule.data, data_v);
    for (const auto& r : leaves_covered(rule.recipient, recipient_v)) {
      if (r == "device" || r == "first_party") continue;
      out[r].insert(data.begin(), data.end());
      by.emplace(r, &rule);
    }
  }
  return out;
}

void disclosure_gaps(const LintContext& context, std::vector<Finding>& out) {
  const Policy& policy = context.policy;
  const auto& data_v = policy.vocabulary(VocabularyKind::kData);
  const auto& recipient_v = policy.vocabulary(VocabularyKind::kRecipient);
  for (const auto& [first, second] : kDisclosureSections) {
    std::map<std::string, const Rule*> by_a, by_b;
    auto a = disclosures(policy, first, by_a);
    auto b = disclosures(policy, second, by_b);
    if (a.empty() || b.empty()) continue;
    for (int direction = 0; direction < 2; ++direction) {
      const auto& from = direction == 0 ? a : b;
      const auto& to = direction == 0 ? b : a;
      const auto& from_by = direction == 0 ? by_a : by_b;
      const auto& to_by = direction == 0 ? by_b : by_a;
      std::string s_from = direction == 0 ? first : second;
      std::string s_to = direction == 0 ? second : first;
      // Missing recipients, and data missing per recipient (recipients with equal gaps merged).
      std::map<std::vector<std::string>, std::vector<std::string>> missing_data;
      for (const auto& [recipient, data] : from) {
        auto it = to.find(recipient);
        const Rule& rule = *from_by.at(recipient);
        if (it == to.end()) {
          Finding f =
              rule_finding(rule, "disclosure-mismatch", FindingKind::kGap, Severity::kWarning);
          f.subject = recipient;
          f.message = fmt::format(
              "{} discloses {} to {} ({}), but {} does not name that recipient at all", s_from,
              compact_ids(data_v, {data.begin(), data.end()}), recipient, rule.id, s_to);
          f.flows.push_back(fmt::format("{} → {}: named in {}, missing from {}",
                                        compact_ids(data_v, {data.begin(), data.end()}), recipient,
                                        s_from, s_to));
          f.help = fmt::format(
              "a recipient named in one disclosure statement and not the other: the text should "
              "name it in {} too, or say why not",
              s_to);
          f.related.push_back(related_rule(*to_by.begin()->second, "the other section"));
          f.fingerprint = fmt::format("disclosure-mismatch:{}:{}:{}", s_from, s_to, recipient);
          out.push_back(std::move(f));
          continue;
        }
        std::vector<std::string> extra;
        for (const auto& dd : data) {
          if (!it->second.count(dd)) extra.push_back(dd);
        }
        if (!extra.empty()) missing_data[extra].push_back(recipient);
      }
      for (const auto& [extra, recipients] : missing_data) {
        const Rule& rule = *from_by.at(recipients.front());
        const Rule& other = *to_by.at(recipients.front());
        std::string who = compact_ids(recipient_v, recipients);
        std::string what = compact_ids(data_v, extra);
        Finding f =
            rule_finding(rule, "disclosure-mismatch", FindingKind::kGap, Severity::kWarning);
        f.subject = who;
        f.message = fmt::format("{} discloses {} to {} ({}), but {} does not list it for them ({})",
                                s_from, what, who, rule.id, s_to, other.id);
        f.flows.push_back(
            fmt::format("{} → {}: named in {}, missing from {}", what, who, s_from, s_to));
        f.help = "the two disclosure statements disagree on what this recipient receives";
        f.related.push_back(related_rule(other, "the other section"));
        f.fingerprint = fmt::format("disclosure-mismatch:{}:{}:{}:{}", s_from, s_to, who, what);
        out.push_back(std::move(f));
      }
    }
  }
}

void law_gaps(const LintContext& context, std::vector<Finding>& out) {
  const Policy& policy = context.policy;
  const Date now = context.options.as_of;
  const auto& regions = context.analysis->domains().shape.region_ids;
  for (const RightsEntry& entry : policy.rights) {
    if (entry.grant != Grant::kExcluded) continue;
    // The dates to try: today, then each later date a law grants this right from.
    std::set<int32_t> dates{now.days};
    for (const Jurisdiction& j : policy.jurisdictions) {
      for (const RightFact& fact : j.rights) {
        if (fact.right.id == entry.right.id && fact.effective.days > now.days) {
          dates.insert(fact.effective.days);
        }
      }
    }
    for (const auto& region : regions) {
      for (int32_t day : dates) {
        Date on{day};
        Query q;
        q.region = region;
        q.as_of = on;
        if (entry.when && !evaluate_condition(entry.when->root, policy, q)) continue;
        RightsAnswer answer = answer_right(policy, region, entry.right.id, on);
        if (!answer.policy_out_of_date) continue;
        bool in_force = day == now.days;
        Finding f;
        f.code = "law-contradicts-policy";
        f.kind = FindingKind::kGap;
        f.severity = in_force ? Severity::kWarning : Severity::kNote;
        f.subject = entry.id;
        f.location = entry.location;
        f.citations = sections_of(entry.citations);
        f.quote = entry.quote;
        std::string law = fmt::to_string(fmt::join(answer.sources, "; "));
        f.message = fmt::format(
            "{} ({}) says the right to {} is unavailable to subjects in {}, but the law {} "
            "grants it{}: the policy is out of date and the statutory right prevails",
            entry.id, fmt::join(f.citations, ", "), entry.right.id, region,
            in_force ? "in force on " + format_date(now) : "enacted",
            in_force ? "" : " from " + format_date(on));
        f.flows.push_back(
            fmt::format("right {} for subjects in {} as of {}: excluded by the "
                        "policy, granted by {}",
                        entry.right.id, region, format_date(on), law));
        f.help = "update the policy text (and this rights entry) to grant the right";
        for (const Jurisdiction& j : policy.jurisdictions) {
          if (j.id != region) continue;
          for (const RightFact& fact : j.rights) {
            if (fact.right.id == entry.right.id && fact.effective.days <= day) {
              f.related.push_back({j.id,
                                   fact.location,
                                   {fact.source},
                                   {},
                                   "law (effective " + format_date(fact.effective) + ")"});
            }
          }
        }
        f.fingerprint = fmt::format("law-contradicts-policy:{}:{}", entry.id, region);
        out.push_back(std::move(f));
        break;  // the earliest date is enough
      }
    }
  }
}

// The GDPR's words on retention in the record of processing, and the jurisdiction that makes them
// apply (jurisdictions/eu/gdpr.yaml).
constexpr const char* kGdprJurisdiction = "EU_EEA";
constexpr const char* kArt30Section = "GDPR Art. 30(1)(f)";
constexpr const char* kArt30Words =
    "where possible, the envisaged time limits for erasure of the different categories of data";

void retention_period_gaps(const LintContext& context, std::vector<Finding>& out) {
  const Policy& policy = context.policy;
  const Jurisdiction* gdpr = nullptr;
  for (const Jurisdiction& j : policy.jurisdictions) {
    if (j.id == kGdprJurisdiction) gdpr = &j;
  }
  if (!gdpr) return;
  for (const InventoryItem& item : policy.inventory) {
    bool leaves_device = std::any_of(item.flows.begin(), item.flows.end(),
                                     [](const auto& f) { return f.action == Action::kTransmit; });
    if (!leaves_device || item_period(policy, item).period) continue;
    Finding f;
    f.code = "missing-retention-period";
    f.kind = FindingKind::kGap;
    f.severity = Severity::kWarning;
    f.subject = item.id;
    f.location = item.location;
    f.citations = sections_of(item.citations);
    f.message = fmt::format(
        "inventory item {} ({}) leaves the device but states no retention period; {} asks the "
        "record of processing for \"{}\"",
        item.id, item.data.id, kArt30Section, kArt30Words);
    f.help = fmt::format(
        "add `period: {{duration: P2Y, from: account_deleted, source: \"…\"}}` to the item in "
        "data_inventory.yaml (an ISO 8601 duration; `from` an event of "
        "rules/vocabulary/event.yaml; `source` where the period comes from), or a `period` to a "
        "retention entry covering its data; where no period can be set, say why in {}",
        kBaselineFile);
    RelatedStatement law;
    law.id = gdpr->id;
    law.location = gdpr->location;
    law.citations = {kArt30Section};
    law.quote = kArt30Words;
    law.role = "law";
    f.related.push_back(std::move(law));
    f.fingerprint = fmt::format("missing-retention-period:{}", item.id);
    out.push_back(std::move(f));
  }
}

}  // namespace

void find_gaps(const LintContext& context, std::vector<Finding>& out) {
  inventory_gaps(context, out);
  legal_basis_gaps(context, out);
  disclosure_gaps(context, out);
  law_gaps(context, out);
  retention_period_gaps(context, out);
}

}  // namespace flowgate::lint
