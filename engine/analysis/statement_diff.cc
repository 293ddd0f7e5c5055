// statement_diff: rules behind the flow changes, then retention, rights and inventory by answers.
#include "analysis/statement_diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "analysis/retention.h"
#include "analysis/rights.h"

namespace flowgate {
namespace {

std::vector<std::string> sections(const std::vector<Citation>& citations) {
  std::vector<std::string> out;
  for (const auto& c : citations) out.push_back(c.section);
  return out;
}

// Every id of both vocabularies of a kind (leaves only when `leaves`), sorted.
std::vector<std::string> ids_of(const Policy& a, const Policy& b, VocabularyKind kind,
                                bool leaves) {
  std::set<std::string> ids;
  for (const Policy* p : {&a, &b}) {
    const Vocabulary& v = p->vocabulary(kind);
    for (Vocabulary::Index i = 0; i < v.size(); ++i) {
      if (!leaves || v.is_leaf(i)) ids.insert(v.term(i).id);
    }
  }
  return {ids.begin(), ids.end()};
}

std::string refs_key(const std::vector<StatementRef>& refs) {
  std::string key;
  for (const auto& r : refs) key += r.id + ",";
  return key;
}

// ---- rules: the summary by rule

std::string id_set_text(const IdSet& s) {
  if (s.any) return "any";
  std::string out;
  for (const auto& id : s.ids) out += id.id + ",";
  return out;
}

// What a rule says, without where it says it: two rules of one id with different signatures
// were edited.
std::string signature(const Rule& r) {
  std::string out =
      fmt::format("{}|{}|{}|{}|{}|{}|{}|", effect_name(r.effect), action_name(r.action),
                  id_set_text(r.data), id_set_text(r.purpose), id_set_text(r.recipient),
                  id_set_text(r.destination), r.when ? r.when->text : "");
  for (const auto& o : r.obligations) out += o.id + ",";
  out += "|";
  for (const auto& b : r.bases) out += b.id + ",";
  out += "|" + fmt::format("{}", fmt::join(sections(r.citations), ",")) + "|" + r.quote;
  if (r.statute) {
    out += fmt::format("|{}|{}|{}|{}", r.statute->law, r.statute->section,
                       format_date(r.statute->effective),
                       r.statute->until ? format_date(*r.statute->until) : "");
  }
  return out;
}

const Rule* find_rule(const Policy* p, const std::string& id) {
  if (!p) return nullptr;
  for (const auto& r : p->rules) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::vector<RuleChange> rule_changes(const Policy* before, const Policy* after,
                                     const DiffResult& flows) {
  std::map<std::string, RuleChange> by_id;
  auto touch = [&](const std::string& id) -> RuleChange& {
    RuleChange& r = by_id[id];
    r.id = id;
    return r;
  };
  // A rule whose own text differs (edited, added, removed): needs both models.
  auto text_changed = [&](const std::string& id) {
    if (!before || !after) return false;
    const Rule* a = find_rule(before, id);
    const Rule* b = find_rule(after, id);
    return !a || !b || signature(*a) != signature(*b);
  };
  for (const auto& c : flows.changes) {
    std::set<std::string> a(c.before.rules.begin(), c.before.rules.end());
    std::set<std::string> b(c.after.rules.begin(), c.after.rules.end());
    std::set<std::string> both, deciding;
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::inserter(both, both.end()));
    // The edited rules deciding the change, else the rules that differ, else all of them.
    for (const auto& id : both) {
      if (text_changed(id)) deciding.insert(id);
    }
    if (deciding.empty()) {
      std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(),
                                    std::inserter(deciding, deciding.end()));
    }
    if (deciding.empty()) deciding = both;
    for (const auto& id : deciding) {
      RuleChange& r = touch(id);
      ++r.changes;
      switch (c.kind) {
        case ChangeKind::kNewlyAllowed:
          r.newly_allowed += c.flows;
          break;
        case ChangeKind::kNewlyDenied:
          r.newly_denied += c.flows;
          break;
        case ChangeKind::kObligationsChanged:
          r.obligations_changed += c.flows;
          break;
        case ChangeKind::kLegalBasisChanged:
          r.legal_basis_changed += c.flows;
          break;
      }
    }
  }
  if (before && after) {
    for (const auto& rule : before->rules) {
      if (text_changed(rule.id)) touch(rule.id);
    }
    for (const auto& rule : after->rules) {
      if (text_changed(rule.id)) touch(rule.id);
    }
  }
  std::vector<RuleChange> out;
  for (auto& [id, r] : by_id) {
    const Rule* old_rule = find_rule(before, id);
    const Rule* new_rule = find_rule(after, id);
    const Rule* shown = new_rule ? new_rule : old_rule;
    if (!before || !after) {
      r.status = "unchanged";  // unknown without both models; the flows say what moved
      if (!shown) r.status = "";
    } else {
      r.status = !old_rule                                      ? "added"
                 : !new_rule                                    ? "removed"
                 : signature(*old_rule) != signature(*new_rule) ? "edited"
                                                                : "unchanged";
    }
    if (shown) {
      r.effect = effect_name(shown->effect);
      r.citations = sections(shown->citations);
      r.location = shown->location;
    }
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const RuleChange& x, const RuleChange& y) {
    auto total = [](const RuleChange& r) {
      return r.newly_allowed + r.newly_denied + r.obligations_changed + r.legal_basis_changed;
    };
    return total(x) > total(y);
  });
  return out;
}

