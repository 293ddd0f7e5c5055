// compute_report: the subject classes from the region catalog, the matrix decided by the reference
// evaluator, the flow graph, lint against the baseline, rights, retention and coverage.
#include "gate/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "gate/declared_flows.h"
#include "reference/reference_evaluator.h"

namespace flowgate {
namespace {

constexpr int kAdultAge = 30;
constexpr int kDefaultDigitalConsentAge = 16;  // GDPR Art. 8(1) where a member state sets none

// Regions a class of its own stands for, beside the groups (named by issue 13 for reviewers).
constexpr std::string_view kSingleRegions[] = {"CH", "GB", "JP", "US-CA"};

std::vector<std::string> members_of(const Policy& policy, std::string_view group, Date on) {
  std::vector<std::string> out;
  if (!policy.regions.group(group)) return out;
  for (const auto& [id, name] : policy.regions.regions()) {
    if (policy.regions.contains(group, id, on)) out.push_back(id);
  }
  return out;
}

int digital_consent_age(const Policy& policy, const std::string& region, Date on) {
  const DigitalConsentAge* best = nullptr;
  for (const auto& a : policy.digital_consent_ages) {
    if (a.region.id != region || on < a.effective) continue;
    if (!best || best->effective < a.effective) best = &a;
  }
  return best ? best->age : kDefaultDigitalConsentAge;
}

MatrixVerdict verdict_of(const Decision& d) {
  if (!d.allow) return MatrixVerdict::kDeny;
  return d.obligations.empty() ? MatrixVerdict::kAllow : MatrixVerdict::kObligations;
}

Query query_for(const InventoryItem& item, const InventoryFlow& flow, const SubjectClass& s,
                Date as_of) {
  Query q;
  q.data = item.data.id;
  q.purpose = flow.purpose.id;
  q.action = flow.action;
  q.recipient = flow.action == Action::kCollect ? "device" : flow.recipient.id;
  q.destination = flow.action == Action::kCollect ? "device" : flow.destination.id;
  q.region = s.region;
  q.age = s.age;
  q.as_of = as_of;
  q.gpc = s.gpc;
  q.ads_personalization = s.ads_personalization;
  return q;
}

MatrixCell decide_cell(const Policy& policy, const InventoryItem& item, const SubjectClass& s,
                       Date as_of, const std::set<std::string>& features) {
  MatrixCell cell;
  bool first = true;
  for (const auto& flow : item.flows) {
    Query q = query_for(item, flow, s, as_of);
    Decision d = evaluate_reference(policy, q);
    MatrixVerdict v = verdict_of(d);
    ++cell.flows;
    cell.denied += v == MatrixVerdict::kDeny;
    if (first || v > cell.verdict) {
      cell.verdict = v;
      cell.query = std::move(q);
      cell.decision = std::move(d);
      first = false;
    }
  }
  if (cell.flows > 0 && cell.verdict == MatrixVerdict::kDeny) {
    Query q = cell.query;
    q.consents = {q.purpose};
    q.features = features;
    cell.allowed_with_signal = evaluate_reference(policy, q).allow;
    if (cell.allowed_with_signal) cell.signal_query = std::move(q);
  }
  return cell;
}

std::vector<DecidingRule> deciding_rules(const Policy& policy,
                                         const std::vector<MatrixRow>& matrix) {
  std::map<std::string, size_t> count;
  std::map<std::string, const Decision*> example;
  for (const auto& row : matrix) {
    for (const auto& cell : row.cells) {
      for (const auto& id : cell.decision.rules) {
        ++count[id];
        example.emplace(id, &cell.decision);
      }
    }
  }
  std::vector<DecidingRule> out;
  for (const auto& rule : policy.rules) {
    auto it = count.find(rule.id);
    if (it == count.end()) continue;
    DecidingRule r;
    r.id = rule.id;
    r.rule = &rule;
    for (const auto& c : rule.citations) r.citations.push_back(c.section);
    r.cells = it->second;
    out.push_back(std::move(r));
    count.erase(it);
  }
  for (const auto& [id, cells] : count) {  // the engine's own: default-deny, unknown-id, …
    DecidingRule r;
    r.id = id;
    r.reason = example[id]->reason;
    r.citations = example[id]->citations;
    r.cells = cells;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<SectionCoverage> by_section(const CoverageReport& coverage) {
  std::vector<SectionCoverage> out;
  std::map<std::string, size_t> index;
  for (const auto& s : coverage.sentences) {
    auto [it, fresh] = index.emplace(s.sentence.section, out.size());
    if (fresh) out.push_back({s.sentence.section});
    SectionCoverage& c = out[it->second];
    ++c.sentences;
    c.quoted += s.quoted();
    c.listed += s.listed();
    c.unaccounted += !s.accounted();
  }
  return out;
}

}  // namespace

const char* matrix_verdict_name(MatrixVerdict v) {
  switch (v) {
    case MatrixVerdict::kAllow:
      return "allow";
    case MatrixVerdict::kObligations:
      return "obligations";
    case MatrixVerdict::kDeny:
      return "deny";
  }
  return "?";
}

LintGroup lint_group(const Finding& f) {
  if (f.baselined) return LintGroup::kReviewed;
  return at_or_above(f.severity, Severity::kWarning) ? LintGroup::kNew : LintGroup::kNote;
}

size_t Report::cells(MatrixVerdict v) const {
  size_t n = 0;
  for (const auto& row : matrix) {
    for (const auto& cell : row.cells) n += cell.flows > 0 && cell.verdict == v;
  }
  return n;
}

size_t Report::rule_index(std::string_view id) const {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].id == id) return i;
  }
  return rules.size();
}

