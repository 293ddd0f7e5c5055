// flowgate_bench: the C++ side of bench/run (outside ctest).
//
//   flowgate_bench gen     --policy DIR --queries N --seed S --out FILE   the query stream (JSONL)
//   flowgate_bench encode  --policy DIR --out DIR                         peer encodings
//   flowgate_bench measure --policy DIR --queries FILE --decisions FILE   flowgate, reference, flat
//   flowgate_bench scale   --policy DIR --work DIR --n 100,1000,10000     synthetic policies
//
// Results are JSON on stdout. Decisions files hold one line per query: "allow" or "deny".
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bundle/bundle_writer.h"
#include "compile/compiler.h"
#include "flowgate/runtime.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"
#include "model/query.h"
#include "reference/reference_evaluator.h"

using namespace flowgate;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

long rss_kib() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::map<std::string, std::string> parse_args(int argc, char** argv, int from) {
  std::map<std::string, std::string> a;
  for (int i = from; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
  return a;
}

struct Loaded {
  std::unique_ptr<Policy> policy;
  double load_check_ms = 0;
};

Loaded load_checked(const std::string& dir) {
  Loaded l;
  auto t0 = Clock::now();
  DiagnosticSink sink;
  l.policy = load_policy(dir, sink);
  if (!sink.has_errors()) check_policy(*l.policy, sink);
  l.load_check_ms = ms_since(t0);
  if (sink.has_errors()) {
    std::cerr << render_text(sink.sorted(), l.policy.get(), false);
    std::exit(2);
  }
  return l;
}

// ---- the query stream
// ---------------------------------------------------------------------------- The same
// distribution as tests/compiler_test.cc: every id, region, age band, date class and signal, with
// the regions the rules name drawn often, and 2% unknown data ids.
json random_query(std::mt19937_64& rng, const CompiledPolicy& c) {
  auto pick = [&](const std::vector<std::string>& ids) { return ids[rng() % ids.size()]; };
  json q;
  std::string data = rng() % 50 == 0 ? "media.hologram" : pick(c.data_ids);
  std::string purpose = pick(c.purpose_ids);
  bool transmit = rng() % 2;
  bool on_device = !transmit && rng() % 4 != 0;
  std::string recipient = on_device ? "device" : pick(c.recipient_ids);
  std::string destination = on_device || rng() % 20 == 0 ? "device" : pick(c.region_ids);
  static const std::vector<std::string> kNamed = {
      "DE", "FR",    "IS",    "LI",    "NO",    "CH",    "GB",    "JP",    "US",
      "CN", "US-CA", "US-VA", "US-CO", "US-IA", "US-UT", "US-TX", "US-OK", "US-FL"};
  std::string region = rng() % 2 ? kNamed[rng() % kNamed.size()] : pick(c.region_ids);
  if (rng() % 3) destination = on_device ? "device" : kNamed[rng() % kNamed.size()];
  int age = -1;
  if (rng() % 5) age = static_cast<int>(rng() % 90);
  int32_t days;
  if (rng() % 2 && !c.date_breakpoints.empty()) {
    days =
        c.date_breakpoints[rng() % c.date_breakpoints.size()] + static_cast<int32_t>(rng() % 3) - 1;
  } else {
    days = 7305 + static_cast<int32_t>(rng() % (45 * 365));
  }
  bool gpc = rng() % 2;
  bool ads = rng() % 4 != 0;
  std::set<std::string> consents, features;
  if (rng() % 2) consents.insert(purpose);
  if (rng() % 3 == 0) consents.insert(pick(c.purpose_ids));
  if (rng() % 2) features.insert("bluetooth");
  q["data"] = data;
  q["purpose"] = purpose;
  q["action"] = transmit ? "transmit" : "collect";
  q["recipient"] = recipient;
  q["destination"] = destination;
  q["subject"]["region"] = region;
  if (age >= 0) q["subject"]["age"] = age;
  q["as_of"] = format_date(Date{days});
  q["as_of_days"] = days;  // the same date as days since 1970-01-01, for every engine alike
  q["signals"] = {{"ads_personalization", ads},
                  {"gpc", gpc},
                  {"consents", std::vector<std::string>(consents.begin(), consents.end())},
                  {"features", std::vector<std::string>(features.begin(), features.end())}};
  return q;
}

struct StreamQuery {
  std::string data, purpose, action, recipient, destination, region;
  int age = -1;
  int32_t days = 0;
  bool gpc = false, ads = true;
  std::vector<std::string> consents, features;
};

std::vector<StreamQuery> read_stream(const std::string& path) {
  std::vector<StreamQuery> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line);
    StreamQuery q;
    q.data = j["data"];
    q.purpose = j["purpose"];
    q.action = j["action"];
    q.recipient = j["recipient"];
    q.destination = j["destination"];
    q.region = j["subject"]["region"];
    if (j["subject"].contains("age")) q.age = j["subject"]["age"];
    q.days = j["as_of_days"];
    q.gpc = j["signals"]["gpc"];
    q.ads = j["signals"]["ads_personalization"];
    for (auto& c : j["signals"]["consents"]) q.consents.push_back(c);
    for (auto& f : j["signals"]["features"]) q.features.push_back(f);
    out.push_back(std::move(q));
  }
  return out;
}

