// flowgate_bench scale --shapes NAME[,NAME…] --policy DIR --work DIR: the shipped policy with a
// block of adversarial rules added (a bad edit, or a policy author who writes one rule per case),
// loaded, checked, compiled, encoded and timed; one JSON row per shape. The shapes are those that
// made the old fold — one diagram leaf, and one decision record, per set of rules matching
// together — run for minutes and out of memory:
//
//   overlapping-allows   800 allows over the same data, random purposes, recipients and
//                        conditions (regions, ages, dates, GPC), half with an obligation
//   age-thresholds       3,000 rules (allow 90%, deny 10%) each on an age threshold, all 150
//                        thresholds the condition language allows (ages 0–150) in use
//   one-line-denies      300 denies, each `subject.age < A or as_of >= D` on a day of its own
//
// Each row also times lint's analysis of the rules (RuleAnalysis: which rules match, meet and
// change a decision), under a budget of `--analysis-seconds` (default 5 s).
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <variant>

#include "bench.h"
#include "bundle/bundle_writer.h"
#include "compile/compiler.h"
#include "model/calendar.h"

namespace flowgate::bench {
namespace {

namespace fs = std::filesystem;

const char* kQuote = "We will also collect Ads identifiers for advertising purposes.";

const std::vector<std::string>& purposes() {
  static const std::vector<std::string> p = {
      "core_functionality", "user_functions", "paid_services",           "support",
      "security",           "analytics",      "advertising.measurement", "marketing"};
  return p;
}
const std::vector<std::string>& recipients() {
  static const std::vector<std::string> r = {"first_party", "affiliate",
                                             "service_provider.cloud_storage", "advertiser.google",
                                             "advertiser.measurement"};
  return r;
}
const std::vector<std::string>& regions() {
  static const std::vector<std::string> r = {
      "DE", "FR", "IT", "ES", "NL",    "PL",    "SE",    "IE",    "GB",    "JP",
      "KR", "BR", "CA", "AU", "US-CA", "US-VA", "US-CO", "US-TX", "US-NY", "US-WA"};
  return r;
}

std::string pick(std::mt19937_64& rng, const std::vector<std::string>& from) {
  return from[rng() % from.size()];
}

// A condition as a policy author writes one: regions, a region group, an age threshold, a date or
// GPC.
std::string random_condition(std::mt19937_64& rng) {
  switch (rng() % 5) {
    case 0:
      return "subject.region in [" + pick(rng, regions()) + ", " + pick(rng, regions()) + "]";
    case 1:
      return rng() % 2 ? "subject.region in EU_EEA" : "subject.region in US_PRIVACY_LAW";
    case 2:
      return "known(subject.age) and subject.age >= " + std::to_string(13 + rng() % 8);
    case 3: {
      const unsigned month = 1 + rng() % 12;
      return "as_of >= 2026-" + std::string(month < 10 ? "0" : "") + std::to_string(month) + "-01";
    }
    default:
      return "not signals.gpc";
  }
}

void write_rule(std::ostream& y, const std::string& id, const char* effect, const std::string& data,
                const std::string& purpose, const std::string& recipient, const std::string& when,
                const std::string& obligation = {}) {
  y << "  - id: " << id << "\n    effect: " << effect << "\n    match:\n      data: " << data
    << "\n      purpose: " << purpose << "\n      action: transmit\n      recipient: " << recipient
    << "\n    when: \"" << when << "\"\n";
  if (!obligation.empty()) y << "    obligations: [" << obligation << "]\n";
  y << "    citations: [\"§1.3\", \"§3\"]\n    quote: \"" << kQuote << "\"\n";
}

void overlapping_allows(std::ostream& y) {
  std::mt19937_64 rng(800);
  static const std::vector<std::string> obligations = {"encrypt_in_transit", "encrypt_at_rest",
                                                       "partner_agreement"};
  for (int i = 0; i < 800; ++i) {
    write_rule(y, "overlapping-allow-" + std::to_string(i), "allow", "technical",
               "[" + pick(rng, purposes()) + ", " + pick(rng, purposes()) + "]",
               pick(rng, recipients()), random_condition(rng),
               rng() % 2 ? pick(rng, obligations) : std::string());
  }
}

void age_thresholds(std::ostream& y) {
  std::mt19937_64 rng(3000);
  static const std::vector<std::string> data = {"technical", "media", "payment",
                                                "advertisement_information"};
  for (int i = 0; i < 3000; ++i) {
    write_rule(y, "age-threshold-" + std::to_string(i), rng() % 10 ? "allow" : "deny",
               pick(rng, data), pick(rng, purposes()), pick(rng, recipients()),
               "known(subject.age) and subject.age >= " + std::to_string(1 + i % 150));
  }
}

void one_line_denies(std::ostream& y) {
  for (int i = 0; i < 300; ++i) {
    // Day i after 2027-01-01 (20,819 days after 1970-01-01).
    y << "  - id: one-line-deny-" << i << "\n    effect: deny\n    match: {action: any}\n"
      << "    when: \"subject.age < " << 1 + i % 150
      << " or as_of >= " << format_date(Date{20819 + i}) << "\"\n"
      << "    citations: [\"§11.1.2\"]\n    quote: \"If you are a minor under the age of 16, you "
         "are "
         "not permitted to use our Services in the EU/EEA.\"\n";
  }
}

struct Shape {
  const char* name;
  size_t rules;
  void (*write)(std::ostream&);
};
const std::vector<Shape>& shapes() {
  static const std::vector<Shape> s = {{"overlapping-allows", 800, overlapping_allows},
                                       {"age-thresholds", 3000, age_thresholds},
                                       {"one-line-denies", 300, one_line_denies}};
  return s;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

json shape_row(const Shape& shape, const fs::path& src, const fs::path& work,
               double analysis_seconds) {
  const fs::path dir = work / (std::string("shape-") + shape.name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* part : {"rules", "jurisdictions"})
    fs::copy(src / part, dir / part, fs::copy_options::recursive);
  if (fs::exists(src / "data_inventory.yaml"))
    fs::copy(src / "data_inventory.yaml", dir / "data_inventory.yaml");
  {
    std::ofstream y(dir / "rules" / "zz-adversarial.yaml");
    y << "# Generated by bench/ (flowgate_bench scale --shapes " << shape.name << ")\nrules:\n";
    shape.write(y);
  }
  Loaded loaded = load_checked(dir.string());
  CompileStats stats;
  auto t0 = Clock::now();
  CompiledPolicy c = compile_policy(*loaded.policy, &stats);
  const double compile_ms = ms_since(t0);
  const long compile_peak_kib = peak_rss_kib();
  std::string bytes = encode_bundle(c);
  std::unique_ptr<const runtime::Bundle> bundle;
  if (auto status = runtime::Bundle::load(bytes, &bundle); !status.ok())
    throw std::runtime_error(status.message());
  std::mt19937_64 rng(7);
  std::vector<runtime::InternedQuery> qs;
  for (size_t i = 0; i < 100000; ++i)
    qs.push_back(intern(*bundle, stream_query(random_query(rng, c))));
  Timing t = time_batches(qs.size(), 3, 0.3, [&](size_t b, size_t e) {
    uint64_t sum = 0;
    for (size_t i = b; i < e; ++i) sum += bundle->decide(qs[i]);
    g_sink = sum;
  });
  json row = {{"shape", shape.name},
              {"rules", loaded.policy->rules.size()},
              {"added_rules", shape.rules},
              {"load_check_ms", loaded.load_check_ms},
              {"compile_ms", compile_ms},
              {"compile_peak_rss_kib", compile_peak_kib},
              {"combinations", stats.combinations},
              {"diagram_nodes", stats.diagram_nodes},
              {"decisions", stats.decisions},
              {"bundle_bytes", bytes.size()},
              {"decide_p50_ns", t.p50_ns},
              {"decide_p99_ns", t.p99_ns}};
  // Lint's analysis, under a short budget, to say whether it fits.
  CompileBudget budget;
  budget.max_time = std::chrono::milliseconds(static_cast<long>(analysis_seconds * 1000));
  auto r0 = Clock::now();
  auto analysed = RuleAnalysis::analyse(*loaded.policy, budget);
  row["lint_analysis_ms"] = ms_since(r0);
  if (auto* analysis = std::get_if<RuleAnalysis>(&analysed)) {
    row["lint_analysis_nodes"] = analysis->diagram_nodes();
  } else {
    row["lint_analysis_nodes"] = "over the analysis budget";
  }
  std::cerr << "scale: " << shape.name << ": compile " << compile_ms << " ms, "
            << stats.combinations << " combinations, " << stats.diagram_nodes << " nodes, "
            << bytes.size() << " bytes\n";
  fs::remove_all(dir);
  return row;
}

}  // namespace

int cmd_scale_shapes(Args a) {
  const fs::path src = a["--policy"], work = a["--work"];
  const double analysis_seconds =
      a.count("--analysis-seconds") ? std::stod(a["--analysis-seconds"]) : 5.0;
  json out = json::array();
  std::stringstream names(a["--shapes"]);
  for (std::string name; std::getline(names, name, ',');) {
    auto it = std::find_if(shapes().begin(), shapes().end(),
                           [&](const Shape& s) { return name == s.name; });
    if (it == shapes().end()) {
      std::cerr << "flowgate_bench scale: unknown shape '" << name
                << "' (overlapping-allows, age-thresholds, one-line-denies)\n";
      return 2;
    }
    out.push_back(shape_row(*it, src, work, analysis_seconds));
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace flowgate::bench