std::vector<ReportSubject> report_subjects(const Policy& policy, Date as_of) {
  std::vector<ReportSubject> out;
  std::string day = format_date(as_of);
  auto eu = members_of(policy, "EU", as_of);
  if (!eu.empty()) {
    const std::string& r = eu.front();
    int age = digital_consent_age(policy, r, as_of);
    out.push_back({SubjectClass{"EU adult", r, kAdultAge, false, true},
                   fmt::format("{}, the first member of EU on {}, aged {}", r, day, kAdultAge),
                   eu});
    out.push_back({SubjectClass{"EU minor", r, age - 1, false, true},
                   fmt::format("{}, aged {}: below its digital-consent age of {} (GDPR Art. 8)", r,
                               age - 1, age),
                   eu});
  }
  for (auto id : kSingleRegions) {
    if (!policy.regions.is_region(id)) continue;
    out.push_back(
        {SubjectClass{fmt::format("{} adult", id), std::string(id), kAdultAge, false, true},
         fmt::format("{}, aged {}", id, kAdultAge),
         {}});
  }
  std::vector<std::string> uoom;
  for (auto& r : members_of(policy, "US_UNIVERSAL_OPT_OUT", as_of)) {
    bool own_class = std::any_of(out.begin(), out.end(),
                                 [&](const ReportSubject& s) { return s.subject.region == r; });
    if (!own_class) uoom.push_back(r);
  }
  if (!uoom.empty()) {
    out.push_back({SubjectClass{fmt::format("UOOM state + GPC ({})", uoom.front()), uoom.front(),
                                kAdultAge, true, true},
                   fmt::format("{}, the first state of US_UNIVERSAL_OPT_OUT on {} without a class "
                               "of its own, aged {}, sending GPC",
                               uoom.front(), day, kAdultAge),
                   uoom});
  }
  for (const auto& [id, name] : policy.regions.regions()) {
    bool grouped = false;
    for (const auto& [group, g] : policy.regions.groups()) {
      if (policy.regions.contains(group, id, as_of)) {
        grouped = true;
        break;
      }
    }
    if (grouped) continue;
    out.push_back(
        {SubjectClass{fmt::format("rest of world ({})", id), id, kAdultAge, false, true},
         fmt::format("{}, the first region in no region group on {}, aged {}", id, day, kAdultAge),
         {}});
    break;
  }
  return out;
}

std::string query_json_text(const Query& q) {
  nlohmann::ordered_json j;
  j["data"] = q.data;
  j["purpose"] = q.purpose;
  j["action"] = action_name(q.action);
  if (q.action != Action::kCollect) {
    j["recipient"] = q.recipient;
    j["destination"] = q.destination;
  }
  j["subject"]["region"] = q.region;
  j["subject"]["age"] = q.age ? nlohmann::ordered_json(*q.age) : nlohmann::ordered_json(nullptr);
  j["as_of"] = format_date(q.as_of);
  j["signals"] = {{"ads_personalization", q.ads_personalization}, {"gpc", q.gpc}};
  if (!q.consents.empty()) j["signals"]["consents"] = q.consents;
  if (!q.features.empty()) j["signals"]["features"] = q.features;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Report compute_report(const Policy& policy, const ReportOptions& options,
                      const Baseline& baseline) {
  Report r;
  r.policy_name = policy.info.name;
  r.policy_version = policy.info.version;
  r.as_of = options.as_of;
  r.subjects = report_subjects(policy, options.as_of);
  std::vector<SubjectClass> classes;
  for (const auto& s : r.subjects) classes.push_back(s.subject);

  std::set<std::string> features;
  const auto& feature_vocabulary = policy.vocabulary(VocabularyKind::kFeature);
  for (auto index : feature_vocabulary.leaves()) features.insert(feature_vocabulary.term(index).id);
  for (const auto& item : policy.inventory) {
    MatrixRow row{item.id, item.data.id, {}};
    for (const auto& s : classes) {
      row.cells.push_back(decide_cell(policy, item, s, options.as_of, features));
    }
    r.matrix.push_back(std::move(row));
  }
  r.rules = deciding_rules(policy, r.matrix);

  GateReport gate = run_gate(policy, {component_from_inventory(policy)}, options.as_of, classes);
  r.graph = build_flow_graph(policy, gate.components, options.as_of, gate.subjects);
  r.dot = to_dot(r.graph, fmt::format("{} {} — data flows as of {}", policy.info.name,
                                      policy.info.version, format_date(options.as_of)));

  r.findings = lint_policy(policy, LintOptions{options.as_of});
  r.lint.stale = apply_baseline(baseline, r.findings);
  r.lint.total = r.findings.size();
  for (const auto& f : r.findings) {
    if (!at_or_above(f.severity, Severity::kWarning)) continue;
    if (f.baselined) {
      ++r.lint.baselined;
      r.lint.todo += f.baseline_reason == kBaselineTodo;
    } else {
      ++r.lint.failing;
    }
  }
  std::stable_sort(r.findings.begin(), r.findings.end(), [](const Finding& a, const Finding& b) {
    return lint_group(a) < lint_group(b);
  });

  std::vector<std::string> regions;
  for (const auto& s : classes) {
    if (std::find(regions.begin(), regions.end(), s.region) == regions.end()) {
      regions.push_back(s.region);
    }
  }
  for (const auto& region : regions) {
    r.rights.push_back({region, answer_rights(policy, region, options.as_of)});
  }
  for (const auto& entry : policy.retention) r.retention.push_back(&entry);
  for (const auto& item : policy.inventory) r.periods.push_back({&item, item_period(policy, item)});
  r.coverage = compute_coverage(policy);
  r.coverage_by_section = by_section(r.coverage);
  return r;
}

}  // namespace flowgate