Query to_query(const StreamQuery& s) {
  Query q;
  q.data = s.data;
  q.purpose = s.purpose;
  q.action = s.action == "collect" ? Action::kCollect : Action::kTransmit;
  q.recipient = s.recipient;
  q.destination = s.destination;
  q.region = s.region;
  if (s.age >= 0) q.age = s.age;
  q.as_of = Date{s.days};
  q.gpc = s.gpc;
  q.ads_personalization = s.ads;
  q.consents.insert(s.consents.begin(), s.consents.end());
  q.features.insert(s.features.begin(), s.features.end());
  return q;
}

runtime::InternedQuery intern(const runtime::Bundle& b, const StreamQuery& s) {
  runtime::InternedQuery q;
  constexpr uint16_t U = runtime::InternedQuery::kUnknown;
  q.data = b.data_index(s.data).value_or(U);
  q.purpose = b.purpose_index(s.purpose).value_or(U);
  q.recipient = b.recipient_index(s.recipient).value_or(U);
  q.action = runtime::Bundle::action_index(s.action).value_or(1);
  q.destination = b.destination_index(s.destination).value_or(U);
  q.region = b.region_index(s.region).value_or(U);
  q.age = static_cast<int16_t>(s.age);
  q.as_of_days = s.days;
  q.gpc = s.gpc;
  q.ads_personalization = s.ads;
  for (auto& c : s.consents)
    if (auto i = b.purpose_index(c)) q.consent_mask |= uint64_t{1} << *i;
  for (auto& f : s.features)
    if (auto i = b.feature_index(f)) q.feature_mask |= uint64_t{1} << *i;
  return q;
}

// ---- timing
// -------------------------------------------------------------------------------------- Batches of
// 1,000 decisions are timed; p50/p99 are over the batches' per-decision means.
struct Timing {
  double p50_ns = 0, p99_ns = 0, decisions_per_s = 0;
  size_t batches = 0, decisions = 0;
};

template <class F>
Timing time_batches(size_t n, size_t min_passes, double min_seconds, F&& decide_range) {
  constexpr size_t kBatch = 1000;
  std::vector<double> per;
  double total_ns = 0;
  size_t decisions = 0, passes = 0;
  auto start = Clock::now();
  while (passes < min_passes ||
         std::chrono::duration<double>(Clock::now() - start).count() < min_seconds) {
    for (size_t b = 0; b < n; b += kBatch) {
      size_t e = std::min(n, b + kBatch);
      auto t0 = Clock::now();
      decide_range(b, e);
      double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
      per.push_back(ns / double(e - b));
      total_ns += ns;
      decisions += e - b;
    }
    ++passes;
  }
  std::sort(per.begin(), per.end());
  Timing t;
  t.p50_ns = per[per.size() / 2];
  t.p99_ns = per[std::min(per.size() - 1, per.size() * 99 / 100)];
  t.decisions_per_s = decisions / (total_ns * 1e-9);
  t.batches = per.size();
  t.decisions = decisions;
  return t;
}

json timing_json(const Timing& t) {
  return {{"p50_ns", t.p50_ns},
          {"p99_ns", t.p99_ns},
          {"decisions_per_s", t.decisions_per_s},
          {"batches", t.batches},
          {"decisions_timed", t.decisions}};
}

volatile uint64_t g_sink;

// ---- the flat array: the physical floor
// ---------------------------------------------------------- Every combination of the diagram's
// variables' classes, decided once; a decision is the class computation (table lookups, the date
// class by binary search) and one load.
struct Flat {
  std::vector<uint8_t> table;  // decision indices (the shipped policy has < 256)
  std::vector<size_t> stride;  // per variable
  std::vector<VariableKind> kind;
  std::vector<Bit> bits;
  std::vector<uint32_t> bit_of;  // per variable
  std::vector<uint16_t> region_class, destination_class;
  uint16_t device_class = 0;
  std::vector<int32_t> breakpoints;
  uint8_t age_band[256];
  uint32_t unknown = 0;
  size_t n_data = 0, n_purpose = 0, n_recipient = 0, n_region = 0;
  std::vector<uint32_t> feature_bit_index;  // per bit: feature index in the bundle, or purpose
  int var_index[9];

