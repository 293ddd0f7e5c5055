// flowgate_bench scale --policy DIR --work DIR [--n 100,1000,10000] [--categories M]
// [--regions R] [--keep 1]: synthetic policies of N rules, each written under WORK, loaded,
// checked, compiled, encoded and timed on 100,000 random queries; one JSON row per size.
//
// N rules over M synthetic data categories (in groups of 8) and R regions: the shipped policy
// text, jurisdictions and vocabularies (data gains the synthetic categories), and rules/ holding
// only the generated ones. Each rule: allow (90%) or deny, 1-3 categories or a group, 1-2
// purposes, an action, a recipient, and a condition on the subject's region drawn from R regions,
// the region groups, an age threshold, a date, or a signal.
//
// flowgate_bench scale --apps A --policy DIR --work DIR [--regions R] [--keep 1]: one row for the
// policy a company with A apps in R jurisdictions (bench/run: 20 and 60, the default R) would
// write, built from the shipped rules as shapes (write_multi_app), with the same figures, lint
// (lint_policy) and the diff against a one-rule edit of it as `flowgate diff` computes it.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "analysis/lint_findings.h"
#include "analysis/semantic_diff.h"
#include "analysis/statement_diff.h"
#include "bench.h"
#include "bundle/bundle_writer.h"
#include "compile/compiler.h"
#include "model/calendar.h"

