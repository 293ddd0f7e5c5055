// A camera/device pipeline that asks first. It captures (simulated) photos, device info and the
// ads identifier, and before every collect and every transmit asks the runtime, through the C API
// an Android or iOS app links (flowgate.h), whether the flow is allowed for this user; every
// decision goes to the device's decision log (flowgate/decision_log.h). It prints what it sent
// where, and what it refused and why: the rule and the policy section the rule quotes.
//
//   camera_pipeline --bundle policy.fgb --trusted-key release.pub --log decisions.db
//                   [--as-of YYYY-MM-DD] [--allow-sample N]
// Built against an installed flowgate (find_package; README "Using the runtime alone / ARM") it has
// the C API alone: no decision log (flowgate_log needs SQLite), and --log is optional.
// Exit status: 0 done (refusals are answers, not failures), 2 usage or a refused bundle.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#if FLOWGATE_EXAMPLE_DECISION_LOG
#include "flowgate/decision_log.h"
#endif
#include "flowgate/flowgate.h"

namespace {

bool read_key(const char* path, uint8_t key[32]) {
  std::FILE* f = std::fopen(path, "r");
  if (f == nullptr) return false;
  char hex[65] = {0};
  size_t n = std::fread(hex, 1, 64, f);
  std::fclose(f);
  if (n != 64) return false;
  for (int i = 0; i < 32; ++i) {
    unsigned byte;
    if (std::sscanf(hex + 2 * i, "%2x", &byte) != 1) return false;
    key[i] = static_cast<uint8_t>(byte);
  }
  return true;
}

struct User {
  const char* name;
  const char* region;
  int age;
  bool ads_personalization;
  bool gpc;
};

// One step of the pipeline: a flow it wants to make.
struct Flow {
  const char* what;  // for people
  const char* data;
  const char* purpose;
  int action;             // FG_COLLECT or FG_TRANSMIT
  const char* recipient;  // "device" for a collect
  const char* destination;
};

// A capture: collected on the device first, then (maybe) sent on.
struct Capture {
  Flow collect;
  std::vector<Flow> transmits;
};

std::vector<Capture> pipeline() {
  return {
      {{"take a photo", "media.photo", "core_functionality", FG_COLLECT, "device", "device"},
       {{"back up the photo", "media.photo", "core_functionality", FG_TRANSMIT,
         "service_provider.cloud_storage", "JP"}}},
      {{"read device info", "technical.device.info", "user_functions", FG_COLLECT, "device",
        "device"},
       {{"send device info to our servers", "technical.device.info", "user_functions", FG_TRANSMIT,
         "first_party", "JP"},
        {"send device info for analytics", "technical.device.info", "analytics", FG_TRANSMIT,
         "first_party", "JP"}}},
      {{"read the ads identifier", "technical.ads.identifier", "advertising.targeted", FG_COLLECT,
        "device", "device"},
       {{"send the ads identifier to Google for targeted ads", "technical.ads.identifier",
         "advertising.targeted", FG_TRANSMIT, "advertiser.google", "US"},
        {"send the ads identifier for ad measurement", "technical.ads.identifier",
         "advertising.measurement", FG_TRANSMIT, "advertiser.measurement", "US"}}},
  };
}

std::string list(const fg_decision* d, size_t (*count)(const fg_decision*),
                 const char* (*at)(const fg_decision*, size_t, size_t*)) {
  std::string out;
  for (size_t i = 0; i < count(d); ++i) {
    if (i > 0) out += ", ";
    out += at(d, i, nullptr);
  }
  return out;
}

#if !FLOWGATE_EXAMPLE_DECISION_LOG
namespace flowgate::log {
class DecisionLog {};  // not in this build: nothing is recorded
}  // namespace flowgate::log
#endif

class Pipeline {
 public:
  Pipeline(fg_holder* holder, flowgate::log::DecisionLog* log, int32_t as_of)
      : holder_(holder), log_(log), as_of_(as_of) {}

  void run(const User& user) {
    // One snapshot per user session: ids interned on it, decisions read from it.
    fg_bundle* bundle = fg_acquire(holder_);
    std::printf("\n== %s (%s, age %d%s%s) ==\n", user.name, user.region, user.age,
                user.ads_personalization ? "" : ", ads personalization off",
                user.gpc ? ", GPC on" : "");
    for (const Capture& capture : pipeline()) {
      if (!ask(bundle, user, capture.collect)) continue;  // never captured, so nothing to send
      for (const Flow& flow : capture.transmits) ask(bundle, user, flow);
    }
    fg_close(bundle);
  }