  // The table's entry count, or 0 when it would pass `limit` (the product of every variable's
  // domain grows with each class a statute adds; past a few GiB the floor is not worth building).
  static size_t entries(const CompiledPolicy& c, size_t limit) {
    size_t size = 1;
    for (auto& v : c.variables) {
      if (v.domain != 0 && size > limit / v.domain) return 0;
      size *= v.domain;
    }
    return size;
  }

  static Flat build(const CompiledPolicy& c, const runtime::Bundle& b) {
    Flat f;
    if (c.decisions.size() > 256) throw std::runtime_error("flat: more than 256 decisions");
    size_t size = entries(c, SIZE_MAX);
    f.stride.resize(c.variables.size());
    size_t s = 1;
    for (size_t i = c.variables.size(); i-- > 0;) {
      f.stride[i] = s;
      s *= c.variables[i].domain;
    }
    for (auto& v : c.variables) {
      f.kind.push_back(v.kind);
      f.bit_of.push_back(v.bit);
    }
    f.table.assign(size, 0);
    // Fill: walk the diagram, every value of a skipped variable sharing its child.
    std::function<void(uint32_t, size_t, size_t)> fill = [&](uint32_t ref, size_t var,
                                                             size_t offset) {
      if (var == c.variables.size()) {
        f.table[offset] = static_cast<uint8_t>(ref & ~CompiledPolicy::kLeaf);
        return;
      }
      bool tests = !(ref & CompiledPolicy::kLeaf) && c.nodes[ref].variable == var;
      for (uint32_t v = 0; v < c.variables[var].domain; ++v)
        fill(tests ? c.children[c.nodes[ref].first_child + v] : ref, var + 1,
             offset + v * f.stride[var]);
    };
    fill(c.root, 0, 0);
    f.bits = c.bits;
    f.region_class = c.region_class;
    f.destination_class = c.destination_class;
    f.device_class = c.device_destination_class;
    f.breakpoints = c.date_breakpoints;
    for (int a = 0; a < 256; ++a)
      f.age_band[a] = static_cast<uint8_t>(
          1 + (std::upper_bound(c.age_thresholds.begin(), c.age_thresholds.end(), a) -
               c.age_thresholds.begin()));
    f.unknown = c.unknown_id_decision;
    f.n_data = c.data_ids.size();
    f.n_purpose = c.purpose_ids.size();
    f.n_recipient = c.recipient_ids.size();
    f.n_region = c.region_ids.size();
    for (auto& bit : c.bits) {
      uint32_t idx = 0;
      if (bit.kind == Bit::Kind::kConsent) idx = *b.purpose_index(bit.id);
      if (bit.kind == Bit::Kind::kFeature) idx = b.feature_index(bit.id).value_or(63);
      f.feature_bit_index.push_back(idx);
    }
    // The bundle's interned indices must be the compiled policy's.
    for (size_t i = 0; i < c.data_ids.size(); ++i)
      if (b.data_id(i) != c.data_ids[i]) throw std::runtime_error("data index mismatch");
    for (size_t i = 0; i < c.region_ids.size(); ++i)
      if (b.region_id(i) != c.region_ids[i]) throw std::runtime_error("region index mismatch");
    return f;
  }

