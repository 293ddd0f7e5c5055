// A camera/device pipeline that asks first, written as an Android or iOS app's native layer writes
// it against the C API (flowgate.h) and the decision log in C (flowgate_log.h). It captures
// (simulated) photos, device info and the ads identifier, and before every collect and every
// transmit asks the runtime whether the flow is allowed for this user. It answers the questions an
// app developer has (docs/integration.md):
//   - where the subject's region and age come from: the store country, the state in the account
//     settings, the age gate; and what is sent when one is unknown (Account, subject_region);
//   - how consent strings reach the query: the CMP's IABTCF_TCString and IABGPP_HDR_GppString
//     (SharedPreferences / NSUserDefaults) through fg_query_set_consent_strings (session_query);
//   - how bundle updates arrive: a signed file the app fetched, handed to the holder (--update),
//     and the serial the app last ran kept across restarts so an older policy is refused (--state);
//   - what to do on a deny: do not send, keep the item for a later fresh ask, show nothing, log it
//     (Pipeline::ask, Pipeline::retry_held).
// It prints what it sent where, and what it refused and why: the rule and the section it quotes.
//
//   camera_pipeline --bundle policy.fgb --trusted-key release.pub [--log decisions.db]
//                   [--state last-serial.txt] [--update policy-new.fgb]
//                   [--as-of YYYY-MM-DD] [--allow-sample N]
// Built against an installed flowgate (find_package) it logs when the package has flowgate::c_log
// (the full build's install); the runtime-only install has no decision log, and --log is ignored.
// Exit status: 0 done (refusals are answers, not failures), 2 usage or a refused bundle.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "flowgate/flowgate.h"
#if FLOWGATE_EXAMPLE_DECISION_LOG
#include "flowgate/flowgate_log.h"
#else
struct fg_log;  // not in this build: nothing is recorded
#endif

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

// The serial of the last policy this app ran, kept in app-private storage across restarts (0 when
// none was kept). A bundle below it is a rollback: a validly signed older policy.
uint64_t read_serial(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return 0;
  unsigned long long serial = 0;
  if (std::fscanf(f, "%llu", &serial) != 1) serial = 0;
  std::fclose(f);
  return serial;
}

// Written beside and renamed over, so a crash never leaves half a number.
bool write_serial(const std::string& path, uint64_t serial) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return false;
  bool ok = std::fprintf(f, "%" PRIu64 "\n", serial) > 0;
  ok = std::fclose(f) == 0 && ok;
  return ok && std::rename(tmp.c_str(), path.c_str()) == 0;
}

// What the app knows about its user, and where each value comes from on the device.
struct Account {
  const char* name;
  // The store's country (Play Billing BillingConfig.getCountryCode(), ISO 3166-1 alpha-2; StoreKit
  // Storefront.countryCode is alpha-3: map it). Where the user buys, so where the law protects.
  const char* store_country;
  // The US state from the account settings (billing or shipping address), "" when not given.
  const char* us_state;
  // What the age gate recorded, in whole years; -1 when it was never shown or was skipped.
  int age_gate;
  bool ads_personalization;  // the app's own "personalized ads" toggle (on unless turned off)
  bool gpc;                  // the app's "do not sell or share my data" setting
  // What the consent management platform stored under the IAB keys, in SharedPreferences
  // (Android) or NSUserDefaults (iOS); nullptr when the key is absent.
  const char* tc_string;   // IABTCF_TCString
  const char* gpp_string;  // IABGPP_HDR_GppString
};

// The subject's region id. Outside the US the store country is the region. In the US the state
// laws apply to a state (US-CA), and "US" alone would apply none of them: without a state the
// region stays unknown ("") and every flow is refused (the bundle's unknown-id deny) until the app
// asks the user for it. A guess would be a decision about the law, made in code.
std::string subject_region(const Account& a) {
  if (std::strcmp(a.store_country, "US") != 0) return a.store_country;
  if (a.us_state[0] == '\0') return "";
  return std::string("US-") + a.us_state;
}

// One step of the pipeline: a flow it wants to make.
struct Flow {
  const char* what;  // for people
  const char* data;
  const char* purpose;
  int action;             // FG_COLLECT or FG_TRANSMIT
  const char* recipient;  // "device" for a collect
  const char* destination;
  const char* on_deny;  // what the app does instead
};

// A capture: collected on the device first, then (maybe) sent on.
struct Capture {
  Flow collect;
  std::vector<Flow> transmits;
};