  int sent() const { return sent_; }
  int refused() const { return refused_; }

 private:
  bool ask(const fg_bundle* bundle, const User& user, const Flow& flow) {
    fg_query q;
    fg_query_init(&q);
    q.data = fg_intern_data(bundle, flow.data);
    q.purpose = fg_intern_purpose(bundle, flow.purpose);
    q.action = flow.action;
    q.recipient = fg_intern_recipient(bundle, flow.recipient);
    q.destination = std::strcmp(flow.destination, "device") == 0
                        ? FG_DEVICE
                        : fg_intern_region(bundle, flow.destination);
    q.region = fg_intern_region(bundle, user.region);
    q.age = user.age;
    q.as_of_days = as_of_;
    q.gpc = user.gpc ? 1 : 0;
    q.ads_personalization = user.ads_personalization ? 1 : 0;
    fg_decision d;
    fg_decide(bundle, &q, &d);
    record(bundle, q, flow, d);

    const bool allow = fg_decision_allow(&d) == 1;
    const bool collect = flow.action == FG_COLLECT;
    if (allow) {
      ++sent_;
      if (collect) {
        std::printf("  collected %-26s on the device, for %s\n", flow.data, flow.purpose);
      } else {
        std::printf("  SENT      %-26s to %s (%s) for %s [%s]\n", flow.data, flow.recipient,
                    flow.destination, flow.purpose,
                    list(&d, fg_decision_obligation_count, fg_decision_obligation_at).c_str());
      }
    } else {
      ++refused_;
      std::string target =
          collect ? std::string(" on the device")
                  : std::string(" to ") + flow.recipient + " (" + flow.destination + ")";
      std::printf("  REFUSED   %s: %s %s%s\n", flow.what, collect ? "collect" : "transmit",
                  flow.data, target.c_str());
      std::printf("            rule %s (%s): %s\n",
                  list(&d, fg_decision_rule_count, fg_decision_rule_at).c_str(),
                  list(&d, fg_decision_citation_count, fg_decision_citation_at).c_str(),
                  fg_decision_reason(&d, nullptr));
    }
    return allow;
  }

  // The decision log takes interned ids and the decision's rule ids and citations, never the
  // user's age (only its band) or region name (only the bundle's index for it).
  void record(const fg_bundle* bundle, const fg_query& q, const Flow& flow, const fg_decision& d) {
#if !FLOWGATE_EXAMPLE_DECISION_LOG
    (void)bundle, (void)q, (void)flow, (void)d;
  }
#else
    if (log_ == nullptr) return;
    auto index16 = [](int32_t v) {
      return v >= 0 && v < flowgate::runtime::InternedQuery::kUnknown
                 ? static_cast<uint16_t>(v)
                 : flowgate::runtime::InternedQuery::kUnknown;
    };
    flowgate::log::LogInput in;
    fg_bundle_digest(bundle, in.bundle_digest.data());
    in.query.data = index16(q.data);
    in.query.purpose = index16(q.purpose);
    in.query.recipient = index16(q.recipient);
    in.query.action = static_cast<uint8_t>(q.action);
    in.query.destination = q.destination == FG_DEVICE ? flowgate::runtime::InternedQuery::kDevice
                                                      : index16(q.destination);
    in.query.region = index16(q.region);
    in.query.age = static_cast<int16_t>(q.age);
    in.query.as_of_days = q.as_of_days;
    in.query.gpc = q.gpc != 0;
    in.query.ads_personalization = q.ads_personalization != 0;
    in.decision = fg_decision_index(&d);
    in.allow = fg_decision_allow(&d) == 1;
    in.data_id = flow.data;
    in.purpose_id = flow.purpose;
    in.recipient_id = flow.recipient;
    in.destination_id = flow.destination;
    std::vector<std::string_view> rules, citations;
    for (size_t i = 0; i < fg_decision_rule_count(&d); ++i) {
      rules.emplace_back(fg_decision_rule_at(&d, i, nullptr));
    }
    for (size_t i = 0; i < fg_decision_citation_count(&d); ++i) {
      citations.emplace_back(fg_decision_citation_at(&d, i, nullptr));
    }
    in.rules = rules;
    in.citations = citations;
    log_->log(in);
  }
#endif