  uint32_t decide(const runtime::InternedQuery& q) const noexcept {
    if (q.data >= n_data || q.purpose >= n_purpose || q.recipient >= n_recipient ||
        q.region >= n_region ||
        (q.destination >= n_region && q.destination != runtime::InternedQuery::kDevice))
      return unknown;
    size_t index = 0;
    for (size_t v = 0; v < kind.size(); ++v) {
      uint32_t value = 0;
      switch (kind[v]) {
        case VariableKind::kData:
          value = q.data;
          break;
        case VariableKind::kPurpose:
          value = q.purpose;
          break;
        case VariableKind::kAction:
          value = q.action;
          break;
        case VariableKind::kRecipient:
          value = q.recipient;
          break;
        case VariableKind::kDestination:
          value = q.destination == runtime::InternedQuery::kDevice
                      ? device_class
                      : destination_class[q.destination];
          break;
        case VariableKind::kRegion:
          value = region_class[q.region];
          break;
        case VariableKind::kDate:
          value = static_cast<uint32_t>(
              std::upper_bound(breakpoints.begin(), breakpoints.end(), q.as_of_days) -
              breakpoints.begin());
          break;
        case VariableKind::kAge:
          value = q.age < 0 ? 0 : age_band[std::min<int>(q.age, 255)];
          break;
        case VariableKind::kBit: {
          uint32_t bi = bit_of[v];
          switch (bits[bi].kind) {
            case Bit::Kind::kGpc:
              value = q.gpc;
              break;
            case Bit::Kind::kAdsPersonalization:
              value = q.ads_personalization;
              break;
            case Bit::Kind::kConsentForPurpose:
              value = (q.consent_mask >> q.purpose) & 1;
              break;
            case Bit::Kind::kConsent:
              value = (q.consent_mask >> feature_bit_index[bi]) & 1;
              break;
            case Bit::Kind::kFeature:
              value = (q.feature_mask >> feature_bit_index[bi]) & 1;
              break;
            case Bit::Kind::kTcfPurposeConsent:
            case Bit::Kind::kTcfPurposeLegitimateInterest:
            case Bit::Kind::kGppOptOut:
            case Bit::Kind::kTcfPresent:
            case Bit::Kind::kGppPresent:
              value = bits[bi].value_in(q.consent_strings);
              break;
          }
          break;
        }
      }
      index += value * stride[v];
    }
    return table[index];
  }
};