const std::vector<Capture>& pipeline() {
  static const std::vector<Capture> captures = {
      {{"take a photo", "media.photo", "core_functionality", FG_COLLECT, "device", "device",
        "the camera button is not shown"},
       {{"back up the photo", "media.photo", "core_functionality", FG_TRANSMIT,
         "service_provider.cloud_storage", "JP", "the photo stays on the phone, held for later"}}},
      {{"read device info", "technical.device.info", "user_functions", FG_COLLECT, "device",
        "device", "not read"},
       {{"send device info to our servers", "technical.device.info", "user_functions", FG_TRANSMIT,
         "first_party", "JP", "held for later"},
        {"send device info for analytics", "technical.device.info", "analytics", FG_TRANSMIT,
         "first_party", "JP", "no analytics event"}}},
      {{"read the ads identifier", "technical.ads.identifier", "advertising.targeted", FG_COLLECT,
        "device", "device", "not read; a contextual ad or none"},
       {{"send the ads identifier to Google for targeted ads", "technical.ads.identifier",
         "advertising.targeted", FG_TRANSMIT, "advertiser.google", "US", "a contextual ad or none"},
        {"send the ads identifier for ad measurement", "technical.ads.identifier",
         "advertising.measurement", FG_TRANSMIT, "advertiser.measurement", "US", "not measured"}}},
  };
  return captures;
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

class Pipeline {
 public:
  Pipeline(fg_holder* holder, fg_log* log, int32_t as_of)
      : holder_(holder), log_(log), as_of_(as_of) {}

  void run(const Account& account) {
    // One snapshot per user session: ids interned on it, decisions read from it.
    fg_bundle* bundle = fg_acquire(holder_);
    const std::string region = subject_region(account);
    std::printf("\n== %s (store %s, region %s, age %s%s%s%s) ==\n", account.name,
                account.store_country, region.empty() ? "unknown" : region.c_str(),
                account.age_gate < 0 ? "unknown" : std::to_string(account.age_gate).c_str(),
                account.ads_personalization ? "" : ", ads personalization off",
                account.gpc ? ", GPC on" : "",
                account.tc_string || account.gpp_string ? ", consent strings from the CMP" : "");
    fg_query session = session_query(bundle, account, region);
    for (const Capture& capture : pipeline()) {
      if (!ask(bundle, session, capture.collect)) continue;  // never captured: nothing to send
      for (const Flow& flow : capture.transmits) {
        if (!ask(bundle, session, flow)) held_.push_back(Held{&account, &flow});
      }
    }
    fg_close(bundle);
  }

  // A held item is asked again when an input changed (a new policy, a consent given): it leaves
  // the device only on a fresh allow, never on the strength of the earlier ask.
  void retry_held() {
    std::vector<Held> still;
    fg_bundle* bundle = fg_acquire(holder_);
    std::printf("\n== asking again for %zu held items ==\n", held_.size());
    for (const Held& h : held_) {
      fg_query session = session_query(bundle, *h.account, subject_region(*h.account));
      if (!ask(bundle, session, *h.flow)) still.push_back(h);
    }
    fg_close(bundle);
    held_ = std::move(still);
  }

  int sent() const { return sent_; }
  int refused() const { return refused_; }
  size_t held() const { return held_.size(); }

 private:
  struct Held {
    const Account* account;
    const Flow* flow;
  };

  // What every query of a session shares: the subject and the signals. Consent strings are
  // decoded once a session (decoding allocates; deciding does not); one that does not decode
  // makes every decision on the query a deny (fail closed), named in the decision.
  fg_query session_query(const fg_bundle* bundle, const Account& a, const std::string& region) {
    fg_query q;
    fg_query_init(&q);  // dated today (UTC); the example pins --as-of for a stable output
    q.as_of_days = as_of_;
    q.region = region.empty() ? -1 : fg_intern_region(bundle, region.c_str());
    q.age = a.age_gate;  // -1: unknown; never a guess (unknown is not an adult in the EU)
    q.gpc = a.gpc ? 1 : 0;
    q.ads_personalization = a.ads_personalization ? 1 : 0;
    if (a.tc_string != nullptr || a.gpp_string != nullptr) {
      if (fg_query_set_consent_strings(bundle, &q, a.tc_string, a.gpp_string) != FG_OK) {
        std::printf("  consent strings refused: %s\n", fg_last_error());
      }
    }
    return q;
  }

  bool ask(const fg_bundle* bundle, const fg_query& session, const Flow& flow) {
    fg_query q = session;
    q.data = fg_intern_data(bundle, flow.data);
    q.purpose = fg_intern_purpose(bundle, flow.purpose);
    q.action = flow.action;
    q.recipient = fg_intern_recipient(bundle, flow.recipient);
    q.destination = std::strcmp(flow.destination, "device") == 0
                        ? FG_DEVICE
                        : fg_intern_region(bundle, flow.destination);
    fg_decision d;
    fg_decide(bundle, &q, &d);  // a failed fg_decide still gives a deny
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
      return true;
    }
    // A deny: nothing leaves the device, and the user sees no error: the feature is absent.
    ++refused_;
    std::string target = collect
                             ? std::string(" on the device")
                             : std::string(" to ") + flow.recipient + " (" + flow.destination + ")";
    std::printf("  REFUSED   %s: %s %s%s -> %s\n", flow.what, collect ? "collect" : "transmit",
                flow.data, target.c_str(), flow.on_deny);
    std::printf("            rule %s (%s): %s\n",
                list(&d, fg_decision_rule_count, fg_decision_rule_at).c_str(),
                list(&d, fg_decision_citation_count, fg_decision_citation_at).c_str(),
                fg_decision_reason(&d, nullptr));
    if (d.unknown_field == FG_FIELD_CONSENT_STRING) {
      std::printf(
          "            a consent string did not decode: denied until the CMP writes one "
          "that does\n");
    } else if (d.unknown_field != FG_FIELD_NONE) {
      std::printf("            the query's %s is not one the policy knows\n",
                  fg_field_name(d.unknown_field));
    }
    return false;
  }

  // The decision log records interned ids, the ids as text, the decision's rules and citations,
  // the age as a band and the region as the bundle's index: never the age or a region name.
  void record(const fg_bundle* bundle, const fg_query& q, const Flow& flow, const fg_decision& d) {
#if FLOWGATE_EXAMPLE_DECISION_LOG
    if (log_ == nullptr) return;
    const fg_log_ids ids = {flow.data, flow.purpose, flow.recipient, flow.destination};
    if (fg_log_decision(log_, bundle, &q, &d, &ids) != FG_OK && !log_failed_) {
      log_failed_ = true;  // the pipeline goes on: the log is a record, not a gate
      std::fprintf(stderr, "camera_pipeline: decision not logged: %s\n", fg_log_last_error());
    }
#else
    (void)bundle, (void)q, (void)flow, (void)d;
#endif
  }

  fg_holder* holder_;
  [[maybe_unused]] fg_log* log_;
  [[maybe_unused]] bool log_failed_ = false;
  int32_t as_of_;
  int sent_ = 0;
  int refused_ = 0;
  std::vector<Held> held_;
};