// ---- retention

StatementRef retention_ref(const Policy& p, const RetentionMatch& m) {
  StatementRef ref{m.id, m.citations, {}, {}};
  for (const auto& e : p.retention) {
    if (e.id == m.id) ref.location = e.location;
  }
  return ref;
}

RetentionSide retention_side(const Policy& p, const std::string& data, const std::string& event) {
  RetentionSide side;
  side.outcome = "none";
  try {
    RetentionAnswer a = answer_retention(p, data, event);
    side.outcome = a.outcome ? *a.outcome : a.conflict ? "conflict" : "none";
    side.exceptions = a.exceptions;
    std::sort(side.exceptions.begin(), side.exceptions.end());
    for (const auto& m : a.entries) side.entries.push_back(retention_ref(p, m));
    for (const auto& m : a.suspends) side.entries.push_back(retention_ref(p, m));
  } catch (const std::invalid_argument&) {
    // The id is unknown to this side: no entry answers.
  }
  return side;
}

// How much an outcome keeps: delete < anonymize / delete or anonymize < conflict < retain, none.
int keeps(const std::string& outcome) {
  if (outcome == "delete") return 0;
  if (outcome == "anonymize" || outcome == "delete_or_anonymize") return 1;
  if (outcome == "conflict") return 2;
  return 3;
}

std::string retention_text(const RetentionSide& s) {
  std::string out = s.outcome == "delete_or_anonymize" ? "delete or anonymize"
                    : s.outcome == "none"              ? "no entry"
                                                       : s.outcome;
  if (!s.exceptions.empty()) out += fmt::format(" (except {})", fmt::join(s.exceptions, ", "));
  return out;
}

std::vector<RetentionChange> retention_changes(const Policy& before, const Policy& after) {
  std::vector<std::string> data = ids_of(before, after, VocabularyKind::kData, true);
  std::vector<std::string> events = ids_of(before, after, VocabularyKind::kEvent, false);
  std::vector<RetentionChange> out;
  for (const auto& event : events) {
    // (before, after) answers → the data leaves they hold for
    std::map<std::string, RetentionChange> groups;
    for (const auto& d : data) {
      RetentionSide a = retention_side(before, d, event);
      RetentionSide b = retention_side(after, d, event);
      if (a.outcome == b.outcome && a.exceptions == b.exceptions) continue;
      std::string key = fmt::format("{}|{}|{}|{}|{}|{}", a.outcome, fmt::join(a.exceptions, ","),
                                    refs_key(a.entries), b.outcome, fmt::join(b.exceptions, ","),
                                    refs_key(b.entries));
      RetentionChange& c = groups[key];
      if (c.data_ids.empty()) {
        c.event = event;
        c.before = std::move(a);
        c.after = std::move(b);
      }
      c.data_ids.push_back(d);
    }
    for (auto& group : groups) {
      RetentionChange& c = group.second;
      std::vector<bool> selected(data.size());
      for (size_t i = 0; i < data.size(); ++i) {
        selected[i] = std::binary_search(c.data_ids.begin(), c.data_ids.end(), data[i]);
      }
      c.data = name_id_set(selected, data);
      bool new_exception = std::any_of(
          c.after.exceptions.begin(), c.after.exceptions.end(), [&](const std::string& e) {
            return !std::binary_search(c.before.exceptions.begin(), c.before.exceptions.end(), e);
          });
      c.loosened = keeps(c.after.outcome) > keeps(c.before.outcome) || new_exception;
      c.summary = fmt::format("on {}, {}: {} → {}", c.event, c.data, retention_text(c.before),
                              retention_text(c.after));
      out.push_back(std::move(c));
    }
  }
  return out;
}

