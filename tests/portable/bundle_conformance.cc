// A bundle written elsewhere decides here as it did there: the runtime alone (no toolchain) loads a
// bundle that `flowgate compile` wrote on the build machine, decides every golden case of
// tests/golden/decisions.jsonl as the file expects (decision, and rules, citations, obligations and
// legal basis as sets, as tests/golden_decisions_test.cc compares them), then decides a fixed
// pseudo-random stream of interned queries over the bundle's whole id space and prints a digest of
// the decision indices. scripts/cross-test compares that digest from aarch64 and armhf, under
// qemu-user, with the one from x86-64.
//
//   bundle_conformance BUNDLE GOLDEN_JSONL [--stream N] [--expect-digest HEX]
// Exit status: 0 every case as expected (and the digest as expected), 1 a mismatch, 2 bad usage or
// an unreadable input.
#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "flowgate/runtime.h"

namespace {

using flowgate::runtime::Bundle;
using flowgate::runtime::InternedQuery;
using flowgate::runtime::StringQuery;
using nlohmann::json;

std::string as_set(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return "[" + out + "]";
}

std::string as_set(const flowgate::runtime::StringList& list) {
  std::vector<std::string> items;
  for (std::string_view s : list) items.emplace_back(s);
  return as_set(std::move(items));
}

std::string as_set(const json& list) {
  return as_set(list.get<std::vector<std::string>>());
}

// One golden case through the runtime. The query JSON of docs/design.md; a collect's recipient and
// destination are the device, as in `flowgate decide`. Returns the mismatches, one a line.
std::string check_case(const Bundle& bundle, const json& c) {
  const json& q = c.at("query");
  const json& e = c.at("expect");
  StringQuery sq;
  const std::string data = q.at("data"), purpose = q.at("purpose"), action = q.at("action");
  const bool collect = action == "collect";
  const std::string recipient = collect ? "device" : q.at("recipient").get<std::string>();
  const std::string destination = collect ? "device" : q.at("destination").get<std::string>();
  const json& subject = q.at("subject");
  const std::string region = subject.at("region");
  sq.data = data;
  sq.purpose = purpose;
  sq.action = action;
  sq.recipient = recipient;
  sq.destination = destination;
  sq.region = region;
  if (subject.contains("age") && !subject["age"].is_null()) sq.age = subject["age"].get<int>();
  const std::string as_of = q.at("as_of");
  int y = 0, m = 0, d = 0;
  if (std::sscanf(as_of.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 ||
      !flowgate::runtime::is_civil_date(y, m, d)) {
    return "'as_of' is not a date: " + as_of + "\n";
  }
  sq.as_of_days = flowgate::runtime::days_from_civil(y, m, d);
  std::vector<std::string> consents, features;
  if (q.contains("signals")) {
    const json& s = q["signals"];
    sq.ads_personalization = s.value("ads_personalization", true);
    sq.gpc = s.value("gpc", false);
    sq.parental_consent = s.value("parental_consent", false);
    consents = s.value("consents", std::vector<std::string>{});
    features = s.value("features", std::vector<std::string>{});
  }
  const std::vector<std::string_view> consent_views(consents.begin(), consents.end());
  const std::vector<std::string_view> feature_views(features.begin(), features.end());
  sq.consents = consent_views;
  sq.features = feature_views;

  const flowgate::runtime::Decision got = bundle.decision(bundle.decide(sq));
  std::string problems;
  auto compare = [&](const char* what, const std::string& have, const std::string& want) {
    if (have != want)
      problems += std::string("  ") + what + ": " + have + ", expected " + want + "\n";
  };
  compare("decision", got.allow() ? "allow" : "deny", e.at("decision").get<std::string>());
  compare("rules", as_set(got.rules()), as_set(e.at("rules")));
  compare("citations", as_set(got.citations()), as_set(e.at("citations")));
  compare("obligations", as_set(got.obligations()), as_set(e.at("obligations")));
  compare("legal_basis", as_set(got.legal_basis()), as_set(e.at("legal_basis")));
  if (got.reason().empty()) problems += "  reason: empty\n";
  return problems;
}

// splitmix64: the same numbers on every target, unlike the standard distributions.
uint64_t next(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A stream of interned queries over every id the bundle knows (and one past it: the unknown-id
// decision), ages -1..99, dates 2020..2031, and every signal; FNV-1a over the decision indices.
uint64_t stream_digest(const Bundle& b, uint64_t count) {
  uint64_t state = 20261129, digest = 0xcbf29ce484222325ull;
  auto pick = [&](size_t n) { return static_cast<uint16_t>(next(&state) % (n + 1)); };
  const int32_t first_day = flowgate::runtime::days_from_civil(2020, 1, 1);
  for (uint64_t i = 0; i < count; ++i) {
    InternedQuery q;
    q.data = pick(b.data_count());
    q.purpose = pick(b.purpose_count());
    q.recipient = pick(b.recipient_count());
    q.action = static_cast<uint8_t>(next(&state) % 2);
    q.destination = next(&state) % 4 == 0 ? InternedQuery::kDevice : pick(b.region_count());
    q.region = pick(b.region_count());
    q.age = static_cast<int16_t>(static_cast<int>(next(&state) % 101) - 1);
    q.as_of_days = first_day + static_cast<int32_t>(next(&state) % (12 * 366));
    const uint64_t bits = next(&state);
    q.gpc = bits & 1;
    q.ads_personalization = bits & 2;
    q.parental_consent = bits & 4;
    q.consent_mask = next(&state);
    q.feature_mask = next(&state);
    q.consent_strings.tcf_present = bits & 8;
    q.consent_strings.gpp_present = bits & 16;
    q.consent_strings.tcf_purpose_consents = static_cast<uint32_t>(bits >> 8);
    q.consent_strings.tcf_purpose_legitimate_interests = static_cast<uint32_t>(bits >> 32);
    q.consent_strings.gpp_opt_outs = static_cast<uint8_t>(bits >> 40);
    const uint32_t decision = b.decide(q);
    for (int byte = 0; byte < 4; ++byte) {
      digest = (digest ^ ((decision >> (8 * byte)) & 0xff)) * 0x100000001b3ull;
    }
  }
  return digest;
}

int usage() {
  std::fprintf(stderr,
               "usage: bundle_conformance BUNDLE GOLDEN_JSONL [--stream N] [--expect-digest HEX]\n"
               "  Decides tests/golden/decisions.jsonl on BUNDLE (written by `flowgate compile`),\n"
               "  then N pseudo-random queries (default 200000), and prints their digest.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  uint64_t count = 200000;
  std::string expect_digest;
  for (int i = 3; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    if (arg == "--stream") {
      count = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--expect-digest") {
      expect_digest = argv[++i];
    } else {
      return usage();
    }
  }
  std::unique_ptr<const Bundle> bundle;
  const flowgate::runtime::Status status = Bundle::load_file(argv[1], &bundle);
  if (!status.ok()) {
    std::fprintf(stderr, "bundle_conformance: %s: %s\n", argv[1], status.message().c_str());
    return 2;
  }
  std::ifstream in(argv[2]);
  if (!in) {
    std::fprintf(stderr, "bundle_conformance: cannot read %s\n", argv[2]);
    return 2;
  }
  size_t cases = 0, failed = 0;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++cases;
    std::string problems;
    try {
      problems = check_case(*bundle, json::parse(line));
    } catch (const std::exception& error) {
      problems = std::string("  unreadable case: ") + error.what() + "\n";
    }
    if (!problems.empty()) {
      ++failed;
      std::fprintf(stderr, "%s:%zu: not as expected\n%s", argv[2], number, problems.c_str());
    }
  }
  std::printf("golden: %zu cases, %zu as expected\n", cases, cases - failed);
  char digest[17];
  std::snprintf(digest, sizeof digest, "%016" PRIx64, stream_digest(*bundle, count));
  std::printf("stream: %" PRIu64 " queries, decision digest %s\n", count, digest);
  if (!expect_digest.empty() && expect_digest != digest) {
    std::fprintf(stderr,
                 "bundle_conformance: the stream decided differently: digest %s, expected %s\n",
                 digest, expect_digest.c_str());
    return 1;
  }
  return failed == 0 && cases > 0 ? 0 : 1;
}
