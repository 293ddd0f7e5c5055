// Bundle lifecycle (flowgate/bundle_holder.h, fg_holder in flowgate.h) on real bundles of the
// shipped policy (make_holder_fixture.sh): a bad bundle — corrupt, truncated, unsigned, signed by
// another key, not the announced digest — is refused and the running one stays; so is a validly
// signed rollback to a lower serial, unless allowed; readers deciding on several threads while the
// bundle is reloaded 1,000 times see the old bundle or the new one, never a mix. Built with
// -DFLOWGATE_TSAN=ON this is the ThreadSanitizer test.
#include "flowgate/bundle_holder.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "flowgate/flowgate.h"
#include "flowgate/runtime.h"
#include "flowgate/verify.h"

using flowgate::runtime::Bundle;
using flowgate::runtime::BundleHolder;
using flowgate::runtime::PublicKey;
using flowgate::runtime::Status;
using flowgate::runtime::StringQuery;

namespace {

const std::string kDir = FLOWGATE_HOLDER_FIXTURE;

std::string read(const std::string& name) {
  std::ifstream in(kDir + "/" + name, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

PublicKey trusted_key() {
  PublicKey key;
  Status s = flowgate::runtime::read_public_key_file(kDir + "/trusted.pub", &key);
  INFO(s.message());
  REQUIRE(s.ok());
  return key;
}

// The pipeline's questions, by string id: interned on each snapshot by decide(StringQuery).
std::vector<StringQuery> queries() {
  const int32_t today = flowgate::runtime::days_from_civil(2026, 11, 29);
  std::vector<StringQuery> out;
  for (const char* region : {"DE", "FR", "US-CA", "US-VA", "US-CO", "JP"}) {
    for (int age : {15, 30}) {
      StringQuery q;
      q.region = region;
      q.age = age;
      q.as_of_days = today;
      q.data = "media.photo", q.purpose = "core_functionality", q.action = "collect";
      q.recipient = "device", q.destination = "device";
      out.push_back(q);
      q.action = "transmit", q.recipient = "service_provider.cloud_storage", q.destination = "JP";
      out.push_back(q);
      q.data = "technical.ads.identifier", q.purpose = "advertising.targeted";
      q.recipient = "advertiser.google", q.destination = "US";
      out.push_back(q);
      q.data = "technical.device.info", q.purpose = "core_functionality";
      q.recipient = "first_party", q.destination = "JP";
      out.push_back(q);
    }
  }
  return out;
}

// What one bundle answers: its version, digest and decisions (index, verdict, first rule).
struct Answers {
  std::string version;
  std::string digest;
  std::vector<std::string> decisions;
};

Answers answers_of(const Bundle& b, const std::vector<StringQuery>& qs) {
  Answers a;
  a.version = std::string(b.policy_version());
  a.digest.assign(b.digest().begin(), b.digest().end());
  for (const StringQuery& q : qs) {
    auto d = b.decision(b.decide(q));
    a.decisions.push_back(std::to_string(d.index()) + (d.allow() ? " allow " : " deny ") +
                          std::string(d.rules()[0]));
  }
  return a;
}

std::string flipped(std::string bytes, size_t at) {
  bytes[at % bytes.size()] ^= 0x20;
  return bytes;
}

// The reload tests alternate v1 and v2 on purpose: each step back to v1 is a deliberate rollback.
BundleHolder::LoadOptions rollback() {
  BundleHolder::LoadOptions options;
  options.allow_downgrade = true;
  return options;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("bundle-holder") {
  TEST_CASE("a bad bundle is refused and the running one stays") {
    BundleHolder holder({trusted_key()});
    CHECK(holder.current() == nullptr);
    CHECK_FALSE(holder.load(read("unsigned.fgb")).ok());
    CHECK(holder.current() == nullptr);  // nothing running yet, still nothing
    REQUIRE(holder.load_file(kDir + "/v1.fgb").ok());
    auto running = holder.current();
    REQUIRE(running != nullptr);
    CHECK(holder.generation() == 1);

    std::string v2 = read("v2.fgb");
    struct Bad {
      const char* what;
      std::string bytes;
      Status::Code code;
    };
    std::vector<Bad> bad = {
        {"a flipped byte", flipped(v2, v2.size() / 2), Status::Code::kCorruption},
        {"truncated", v2.substr(0, v2.size() - 10), Status::Code::kCorruption},
        {"empty", "", Status::Code::kCorruption},
        {"unsigned", read("unsigned.fgb"), Status::Code::kUnauthenticated},
        {"signed by another key", read("foreign.fgb"), Status::Code::kUnauthenticated},
    };
    for (const Bad& b : bad) {
      Status s = holder.load(b.bytes);
      INFO(b.what, ": ", s.message());
      CHECK_FALSE(s.ok());
      if (b.code != Status::Code::kCorruption) CHECK(s.code() == b.code);
      CHECK(holder.current() == running);
    }
    CHECK_FALSE(holder.load_file(kDir + "/missing.fgb").ok());
    CHECK(holder.current() == running);

    // The digest the update announced must match.
    BundleHolder::LoadOptions announced;
    announced.expected_digest.emplace();
    auto v1_digest = running->digest();
    std::copy(v1_digest.begin(), v1_digest.end(), announced.expected_digest->begin());
    Status s = holder.load(v2, announced);
    CHECK(s.code() == Status::Code::kUnauthenticated);
    CHECK(holder.current() == running);
    CHECK(holder.refused() == bad.size() + 3);

    REQUIRE(holder.load(v2).ok());
    CHECK(holder.current() != running);
    CHECK(holder.current()->policy_version() == "2026-01-30-hotfix.2");
    CHECK(running->policy_version() == "2026-01-30");  // a held snapshot does not change
    CHECK(holder.generation() == 2);
  }

  TEST_CASE(
      "rollback: a lower serial is refused unless allowed; the running bundle keeps deciding") {
    const auto qs = queries();
    const std::string v1 = read("v1.fgb"), v2 = read("v2.fgb"), old = read("old.fgb"),
                      sibling = read("sibling.fgb"), noserial = read("noserial.fgb");
    BundleHolder holder({trusted_key()});
    REQUIRE(holder.load(v1).ok());
    CHECK(holder.current()->serial() == 100);
    // A newer bundle is accepted.
    REQUIRE(holder.load_file(kDir + "/v2.fgb").ok());
    const auto running = holder.current();
    CHECK(running->serial() == 200);
    CHECK(running->policy_version() == "2026-01-30-hotfix.2");
    const Answers before = answers_of(*running, qs);

    // Older, validly signed bundles are refused, naming both serials; the running one stays.
    struct Older {
      const char* what;
      const std::string& bytes;
      std::string message;
    };
    const Older older[] = {
        {"the previous release", v1,
         "bundle serial 100 is below the running bundle's serial 200: refused as a downgrade"},
        {"an earlier one", old, "bundle serial 50 is below the running bundle's serial 200"},
        {"one without a serial", noserial,
         "bundle serial 0 is below the running bundle's serial 200"},
    };
    for (const Older& o : older) {
      Status s = holder.load(o.bytes);
      INFO(o.what, ": ", s.message());
      CHECK(s.code() == Status::Code::kFailedPrecondition);
      CHECK(contains(s.message(), o.message));
      CHECK(holder.current() == running);
    }
    Status from_file = holder.load_file(kDir + "/old.fgb");
    CHECK(from_file.code() == Status::Code::kFailedPrecondition);
    CHECK(contains(from_file.message(), "old.fgb: bundle serial 50 is below"));
    CHECK(holder.generation() == 2);
    CHECK(holder.refused() == 4);
    // The running bundle keeps deciding, exactly as before.
    auto after = answers_of(*holder.current(), qs);
    CHECK(after.digest == before.digest);
    CHECK(after.decisions == before.decisions);

    // The same bundle again is accepted.
    CHECK(holder.load(v2).ok());
    CHECK(holder.generation() == 3);
    // A deliberate rollback, with every other check still in force.
    CHECK(holder.load(read("foreign.fgb"), rollback()).code() == Status::Code::kUnauthenticated);
    REQUIRE(holder.load(v1, rollback()).ok());
    CHECK(holder.current()->serial() == 100);
    CHECK(holder.current()->policy_version() == "2026-01-30");
    // Another bundle under the running serial (v2's policy stamped 100): no order, refused.
    Status same = holder.load(sibling);
    CHECK(same.code() == Status::Code::kFailedPrecondition);
    CHECK(contains(same.message(),
                   "bundle serial 100 equals the running bundle's serial 100 but "
                   "its content differs"));
    CHECK(holder.current()->policy_version() == "2026-01-30");
    REQUIRE(holder.load(sibling, rollback()).ok());
    CHECK(holder.current()->policy_version() == "2026-01-30-hotfix.2");
    // Forward again without any option.
    REQUIRE(holder.load(v2).ok());
    CHECK(holder.current()->serial() == 200);
    CHECK(holder.generation() == 6);

    // A new holder takes whatever comes first: there is nothing to roll back.
    BundleHolder fresh({trusted_key()});
    REQUIRE(fresh.load(old).ok());
    CHECK(fresh.current()->serial() == 50);
    CHECK(fresh.load(v1).ok());

    // After a restart, the serial the app last ran (persisted by the app) is the floor.
    BundleHolder restarted({trusted_key()});
    BundleHolder::LoadOptions floor;
    floor.min_serial = 200;
    Status below = restarted.load(v1, floor);
    CHECK(below.code() == Status::Code::kFailedPrecondition);
    CHECK(contains(below.message(),
                   "bundle serial 100 is below the lowest serial this app has run, 200"));
    CHECK(restarted.current() == nullptr);
    REQUIRE(restarted.load(v2, floor).ok());  // the one it ran before: accepted
    floor.allow_downgrade = true;             // a deliberate rollback lifts the floor too
    CHECK(BundleHolder({trusted_key()}).load(v1, floor).ok());
  }

  TEST_CASE("C API: fg_reload refuses a rollback with FG_ERR_DOWNGRADE unless the flag allows it") {
    uint8_t key[32];
    std::memcpy(key, trusted_key().bytes.data(), 32);
    fg_options options = {1, key, 1};
    fg_holder* holder = nullptr;
    REQUIRE(fg_holder_open_file((kDir + "/v2.fgb").c_str(), &options, &holder) == FG_OK);
    const std::string v1 = read("v1.fgb");
    auto bytes = reinterpret_cast<const uint8_t*>(v1.data());
    CHECK(fg_reload(holder, bytes, v1.size()) == FG_ERR_DOWNGRADE);
    CHECK(contains(fg_last_error(), "serial 100 is below the running bundle's serial 200"));
    CHECK(fg_reload_file(holder, (kDir + "/sibling.fgb").c_str()) == FG_ERR_DOWNGRADE);
    CHECK(contains(fg_last_error(), "sibling.fgb: bundle serial 100 is below"));
    CHECK(fg_reload_ex(holder, bytes, v1.size(), 2) == FG_ERR_INVALID_ARGUMENT);
    fg_bundle* b = fg_acquire(holder);
    CHECK(fg_bundle_serial(b) == 200);
    fg_close(b);
    CHECK(fg_holder_generation(holder) == 1);
    CHECK(fg_reload_ex(holder, bytes, v1.size(), FG_RELOAD_ALLOW_DOWNGRADE) == FG_OK);
    b = fg_acquire(holder);
    CHECK(fg_bundle_serial(b) == 100);
    fg_close(b);
    CHECK(fg_reload_file(holder, (kDir + "/v2.fgb").c_str()) == FG_OK);
    CHECK(fg_holder_generation(holder) == 3);
    fg_holder_close(holder);

    // After a restart: the serial the app last ran is the first bundle's floor.
    fg_holder* restarted = nullptr;
    CHECK(fg_holder_open_ex(bytes, v1.size(), &options, 200, &restarted) == FG_ERR_DOWNGRADE);
    CHECK(restarted == nullptr);
    CHECK(contains(fg_last_error(), "below the lowest serial this app has run, 200"));
    CHECK(fg_holder_open_file_ex((kDir + "/v1.fgb").c_str(), &options, 200, &restarted) ==
          FG_ERR_DOWNGRADE);
    REQUIRE(fg_holder_open_file_ex((kDir + "/v2.fgb").c_str(), &options, 200, &restarted) ==
            FG_OK);
    b = fg_acquire(restarted);
    CHECK(fg_bundle_serial(b) == 200);
    fg_close(b);
    fg_holder_close(restarted);
  }

  TEST_CASE("deciding on several threads while reloading 1,000 times: the old or the new") {
    const auto qs = queries();
    std::unique_ptr<const Bundle> b1, b2;
    REQUIRE(Bundle::load(read("v1.fgb"), &b1).ok());
    REQUIRE(Bundle::load(read("v2.fgb"), &b2).ok());
    std::map<std::string, Answers> expected;
    expected[std::string(b1->policy_version())] = answers_of(*b1, qs);
    expected[std::string(b2->policy_version())] = answers_of(*b2, qs);
    REQUIRE(expected.size() == 2);

    const std::string v1 = read("v1.fgb"), v2 = read("v2.fgb");
    const std::vector<std::string> bad = {flipped(v1, 100), flipped(v2, v2.size() - 70),
                                          v1.substr(0, v1.size() / 3), read("unsigned.fgb"),
                                          read("foreign.fgb")};
    BundleHolder holder({trusted_key()});
    REQUIRE(holder.load(v1).ok());

    std::atomic<bool> stop{false};
    std::atomic<uint64_t> decisions{0}, mixes{0}, snapshots{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
      readers.emplace_back([&] {
        std::map<std::string, uint64_t> seen;
        while (!stop.load(std::memory_order_relaxed)) {
          auto snap = holder.current();
          snapshots.fetch_add(1, std::memory_order_relaxed);
          Answers got = answers_of(*snap, qs);
          auto it = expected.find(got.version);
          if (it == expected.end() || it->second.digest != got.digest ||
              it->second.decisions != got.decisions) {
            mixes.fetch_add(1);
          }
          decisions.fetch_add(qs.size(), std::memory_order_relaxed);
        }
      });
    }
    int good = 0, refused = 0, refused_wrongly = 0;
    for (int i = 0; i < 1000; ++i) {
      // Alternate the two real bundles; every third reload is a bad one, which must be refused.
      if (i % 3 == 2) {
        Status s = holder.load(bad[i % bad.size()]);
        refused += s.ok() ? 0 : 1;
        refused_wrongly += s.ok() ? 1 : 0;
      } else {
        good += holder.load(i % 2 == 0 ? v2 : v1, rollback()).ok() ? 1 : 0;
      }
    }
    stop = true;
    for (auto& t : readers) t.join();
    CHECK(refused_wrongly == 0);
    CHECK(good + refused == 1000);
    CHECK(holder.generation() == 1 + static_cast<uint64_t>(good));
    CHECK(mixes == 0);
    CHECK(decisions > 0);
    MESSAGE("1,000 reloads (", good, " swapped in, ", refused,
            " refused) under 4 reader threads: ", snapshots.load(), " snapshots, ",
            decisions.load(), " decisions, ", mixes.load(), " mixed");
  }

  TEST_CASE("C API: fg_reload swaps, refuses, and snapshots from fg_acquire stay whole") {
    uint8_t key[32];
    std::memcpy(key, trusted_key().bytes.data(), 32);
    fg_options options;
    std::memset(&options, 0, sizeof options);
    options.require_signature = 1;
    options.trusted_keys = key;
    options.trusted_key_count = 1;
    fg_holder* holder = nullptr;
    CHECK(fg_holder_open_file((kDir + "/unsigned.fgb").c_str(), &options, &holder) ==
          FG_ERR_SIGNATURE);
    CHECK(holder == nullptr);
    REQUIRE(fg_holder_open_file((kDir + "/v1.fgb").c_str(), &options, &holder) == FG_OK);
    CHECK(fg_holder_generation(holder) == 1);

    const std::string v1 = read("v1.fgb"), v2 = read("v2.fgb"), foreign = read("foreign.fgb");
    auto bytes = [](const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); };
    fg_bundle* before = fg_acquire(holder);
    REQUIRE(before != nullptr);
    CHECK(fg_reload(holder, bytes(foreign), foreign.size()) == FG_ERR_SIGNATURE);
    CHECK(std::strlen(fg_last_error()) > 0);
    std::string corrupt = flipped(v2, 500);
    CHECK(fg_reload(holder, bytes(corrupt), corrupt.size()) == FG_ERR_CORRUPT);
    CHECK(fg_reload_file(holder, (kDir + "/nope.fgb").c_str()) == FG_ERR_IO);
    CHECK(fg_holder_generation(holder) == 1);
    REQUIRE(fg_reload(holder, bytes(v2), v2.size()) == FG_OK);
    CHECK(fg_holder_generation(holder) == 2);
    fg_bundle* after = fg_acquire(holder);
    CHECK(std::strcmp(fg_bundle_policy_version(before), "2026-01-30") == 0);
    CHECK(std::strcmp(fg_bundle_policy_version(after), "2026-01-30-hotfix.2") == 0);
    uint8_t d1[32], d2[32];
    fg_bundle_digest(before, d1);
    fg_bundle_digest(after, d2);
    CHECK(std::memcmp(d1, d2, 32) != 0);

    // Readers on the C API while it reloads.
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> wrong{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) {
      readers.emplace_back([&] {
        while (!stop.load(std::memory_order_relaxed)) {
          fg_bundle* b = fg_acquire(holder);
          fg_query q;
          fg_query_init(&q);
          q.data = fg_intern_data(b, "technical.ads.identifier");
          q.purpose = fg_intern_purpose(b, "advertising.targeted");
          q.recipient = fg_intern_recipient(b, "advertiser.google");
          q.destination = fg_intern_region(b, "US");
          q.region = fg_intern_region(b, "US-VA");
          q.age = 34;
          q.as_of_days = fg_days_from_civil(2026, 11, 29);
          fg_decision d;
          fg_decide(b, &q, &d);
          if (fg_decision_allow(&d) != 1 || fg_decision_rule_count(&d) == 0) wrong.fetch_add(1);
          fg_close(b);
        }
      });
    }
    for (int i = 0; i < 200; ++i) {
      const std::string& next = i % 2 == 0 ? v1 : v2;
      CHECK(fg_reload_ex(holder, bytes(next), next.size(), FG_RELOAD_ALLOW_DOWNGRADE) == FG_OK);
      CHECK(fg_reload(holder, bytes(corrupt), corrupt.size()) != FG_OK);
    }
    stop = true;
    for (auto& t : readers) t.join();
    CHECK(wrong == 0);
    fg_close(before);
    fg_holder_close(holder);
    // A snapshot outlives its holder.
    CHECK(std::strcmp(fg_bundle_policy_version(after), "2026-01-30-hotfix.2") == 0);
    fg_close(after);
  }
}