int usage() {
  std::fprintf(stderr,
               "usage: camera_pipeline --bundle FILE --trusted-key FILE [--log DB] "
               "[--state FILE] [--update FILE] [--as-of YYYY-MM-DD] [--allow-sample N]\n");
  return 2;
}

// The accounts of the walk-through (docs/integration.md). The TC string is one a CMP wrote
// (IAB TCF v2.2: purposes 3, 4 and 10 consented, not 7); the GPP string a usca section.
const Account kAccounts[] = {
    {"EU adult, consent via the CMP", "DE", "", 30, true, false,
     "CQOIQmqQOzGyrXEKtEENBrFQADBAAEOAABpYLGwA4AWgSzAoMC1wLGgcJABgAUBwgAQSACASYEABgAoAFoAA."
     "ILuQAYAAgu4A",
     nullptr},
    {"EU minor", "FR", "", 15, true, false, nullptr, nullptr},
    {"EU adult, age gate skipped", "IT", "", -1, true, false, nullptr, nullptr},
    {"Californian, GPP from the CMP", "US", "CA", 28, true, false, nullptr, "DBABBg~BoBWQZSg.QA"},
    {"Virginian, ads personalization toggled off", "US", "VA", 34, false, false, nullptr, nullptr},
    {"Coloradan with Global Privacy Control", "US", "CO", 40, true, true, nullptr, nullptr},
    {"US user, no state in the account", "US", "", 25, true, false, nullptr, nullptr},
    {"EU adult, a damaged TC string", "DE", "", 41, true, false, "not-a-tc-string", nullptr},
};

}  // namespace

