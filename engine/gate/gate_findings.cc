// summarize_gate: findings → groups (one cause each) with fixes, fingerprints and the baseline.
#include "gate/gate_findings.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "analysis/lint_passes.h"
#include "analysis/sarif.h"

namespace flowgate {
namespace {

constexpr std::string_view kBaselineFix = "or baseline it with a reason (flowgate gate --baseline)";

void add_unique(std::vector<std::string>& list, const std::string& item) {
  if (!item.empty() && std::find(list.begin(), list.end(), item) == list.end()) {
    list.push_back(item);
  }
}

// "technical.ads.identifier for analytics" → (data, purpose); unmapped readings have no " for "
// right after their first word.
bool split_reading(const std::string& reading, std::string& data, std::string& purpose) {
  size_t at = reading.find(" for ");
  if (at == std::string::npos || reading.find(' ') != at) return false;
  data = reading.substr(0, at);
  purpose = reading.substr(at + 5);
  return true;
}

// "a, b for x, y" from the readings; "" when none is mapped.
std::string readings_text(const std::vector<std::string>& readings) {
  std::vector<std::string> data, purposes;
  for (const auto& r : readings) {
    std::string d, p;
    if (!split_reading(r, d, p)) continue;
    add_unique(data, d);
    add_unique(purposes, p);
  }
  if (data.empty()) return "";
  return fmt::format("{} for {}", lint::abbreviate(data, 3), lint::abbreviate(purposes, 4));
}

// The Apple type of an entry label ("DeviceID for Analytics (tracking)" → "DeviceID").
std::string entry_type(const std::string& entry) {
  size_t at = entry.find(" for ");
  return at == std::string::npos ? entry : entry.substr(0, at);
}

// "DeviceID for Analytics, ThirdPartyAdvertising (tracking)" from the group's entries.
std::string entries_text(const std::vector<std::string>& entries) {
  if (entries.size() <= 1) return entries.empty() ? "" : entries.front();
  std::vector<std::string> types, purposes;
  bool tracking = false;
  for (const auto& e : entries) {
    std::string label = e;
    constexpr std::string_view kTracking = " (tracking)";
    if (label.size() > kTracking.size() &&
        label.compare(label.size() - kTracking.size(), kTracking.size(), kTracking) == 0) {
      tracking = true;
      label.resize(label.size() - kTracking.size());
    }
    size_t at = label.find(" for ");
    add_unique(types, at == std::string::npos ? label : label.substr(0, at));
    if (at != std::string::npos) add_unique(purposes, label.substr(at + 5));
  }
  if (types.size() > 1 || purposes.empty()) return lint::abbreviate(entries, 3);
  return fmt::format("{} for {}{}", types.front(), fmt::join(purposes, ", "),
                     tracking ? " (tracking)" : "");
}

std::string summary_of(const GateGroup& g, const std::vector<GateFinding>& findings) {
  const GateFinding& first = findings[g.members.front()];
  std::string what = entries_text(g.entries);
  std::string readings = readings_text(g.readings);
  std::string rules = g.rules.empty() ? "" : fmt::format(" ({})", lint::abbreviate(g.rules, 3));
  if (g.rule == "gate-unrouted-deny" && readings == what) {
    return fmt::format("{}: denied for {}{}, and the SDK is not routed through the runtime check",
                       what, lint::abbreviate(g.denied_for, 3), rules);
  }
  if (g.rule == "gate-unrouted-deny") {
    return fmt::format(
        "{}: {} denied for {}{}, and the SDK is not routed through the runtime check", what,
        readings, lint::abbreviate(g.denied_for, 3), rules);
  }
  if (g.rule == "gate-omitted") {
    if (readings.empty()) return fmt::format("{}: {}", what, g.readings.front());
    return fmt::format("{}: the policy never discloses {}", what, readings);
  }
  if (g.rule == "gate-incorrect") {
    return fmt::format("{}: the policy forbids {} for every subject{}", what, readings, rules);
  }
  if (g.rule == "gate-path-forbidden") {
    return fmt::format("{} path{} to {} ({}): never disclosed or forbidden{}", g.members.size(),
                       g.members.size() == 1 ? "" : "s", first.hop, readings, rules);
  }
  if (g.members.size() == 1) return first.message;
  return fmt::format("{} (and {} more like it)", first.message, g.members.size() - 1);
}

std::string fix_of(const GateGroup& g, const GateReport& report) {
  std::string sdk = g.component.empty() ? "the SDK" : g.component;
  if (g.rule == "gate-unrouted-deny" || g.rule == "gate-tracking-eu") {
    return fmt::format(
        "route {}'s calls through the runtime check (flowgate decide) and declare it in an SDK "
        "manifest with routed_through_runtime: true, {}",
        sdk, kBaselineFix);
  }
  if (g.rule == "gate-omitted") {
    std::string readings = readings_text(g.readings);
    if (readings.empty()) {
      return fmt::format(
          "map the Apple type {} in mappings/apple.yaml to the policy's data type (disclose the "
          "data type in the policy if it has none), {}",
          g.entries.empty() ? "" : entry_type(g.entries.front()), kBaselineFix);
    }
    return fmt::format("disclose {} in the policy (an allow rule quoting the policy), {}", readings,
                       kBaselineFix);
  }
  if (g.rule == "gate-incorrect") {
    return fmt::format("stop sending it, or change {} if the policy should allow it; {}",
                       g.rules.empty() ? "the rule" : lint::abbreviate(g.rules, 3), kBaselineFix);
  }
  if (g.rule == "gate-path-forbidden") {
    return fmt::format(
        "disclose the transfer in the policy or stop it (an SDK manifest's onward: lists where the "
        "vendor forwards data), {}",
        kBaselineFix);
  }
  (void)report;
  const GateRuleInfo* info = find_gate_rule(g.rule);
  return info ? std::string(info->fix) : std::string(kBaselineFix);
}

bool entry_level(const std::string& rule) {
  return rule == "gate-omitted" || rule == "gate-incorrect" || rule == "gate-unrouted-deny";
}

}  // namespace

const std::vector<GateRuleInfo>& gate_rules() {
  static const std::vector<GateRuleInfo> rules = {
      {"gate-omitted", "An SDK collects data the policy never discloses.",
       "No allow rule of the policy matches the flow for any subject class, or the declared Apple "
       "type or purpose has no counterpart in the policy (mappings/apple.yaml says why). The "
       "privacy policy would misstate what the app shares (PoliCheck's omitted flow).",
       "Disclose the data type in the policy, or map the Apple type in mappings/apple.yaml; or "
       "baseline it with a reason."},
      {"gate-incorrect", "An SDK sends data the policy forbids for every subject.",
       "A deny rule of the policy forbids the flow for every subject class (PoliCheck's incorrect "
       "flow): the SDK must not send it, whatever the user chooses.",
       "Stop the flow, or change the rule if the policy should allow it; or baseline it with a "
       "reason."},
      {"gate-unrouted-deny",
       "An SDK sends data the policy denies for some subjects, without asking the runtime.",
       "The policy denies the flow for some subject classes (a region, a minor, a signal), so the "
       "app must ask the runtime check (flowgate decide) before the SDK sends it; the SDK is not "
       "declared as routed through it.",
       "Route the SDK through the runtime check and declare it in an SDK manifest "
       "(routed_through_runtime: true); or baseline it with a reason."},
      {"gate-ambiguous", "The policy both discloses and forbids a flow.",
       "For an adult with default signals an allow rule matches and a deny rule overrides it.",
       "Reconcile the two rules (flowgate lint lists the contradiction).", Severity::kWarning},
      {"gate-ambiguous-reading", "One reading of a vague Apple type is not disclosed.",
       "Apple's type has several readings in the policy's vocabulary; another is disclosed, so "
       "this "
       "one is what the term might mean, not what it must.",
       "Narrow the reading in mappings/apple.yaml if the SDK never means it.", Severity::kWarning},
      {"gate-tracking-eu", "An SDK tracks without the runtime check where the EU denies it.",
       "The manifest declares tracking (NSPrivacyTracking) and the policy denies targeted "
       "advertising to an EU adult with default signals; nothing asks the runtime first.",
       "Route the SDK through the runtime check and declare it in an SDK manifest; or baseline it "
       "with a reason."},
      {"gate-tracking-domain", "A tracking domain the SDK declares.",
       "Listed for review; Apple expects host names, not URLs.",
       "Nothing, unless the domain is written as a URL (tell the vendor).", Severity::kNote},
      {"gate-path-forbidden",
       "A path of data off the device reaches a forbidden recipient or region.",
       "Following the SDK's declared recipient and the vendor's onward transfers, some hop is "
       "forbidden or never disclosed for every subject class.",
       "Disclose the transfer in the policy or stop it; or baseline it with a reason."},
      {"gate-path-limit", "The flow graph exceeds the gate's limits.",
       "More paths, or deeper ones, than the gate enumerates; the list is incomplete.",
       "Gate fewer SDKs per run."},
      {"gate-unknown-apple-type", "A manifest names a data type Apple does not document.",
       "The gate cannot tell what the type is, so it is treated as undisclosed.",
       "Use a documented NSPrivacyCollectedDataType, or map it in mappings/apple.yaml."},
      {"gate-no-purpose", "A collected data type has no purpose.",
       "Apple requires at least one NSPrivacyCollectedDataTypePurposes entry.",
       "Ask the vendor to declare the purposes.", Severity::kWarning},
      {"gate-app-manifest-overdeclared",
       "The app's manifest declares a flow no inventory item has.",
       "The app's PrivacyInfo.xcprivacy declares a type and purpose no inventory flow is behind.",
       "Remove it from the manifest, or add the flow to data_inventory.yaml.", Severity::kWarning},
      {"gate-app-manifest-missing", "The app's manifest omits a flow of the inventory.",
       "An inventory flow is not declared in the app's PrivacyInfo.xcprivacy.",
       "Declare it (flowgate gate --emit privacy-manifest writes the manifest)."},
      {"gate-slices-disagree", "The slices of one xcframework declare different things.",
       "The device and simulator slices of one xcframework ship different privacy manifests; the "
       "gate takes their union.",
       "Ask the vendor to ship one manifest in every slice.", Severity::kWarning},
  };
  return rules;
}

const GateRuleInfo* find_gate_rule(std::string_view id) {
  for (const auto& r : gate_rules()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::string gate_baseline_header() {
  return "# flowgate gate baseline: gate findings a reviewer has accepted, each with the reason.\n"
         "# `flowgate gate --baseline FILE` fails only on findings not listed here. Fingerprints\n"
         "# hash the rule, the ids of the statements involved and the manifest's path (never the\n"
         "# wording or a line number). Written by `flowgate gate --baseline FILE\n"
         "# --write-baseline`, which keeps existing reasons; replace every \"TODO: review\" with\n"
         "# the real reason.\n";
}

GateSummary summarize_gate(const GateReport& report, const Baseline* baseline) {
  const auto& findings = report.findings;
  auto component_index = [&](const std::string& name) {
    size_t c = 0;
    while (c < report.components.size() && report.components[c].name != name) ++c;
    return c;  // components.size() when none (a finding about the whole run)
  };
  // Readings of each component's own entries that already fail (a path through them repeats it).
  std::set<std::pair<std::string, std::string>> failing_readings;
  for (const auto& f : findings) {
    if (f.level != Severity::kError || !entry_level(f.rule)) continue;
    for (const auto& r : f.readings) failing_readings.emplace(f.component, r);
  }
  std::map<std::tuple<std::string, std::string, std::string, std::string>, size_t> index;
  GateSummary out;
  for (size_t i = 0; i < findings.size(); ++i) {
    const GateFinding& f = findings[i];
    std::string scope;  // what one group covers besides rule and component
    if (f.rule == "gate-path-forbidden") {
      if (!f.onward_hop && !f.readings.empty() &&
          failing_readings.count({f.component, f.readings.front()})) {
        continue;
      }
      scope = f.hop;
    } else if (f.rule == "gate-tracking-domain") {
      scope = "";  // all of an SDK's tracking domains: one note
    } else {
      scope = fmt::format("{}:{}:{}", f.location.line, f.location.column, f.entry);
      if (entry_level(f.rule) || f.rule == "gate-ambiguous-reading") {
        scope = fmt::format("{}:{}", f.location.line, f.location.column);
      }
    }
    auto key = std::make_tuple(f.component, f.rule, f.location.file, scope);
    if (f.rule == "gate-path-forbidden" || f.rule == "gate-tracking-domain") {
      std::get<2>(key) = "";
    }
    auto [it, fresh] = index.emplace(key, out.groups.size());
    if (fresh) {
      GateGroup g;
      g.rule = f.rule;
      g.level = f.level;
      g.component = f.component;
      g.location = f.location;
      out.groups.push_back(std::move(g));
    }
    GateGroup& g = out.groups[it->second];
    g.members.push_back(i);
    add_unique(g.entries, f.entry);
    for (const auto& r : f.readings) add_unique(g.readings, r);
    for (const auto& r : f.rules) add_unique(g.rules, r);
    for (const auto& s : f.denied_for) add_unique(g.denied_for, s);
  }
  // Locations, texts and fingerprints.
  for (auto& g : out.groups) {
    const GateFinding& first = findings[g.members.front()];
    size_t c = component_index(g.component);
    if (g.location.file.empty() && c < report.components.size()) {
      g.location = {report.components[c].path, 1, 1};
    }
    g.summary = summary_of(g, findings);
    g.fix = fix_of(g, report);
    std::vector<std::string> ids = g.entries;
    if (first.rule == "gate-path-forbidden") ids = {first.hop};
    if (ids.empty()) ids = g.readings;
    g.key = fmt::format("{}|{}", g.component, fmt::join(ids, "|"));
    g.fingerprint = sarif_fingerprint(g.rule, g.key, g.location.file);
  }
  std::stable_sort(
      out.groups.begin(), out.groups.end(), [&](const GateGroup& a, const GateGroup& b) {
        auto rank = [&](const GateGroup& g) { return component_index(g.component); };
        return std::make_tuple(rank(a), a.location.file, a.location.line, a.location.column) <
               std::make_tuple(rank(b), b.location.file, b.location.line, b.location.column);
      });
  if (baseline) {
    std::vector<std::string> fingerprints;
    for (const auto& g : out.groups) fingerprints.push_back(g.fingerprint);
    BaselineMatch match = match_baseline(*baseline, fingerprints);
    for (size_t i = 0; i < out.groups.size(); ++i) out.groups[i].baseline = match.entries[i];
    out.stale = std::move(match.stale);
  }
  out.sdks.resize(report.components.size());
  for (size_t c = 0; c < report.components.size(); ++c) out.sdks[c].component = c;
  for (const auto& g : out.groups) {
    size_t c = component_index(g.component);
    GateSdkLine* line = c < out.sdks.size() ? &out.sdks[c] : nullptr;
    if (g.baseline) {
      ++out.baselined;
      out.todo += g.baseline->reason == kBaselineTodo;
      if (line) ++line->baselined;
      continue;
    }
    if (g.level == Severity::kError) ++out.failing;
    if (!line) continue;
    line->errors += g.level == Severity::kError;
    line->warnings += g.level == Severity::kWarning;
    line->notes += g.level == Severity::kNote;
    line->failed = line->failed || g.level == Severity::kError;
  }
  return out;
}

Baseline gate_baseline(const Baseline& previous, const GateSummary& summary) {
  std::vector<std::pair<std::string, std::string>> listed;
  for (const auto& g : summary.groups) {
    if (g.level != Severity::kError) continue;
    listed.emplace_back(g.fingerprint, fmt::format("{}: {}: {}", g.rule, g.component, g.summary));
  }
  return updated_baseline(previous, listed);
}

}  // namespace flowgate