// ---- measure
// -------------------------------------------------------------------------------------
int cmd_measure(std::map<std::string, std::string> a) {
  json out;
  long rss0 = rss_kib();
  Loaded loaded = load_checked(a["--policy"]);
  long rss_policy = rss_kib();
  CompileStats stats;
  auto t0 = Clock::now();
  CompiledPolicy compiled = compile_policy(*loaded.policy, &stats);
  double compile_ms = ms_since(t0);
  t0 = Clock::now();
  std::string bytes = encode_bundle(compiled);
  double encode_ms = ms_since(t0);
  std::string bundle_path = a["--bundle-out"];
  if (!bundle_path.empty()) std::ofstream(bundle_path, std::ios::binary) << bytes;

  long rss1 = rss_kib();
  t0 = Clock::now();
  std::unique_ptr<const runtime::Bundle> bundle;
  auto status = runtime::Bundle::load(bytes, &bundle);
  double bundle_load_ms = ms_since(t0);
  if (!status.ok()) {
    std::cerr << "bundle: " << status.message() << "\n";
    return 2;
  }
  long rss2 = rss_kib();

  auto stream = read_stream(a["--queries"]);
  size_t n = stream.size();
  std::vector<runtime::InternedQuery> interned;
  interned.reserve(n);
  for (auto& s : stream) interned.push_back(intern(*bundle, s));
  // String queries: views into the stream's strings (the caller's own strings).
  std::vector<std::vector<std::string_view>> consent_views(n), feature_views(n);
  std::vector<runtime::StringQuery> strq(n);
  for (size_t i = 0; i < n; ++i) {
    auto& s = stream[i];
    for (auto& c : s.consents) consent_views[i].push_back(c);
    for (auto& f : s.features) feature_views[i].push_back(f);
    auto& q = strq[i];
    q.data = s.data;
    q.purpose = s.purpose;
    q.action = s.action;
    q.recipient = s.recipient;
    q.destination = s.destination;
    q.region = s.region;
    q.age = s.age;
    q.as_of_days = s.days;
    q.gpc = s.gpc;
    q.ads_personalization = s.ads;
    q.consents = consent_views[i];
    q.features = feature_views[i];
  }

  const double min_s = std::stod(a.count("--min-seconds") ? a["--min-seconds"] : "1.0");
  // flowgate, interned ids.
  std::vector<uint32_t> dec(n);
  for (size_t i = 0; i < n; ++i) dec[i] = bundle->decide(interned[i]);
  Timing t_int = time_batches(n, 3, min_s, [&](size_t b, size_t e) {
    uint64_t s = 0;
    for (size_t i = b; i < e; ++i) s += bundle->decide(interned[i]);
    g_sink = s;
  });
  // flowgate, string ids (interning inside the timed call).
  size_t string_mismatch = 0;
  for (size_t i = 0; i < n; ++i) string_mismatch += bundle->decide(strq[i]) != dec[i];
  Timing t_str = time_batches(n, 3, min_s, [&](size_t b, size_t e) {
    uint64_t s = 0;
    for (size_t i = b; i < e; ++i) s += bundle->decide(strq[i]);
    g_sink = s;
  });
  // flowgate on two threads: each thread decides the whole stream; throughput over wall time.
  double two_thread_dps = 0;
  {
    size_t passes = 20;
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    auto worker = [&](size_t offset) {
      ready++;
      while (!go.load()) {
      }
      uint64_t s = 0;
      for (size_t p = 0; p < passes; ++p)
        for (size_t i = 0; i < n; ++i) s += bundle->decide(interned[(i + offset) % n]);
      g_sink = s;
    };
    std::thread a1(worker, 0), a2(worker, n / 2);
    while (ready.load() < 2) {
    }
    auto w0 = Clock::now();
    go = true;
    a1.join();
    a2.join();
    double secs = ms_since(w0) / 1000;
    two_thread_dps = 2.0 * passes * n / secs;
  }
  // The flat array, when its table fits in memory.
  constexpr size_t kMaxFlatEntries = size_t{4} << 30;
  const size_t flat_entries = Flat::entries(compiled, kMaxFlatEntries);
  json flat_json;
  if (flat_entries == 0) {
    flat_json = {{"error", "not built: the table of every class combination would exceed " +
                               std::to_string(kMaxFlatEntries) + " entries"}};
  } else {
    t0 = Clock::now();
    long rss3 = rss_kib();
    Flat flat = Flat::build(compiled, *bundle);
    double flat_build_ms = ms_since(t0);
    long rss4 = rss_kib();
    size_t flat_mismatch = 0;
    for (size_t i = 0; i < n; ++i) flat_mismatch += flat.decide(interned[i]) != dec[i];
    Timing t_flat = time_batches(n, 3, min_s, [&](size_t b, size_t e) {
      uint64_t s = 0;
      for (size_t i = b; i < e; ++i) s += flat.decide(interned[i]);
      g_sink = s;
    });
    flat_json = timing_json(t_flat);
    flat_json["load_ms"] = flat_build_ms;
    flat_json["rss_kib"] = rss4 - rss3;
    flat_json["entries"] = flat.table.size();
    flat_json["bytes"] = flat.table.size() * sizeof(uint8_t);
    flat_json["disagreements"] = flat_mismatch;
  }
  // The reference evaluator: on string queries already in its own form (ids as std::string).
  std::vector<Query> refq;
  refq.reserve(n);
  for (auto& s : stream) refq.push_back(to_query(s));
  size_t ref_mismatch = 0;
  std::vector<std::string> ref_examples;
  for (size_t i = 0; i < n; ++i) {
    bool allow = evaluate_reference(*loaded.policy, refq[i]).allow;
    if (allow != bundle->decision(dec[i]).allow()) {
      if (++ref_mismatch <= 5) ref_examples.push_back("query " + std::to_string(i + 1));
    }
  }
  Timing t_ref = time_batches(n, 1, 0, [&](size_t b, size_t e) {
    uint64_t s = 0;
    for (size_t i = b; i < e; ++i) s += evaluate_reference(*loaded.policy, refq[i]).allow;
    g_sink = s;
  });

  // Decisions out, for the peers' cross-check.
  {
    std::ofstream d(a["--decisions"]);
    size_t allows = 0;
    for (size_t i = 0; i < n; ++i) {
      bool allow = bundle->decision(dec[i]).allow();
      allows += allow;
      d << (allow ? "allow\n" : "deny\n");
    }
    out["stream"] = {{"queries", n}, {"allows", allows}};
  }

  out["flowgate"] = timing_json(t_int);
  out["flowgate"]["load_ms"] = bundle_load_ms;
  out["flowgate"]["compile_ms"] = compile_ms;
  out["flowgate"]["load_check_ms"] = loaded.load_check_ms;
  out["flowgate"]["rss_kib"] = rss2 - rss1;
  out["flowgate"]["bundle_bytes"] = bytes.size();
  out["flowgate"]["two_threads_decisions_per_s"] = two_thread_dps;
  out["flowgate"]["disagreements"] = 0;
  out["flowgate_strings"] = timing_json(t_str);
  out["flowgate_strings"]["load_ms"] = bundle_load_ms;
  out["flowgate_strings"]["rss_kib"] = rss2 - rss1;
  out["flowgate_strings"]["disagreements"] = string_mismatch;
  out["flat"] = flat_json;
  out["reference"] = timing_json(t_ref);
  out["reference"]["load_ms"] = loaded.load_check_ms;
  out["reference"]["rss_kib"] = rss_policy - rss0;
  out["reference"]["disagreements"] = ref_mismatch;
  out["reference"]["disagreement_examples"] = ref_examples;
  out["shipped"] = {{"rules", stats.rules},
                    {"load_check_ms", loaded.load_check_ms},
                    {"compile_ms", compile_ms},
                    {"compiler_reported_ms", stats.milliseconds},
                    {"encode_bundle_ms", encode_ms},
                    {"diagram_nodes", stats.diagram_nodes},
                    {"builder_nodes", stats.builder_nodes},
                    {"decisions", stats.decisions},
                    {"variables", compiled.variables.size()},
                    {"bundle_bytes", bytes.size()}};
  std::cout << out.dump(2) << "\n";
  return 0;
}