// ---- rights

RightSide right_side(const Policy& p, const std::string& region, const std::string& right,
                     Date as_of) {
  RightSide side;
  try {
    RightsAnswer a = answer_right(p, region, right, as_of);
    side.available = a.available;
    side.promised = a.promised;
    side.statutory = a.statutory;
    if (a.available && a.deadline) side.deadline = format_duration(*a.deadline);
    if (a.available && a.extension) side.extension = format_duration(*a.extension);
    side.sources = a.sources;
    for (const auto& id : a.entries) {
      StatementRef ref{id, {}, {}, {}};
      for (const auto& e : p.rights) {
        if (e.id == id) {
          ref.citations = sections(e.citations);
          ref.location = e.location;
        }
      }
      side.entries.push_back(std::move(ref));
    }
  } catch (const std::invalid_argument&) {
    // The region or right is unknown to this side: not available.
  }
  return side;
}

bool same_right(const RightSide& a, const RightSide& b) {
  return a.available == b.available && a.promised == b.promised && a.deadline == b.deadline &&
         a.extension == b.extension;
}

int64_t approximate_days(const Duration& d) {
  return int64_t{d.years} * 365 + int64_t{d.months} * 30 + d.days;
}

int64_t approximate_days(const std::string& iso) {
  auto d = parse_duration(iso);
  return d ? approximate_days(*d) : 0;
}

std::string right_text(const RightSide& s) {
  if (!s.available) return "not available";
  std::string by = s.statutory && s.promised ? "law and policy" : s.statutory ? "law" : "policy";
  std::string out = fmt::format("available ({})", by);
  if (!s.deadline.empty()) {
    out += " within " + describe_duration(*parse_duration(s.deadline));
    if (!s.extension.empty()) out += " + " + describe_duration(*parse_duration(s.extension));
  }
  return out;
}

std::string right_kind(const RightSide& a, const RightSide& b) {
  if (a.available != b.available) return a.available ? "right-removed" : "right-added";
  if (a.promised != b.promised) return a.promised ? "promise-withdrawn" : "promise-added";
  int64_t before = approximate_days(a.deadline) + approximate_days(a.extension);
  int64_t after = approximate_days(b.deadline) + approximate_days(b.extension);
  if (a.deadline.empty() != b.deadline.empty()) {
    return b.deadline.empty() ? "deadline-lengthened" : "deadline-shortened";  // none = no limit
  }
  return after > before   ? "deadline-lengthened"
         : after < before ? "deadline-shortened"
                          : "deadline-changed";
}

void add_refs(std::vector<StatementRef>& to, const std::vector<StatementRef>& from) {
  for (const auto& r : from) {
    if (std::none_of(to.begin(), to.end(), [&](const StatementRef& t) { return t.id == r.id; })) {
      to.push_back(r);
    }
  }
}

// Into `out`: `c`, or its right added to a change of the same regions and answers (the statements
// aside), so a deadline lengthened for every right of a state is one change.
void merge_alike(std::vector<RightChange>& out, RightChange c) {
  auto state = [](const RightSide& s) {
    return std::tuple(s.available, s.promised, s.statutory, s.deadline, s.extension);
  };
  for (auto& o : out) {
    if (o.kind == c.kind && o.region_ids == c.region_ids && state(o.before) == state(c.before) &&
        state(o.after) == state(c.after)) {
      o.right_ids.push_back(c.right);
      add_refs(o.before.entries, c.before.entries);
      add_refs(o.after.entries, c.after.entries);
      for (const auto& src : c.before.sources) {
        if (std::find(o.before.sources.begin(), o.before.sources.end(), src) ==
            o.before.sources.end())
          o.before.sources.push_back(src);
      }
      for (const auto& src : c.after.sources) {
        if (std::find(o.after.sources.begin(), o.after.sources.end(), src) == o.after.sources.end())
          o.after.sources.push_back(src);
      }
      return;
    }
  }
  out.push_back(std::move(c));
}