  fg_holder* holder_;
  flowgate::log::DecisionLog* log_;
  int32_t as_of_;
  int sent_ = 0;
  int refused_ = 0;
};

int usage() {
  std::fprintf(stderr,
               "usage: camera_pipeline --bundle FILE --trusted-key FILE --log DB "
               "[--as-of YYYY-MM-DD] [--allow-sample N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bundle_path, key_path, log_path, as_of = "2026-11-29";
  uint32_t allow_sample = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    if (arg == "--bundle") {
      bundle_path = argv[++i];
    } else if (arg == "--trusted-key") {
      key_path = argv[++i];
    } else if (arg == "--log") {
      log_path = argv[++i];
    } else if (arg == "--as-of") {
      as_of = argv[++i];
    } else if (arg == "--allow-sample") {
      allow_sample = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else {
      return usage();
    }
  }
  int y, m, d;
  if (bundle_path.empty() || key_path.empty() ||
      (FLOWGATE_EXAMPLE_DECISION_LOG && log_path.empty()) ||
      std::sscanf(as_of.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) {
    return usage();
  }

  // Production setting: the bundle must be signed by the trusted key.
  uint8_t key[32];
  if (!read_key(key_path.c_str(), key)) {
    std::fprintf(stderr, "camera_pipeline: cannot read the public key %s\n", key_path.c_str());
    return 2;
  }
  fg_options options;
  std::memset(&options, 0, sizeof options);
  options.require_signature = 1;
  options.trusted_keys = key;
  options.trusted_key_count = 1;
  fg_holder* holder = nullptr;
  if (fg_holder_open_file(bundle_path.c_str(), &options, &holder) != FG_OK) {
    std::fprintf(stderr, "camera_pipeline: bundle refused: %s\n", fg_last_error());
    return 2;
  }

#if FLOWGATE_EXAMPLE_DECISION_LOG
  flowgate::log::LogOptions log_options;
  log_options.path = log_path;
  log_options.allow_sample_every = allow_sample == 0 ? 1 : allow_sample;
  std::unique_ptr<flowgate::log::DecisionLog> log;
  flowgate::runtime::Status s = flowgate::log::DecisionLog::open(log_options, &log);
  if (!s.ok()) {
    // The log is optional: the pipeline still asks first, it just keeps no record.
    std::fprintf(stderr, "camera_pipeline: no decision log: %s\n", s.message().c_str());
  }
#else
  std::unique_ptr<flowgate::log::DecisionLog> log;
  (void)allow_sample;
  if (!log_path.empty()) {
    std::fprintf(stderr, "camera_pipeline: built without the decision log; --log ignored\n");
  }
#endif

  fg_bundle* first = fg_acquire(holder);
  std::printf("policy: %s, version %s (signed, verified); as of %s\n", fg_bundle_policy_name(first),
              fg_bundle_policy_version(first), as_of.c_str());
  fg_close(first);

  const User users[] = {
      {"EU adult", "DE", 30, true, false},
      {"EU minor", "FR", 15, true, false},
      {"Californian", "US-CA", 28, true, false},
      {"Virginian, ads personalization toggled off", "US-VA", 34, false, false},
      {"Coloradan with Global Privacy Control", "US-CO", 40, true, true},
  };
  Pipeline p(holder, log.get(), fg_days_from_civil(y, m, d));
  for (const User& user : users) p.run(user);

  std::printf("\n%d flows allowed, %d refused\n", p.sent(), p.refused());
#if FLOWGATE_EXAMPLE_DECISION_LOG
  if (log != nullptr) {
    log->flush();
    flowgate::log::LogStats st = log->stats();
    std::printf(
        "decision log %s: %llu decisions offered, %llu rows written, %llu allows sampled "
        "out, %llu dropped\n",
        log_path.c_str(), static_cast<unsigned long long>(st.offered),
        static_cast<unsigned long long>(st.written),
        static_cast<unsigned long long>(st.sampled_out),
        static_cast<unsigned long long>(st.dropped));
    log.reset();  // drains, commits and closes
    flowgate::log::VerifyReport report;
    if (flowgate::log::verify_log(log_path, &report).ok() && report.ok) {
      std::printf("decision log chain verified: %llu rows\n",
                  static_cast<unsigned long long>(report.rows));
    } else {
      std::printf("decision log chain BROKEN at row %llu: %s\n",
                  static_cast<unsigned long long>(report.first_broken), report.problem.c_str());
    }
  }
#endif
  fg_holder_close(holder);
  return 0;
}
