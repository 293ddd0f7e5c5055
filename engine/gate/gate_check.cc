// run_gate: decide every declared flow for every subject class, classify, and collect findings.
#include "gate/gate_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "reference/reference_evaluator.h"

namespace flowgate {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(sep)) + item;
  return out;
}

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
      names.push_back(fmt::format("{} ({})", subjects[i].name, join(d[i].decision.rules)));
    } else if (d[i].verdict == CellVerdict::kAllowWithSignal) {
      names.push_back(fmt::format("{} (only with consent or the feature)", subjects[i].name));
    }
  }
  return join(names, "; ");
}

}  // namespace

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
      const DeclaredFlow& flow = comp.flows[k];
      FlowResult r;
      r.component = c;
      r.flow = k;
      r.subjects = decide_for_subjects(policy, flow, S, as_of);
      r.policheck = classify(flow, r.subjects, S);
      r.denied_for_some =
          !flow.unmapped.empty() ||
          std::any_of(r.subjects.begin(), r.subjects.end(),
                      [](const SubjectDecision& d) { return d.verdict != CellVerdict::kAllow; });
      switch (r.policheck) {
        case PoliCheckClass::kOmitted:
          r.why = flow.unmapped.empty()
                      ? fmt::format("no rule of the policy discloses {}", flow_text(flow))
                      : fmt::format("the SDK collects what the policy never discloses: {}",
                                    flow.unmapped);
          break;
        case PoliCheckClass::kIncorrect: {
          std::set<std::string> rules;
          for (const auto& d : r.subjects)
            rules.insert(d.decision.rules.begin(), d.decision.rules.end());
          r.why = fmt::format("the policy forbids {} for every subject ({})", flow_text(flow),
                              join({rules.begin(), rules.end()}));
          break;
        }
        case PoliCheckClass::kAmbiguous:
        case PoliCheckClass::kConsistent:
          r.why = r.denied_for_some
                      ? fmt::format("{}: denied for {}", flow_text(flow),
                                    denied_subjects(r.subjects, S))
                      : fmt::format("{}: allowed for every subject class", flow_text(flow));
          break;
      }
      r.fails = r.policheck == PoliCheckClass::kOmitted ||
                (r.denied_for_some && !comp.routed_through_runtime);
      by_entry[flow.entry].push_back(report.flows.size());
      report.flows.push_back(std::move(r));
    }
    for (size_t e = 0; e < comp.entries.size(); ++e) {
      EntryResult er;
      er.component = c;
      er.entry = e;
      auto it = by_entry.find(e);
      if (it == by_entry.end()) {
        report.entries.push_back(er);
        continue;
      }
      std::set<PoliCheckClass> classes;
      bool disclosed = false;
      for (size_t i : it->second) {
        auto cls = report.flows[i].policheck;
        classes.insert(cls);
        disclosed =
            disclosed || cls == PoliCheckClass::kConsistent || cls == PoliCheckClass::kAmbiguous;
      }
      er.policheck = classes.size() == 1 ? *classes.begin() : PoliCheckClass::kAmbiguous;
      const std::string& entry = comp.entries[e];
      for (size_t i : it->second) {
        FlowResult& r = report.flows[i];
        const DeclaredFlow& flow = comp.flows[r.flow];
        // A reading the policy never discloses, of an entry another reading of which it does
        // disclose, is what the vague term might mean, not what it must: a warning.
        bool other_reading = disclosed && (r.policheck == PoliCheckClass::kOmitted ||
                                           r.policheck == PoliCheckClass::kIncorrect);
        if (other_reading) {
          r.fails = false;
          report.components[c].flows[r.flow].alternative_reading = true;
          report.findings.push_back(
              {"gate-ambiguous-reading", Severity::kWarning,
               fmt::format("{}: one reading is {}: {}", entry, policheck_name(r.policheck), r.why),
               flow.location, comp.name});
        } else if (r.policheck == PoliCheckClass::kOmitted) {
          report.findings.push_back({"gate-omitted", Severity::kError,
                                     fmt::format("{}: {}", entry, r.why), flow.location,
                                     comp.name});
        } else if (r.fails) {
          report.findings.push_back(
              {r.policheck == PoliCheckClass::kIncorrect ? "gate-incorrect" : "gate-unrouted-deny",
               Severity::kError,
               fmt::format("{}: {}; the integration does not route it through the runtime check",
                           entry, r.why),
               flow.location, comp.name});
        } else if (r.policheck == PoliCheckClass::kIncorrect) {
          report.findings.push_back(
              {"gate-incorrect", Severity::kWarning,
               fmt::format("{}: {}; the runtime check will always deny it", entry, r.why),
               flow.location, comp.name});
        } else if (r.policheck == PoliCheckClass::kAmbiguous) {
          report.findings.push_back(
              {"gate-ambiguous", Severity::kWarning,
               fmt::format("{}: the policy both discloses and forbids it — {}", entry, r.why),
               flow.location, comp.name});
        }
        er.fails = er.fails || r.fails;
      }
      report.entries.push_back(er);
    }
    // Tracking: reported always; fails without the runtime check where the EU layer denies it.
    for (size_t i = 0; i < comp.tracking_domains.size(); ++i) {
      const std::string& domain = comp.tracking_domains[i];
      report.findings.push_back({"gate-tracking-domain", Severity::kNote,
                                 fmt::format("tracking domain {}{}", domain,
                                             domain.find("://") != std::string::npos
                                                 ? " (written as a URL; Apple expects a host name)"
                                                 : ""),
                                 comp.tracking_domain_locations[i], comp.name});
    }
    if (comp.tracking && !comp.routed_through_runtime) {
      DeclaredFlow ads;
      ads.data = "technical.ads.identifier";
      ads.purpose = "advertising.targeted";
      ads.recipient = "advertiser.measurement";
      ads.destination = "US";
      std::vector<SubjectClass> eu = {S.front()};
      for (const auto& s : S) {
        if (s.region == "DE" && s.age && *s.age >= 18 && s.default_signals()) eu = {s};
      }
      auto d = decide_for_subjects(policy, ads, eu, as_of);
      if (d.front().verdict != CellVerdict::kAllow) {
        report.findings.push_back(
            {"gate-tracking-eu", Severity::kError,
             fmt::format("{} tracks (NSPrivacyTracking), and tracking is denied for an {} ({}: "
                         "{}) while the integration does not route it through the runtime check",
                         comp.name, eu.front().name, join(d.front().decision.rules),
                         join(d.front().decision.citations)),
             comp.tracking_location, comp.name});
      }
    }
  }
  return report;
}

}  // namespace flowgate
