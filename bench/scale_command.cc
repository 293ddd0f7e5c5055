// flowgate_bench scale --policy DIR --work DIR [--n 100,1000,10000] [--categories M]
// [--regions R] [--keep 1]: synthetic policies of N rules, each written under WORK, loaded,
// checked, compiled, encoded and timed on 100,000 random queries; one JSON row per size.
//
// N rules over M synthetic data categories (in groups of 8) and R regions: the shipped policy
// text, jurisdictions and vocabularies (data gains the synthetic categories), and rules/ holding
// only the generated ones. Each rule: allow (90%) or deny, 1-3 categories or a group, 1-2
// purposes, an action, a recipient, and a condition on the subject's region drawn from R regions,
// the region groups, an age threshold, a date, or a signal.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "bench.h"
#include "bundle/bundle_writer.h"
#include "compile/compiler.h"

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

// One size: its row, or nothing when its bundle does not load (the reason on stderr).
std::optional<json> scale_row(const fs::path& src, const fs::path& work, size_t n, size_t m,
                              size_t r, bool keep) {
  fs::path dir = work / ("synthetic-" + std::to_string(n));
  write_synthetic(src, dir, n, m, r, 42 + n);
  Loaded loaded = load_checked(dir.string());
  CompileStats stats;
  auto t0 = Clock::now();
  CompiledPolicy c = compile_policy(*loaded.policy, &stats);
  double compile_ms = ms_since(t0);
  json row = {{"rules", n},
              {"categories", m},
              {"regions", r},
              {"load_check_ms", loaded.load_check_ms},
              {"compile_ms", compile_ms},
              {"combinations", stats.combinations},
              {"diagram_nodes", stats.diagram_nodes},
              {"decisions", stats.decisions}};
  std::cerr << "scale: " << n << " rules: compile " << compile_ms << " ms, " << stats.diagram_nodes
            << " nodes, " << stats.decisions << " decision records\n";
  std::string bytes;
  try {
    bytes = encode_bundle(c);
  } catch (const std::exception& e) {
    // Every distinct set of matching rules is its own decision record (with its rules and
    // reason), so a synthetic policy whose rules overlap at random can outgrow the format.
    row["bundle_error"] = e.what();
    if (!keep) fs::remove_all(dir);
    return row;
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
  if (!keep) fs::remove_all(dir);
  return row;
}

}  // namespace

int cmd_scale(Args a) {
  fs::path src = a["--policy"];
  fs::path work = a["--work"];
  size_t m = std::stoul(a.count("--categories") ? a["--categories"] : "64");
  size_t r = std::stoul(a.count("--regions") ? a["--regions"] : "40");
  std::vector<size_t> ns;
  std::stringstream ss(a.count("--n") ? a["--n"] : "100,1000,10000");
  for (std::string s; std::getline(ss, s, ',');) ns.push_back(std::stoul(s));
  json out = json::array();
  for (size_t n : ns) {
    auto row = scale_row(src, work, n, m, r, a.count("--keep") > 0);
    if (!row) return 2;
    out.push_back(*row);
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace flowgate::bench
