// run_gate: decide every declared flow for every subject class, classify, and collect findings.
#include "gate/gate_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "reference/reference_evaluator.h"

namespace flowgate {
namespace {

const Rule* find_rule(const Policy& policy, const std::string& id) {
  for (const auto& rule : policy.rules) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

std::string flow_text(const DeclaredFlow& f) {
  if (!f.unmapped.empty()) return f.unmapped;
  return fmt::format("{} {} for {} to {} in {}", action_name(f.action), f.data, f.purpose,
                     f.recipient, f.destination);
}

// Denied for every subject even with signals.
bool denied_everywhere(const std::vector<SubjectDecision>& d) {
  return std::all_of(d.begin(), d.end(),
                     [](const SubjectDecision& s) { return s.verdict == CellVerdict::kDeny; });
}

std::string denied_subjects(const std::vector<SubjectDecision>& d,
                            const std::vector<SubjectClass>& subjects) {
  std::vector<std::string> names;
  for (size_t i = 0; i < d.size(); ++i) {
    if (d[i].verdict == CellVerdict::kDeny) {
      names.push_back(
          fmt::format("{} ({})", subjects[i].name, fmt::join(d[i].decision.rules, ", ")));
    } else if (d[i].verdict == CellVerdict::kAllowWithSignal) {
      names.push_back(fmt::format("{} (only with consent or the feature)", subjects[i].name));
    }
  }
  return fmt::to_string(fmt::join(names, "; "));
}

}  // namespace

std::vector<std::string> blame_rules(const std::vector<SubjectDecision>& decisions) {
  std::map<std::string, size_t> count;
  for (const auto& d : decisions) {
    if (d.verdict == CellVerdict::kAllow) continue;
    std::set<std::string> once(d.decision.rules.begin(), d.decision.rules.end());
    for (const auto& id : once) ++count[id];
  }
  size_t best = 0;
  for (const auto& [id, n] : count) best = std::max(best, n);
  std::vector<std::string> out;
  for (const auto& [id, n] : count) {
    if (n == best && best > 0) out.push_back(id);
  }
  return out;
}

std::vector<std::string> denied_subject_names(const std::vector<SubjectDecision>& decisions,
                                              const std::vector<SubjectClass>& subjects) {
  std::vector<std::string> out;
  for (size_t i = 0; i < decisions.size() && i < subjects.size(); ++i) {
    if (decisions[i].verdict != CellVerdict::kAllow) out.push_back(subjects[i].name);
  }
  return out;
}

std::vector<SubjectClass> standard_subject_classes() {
  return {
      {"EU adult", "DE", 30, false, true},
      {"EU minor", "DE", 15, false, true},
      {"CH adult", "CH", 30, false, true},
      {"GB adult", "GB", 30, false, true},
      {"JP adult", "JP", 30, false, true},
      {"US-CA adult", "US-CA", 30, false, true},
      {"US-VA adult", "US-VA", 30, false, true},
      {"US-CO adult + GPC", "US-CO", 30, true, true},
      {"toggle off (US-VA)", "US-VA", 30, false, false},
      {"rest of world (BR)", "BR", 30, false, true},
  };
}

const char* policheck_name(PoliCheckClass c) {
  switch (c) {
    case PoliCheckClass::kConsistent:
      return "consistent";
    case PoliCheckClass::kOmitted:
      return "omitted";
    case PoliCheckClass::kIncorrect:
      return "incorrect";
    case PoliCheckClass::kAmbiguous:
      return "ambiguous";
  }
  return "?";
}

const char* cell_name(CellVerdict v) {
  switch (v) {
    case CellVerdict::kAllow:
      return "allow";
    case CellVerdict::kAllowWithSignal:
      return "consent";
    case CellVerdict::kDeny:
      return "deny";
  }
  return "?";
}

bool GateReport::failed() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const GateFinding& f) { return f.level == Severity::kError; });
}

std::vector<SubjectDecision> decide_for_subjects(const Policy& policy, const DeclaredFlow& flow,
                                                 const std::vector<SubjectClass>& subjects,
                                                 Date as_of) {
  std::vector<SubjectDecision> out(subjects.size());
  if (!flow.unmapped.empty()) return out;
  std::set<std::string> features;
  const auto& feature_vocabulary = policy.vocabulary(VocabularyKind::kFeature);
  for (auto index : feature_vocabulary.leaves()) {
    features.insert(feature_vocabulary.term(index).id);
  }
  for (size_t i = 0; i < subjects.size(); ++i) {
    const SubjectClass& s = subjects[i];
    Query q;
    q.data = flow.data;
    q.purpose = flow.purpose;
    q.action = flow.action;
    q.recipient = flow.recipient;
    q.destination = flow.destination;
    q.region = s.region;
    q.age = s.age;
    q.as_of = as_of;
    q.gpc = s.gpc;
    q.ads_personalization = s.ads_personalization;
    Decision plain = evaluate_reference(policy, q);
    q.consents = {flow.purpose};
    q.features = features;
    Decision signalled = evaluate_reference(policy, q);
    SubjectDecision& d = out[i];
    d.verdict = plain.allow       ? CellVerdict::kAllow
                : signalled.allow ? CellVerdict::kAllowWithSignal
                                  : CellVerdict::kDeny;
    for (const auto& rule : policy.rules) {
      if (rule.effect == Effect::kAllow && rule_matches(rule, policy, q)) {
        d.allow_matched = true;
        break;
      }
    }
    if (!signalled.allow && d.allow_matched) {
      for (const auto& id : signalled.rules) {
        const Rule* rule = find_rule(policy, id);
        if (rule && rule->effect == Effect::kDeny) d.deny_overrode_allow = true;
      }
    }
    d.decision = std::move(signalled);
  }
  return out;
}