// ---- peer encodings
// ------------------------------------------------------------------------------ Every path of the
// diagram to an allow leaf is one peer rule: a conjunction, per variable the path tests, of "the
// query's field is among these values", with the classes expanded back into the ids, regions, date
// intervals and age intervals they stand for. Values a node sends to the same child form one edge,
// so a rule is as general as the diagram allows. What it cannot carry (obligations, legal bases,
// citations of the decision record) is in peers/NOTES.md.
struct Constraint {
  VariableKind kind;
  uint32_t bit = 0;
  std::vector<uint32_t> values;  // class values
};

void allow_paths(const CompiledPolicy& c, uint32_t ref, std::vector<Constraint>& path,
                 std::vector<std::vector<Constraint>>& out) {
  if (ref & CompiledPolicy::kLeaf) {
    if (c.decisions[ref & ~CompiledPolicy::kLeaf].allow) out.push_back(path);
    return;
  }
  const DiagramNode& node = c.nodes[ref];
  const Variable& var = c.variables[node.variable];
  std::map<uint32_t, std::vector<uint32_t>> by_child;
  std::vector<uint32_t> order;
  for (uint32_t v = 0; v < var.domain; ++v) {
    uint32_t child = c.children[node.first_child + v];
    if (!by_child.count(child)) order.push_back(child);
    by_child[child].push_back(v);
  }
  for (uint32_t child : order) {
    path.push_back({var.kind, var.bit, by_child[child]});
    allow_paths(c, child, path, out);
    path.pop_back();
  }
}

// [lo, hi) intervals of a class set over sorted thresholds: class k covers [t[k-1], t[k]).
std::vector<std::pair<int64_t, int64_t>> intervals(const std::vector<uint32_t>& classes,
                                                   const std::vector<int32_t>& t, int64_t lo_all,
                                                   int64_t hi_all) {
  std::vector<std::pair<int64_t, int64_t>> r;
  for (uint32_t k : classes) {
    int64_t lo = k == 0 ? lo_all : t[k - 1];
    int64_t hi = k == t.size() ? hi_all : t[k];
    if (!r.empty() && r.back().second == lo)
      r.back().second = hi;
    else
      r.push_back({lo, hi});
  }
  return r;
}

// One rule in a neutral form: the peers' generators read this.
json constraint_json(const CompiledPolicy& c, const Constraint& k) {
  json j;
  auto ids = [&](const std::vector<std::string>& table) {
    json a = json::array();
    for (uint32_t v : k.values) a.push_back(table[v]);
    return a;
  };
  switch (k.kind) {
    case VariableKind::kData:
      j = {{"field", "data"}, {"in", ids(c.data_ids)}};
      break;
    case VariableKind::kPurpose:
      j = {{"field", "purpose"}, {"in", ids(c.purpose_ids)}};
      break;
    case VariableKind::kRecipient:
      j = {{"field", "recipient"}, {"in", ids(c.recipient_ids)}};
      break;
    case VariableKind::kAction: {
      json a = json::array();
      for (uint32_t v : k.values) a.push_back(v ? "transmit" : "collect");
      j = {{"field", "action"}, {"in", a}};
      break;
    }
    case VariableKind::kDestination:
    case VariableKind::kRegion: {
      // Region classes (the regions no rule tells apart); encodings/classes.json maps ids to them.
      bool dest = k.kind == VariableKind::kDestination;
      json a = json::array();
      for (uint32_t v : k.values) a.push_back((dest ? "d" : "r") + std::to_string(v));
      j = {{"field", dest ? "destination_class" : "region_class"}, {"in", a}};
      break;
    }
    case VariableKind::kDate: {
      json a = json::array();
      for (auto [lo, hi] : intervals(k.values, c.date_breakpoints, -1000000, 1000000))
        a.push_back({lo, hi});
      j = {{"field", "as_of_days"}, {"ranges", a}};
      break;
    }
    case VariableKind::kAge: {
      bool unknown = false;
      std::vector<uint32_t> bands;
      for (uint32_t v : k.values) {
        if (v == 0)
          unknown = true;
        else
          bands.push_back(v - 1);
      }
      json a = json::array();
      for (auto [lo, hi] : intervals(bands, c.age_thresholds, 0, 1000)) a.push_back({lo, hi});
      j = {{"field", "age"}, {"ranges", a}, {"unknown", unknown}};
      break;
    }
    case VariableKind::kBit: {
      const Bit& b = c.bits[k.bit];
      static const char* kinds[] = {"gpc", "ads_personalization", "consent_for_purpose", "consent",
                                    "feature"};
      j = {{"field", "signal"},
           {"signal", kinds[int(b.kind)]},
           {"id", b.id},
           {"value", k.values.at(0) == 1}};
      break;
    }
  }
  return j;
}