std::vector<RightChange> rights_changes(const Policy& before, const Policy& after,
                                        const StatementDiffOptions& options) {
  std::set<std::string> regions;
  for (const Policy* p : {&before, &after}) {
    for (const auto& [id, name] : p->regions.regions()) regions.insert(id);
  }
  std::vector<std::string> rights = ids_of(before, after, VocabularyKind::kRight, false);
  std::vector<RightChange> out;
  for (const auto& right : rights) {
    std::map<std::string, RightChange> groups;
    for (const auto& region : regions) {
      RightSide a = right_side(before, region, right, options.as_of);
      RightSide b = right_side(after, region, right, options.as_of);
      if (same_right(a, b)) continue;
      std::string key =
          fmt::format("{}{}{}|{}|{}|{}|{}{}{}|{}|{}|{}", a.available, a.promised, a.statutory,
                      a.deadline, a.extension, refs_key(a.entries), b.available, b.promised,
                      b.statutory, b.deadline, b.extension, refs_key(b.entries));
      RightChange& c = groups[key];
      if (c.region_ids.empty()) {
        c.right = right;
        c.before = std::move(a);
        c.after = std::move(b);
      }
      c.region_ids.push_back(region);
    }
    for (auto& group : groups) {
      RightChange& c = group.second;
      c.regions =
          name_region_set({c.region_ids.begin(), c.region_ids.end()}, regions, options.naming);
      c.kind = right_kind(c.before, c.after);
      c.loosened = c.kind == "right-removed" || c.kind == "promise-withdrawn" ||
                   c.kind == "deadline-lengthened";
      c.right_ids = {c.right};
      merge_alike(out, std::move(c));
    }
  }
  for (auto& c : out) {
    c.right = fmt::format("{}", fmt::join(c.right_ids, ", "));
    c.summary = fmt::format("{} for subjects in {}: {} → {}", c.right, c.regions,
                            right_text(c.before), right_text(c.after));
  }
  // Weakening first: a right removed, a promise withdrawn, a deadline lengthened; then the rest.
  auto rank = [](const RightChange& c) {
    static const char* const kOrder[] = {"right-removed",       "promise-withdrawn",
                                         "deadline-lengthened", "right-added",
                                         "promise-added",       "deadline-shortened"};
    for (int i = 0; i < 6; ++i) {
      if (c.kind == kOrder[i]) return i;
    }
    return 6;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const RightChange& x, const RightChange& y) { return rank(x) < rank(y); });
  return out;
}

// ---- inventory

using FlowKey = std::tuple<std::string, std::string, std::string, std::string, std::string,
                           std::string>;  // item, data, action, purpose, recipient, destination

std::map<FlowKey, std::pair<const InventoryItem*, const InventoryFlow*>> declared(const Policy& p) {
  std::map<FlowKey, std::pair<const InventoryItem*, const InventoryFlow*>> out;
  for (const auto& item : p.inventory) {
    for (const auto& f : item.flows) {
      out[{item.id, item.data.id, action_name(f.action), f.purpose.id, f.recipient.id,
           f.destination.id}] = {&item, &f};
    }
  }
  return out;
}

std::vector<InventoryChange> inventory_changes(const Policy& before, const Policy& after) {
  auto a = declared(before);
  auto b = declared(after);
  std::vector<InventoryChange> out;
  auto add = [&](const auto& from, const auto& other, bool added) {
    for (const auto& [key, where] : from) {
      if (other.count(key)) continue;
      InventoryChange c;
      c.added = added;
      std::tie(c.item, c.data, c.action, c.purpose, c.recipient, c.destination) = key;
      c.citations = sections(where.first->citations);
      c.location = where.second->location;
      c.summary =
          fmt::format("{} {}: {} {} → {} ({}) for {}", added ? "declared" : "no longer declared",
                      c.item, c.action, c.data, c.recipient, c.destination, c.purpose);
      out.push_back(std::move(c));
    }
  };
  add(b, a, true);
  add(a, b, false);
  return out;
}

// ---- retention periods

std::string period_iso(const std::optional<RetentionPeriod>& p) {
  return p ? fmt::format("{} from {}", format_duration(p->duration), p->from.id) : "";
}

std::string period_text(const std::optional<RetentionPeriod>& p) {
  return p ? describe_period(*p) : "no period";
}

std::string period_kind(const std::optional<RetentionPeriod>& a,
                        const std::optional<RetentionPeriod>& b) {
  if (!a) return "period-added";
  if (!b) return "period-removed";  // no limit stated any more
  if (a->from.id != b->from.id) return "period-changed";
  int64_t before = approximate_days(a->duration);
  int64_t after = approximate_days(b->duration);
  return after > before   ? "period-lengthened"
         : after < before ? "period-shortened"
                          : "period-changed";
}