PoliCheckClass classify(const DeclaredFlow& flow, const std::vector<SubjectDecision>& decisions,
                        const std::vector<SubjectClass>& subjects) {
  if (!flow.unmapped.empty()) return PoliCheckClass::kOmitted;
  bool disclosed = std::any_of(decisions.begin(), decisions.end(),
                               [](const SubjectDecision& d) { return d.allow_matched; });
  if (!disclosed) return PoliCheckClass::kOmitted;
  if (denied_everywhere(decisions)) return PoliCheckClass::kIncorrect;
  for (size_t i = 0; i < decisions.size(); ++i) {
    bool adult = !subjects[i].age || *subjects[i].age >= 18;
    if (adult && subjects[i].default_signals() && decisions[i].deny_overrode_allow) {
      return PoliCheckClass::kAmbiguous;
    }
  }
  return PoliCheckClass::kConsistent;
}

namespace {

// ---- compute and render, per flow, per entry, per tracking declaration

// Why a flow is in its class, in words.
std::string flow_why(const DeclaredFlow& flow, const FlowResult& r,
                     const std::vector<SubjectClass>& subjects) {
  switch (r.policheck) {
    case PoliCheckClass::kOmitted:
      return flow.unmapped.empty()
                 ? fmt::format("no rule of the policy discloses {}", flow_text(flow))
                 : fmt::format("the SDK collects what the policy never discloses: {}",
                               flow.unmapped);
    case PoliCheckClass::kIncorrect:
      return fmt::format("the policy forbids {} for every subject ({})", flow_text(flow),
                         fmt::join(blame_rules(r.subjects), ", "));
    case PoliCheckClass::kAmbiguous:
    case PoliCheckClass::kConsistent:
      break;
  }
  return r.denied_for_some ? fmt::format("{}: denied for {}", flow_text(flow),
                                         denied_subjects(r.subjects, subjects))
                           : fmt::format("{}: allowed for every subject class", flow_text(flow));
}

// One declared flow decided for every subject class, classified, and whether it fails.
FlowResult gate_flow(const Policy& policy, const Component& comp, size_t c, size_t k,
                     const std::vector<SubjectClass>& subjects, Date as_of) {
  const DeclaredFlow& flow = comp.flows[k];
  FlowResult r;
  r.component = c;
  r.flow = k;
  r.subjects = decide_for_subjects(policy, flow, subjects, as_of);
  r.policheck = classify(flow, r.subjects, subjects);
  r.denied_for_some =
      !flow.unmapped.empty() ||
      std::any_of(r.subjects.begin(), r.subjects.end(),
                  [](const SubjectDecision& d) { return d.verdict != CellVerdict::kAllow; });
  r.fails = r.policheck == PoliCheckClass::kOmitted ||
            (r.denied_for_some && !comp.routed_through_runtime);
  r.why = flow_why(flow, r, subjects);
  return r;
}

// The finding a reading of an entry gives, if any. `other_reading`: a reading the policy never
// discloses, of an entry another reading of which it does, is what the vague term might mean,
// not what it must: a warning.
std::optional<GateFinding> reading_finding(const std::string& entry, const FlowResult& r,
                                           bool other_reading, const DeclaredFlow& flow,
                                           const std::string& component) {
  if (other_reading) {
    return GateFinding{
        "gate-ambiguous-reading", Severity::kWarning,
        fmt::format("{}: one reading is {}: {}", entry, policheck_name(r.policheck), r.why),
        flow.location, component};
  }
  if (r.policheck == PoliCheckClass::kOmitted) {
    return GateFinding{"gate-omitted", Severity::kError, fmt::format("{}: {}", entry, r.why),
                       flow.location, component};
  }
  if (r.fails) {
    return GateFinding{
        r.policheck == PoliCheckClass::kIncorrect ? "gate-incorrect" : "gate-unrouted-deny",
        Severity::kError,
        fmt::format("{}: {}; the integration does not route it through the runtime check", entry,
                    r.why),
        flow.location, component};
  }
  if (r.policheck == PoliCheckClass::kIncorrect) {
    return GateFinding{"gate-incorrect", Severity::kWarning,
                       fmt::format("{}: {}; the runtime check will always deny it", entry, r.why),
                       flow.location, component};
  }
  if (r.policheck == PoliCheckClass::kAmbiguous) {
    return GateFinding{
        "gate-ambiguous", Severity::kWarning,
        fmt::format("{}: the policy both discloses and forbids it — {}", entry, r.why),
        flow.location, component};
  }
  return std::nullopt;
}

// One declared entry of component `c`, from the results of its readings (`flows`, indices into
// report.flows): its class, whether it fails, and its readings' findings. A reading the entry
// discloses otherwise stops failing and is marked as an alternative reading.
EntryResult gate_entry(GateReport& report, size_t c, size_t e, const std::vector<size_t>& flows) {
  EntryResult er;
  er.component = c;
  er.entry = e;
  if (flows.empty()) return er;
  std::set<PoliCheckClass> classes;
  bool disclosed = false;
  for (size_t i : flows) {
    auto cls = report.flows[i].policheck;
    classes.insert(cls);
    disclosed =
        disclosed || cls == PoliCheckClass::kConsistent || cls == PoliCheckClass::kAmbiguous;
  }
  er.policheck = classes.size() == 1 ? *classes.begin() : PoliCheckClass::kAmbiguous;
  Component& comp = report.components[c];
  for (size_t i : flows) {
    FlowResult& r = report.flows[i];
    bool other_reading = disclosed && (r.policheck == PoliCheckClass::kOmitted ||
                                       r.policheck == PoliCheckClass::kIncorrect);
    if (other_reading) {
      r.fails = false;
      comp.flows[r.flow].alternative_reading = true;
    }
    if (auto finding =
            reading_finding(comp.entries[e], r, other_reading, comp.flows[r.flow], comp.name)) {
      const DeclaredFlow& flow = comp.flows[r.flow];
      finding->entry = comp.entries[e];
      finding->readings = {flow.unmapped.empty()
                               ? fmt::format("{} for {}", flow.data, flow.purpose)
                               : flow.unmapped};
      if (flow.unmapped.empty() && r.policheck != PoliCheckClass::kOmitted) {
        finding->rules = blame_rules(r.subjects);
        finding->denied_for = denied_subject_names(r.subjects, report.subjects);
      }
      report.findings.push_back(std::move(*finding));
    }
    er.fails = er.fails || r.fails;
  }
  return er;
}

// Tracking: every tracking domain is reported; tracking fails without the runtime check when the
// EU layer denies targeted advertising to an EU adult with default signals.
void tracking_findings(const Policy& policy, const Component& comp,
                       const std::vector<SubjectClass>& subjects, Date as_of,
                       std::vector<GateFinding>& findings) {
  for (size_t i = 0; i < comp.tracking_domains.size(); ++i) {
    const std::string& domain = comp.tracking_domains[i];
    findings.push_back({"gate-tracking-domain", Severity::kNote,
                        fmt::format("tracking domain {}{}", domain,
                                    domain.find("://") != std::string::npos
                                        ? " (written as a URL; Apple expects a host name)"
                                        : ""),
                        comp.tracking_domain_locations[i], comp.name});
  }
  if (!comp.tracking || comp.routed_through_runtime) return;
  DeclaredFlow ads;
  ads.data = "technical.ads.identifier";
  ads.purpose = "advertising.targeted";
  ads.recipient = "advertiser.measurement";
  ads.destination = "US";
  std::vector<SubjectClass> eu = {subjects.front()};
  for (const auto& s : subjects) {
    if (s.region == "DE" && s.age && *s.age >= 18 && s.default_signals()) eu = {s};
  }
  auto d = decide_for_subjects(policy, ads, eu, as_of);
  if (d.front().verdict == CellVerdict::kAllow) return;
  auto& finding = findings.emplace_back(
      "gate-tracking-eu", Severity::kError,
       fmt::format("{} tracks (NSPrivacyTracking), and tracking is denied for an {} ({}: "
                   "{}) while the integration does not route it through the runtime check",
                   comp.name, eu.front().name, fmt::join(d.front().decision.rules, ", "),
                   fmt::join(d.front().decision.citations, ", ")),
      comp.tracking_location, comp.name);
  finding.entry = "NSPrivacyTracking";
  finding.rules = d.front().decision.rules;
  finding.denied_for = {eu.front().name};
}

}  // namespace

GateReport run_gate(const Policy& policy, std::vector<Component> components, Date as_of,
                    std::vector<SubjectClass> subjects) {
  GateReport report;
  report.as_of = as_of;
  report.subjects = std::move(subjects);
  report.components = std::move(components);
  const auto& S = report.subjects;
  for (size_t c = 0; c < report.components.size(); ++c) {
    const Component& comp = report.components[c];
    for (const auto& finding : comp.findings) report.findings.push_back(finding);
    std::map<size_t, std::vector<size_t>> by_entry;  // entry → flow results
    for (size_t k = 0; k < comp.flows.size(); ++k) {
      by_entry[comp.flows[k].entry].push_back(report.flows.size());
      report.flows.push_back(gate_flow(policy, comp, c, k, S, as_of));
    }
    for (size_t e = 0; e < comp.entries.size(); ++e) {
      auto it = by_entry.find(e);
      report.entries.push_back(
          gate_entry(report, c, e, it == by_entry.end() ? std::vector<size_t>{} : it->second));
    }
    tracking_findings(policy, report.components[c], S, as_of, report.findings);
  }
  return report;
}

}  // namespace flowgate