namespace flowgate::bench {
namespace {

namespace fs = std::filesystem;

// The shipped policy's text, jurisdictions, vocabularies and inventory, without its rules.
void copy_shipped(const fs::path& src, const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir / "rules" / "vocabulary");
  fs::copy(src / "jurisdictions", dir / "jurisdictions", fs::copy_options::recursive);
  for (auto& f : fs::directory_iterator(src / "rules" / "vocabulary"))
    fs::copy(f.path(), dir / "rules" / "vocabulary" / f.path().filename());
  fs::copy(src / "rules" / "policy.yaml", dir / "rules" / "policy.yaml");
  fs::copy(src / "rules" / "kapi-action-privacy-policy.txt",
           dir / "rules" / "kapi-action-privacy-policy.txt");
  if (fs::exists(src / "data_inventory.yaml"))
    fs::copy(src / "data_inventory.yaml", dir / "data_inventory.yaml");
}

// M synthetic data categories, in groups of 8, appended to the data vocabulary.
void add_synthetic_categories(const fs::path& dir, size_t m) {
  std::ofstream d(dir / "rules" / "vocabulary" / "data.yaml", std::ios::app);
  d << "\n  # ---- synthetic categories (bench/) ----\n";
  for (size_t g = 0; g < (m + 7) / 8; ++g)
    d << "  - id: synth" << g << "\n    description: Synthetic group " << g
      << ".\n    citations: [\"§1.3\"]\n";
  for (size_t i = 0; i < m; ++i)
    d << "  - id: synth" << i / 8 << ".c" << i << "\n    parents: [synth" << i / 8
      << "]\n    description: Synthetic category " << i << ".\n    citations: [\"§1.3\"]\n";
}

// The first R of a fixed list of ISO codes the shipped catalog knows.
std::vector<std::string> synthetic_regions(size_t r) {
  static const std::vector<std::string> all_regions = {
      "DE",    "FR",    "IT",    "ES",    "NL",    "BE",    "AT",    "PL",    "SE",
      "DK",    "FI",    "IE",    "PT",    "GR",    "CZ",    "HU",    "RO",    "BG",
      "HR",    "SI",    "SK",    "LT",    "LV",    "EE",    "LU",    "MT",    "CY",
      "IS",    "LI",    "NO",    "CH",    "GB",    "JP",    "CN",    "KR",    "IN",
      "BR",    "MX",    "CA",    "AU",    "US-CA", "US-VA", "US-CO", "US-CT", "US-UT",
      "US-TX", "US-OR", "US-MT", "US-IA", "US-DE", "US-NH", "US-NJ", "US-TN", "US-MN",
      "US-MD", "US-IN", "US-KY", "US-RI", "US-NE", "US-FL", "US-NY", "US-WA"};
  return std::vector<std::string>(all_regions.begin(),
                                  all_regions.begin() + std::min(r, all_regions.size()));
}

// The rule's match: 1-3 categories or a group, 1-2 purposes, a recipient.
void write_synthetic_match(std::ostream& y, std::mt19937_64& rng, size_t m) {
  static const std::vector<std::string> purposes = {
      "core_functionality", "user_functions",   "paid_services",        "support",
      "security",           "legal_compliance", "advertising.targeted", "advertising.measurement",
      "analytics",          "marketing",        "cross_device_linking"};
  static const std::vector<std::string> recipients = {"first_party",
                                                      "affiliate",
                                                      "service_provider.payment",
                                                      "service_provider.cloud_storage",
                                                      "advertiser.apple",
                                                      "advertiser.google",
                                                      "advertiser.measurement"};
  y << "\n    match:\n      data: [";
  if (rng() % 4 == 0) {
    y << "synth" << rng() % ((m + 7) / 8);
  } else {
    size_t k = 1 + rng() % 3;
    std::set<size_t> cs;
    while (cs.size() < k) cs.insert(rng() % m);
    bool first = true;
    for (size_t cidx : cs) {
      y << (first ? "" : ", ") << "synth" << cidx / 8 << ".c" << cidx;
      first = false;
    }
  }
  y << "]\n      purpose: [" << purposes[rng() % purposes.size()];
  if (rng() % 2) y << ", " << purposes[rng() % purposes.size()];
  y << "]\n      action: transmit\n      recipient: " << recipients[rng() % recipients.size()]
    << "\n";
}

// The rule's condition: regions, a region group, an age threshold, a date or a signal.
void write_synthetic_when(std::ostream& y, std::mt19937_64& rng,
                          const std::vector<std::string>& regions) {
  static const std::vector<std::string> groups = {"EU", "EU_EEA", "EEA_CH", "US_PRIVACY_LAW"};
  switch (rng() % 6) {
    case 0:
    case 1: {
      y << "    when: \"subject.region in [";
      size_t k = 1 + rng() % 4;
      std::set<std::string> rs;
      while (rs.size() < std::min(k, regions.size())) rs.insert(regions[rng() % regions.size()]);
      bool first = true;
      for (auto& s : rs) {
        y << (first ? "" : ", ") << s;
        first = false;
      }
      y << "]\"\n";
      break;
    }
    case 2:
      y << "    when: \"subject.region in " << groups[rng() % groups.size()] << "\"\n";
      break;
    case 3:
      y << "    when: \"known(subject.age) and subject.age >= " << 13 + rng() % 8 << "\"\n";
      break;
    case 4:
      y << "    when: \"as_of >= 2026-0" << 1 + rng() % 9 << "-01\"\n";
      break;
    default:
      y << "    when: \"not signals.gpc\"\n";
      break;
  }
}

void write_synthetic(const fs::path& src, const fs::path& dir, size_t n, size_t m, size_t r,
                     uint64_t seed) {
  copy_shipped(src, dir);
  add_synthetic_categories(dir, m);
  std::vector<std::string> regions = synthetic_regions(r);
  std::mt19937_64 rng(seed);
  // 500 rules a file: the loader's limit is 1 MiB per YAML file.
  std::ofstream y;
  const char* quote = "We will also collect Ads identifiers for advertising purposes.";
  for (size_t i = 0; i < n; ++i) {
    if (i % 500 == 0) {
      if (y.is_open()) y.close();
      y.open(dir / "rules" / ("synthetic-" + std::to_string(i / 500) + ".yaml"));
      y << "# Generated by bench/ (flowgate_bench scale): " << n << " rules over " << m
        << " categories and " << regions.size() << " regions.\nrules:\n";
    }
    bool deny = rng() % 10 == 0;
    y << "  - id: synth-rule-" << i << "\n    effect: " << (deny ? "deny" : "allow");
    write_synthetic_match(y, rng, m);
    write_synthetic_when(y, rng, regions);
    y << "    citations: [\"§1.3\", \"§3\"]\n    quote: \"" << quote << "\"\n";
  }
}

// ---- the multi-app policy
//
// A company with A apps in R jurisdictions: each app states the shipped policy for its own data,
// and narrows it region by region the way the shipped regional rules do, with the parameters the
// jurisdictions' facts give each region. So the policy's classes are those a real one has: ages
// the statutes share (GDPR Art. 8's 13-16, COPPA's 13), dates the laws share (each state law's
// effective date, each opt-out signal's), regions one by one, destinations inside or outside the
// region's transfer area.

// "app07": the app's data group; its categories are the shipped ones under that prefix.
std::string app_name(size_t a) {
  std::ostringstream s;
  s << "app" << std::setw(2) << std::setfill('0') << a;
  return s.str();
}

// A YAML double-quoted scalar (JSON's string syntax is a subset of it).
std::string yaml_quoted(const std::string& text) {
  return json(text).dump();
}

std::string id_list(const std::vector<IdRef>& ids, const std::string& prefix = "") {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + prefix + ids[i].id;
  return out + "]";
}

// Each app's copy of every shipped data term: "app07.media.photo" under "app07.media". A copy of
// a shipped group is also under that group, so what names the group (retention, the statutes)
// covers every app's copies; shipped leaves stay leaves (the public ids apps send).
void add_app_categories(const fs::path& dir, const Vocabulary& data, size_t apps) {
  std::ofstream d(dir / "rules" / "vocabulary" / "data.yaml", std::ios::app);
  d << "\n  # ---- one copy per app (bench/, flowgate_bench scale --apps) ----\n";
  for (size_t a = 0; a < apps; ++a) {
    std::string app = app_name(a);
    d << "  - id: " << app << "\n    description: The categories app " << a
      << " collects.\n    citations: [\"§1\"]\n";
    for (Vocabulary::Index t = 0; t < data.size(); ++t) {
      const Term& term = data.term(t);
      std::vector<std::string> parents;
      for (const auto& p : term.parents) parents.push_back(app + "." + p);
      if (term.parents.empty()) parents.push_back(app);
      if (!data.is_leaf(t)) parents.push_back(term.id);
      d << "  - id: " << app << "." << term.id << "\n    parents: [";
      for (size_t i = 0; i < parents.size(); ++i) d << (i ? ", " : "") << parents[i];
      d << "]\n    description: " << yaml_quoted(term.id + " of " + app + ".")
        << "\n    citations: [";
      for (size_t i = 0; i < term.citations.size(); ++i)
        d << (i ? ", " : "") << yaml_quoted(term.citations[i].section);
      d << "]\n";
    }
  }
}

// One rule in the shape of the shipped `shape` (effect, match, obligations, bases, citations and
// quote) for the data `data`, under the condition `when` ("" for none).
void write_shaped_rule(std::ostream& y, const Rule& shape, const std::string& id,
                       const std::string& data, const std::string& when) {
  y << "  - id: " << id << "\n    effect: " << effect_name(shape.effect)
    << "\n    match:\n      data: " << data << "\n";
  if (!shape.purpose.any) y << "      purpose: " << id_list(shape.purpose.ids) << "\n";
  y << "      action: " << action_name(shape.action) << "\n";
  if (!shape.recipient.any) y << "      recipient: " << id_list(shape.recipient.ids) << "\n";
  if (!shape.destination.any) y << "      destination: " << id_list(shape.destination.ids) << "\n";
  if (!when.empty()) y << "    when: " << yaml_quoted(when) << "\n";
  if (!shape.obligations.empty()) y << "    obligations: " << id_list(shape.obligations) << "\n";
  if (!shape.bases.empty()) y << "    bases: " << id_list(shape.bases) << "\n";
  y << "    citations: [";
  for (size_t i = 0; i < shape.citations.size(); ++i)
    y << (i ? ", " : "") << yaml_quoted(shape.citations[i].section);
  y << "]\n    quote: " << yaml_quoted(shape.quote) << "\n";
}

// What the regional rules of one region take from the jurisdictions' facts.
struct RegionLaw {
  std::string id;
  bool eea = false, us = false;
  int consent_age = 16;               // GDPR Art. 8's age of the member state; COPPA's 13 in the US
  std::optional<Date> law_effective;  // the region's own privacy law (US states, CH)
  std::optional<Date> opt_out;        // from when a universal opt-out signal binds there
};

RegionLaw region_law(const Policy& p, const std::string& region, Date on) {
  RegionLaw law{region};
  law.eea = p.regions.contains("EU_EEA", region, on);
  law.us = p.regions.contains("UNITED_STATES", region, on);
  if (law.us) law.consent_age = 13;
  for (const auto& age : p.digital_consent_ages) {
    if (age.region.id == region && age.effective <= on) law.consent_age = age.age;
  }
  for (const auto& j : p.jurisdictions) {
    if (j.id != region) continue;
    law.law_effective = j.law.effective;
    for (const auto& o : j.universal_opt_out) {
      if (!o.required) continue;
      law.opt_out = o.effective;
      break;
    }
  }
  return law;
}

// The shipped rules the regional rules take their shape from, one per region instead of one per
// group (so no app carries these as the shipped policy states them).
constexpr const char* kMinorsEeaShape = "eu-minors-under-16-denied";
constexpr const char* kMinorsShape = "minors-parents-decide";
constexpr const char* kSaleShape = "ca-no-sale-or-sharing";
constexpr const char* kOptOutShape = "universal-opt-out-signal";
constexpr const char* kSccShape = "eu-transfer-scc";
constexpr const char* kAdequacyShape = "eu-transfer-adequacy";

const Rule& shape_rule(const Policy& shipped, const std::string& id) {
  for (const auto& rule : shipped.rules) {
    if (rule.id == id) return rule;
  }
  throw std::runtime_error("the shipped rule '" + id +
                           "' the multi-app policy takes its shape from is gone");
}

// One app's regional rules for one region: minors below the region's age, targeted advertising
// to third parties (from the state law's date, else only with consent), the opt-out signal where
// a law makes it binding, and transfers leaving the region's area. `edited`: the one-rule edit
// the diff is timed on (this minors rule with another age the statutes use).
size_t write_regional_rules(std::ostream& y, const Policy& shipped, const std::string& app,
                            const RegionLaw& law, bool edited) {
  std::string prefix = app + "-" + law.id + "-";
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string subject = "subject.region == \"" + law.id + "\"";
  int age = edited ? (law.consent_age == 13 ? 16 : 13) : law.consent_age;
  size_t n = 0;
  if (law.eea) {
    write_shaped_rule(
        y, shape_rule(shipped, kMinorsEeaShape), prefix + "minors", app,
        subject + " and (not known(subject.age) or subject.age < " + std::to_string(age) + ")");
  } else {
    write_shaped_rule(y, shape_rule(shipped, kMinorsShape), prefix + "minors", app,
                      subject + " and subject.age < " + std::to_string(age) +
                          " and not signals.parental_consent");
  }
  ++n;
  write_shaped_rule(y, shape_rule(shipped, kSaleShape), prefix + "no-sale", app,
                    law.us && law.law_effective
                        ? subject + " and as_of >= " + format_date(*law.law_effective)
                        : subject + " and not consent(\"advertising.targeted\")");
  ++n;
  if (law.opt_out) {
    write_shaped_rule(y, shape_rule(shipped, kOptOutShape), prefix + "opt-out-signal", app,
                      "signals.gpc and " + subject + " and as_of >= " + format_date(*law.opt_out));
    ++n;
  }
  std::string outside = law.eea  ? "not destination in EU_EEA"
                        : law.us ? "not destination in UNITED_STATES"
                                 : "not destination in [" + law.id + "]";
  if (law.eea) {
    write_shaped_rule(y, shape_rule(shipped, kSccShape), prefix + "transfer-scc", app,
                      subject + " and " + outside + " and not destination in EU_ADEQUATE");
    write_shaped_rule(y, shape_rule(shipped, kAdequacyShape), prefix + "transfer-adequacy", app,
                      subject + " and " + outside + " and destination in EU_ADEQUATE");
    n += 2;
  } else {
    write_shaped_rule(y, shape_rule(shipped, kSccShape), prefix + "transfer-scc", app,
                      subject + " and " + outside);
    ++n;
  }
  return n;
}

// Each app's inventory: the shipped items, for the app's own categories.
void write_app_inventory(const fs::path& dir, const Policy& shipped, size_t apps) {
  std::ofstream y(dir / "data_inventory.yaml");
  y << "# Generated by bench/ (flowgate_bench scale --apps): the shipped inventory, for each of "
    << apps << " apps.\ninventory:\n";
  for (size_t a = 0; a < apps; ++a) {
    std::string app = app_name(a);
    for (const auto& item : shipped.inventory) {
      y << "  - id: " << app << "-" << item.id << "\n    data: " << app << "." << item.data.id
        << "\n    source: " << data_source_name(item.source) << "\n    citations: [";
      for (size_t i = 0; i < item.citations.size(); ++i)
        y << (i ? ", " : "") << yaml_quoted(item.citations[i].section);
      y << "]\n";
      if (item.period) {
        y << "    period: {duration: " << format_duration(item.period->duration)
          << ", from: " << item.period->from.id << ", source: " << yaml_quoted(item.period->source)
          << "}\n";
      }
      y << "    flows:\n";
      for (const auto& f : item.flows) {
        y << "      - {action: " << action_name(f.action) << ", purpose: " << f.purpose.id
          << ", recipient: " << f.recipient.id << ", destination: " << f.destination.id << "}\n";
      }
    }
  }
}

// The multi-app policy under `dir`: the shipped text, jurisdictions, vocabularies (data with each
// app's copies), retention and rights; each app's inventory; and rules/appNN.yaml per app (the
// shipped policy rules for its data, then its rules for each of the `regions`). Returns the number
// of rules written. `edit`: one rule differs (write_regional_rules).
size_t write_multi_app(const Policy& shipped, const fs::path& src, const fs::path& dir, size_t apps,
                       const std::vector<std::string>& regions, bool edit) {
  copy_shipped(src, dir);
  for (const char* f : {"retention.yaml", "rights.yaml"})
    fs::copy(src / "rules" / f, dir / "rules" / f);
  add_app_categories(dir, shipped.vocabulary(VocabularyKind::kData), apps);
  write_app_inventory(dir, shipped, apps);
  const std::set<std::string> regional = {kMinorsEeaShape, kMinorsShape, kSaleShape,
                                          kOptOutShape,    kSccShape,    kAdequacyShape};
  Date on = today();
  std::vector<RegionLaw> laws;
  for (const auto& r : regions) laws.push_back(region_law(shipped, r, on));
  size_t n = 0;
  for (size_t a = 0; a < apps; ++a) {
    std::string app = app_name(a);
    // One file per app: its rules stay well under the loader's 1 MiB per file.
    std::ofstream y(dir / "rules" / (app + ".yaml"));
    y << "# Generated by bench/ (flowgate_bench scale --apps): app " << a << " of " << apps
      << ", in " << regions.size() << " regions.\nrules:\n";
    for (const auto& rule : shipped.rules) {
      if (rule.statute || !rule.derived_from.empty() || regional.count(rule.id)) continue;
      write_shaped_rule(y, rule, app + "-" + rule.id,
                        rule.data.any ? app : id_list(rule.data.ids, app + "."),
                        rule.when ? rule.when->text : "");
      ++n;
    }
    for (size_t i = 0; i < laws.size(); ++i)
      n += write_regional_rules(y, shipped, app, laws[i], edit && a == apps / 2 && i == 0);
  }
  return n;
}

// decide() timed on 100,000 random queries of the synthetic policy.
Timing time_synthetic(const CompiledPolicy& c, const runtime::Bundle& bundle) {
  std::mt19937_64 rng(7);
  std::vector<runtime::InternedQuery> qs;
  for (size_t i = 0; i < 100000; ++i)
    qs.push_back(intern(bundle, stream_query(random_query(rng, c))));
  return time_batches(qs.size(), 3, 0.3, [&](size_t b, size_t e) {
    uint64_t sum = 0;
    for (size_t i = b; i < e; ++i) sum += bundle.decide(qs[i]);
    g_sink = sum;
  });
}

// Compiles a checked policy, encodes its bundle and times decide on it, adding the figures to
// `row`. Returns the compiled policy, or nothing when its bundle does not load (the reason on
// stderr).
std::optional<CompiledPolicy> compile_and_time(const Policy& policy, json& row) {
  CompileStats stats;
  auto t0 = Clock::now();
  CompiledPolicy c = compile_policy(policy, &stats);
  double compile_ms = ms_since(t0);
  row["compile_ms"] = compile_ms;
  row["combinations"] = stats.combinations;
  row["diagram_nodes"] = stats.diagram_nodes;
  row["decisions"] = stats.decisions;
  std::cerr << "scale: " << row["rules"] << " rules: compile " << compile_ms << " ms, "
            << stats.diagram_nodes << " nodes, " << stats.decisions << " decision records\n";
  std::string bytes;
  try {
    // As `flowgate compile` writes it: with a serial, so with the narrowest children it allows.
    bytes = encode_bundle(c, EncodeOptions{.serial = 1});
  } catch (const std::exception& e) {
    // A policy past the bundle format's limits (its size, its ids) is a row that says so.
    row["bundle_error"] = e.what();
    return c;
  }
  std::unique_ptr<const runtime::Bundle> bundle;
  auto status = runtime::Bundle::load(bytes, &bundle);
  if (!status.ok()) {
    std::cerr << status.message() << "\n";
    return std::nullopt;
  }
  Timing t = time_synthetic(c, *bundle);
  row["bundle_bytes"] = bytes.size();
  row["decide_p50_ns"] = t.p50_ns;
  row["decide_p99_ns"] = t.p99_ns;
  return c;
}

// One size: its row, or nothing when its bundle does not load (the reason on stderr).
std::optional<json> scale_row(const fs::path& src, const fs::path& work, size_t n, size_t m,
                              size_t r, bool keep) {
  fs::path dir = work / ("synthetic-" + std::to_string(n));
  write_synthetic(src, dir, n, m, r, 42 + n);
  Loaded loaded = load_checked(dir.string());
  json row = {
      {"rules", n}, {"categories", m}, {"regions", r}, {"load_check_ms", loaded.load_check_ms}};
  bool ok = compile_and_time(*loaded.policy, row).has_value();
  if (!keep) fs::remove_all(dir);
  if (!ok) return std::nullopt;
  return row;
}

// The multi-app row: the policy of `apps` apps in `r` regions (WORK/multi-app), and its one-rule
// edit (WORK/multi-app-edited) for the diff. Lint and diff are timed as the CLI runs them on
// loaded policies (the CLI's own load, check and compile are in load_check_ms and compile_ms).
std::optional<json> multi_app_row(const fs::path& src, const fs::path& work, size_t apps, size_t r,
                                  bool keep) {
  Loaded shipped = load_checked(src.string());
  std::vector<std::string> regions = synthetic_regions(r);
  fs::path dir = work / "multi-app", edited_dir = work / "multi-app-edited";
  size_t n = write_multi_app(*shipped.policy, src, dir, apps, regions, false);
  write_multi_app(*shipped.policy, src, edited_dir, apps, regions, true);
  Loaded loaded = load_checked(dir.string());
  json row = {{"policy", "multi-app"},
              {"rules", n},
              {"policy_rules", loaded.policy->rules.size()},  // statutes and derived rules too
              {"apps", apps},
              {"regions", regions.size()},
              {"load_check_ms", loaded.load_check_ms}};
  auto before = compile_and_time(*loaded.policy, row);
  if (!before) return std::nullopt;

  Date on = today();
  LintStats lint_stats;
  auto t0 = Clock::now();
  std::vector<Finding> findings = lint_policy(*loaded.policy, LintOptions{on}, &lint_stats);
  row["lint_ms"] = ms_since(t0);
  row["lint_findings"] = findings.size();
  row["lint_analysis_nodes"] = lint_stats.diagram_nodes;
  // Not analysed: past the analysis budget, and its error finding says why.
  for (const auto& f : findings) {
    if (lint_stats.analysed || f.severity != Severity::kError) continue;
    row["lint_error"] = f.code + ": " + f.message;
    break;
  }

  Loaded edited = load_checked(edited_dir.string());
  CompiledPolicy after = compile_policy(*edited.policy);
  DiffOptions options;
  options.region_groups = region_groups_on(*edited.policy, on);
  t0 = Clock::now();
  DiffResult diff = semantic_diff(*before, after, options);
  row["diff_flows_ms"] = ms_since(t0);
  auto t1 = Clock::now();
  StatementDiff statements =
      diff_statements(loaded.policy.get(), edited.policy.get(), diff, {options, on});
  row["diff_statements_ms"] = ms_since(t1);
  row["diff_ms"] = ms_since(t0);
  row["diff_changes"] = diff.changes.size();
  row["diff_product_pairs"] = diff.product_pairs;
  std::cerr << "scale: multi-app: lint " << row["lint_ms"] << " ms, diff " << row["diff_ms"]
            << " ms (" << diff.changes.size() << " flow changes, " << statements.rules.size()
            << " rules)\n";
  if (!keep) {
    fs::remove_all(dir);
    fs::remove_all(edited_dir);
  }
  return row;
}

}  // namespace

int cmd_scale(Args a) {
  fs::path src = a["--policy"];
  fs::path work = a["--work"];
  bool keep = a.count("--keep") > 0;
  if (a.count("--apps")) {
    size_t apps = std::stoul(a["--apps"]);
    size_t r = std::stoul(a.count("--regions") ? a["--regions"] : "60");
    auto row = multi_app_row(src, work, apps, r, keep);
    if (!row) return 2;
    std::cout << json::array({*row}).dump(2) << "\n";
    return 0;
  }
  size_t m = std::stoul(a.count("--categories") ? a["--categories"] : "64");
  size_t r = std::stoul(a.count("--regions") ? a["--regions"] : "40");
  std::vector<size_t> ns;
  std::stringstream ss(a.count("--n") ? a["--n"] : "100,1000,10000");
  for (std::string s; std::getline(ss, s, ',');) ns.push_back(std::stoul(s));
  json out = json::array();
  for (size_t n : ns) {
    auto row = scale_row(src, work, n, m, r, keep);
    if (!row) return 2;
    out.push_back(*row);
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace flowgate::bench
