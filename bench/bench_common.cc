// What flowgate_bench's subcommands share (bench.h).
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <set>

#include "bench.h"
#include "flowgate/toolchain.h"
#include "model/calendar.h"

namespace flowgate::bench {

volatile uint64_t g_sink;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

long rss_kib() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

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

StreamQuery stream_query(const json& j) {
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
  for (const auto& c : j["signals"]["consents"]) q.consents.push_back(c.get<std::string>());
  for (const auto& f : j["signals"]["features"]) q.features.push_back(f.get<std::string>());
  return q;
}

std::vector<StreamQuery> read_stream(const std::string& path) {
  std::vector<StreamQuery> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) out.push_back(stream_query(json::parse(line)));
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

json timing_json(const Timing& t) {
  return {{"p50_ns", t.p50_ns},
          {"p99_ns", t.p99_ns},
          {"decisions_per_s", t.decisions_per_s},
          {"batches", t.batches},
          {"decisions_timed", t.decisions}};
}

}  // namespace flowgate::bench