int cmd_encode(std::map<std::string, std::string> a) {
  Loaded loaded = load_checked(a["--policy"]);
  CompiledPolicy c = compile_policy(*loaded.policy);
  std::vector<std::vector<Constraint>> paths;
  std::vector<Constraint> path;
  allow_paths(c, c.root, path, paths);
  json rules = json::array();
  for (auto& p : paths) {
    json r = json::array();
    for (auto& k : p) r.push_back(constraint_json(c, k));
    rules.push_back(r);
  }
  json out = {{"policy", c.policy_name},
              {"version", c.policy_version},
              {"diagram_nodes", c.nodes.size()},
              {"allow_rules", rules}};
  std::ofstream(a["--out"]) << out.dump() << "\n";
  json classes = {{"regions", json::object()}, {"destinations", json::object()}};
  for (size_t r = 0; r < c.region_ids.size(); ++r) {
    classes["regions"][c.region_ids[r]] = "r" + std::to_string(c.region_class[r]);
    classes["destinations"][c.region_ids[r]] = "d" + std::to_string(c.destination_class[r]);
  }
  classes["destinations"]["device"] = "d" + std::to_string(c.device_destination_class);
  std::ofstream(a["--classes-out"]) << classes.dump(1) << "\n";
  std::cerr << "encode: " << paths.size() << " allow paths from " << c.nodes.size() << " nodes\n";
  return 0;
}

int cmd_gen(std::map<std::string, std::string> a) {
  Loaded loaded = load_checked(a["--policy"]);
  CompiledPolicy c = compile_policy(*loaded.policy);
  size_t n = std::stoul(a["--queries"]);
  std::mt19937_64 rng(std::stoull(a.count("--seed") ? a["--seed"] : "20261129"));
  std::ofstream out(a["--out"]);
  for (size_t i = 0; i < n; ++i) out << random_query(rng, c).dump() << "\n";
  return 0;
}

// ---- scaling: synthetic policies
// ----------------------------------------------------------------- N rules over M synthetic data
// categories (in groups of 8) and R regions: the shipped policy text, jurisdictions and
// vocabularies (data gains the synthetic categories), and rules/ holding only the generated ones.
// Each rule: allow (90%) or deny, 1-3 categories or a group, 1-2 purposes, an action, a recipient,
// and a condition on the subject's region drawn from R regions, the region groups, an age
// threshold, a date, or a signal.
void write_synthetic(const fs::path& src, const fs::path& dir, size_t n, size_t m, size_t r,
                     uint64_t seed) {
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
  {
    std::ofstream d(dir / "rules" / "vocabulary" / "data.yaml", std::ios::app);
    d << "\n  # ---- synthetic categories (bench/) ----\n";
    for (size_t g = 0; g < (m + 7) / 8; ++g)
      d << "  - id: synth" << g << "\n    description: Synthetic group " << g
        << ".\n    citations: [\"§1.3\"]\n";
    for (size_t i = 0; i < m; ++i)
      d << "  - id: synth" << i / 8 << ".c" << i << "\n    parents: [synth" << i / 8
        << "]\n    description: Synthetic category " << i << ".\n    citations: [\"§1.3\"]\n";
  }
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
  static const std::vector<std::string> groups = {"EU", "EU_EEA", "EEA_CH", "US_PRIVACY_LAW"};
  // R regions: the first R of a fixed list of ISO codes the shipped catalog knows.
  static const std::vector<std::string> all_regions = {
      "DE",    "FR",    "IT",    "ES",    "NL",    "BE",    "AT",    "PL",    "SE",
      "DK",    "FI",    "IE",    "PT",    "GR",    "CZ",    "HU",    "RO",    "BG",
      "HR",    "SI",    "SK",    "LT",    "LV",    "EE",    "LU",    "MT",    "CY",
      "IS",    "LI",    "NO",    "CH",    "GB",    "JP",    "CN",    "KR",    "IN",
      "BR",    "MX",    "CA",    "AU",    "US-CA", "US-VA", "US-CO", "US-CT", "US-UT",
      "US-TX", "US-OR", "US-MT", "US-IA", "US-DE", "US-NH", "US-NJ", "US-TN", "US-MN",
      "US-MD", "US-IN", "US-KY", "US-RI", "US-NE", "US-FL", "US-NY", "US-WA"};
  std::vector<std::string> regions(all_regions.begin(),
                                   all_regions.begin() + std::min(r, all_regions.size()));
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
    y << "  - id: synth-rule-" << i << "\n    effect: " << (deny ? "deny" : "allow")
      << "\n    match:\n      data: [";
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
    y << "    citations: [\"§1.3\", \"§3\"]\n    quote: \"" << quote << "\"\n";
  }
}