// Statements of one kind by id: (OLD's, NEW's); either may be null.
template <typename Statement>
void period_changes(const std::vector<Statement>& before, const std::vector<Statement>& after,
                    const char* statement, std::vector<PeriodChange>& out) {
  std::map<std::string, std::pair<const Statement*, const Statement*>> by_id;
  for (const auto& x : before) by_id[x.id].first = &x;
  for (const auto& x : after) by_id[x.id].second = &x;
  for (const auto& [id, sides] : by_id) {
    const auto& [a, b] = sides;
    if (!b) continue;  // removed statements are reported as such elsewhere
    const std::optional<RetentionPeriod> none;
    const auto& pa = a ? a->period : none;
    const auto& pb = b->period;
    if (period_iso(pa) == period_iso(pb)) continue;
    PeriodChange c;
    c.kind = period_kind(pa, pb);
    c.statement = statement;
    c.ref = {id, sections(b->citations), pb ? pb->location : b->location, a ? "edited" : "added"};
    c.before = period_iso(pa);
    c.after = period_iso(pb);
    c.loosened = c.kind == "period-lengthened" || c.kind == "period-removed";
    c.summary = fmt::format("{} {} ({}): {} → {}", statement, id, fmt::join(c.ref.citations, ", "),
                            period_text(pa), period_text(pb));
    out.push_back(std::move(c));
  }
}

std::vector<PeriodChange> all_period_changes(const Policy& before, const Policy& after) {
  std::vector<PeriodChange> out;
  period_changes(before.inventory, after.inventory, "inventory item", out);
  period_changes(before.retention, after.retention, "retention entry", out);
  std::stable_sort(out.begin(), out.end(), [](const PeriodChange& x, const PeriodChange& y) {
    return x.loosened > y.loosened;
  });
  return out;
}

// ---- which statements themselves differ

std::string retention_signature(const RetentionEntry& e) {
  std::string out =
      id_set_text(e.data) + "|" + e.event.id + "|" + retention_outcome_name(e.outcome) + "|";
  for (const auto& x : e.except_when) out += x.id + ",";
  out += "|" + period_iso(e.period);
  return out + "|" + fmt::format("{}", fmt::join(sections(e.citations), ",")) + "|" + e.quote;
}

std::string rights_signature(const RightsEntry& e) {
  std::string out = e.right.id + "|" + grant_name(e.grant) + "|" + (e.when ? e.when->text : "");
  if (e.response) {
    out += "|" + format_duration(e.response->deadline) + "|" +
           (e.response->extension ? format_duration(*e.response->extension) : "");
  }
  return out + "|" + fmt::format("{}", fmt::join(sections(e.citations), ",")) + "|" + e.quote;
}

template <typename Entry, typename Signature>
std::map<std::string, std::string> signatures(const std::vector<Entry>& entries, Signature sign) {
  std::map<std::string, std::string> out;
  for (const auto& e : entries) out[e.id] = sign(e);
  return out;
}

// Marks each statement named on a side by how it differs from the other side's of that id.
void mark_edits(std::vector<StatementRef>& refs, const std::map<std::string, std::string>& mine,
                const std::map<std::string, std::string>& other, const char* missing) {
  for (auto& r : refs) {
    auto theirs = other.find(r.id);
    auto ours = mine.find(r.id);
    if (theirs == other.end()) {
      r.edit = missing;
    } else if (ours != mine.end() && ours->second != theirs->second) {
      r.edit = "edited";
    }
  }
}

}  // namespace

StatementDiff diff_statements(const Policy* before, const Policy* after, const DiffResult& flows,
                              const StatementDiffOptions& options) {
  StatementDiff out;
  out.as_of = options.as_of;
  out.rules = rule_changes(before, after, flows);
  if (!before || !after) return out;
  out.compared = true;
  out.retention = retention_changes(*before, *after);
  out.rights = rights_changes(*before, *after, options);
  out.inventory = inventory_changes(*before, *after);
  out.periods = all_period_changes(*before, *after);
  auto old_retention = signatures(before->retention, retention_signature);
  auto new_retention = signatures(after->retention, retention_signature);
  for (auto& c : out.retention) {
    mark_edits(c.before.entries, old_retention, new_retention, "removed");
    mark_edits(c.after.entries, new_retention, old_retention, "added");
  }
  auto old_rights = signatures(before->rights, rights_signature);
  auto new_rights = signatures(after->rights, rights_signature);
  for (auto& c : out.rights) {
    mark_edits(c.before.entries, old_rights, new_rights, "removed");
    mark_edits(c.after.entries, new_rights, old_rights, "added");
  }
  for (const auto& c : out.retention) out.loosened += c.loosened;
  for (const auto& c : out.rights) out.loosened += c.loosened;
  for (const auto& c : out.periods) out.loosened += c.loosened;
  return out;
}

}  // namespace flowgate
