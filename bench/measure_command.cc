// flowgate_bench measure --policy DIR --queries FILE --decisions FILE [--bundle-out FILE]
// [--min-seconds S]: the shipped policy compiled, encoded and loaded, then every engine of this
// process timed on the query stream — flowgate on interned ids, on string ids and on two threads,
// the flat array of every class combination, the reference evaluator — each cross-checked against
// flowgate's decisions, which go to the decisions file for the peers. JSON on stdout.
#include <atomic>
#include <fstream>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "bench.h"
#include "bundle/bundle_writer.h"
#include "compile/compiler.h"
#include "reference/reference_evaluator.h"

namespace flowgate::bench {
namespace {

// ---- the flat array: the physical floor. Every combination of the diagram's variables' classes,
// decided once; a decision is the class computation (table lookups, the date class by binary
// search) and one load.
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

// ---- compute

// The shipped policy loaded and checked, compiled, encoded and loaded as a bundle, with the time
// and memory each step took.
struct Shipped {
  Loaded loaded;
  CompileStats stats;
  CompiledPolicy compiled;
  std::string bytes;
  std::unique_ptr<const runtime::Bundle> bundle;
  double compile_ms = 0, encode_ms = 0, bundle_load_ms = 0;
  long policy_rss_kib = 0, bundle_rss_kib = 0;
};

// False, with the reason on stderr, when the bundle does not load. Writes the bundle to
// `bundle_path` when given.
bool load_shipped(const std::string& policy_dir, const std::string& bundle_path, Shipped& s) {
  long rss0 = rss_kib();
  s.loaded = load_checked(policy_dir);
  s.policy_rss_kib = rss_kib() - rss0;
  auto t0 = Clock::now();
  s.compiled = compile_policy(*s.loaded.policy, &s.stats);
  s.compile_ms = ms_since(t0);
  t0 = Clock::now();
  s.bytes = encode_bundle(s.compiled);
  s.encode_ms = ms_since(t0);
  if (!bundle_path.empty()) std::ofstream(bundle_path, std::ios::binary) << s.bytes;

  long rss1 = rss_kib();
  t0 = Clock::now();
  auto status = runtime::Bundle::load(s.bytes, &s.bundle);
  s.bundle_load_ms = ms_since(t0);
  if (!status.ok()) {
    std::cerr << "bundle: " << status.message() << "\n";
    return false;
  }
  s.bundle_rss_kib = rss_kib() - rss1;
  return true;
}

// The query stream in each engine's form. The string queries view the stream's own strings (the
// caller's), so a Streams is filled in place and not copied.
struct Streams {
  std::vector<StreamQuery> stream;
  std::vector<runtime::InternedQuery> interned;
  std::vector<std::vector<std::string_view>> consent_views, feature_views;
  std::vector<runtime::StringQuery> strings;
  std::vector<Query> reference;  // ids as std::string, filled by measure_reference
};

void read_streams(const std::string& path, const runtime::Bundle& bundle, Streams& s) {
  s.stream = read_stream(path);
  size_t n = s.stream.size();
  s.interned.reserve(n);
  for (auto& q : s.stream) s.interned.push_back(intern(bundle, q));
  s.consent_views.resize(n);
  s.feature_views.resize(n);
  s.strings.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const StreamQuery& from = s.stream[i];
    for (auto& c : from.consents) s.consent_views[i].push_back(c);
    for (auto& f : from.features) s.feature_views[i].push_back(f);
    auto& q = s.strings[i];
    q.data = from.data;
    q.purpose = from.purpose;
    q.action = from.action;
    q.recipient = from.recipient;
    q.destination = from.destination;
    q.region = from.region;
    q.age = from.age;
    q.as_of_days = from.days;
    q.gpc = from.gpc;
    q.ads_personalization = from.ads;
    q.consents = s.consent_views[i];
    q.features = s.feature_views[i];
  }
}

// flowgate on two threads: each thread decides the whole stream; throughput over wall time.
double two_threads_decisions_per_s(const runtime::Bundle& bundle,
                                   const std::vector<runtime::InternedQuery>& interned) {
  const size_t n = interned.size(), passes = 20;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  auto worker = [&](size_t offset) {
    ready++;
    while (!go.load()) {
    }
    uint64_t s = 0;
    for (size_t p = 0; p < passes; ++p)
      for (size_t i = 0; i < n; ++i) s += bundle.decide(interned[(i + offset) % n]);
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
  return 2.0 * passes * n / secs;
}

// The flat array is built only when its table fits in memory.
constexpr size_t kMaxFlatEntries = size_t{4} << 30;

struct FlatResult {
  bool built = false;
  Timing timing;
  double build_ms = 0;
  long rss_kib = 0;
  size_t entries = 0, disagreements = 0;
};

FlatResult measure_flat(const Shipped& s, const std::vector<runtime::InternedQuery>& interned,
                        const std::vector<uint32_t>& dec, double min_s) {
  FlatResult r;
  if (Flat::entries(s.compiled, kMaxFlatEntries) == 0) return r;
  const size_t n = interned.size();
  auto t0 = Clock::now();
  long rss3 = rss_kib();
  Flat flat = Flat::build(s.compiled, *s.bundle);
  r.build_ms = ms_since(t0);
  r.rss_kib = rss_kib() - rss3;
  for (size_t i = 0; i < n; ++i) r.disagreements += flat.decide(interned[i]) != dec[i];
  r.timing = time_batches(n, 3, min_s, [&](size_t b, size_t e) {
    uint64_t sum = 0;
    for (size_t i = b; i < e; ++i) sum += flat.decide(interned[i]);
    g_sink = sum;
  });
  r.entries = flat.table.size();
  r.built = true;
  return r;
}

struct ReferenceResult {
  Timing timing;
  size_t disagreements = 0;
  std::vector<std::string> examples;  // the first five
};

// The reference evaluator: on string queries already in its own form (ids as std::string).
ReferenceResult measure_reference(const Shipped& s, Streams& streams,
                                  const std::vector<uint32_t>& dec) {
  const Policy& policy = *s.loaded.policy;
  const size_t n = streams.stream.size();
  streams.reference.reserve(n);
  for (auto& q : streams.stream) streams.reference.push_back(to_query(q));
  const std::vector<Query>& refq = streams.reference;
  ReferenceResult r;
  for (size_t i = 0; i < n; ++i) {
    bool allow = evaluate_reference(policy, refq[i]).allow;
    if (allow != s.bundle->decision(dec[i]).allow()) {
      if (++r.disagreements <= 5) r.examples.push_back("query " + std::to_string(i + 1));
    }
  }
  r.timing = time_batches(n, 1, 0, [&](size_t b, size_t e) {
    uint64_t sum = 0;
    for (size_t i = b; i < e; ++i) sum += evaluate_reference(policy, refq[i]).allow;
    g_sink = sum;
  });
  return r;
}

// Every engine's timing and disagreements with flowgate on the stream.
struct Measurement {
  size_t queries = 0, allows = 0;
  Timing interned, strings;
  size_t string_disagreements = 0;
  double two_threads_decisions_per_s = 0;
  FlatResult flat;
  ReferenceResult reference;
};

// flowgate's decisions, one line per query, for the peers' cross-check; returns the allows.
size_t write_decisions(const std::string& path, const runtime::Bundle& bundle,
                       const std::vector<uint32_t>& dec) {
  std::ofstream d(path);
  size_t allows = 0;
  for (uint32_t k : dec) {
    bool allow = bundle.decision(k).allow();
    allows += allow;
    d << (allow ? "allow\n" : "deny\n");
  }
  return allows;
}

Measurement measure(const Shipped& s, Streams& streams, const std::string& decisions_path,
                    double min_s) {
  const runtime::Bundle& bundle = *s.bundle;
  const size_t n = streams.stream.size();
  Measurement m;
  m.queries = n;
  // flowgate, interned ids.
  std::vector<uint32_t> dec(n);
  for (size_t i = 0; i < n; ++i) dec[i] = bundle.decide(streams.interned[i]);
  m.interned = time_batches(n, 3, min_s, [&](size_t b, size_t e) {
    uint64_t sum = 0;
    for (size_t i = b; i < e; ++i) sum += bundle.decide(streams.interned[i]);
    g_sink = sum;
  });
  // flowgate, string ids (interning inside the timed call).
  for (size_t i = 0; i < n; ++i)
    m.string_disagreements += bundle.decide(streams.strings[i]) != dec[i];
  m.strings = time_batches(n, 3, min_s, [&](size_t b, size_t e) {
    uint64_t sum = 0;
    for (size_t i = b; i < e; ++i) sum += bundle.decide(streams.strings[i]);
    g_sink = sum;
  });
  m.two_threads_decisions_per_s = two_threads_decisions_per_s(bundle, streams.interned);
  m.flat = measure_flat(s, streams.interned, dec, min_s);
  m.reference = measure_reference(s, streams, dec);
  m.allows = write_decisions(decisions_path, bundle, dec);
  return m;
}

// ---- render

json flat_json(const FlatResult& f) {
  if (!f.built) {
    return {{"error", "not built: the table of every class combination would exceed " +
                          std::to_string(kMaxFlatEntries) + " entries"}};
  }
  json j = timing_json(f.timing);
  j["load_ms"] = f.build_ms;
  j["rss_kib"] = f.rss_kib;
  j["entries"] = f.entries;
  j["bytes"] = f.entries * sizeof(uint8_t);
  j["disagreements"] = f.disagreements;
  return j;
}

json measurement_json(const Shipped& s, const Measurement& m) {
  json out;
  out["stream"] = {{"queries", m.queries}, {"allows", m.allows}};
  out["flowgate"] = timing_json(m.interned);
  out["flowgate"]["load_ms"] = s.bundle_load_ms;
  out["flowgate"]["compile_ms"] = s.compile_ms;
  out["flowgate"]["load_check_ms"] = s.loaded.load_check_ms;
  out["flowgate"]["rss_kib"] = s.bundle_rss_kib;
  out["flowgate"]["bundle_bytes"] = s.bytes.size();
  out["flowgate"]["two_threads_decisions_per_s"] = m.two_threads_decisions_per_s;
  out["flowgate"]["disagreements"] = 0;
  out["flowgate_strings"] = timing_json(m.strings);
  out["flowgate_strings"]["load_ms"] = s.bundle_load_ms;
  out["flowgate_strings"]["rss_kib"] = s.bundle_rss_kib;
  out["flowgate_strings"]["disagreements"] = m.string_disagreements;
  out["flat"] = flat_json(m.flat);
  out["reference"] = timing_json(m.reference.timing);
  out["reference"]["load_ms"] = s.loaded.load_check_ms;
  out["reference"]["rss_kib"] = s.policy_rss_kib;
  out["reference"]["disagreements"] = m.reference.disagreements;
  out["reference"]["disagreement_examples"] = m.reference.examples;
  out["shipped"] = {{"rules", s.stats.rules},
                    {"load_check_ms", s.loaded.load_check_ms},
                    {"compile_ms", s.compile_ms},
                    {"compiler_reported_ms", s.stats.milliseconds},
                    {"encode_bundle_ms", s.encode_ms},
                    {"diagram_nodes", s.stats.diagram_nodes},
                    {"builder_nodes", s.stats.builder_nodes},
                    {"decisions", s.stats.decisions},
                    {"variables", s.compiled.variables.size()},
                    {"bundle_bytes", s.bytes.size()}};
  return out;
}

}  // namespace

int cmd_measure(Args a) {
  Shipped shipped;
  if (!load_shipped(a["--policy"], a["--bundle-out"], shipped)) return 2;
  Streams streams;
  read_streams(a["--queries"], *shipped.bundle, streams);
  const double min_s = std::stod(a.count("--min-seconds") ? a["--min-seconds"] : "1.0");
  Measurement m = measure(shipped, streams, a["--decisions"], min_s);
  std::cout << measurement_json(shipped, m).dump(2) << "\n";
  return 0;
}

}  // namespace flowgate::bench