int main(int argc, char** argv) {
  std::string bundle_path, key_path, log_path, state_path, update_path, as_of = "2026-11-29";
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
    } else if (arg == "--state") {
      state_path = argv[++i];
    } else if (arg == "--update") {
      update_path = argv[++i];
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
      std::sscanf(as_of.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) {
    return usage();
  }

  // Production setting: the bundle must be signed by the trusted key (shipped inside the app).
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
  // The serial this app last ran is the first bundle's floor: a bundle file below it (an older
  // signed policy copied over the current one) is refused at start-up as fg_reload refuses it at
  // run time.
  const uint64_t last_run = state_path.empty() ? 0 : read_serial(state_path);
  fg_holder* holder = nullptr;
  const fg_status opened = fg_holder_open_file_ex(bundle_path.c_str(), &options, last_run, &holder);
  if (opened == FG_ERR_DOWNGRADE) {
    std::fprintf(stderr,
                 "camera_pipeline: bundle refused (a rollback): %s; fetch the current policy\n",
                 fg_last_error());
    return 2;
  }
  if (opened != FG_OK) {
    std::fprintf(stderr, "camera_pipeline: bundle refused: %s\n", fg_last_error());
    return 2;
  }
  fg_bundle* first = fg_acquire(holder);
  const uint64_t serial = fg_bundle_serial(first);
  if (!state_path.empty() && serial > last_run && !write_serial(state_path, serial)) {
    std::fprintf(stderr, "camera_pipeline: cannot write %s\n", state_path.c_str());
  }
  std::printf("policy: %s, version %s, serial %" PRIu64 " (signed, verified); as of %s\n",
              fg_bundle_policy_name(first), fg_bundle_policy_version(first), serial, as_of.c_str());
  fg_close(first);

  fg_log* log = nullptr;
#if FLOWGATE_EXAMPLE_DECISION_LOG
  if (!log_path.empty()) {
    fg_log_options log_options;
    fg_log_options_init(&log_options);
    log_options.allow_sample_every = allow_sample;
    if (fg_log_open(log_path.c_str(), &log_options, &log) != FG_OK) {
      // The log is optional: the pipeline still asks first, it just keeps no record.
      std::fprintf(stderr, "camera_pipeline: no decision log: %s\n", fg_log_last_error());
    }
  }
#else
  (void)allow_sample;
  if (!log_path.empty()) {
    std::fprintf(stderr, "camera_pipeline: built without the decision log; --log ignored\n");
  }
#endif

  Pipeline p(holder, log, fg_days_from_civil(y, m, d));
  const size_t count = sizeof kAccounts / sizeof kAccounts[0];
  for (size_t i = 0; i < count; ++i) {
    p.run(kAccounts[i]);
    if (i == count / 2 && !update_path.empty()) {
      // An update arrives: the app fetched a signed bundle (over HTTPS, into app-private storage)
      // and hands the file to the holder, which checks it whole before swapping it in. Sessions
      // that hold the old snapshot finish on it; new ones get the new policy.
      if (fg_reload_file(holder, update_path.c_str()) == FG_OK) {
        fg_bundle* now = fg_acquire(holder);
        const uint64_t updated = fg_bundle_serial(now);
        fg_close(now);
        if (!state_path.empty() && !write_serial(state_path, updated)) {
          std::fprintf(stderr, "camera_pipeline: cannot write %s\n", state_path.c_str());
        }
        std::printf("\npolicy update %s: running serial %" PRIu64 "\n", update_path.c_str(),
                    updated);
        p.retry_held();
      } else {
        std::printf("\npolicy update refused, the running policy stays: %s\n", fg_last_error());
      }
    }
  }

  std::printf("\n%d flows allowed, %d refused, %zu items held on the device\n", p.sent(),
              p.refused(), p.held());
#if FLOWGATE_EXAMPLE_DECISION_LOG
  if (log != nullptr) {
    fg_log_flush(log);
    fg_log_stats st;
    fg_log_get_stats(log, &st);
    std::printf("decision log %s: %" PRIu64 " decisions offered, %" PRIu64 " rows written, %" PRIu64
                " allows sampled out, %" PRIu64 " dropped\n",
                log_path.c_str(), st.offered, st.written, st.sampled_out, st.dropped);
    fg_log_close(log);  // drains, commits and closes
    fg_log_verify_report report;
    if (fg_log_verify(log_path.c_str(), &report) != FG_OK) {
      std::printf("decision log cannot be verified: %s\n", fg_log_last_error());
    } else if (report.ok) {
      std::printf("decision log chain verified: %" PRIu64 " rows\n", report.rows);
    } else {
      std::printf("decision log chain BROKEN at row %" PRIu64 ": %s\n", report.first_broken,
                  report.problem);
    }
  }
#endif
  fg_holder_close(holder);
  return 0;
}