int cmd_scale(std::map<std::string, std::string> a) {
  fs::path src = a["--policy"];
  fs::path work = a["--work"];
  size_t m = std::stoul(a.count("--categories") ? a["--categories"] : "64");
  size_t r = std::stoul(a.count("--regions") ? a["--regions"] : "40");
  std::vector<size_t> ns;
  std::stringstream ss(a.count("--n") ? a["--n"] : "100,1000,10000");
  for (std::string s; std::getline(ss, s, ',');) ns.push_back(std::stoul(s));
  json out = json::array();
  for (size_t n : ns) {
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
                {"rule_sets", stats.rule_sets},
                {"diagram_nodes", stats.diagram_nodes},
                {"decisions", stats.decisions}};
    std::cerr << "scale: " << n << " rules: compile " << compile_ms << " ms, "
              << stats.diagram_nodes << " nodes, " << stats.decisions << " decision records\n";
    std::string bytes;
    try {
      bytes = encode_bundle(c);
    } catch (const std::exception& e) {
      // Every distinct set of matching rules is its own decision record (with its rules and
      // reason), so a synthetic policy whose rules overlap at random can outgrow the format.
      row["bundle_error"] = e.what();
      out.push_back(row);
      if (!a.count("--keep")) fs::remove_all(dir);
      continue;
    }
    std::unique_ptr<const runtime::Bundle> bundle;
    auto status = runtime::Bundle::load(bytes, &bundle);
    if (!status.ok()) {
      std::cerr << status.message() << "\n";
      return 2;
    }
    std::mt19937_64 rng(7);
    std::vector<runtime::InternedQuery> qs;
    for (size_t i = 0; i < 100000; ++i) {
      json j = random_query(rng, c);
      StreamQuery s;
      s.data = j["data"];
      s.purpose = j["purpose"];
      s.action = j["action"];
      s.recipient = j["recipient"];
      s.destination = j["destination"];
      s.region = j["subject"]["region"];
      if (j["subject"].contains("age")) s.age = j["subject"]["age"];
      s.days = j["as_of_days"];
      s.gpc = j["signals"]["gpc"];
      s.ads = j["signals"]["ads_personalization"];
      for (auto& x : j["signals"]["consents"]) s.consents.push_back(x);
      for (auto& x : j["signals"]["features"]) s.features.push_back(x);
      qs.push_back(intern(*bundle, s));
    }
    Timing t = time_batches(qs.size(), 3, 0.3, [&](size_t b, size_t e) {
      uint64_t sum = 0;
      for (size_t i = b; i < e; ++i) sum += bundle->decide(qs[i]);
      g_sink = sum;
    });
    row["bundle_bytes"] = bytes.size();
    row["decide_p50_ns"] = t.p50_ns;
    row["decide_p99_ns"] = t.p99_ns;
    out.push_back(row);
    if (!a.count("--keep")) fs::remove_all(dir);
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: flowgate_bench gen|encode|measure|scale --policy DIR …\n";
    return 2;
  }
  std::string cmd = argv[1];
  auto a = parse_args(argc, argv, 2);
  try {
    if (cmd == "gen") return cmd_gen(a);
    if (cmd == "encode") return cmd_encode(a);
    if (cmd == "measure") return cmd_measure(a);
    if (cmd == "scale") return cmd_scale(a);
  } catch (const std::exception& e) {
    std::cerr << "flowgate_bench " << cmd << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "unknown command " << cmd << "\n";
  return 2;
}
