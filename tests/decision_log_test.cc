// The decision log (flowgate/decision_log.h): rows and their chain, tampering of every kind found
// by verify_log, rotation with its anchor, sampling, drops when the queue is full, reopening, many
// threads logging at once, the log() overload on a real bundle, and throughput.
#include "flowgate/decision_log.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "bundle/bundle_writer.h"
#include "bundle_test_policy.h"
#include "flowgate/runtime.h"
#include "store/decision_log.h"

namespace fs = std::filesystem;
using flowgate::log::DecisionLog;
using flowgate::log::LogInput;
using flowgate::log::LogOptions;
using flowgate::log::LogRow;
using flowgate::log::VerifyReport;

namespace {

// A fresh log file under the build directory's temp area.
std::string fresh_db(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("flowgate-log-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path p = dir / (name + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  return p.string();
}

const std::string_view kDenyRules[] = {"media-stays-on-device"};
const std::string_view kDenyCites[] = {"§1.1"};
const std::string_view kAllowRules[] = {"share-ads-id-with-advertisers", "encrypt-in-transit"};
const std::string_view kAllowCites[] = {"§1.3", "§3", "§5"};

LogInput input(bool allow, int i) {
  LogInput in;
  in.bundle_digest.fill(0xab);
  in.query.data = static_cast<uint16_t>(i % 7);
  in.query.purpose = 3;
  in.query.recipient = 2;
  in.query.action = 1;
  in.query.destination = 5;
  in.query.region = 11;
  in.query.age = static_cast<int16_t>(10 + i % 40);
  in.decision = allow ? 7 : 3;
  in.allow = allow;
  in.data_id = allow ? "technical.ads.identifier" : "media.photo";
  in.purpose_id = allow ? "advertising.targeted" : "core_functionality";
  in.recipient_id = allow ? "advertiser.google" : "service_provider.cloud_storage";
  in.destination_id = allow ? "US" : "JP";
  if (allow) {
    in.rules = kAllowRules;
    in.citations = kAllowCites;
  } else {
    in.rules = kDenyRules;
    in.citations = kDenyCites;
  }
  return in;
}

std::unique_ptr<DecisionLog> open_log(const LogOptions& o) {
  std::unique_ptr<DecisionLog> log;
  auto s = DecisionLog::open(o, &log);
  INFO(s.message());
  REQUIRE(s.ok());
  return log;
}

std::vector<LogRow> all_rows(const std::string& path) {
  std::vector<LogRow> rows;
  auto s = flowgate::log::read_log(path, {}, [&](const LogRow& r) {
    rows.push_back(r);
    return true;
  });
  REQUIRE(s.ok());
  return rows;
}

VerifyReport verify(const std::string& path) {
  VerifyReport report;
  auto s = flowgate::log::verify_log(path, &report);
  INFO(s.message());
  REQUIRE(s.ok());
  return report;
}

void sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  INFO(message);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_SUITE("decision-log") {
  TEST_CASE("rows hold interned ids and bands, never the age; the chain verifies") {
    std::string path = fresh_db("basic");
    {
      LogOptions o;
      o.path = path;
      auto log = open_log(o);
      for (int i = 0; i < 100; ++i) CHECK(log->log(input(i % 3 == 0, i)));
      log->flush();
      auto st = log->stats();
      CHECK(st.offered == 100);
      CHECK(st.written == 100);
      CHECK(st.dropped == 0);
      CHECK(st.last_seq == 100);
    }
    auto rows = all_rows(path);
    REQUIRE(rows.size() == 100);
    CHECK(rows[0].seq == 1);
    CHECK(rows[0].allow);
    CHECK(rows[0].rules == "share-ads-id-with-advertisers,encrypt-in-transit");
    CHECK(rows[0].citations == "§1.3,§3,§5");
    CHECK(rows[0].bundle.substr(0, 4) == "abab");
    CHECK(rows[0].region == 11);
    CHECK(rows[0].age_band == static_cast<int8_t>(flowgate::log::AgeBand::kUnder13));    // age 10
    CHECK(rows[5].age_band == static_cast<int8_t>(flowgate::log::AgeBand::k13To15));     // 15
    CHECK(rows[8].age_band == static_cast<int8_t>(flowgate::log::AgeBand::k18AndOver));  // 18
    CHECK(rows[1].data_id == "media.photo");
    auto report = verify(path);
    CHECK(report.ok);
    CHECK(report.rows == 100);
    CHECK(report.head == rows.back().hash);
  }

  TEST_CASE("age bands at the law's thresholds") {
    using flowgate::log::AgeBand;
    CHECK(flowgate::log::age_band(-1) == AgeBand::kUnknown);
    CHECK(flowgate::log::age_band(12) == AgeBand::kUnder13);
    CHECK(flowgate::log::age_band(13) == AgeBand::k13To15);
    CHECK(flowgate::log::age_band(15) == AgeBand::k13To15);
    CHECK(flowgate::log::age_band(16) == AgeBand::k16To17);
    CHECK(flowgate::log::age_band(17) == AgeBand::k16To17);
    CHECK(flowgate::log::age_band(18) == AgeBand::k18AndOver);
    CHECK(flowgate::log::age_band_name(AgeBand::k13To15) == "13-15");
  }

  TEST_CASE("tampering is found at the first broken row") {
    auto make = [](const std::string& name) {
      std::string path = fresh_db(name);
      LogOptions o;
      o.path = path;
      auto log = open_log(o);
      for (int i = 0; i < 50; ++i) log->log(input(i % 2 == 0, i));
      log->flush();
      return path;
    };
    SUBCASE("an altered verdict") {
      std::string p = make("alter");
      sql(p, "UPDATE decisions SET verdict = 'allow' WHERE seq = 18");  // a deny
      auto r = verify(p);
      CHECK_FALSE(r.ok);
      CHECK(r.first_broken == 18);
    }
    SUBCASE("an altered rule list") {
      std::string p = make("alter-rule");
      sql(p, "UPDATE decisions SET rules = 'default-deny' WHERE seq = 30");
      CHECK(verify(p).first_broken == 30);
    }
    SUBCASE("a deleted row") {
      std::string p = make("delete");
      sql(p, "DELETE FROM decisions WHERE seq = 20");
      auto r = verify(p);
      CHECK_FALSE(r.ok);
      CHECK(r.first_broken == 21);
      CHECK(r.problem.find("missing") != std::string::npos);
    }
    SUBCASE("a row deleted and the later ones renumbered") {
      std::string p = make("renumber");
      sql(p,
          "DELETE FROM decisions WHERE seq = 20; UPDATE decisions SET seq = seq - 1 WHERE seq > "
          "20");
      CHECK(verify(p).first_broken == 20);
    }
    SUBCASE("the oldest rows deleted without the anchor") {
      std::string p = make("delete-oldest");
      sql(p, "DELETE FROM decisions WHERE seq <= 5");
      CHECK(verify(p).first_broken == 6);
    }
    SUBCASE("a row's hash replaced") {
      std::string p = make("rehash");
      sql(p, "UPDATE decisions SET hash = zeroblob(32) WHERE seq = 40");
      CHECK(verify(p).first_broken == 40);
    }
    SUBCASE("an untouched log") {
      CHECK(verify(make("clean")).ok);
    }
  }

  TEST_CASE("rotation keeps max_rows and an anchor; the chain still verifies and continues") {
    std::string path = fresh_db("rotate");
    {
      LogOptions o;
      o.path = path;
      o.max_rows = 100;
      o.batch_max = 16;
      auto log = open_log(o);
      for (int i = 0; i < 1000; ++i) {
        log->log(input(false, i));
        if (i % 50 == 0) log->flush();
      }
      log->flush();
      CHECK(log->stats().pruned == 900);
    }
    auto rows = all_rows(path);
    REQUIRE(rows.size() == 100);
    CHECK(rows.front().seq == 901);
    CHECK(rows.back().seq == 1000);
    auto r = verify(path);
    CHECK(r.ok);
    CHECK(r.anchor_seq == 900);
    // Reopened, the chain continues from the last row.
    {
      LogOptions o;
      o.path = path;
      o.max_rows = 100;
      auto log = open_log(o);
      for (int i = 0; i < 10; ++i) log->log(input(true, i));
    }
    CHECK(verify(path).ok);
    CHECK(all_rows(path).back().seq == 1010);
    // Moving the anchor is found too.
    sql(path, "UPDATE anchor SET seq = 905");
    CHECK_FALSE(verify(path).ok);
  }

  TEST_CASE("every deny is kept, allows are sampled one in N and weighted") {
    std::string path = fresh_db("sample");
    LogOptions o;
    o.path = path;
    o.allow_sample_every = 10;
    {
      auto log = open_log(o);
      for (int i = 0; i < 1000; ++i) log->log(input(i % 2 == 0, i));  // 500 allows, 500 denies
      log->flush();
      auto st = log->stats();
      CHECK(st.sampled_out == 450);
      CHECK(st.written == 550);
    }
    size_t allows = 0, denies = 0;
    for (const LogRow& r : all_rows(path)) {
      if (r.allow) {
        ++allows;
        CHECK(r.sample_every == 10);
      } else {
        ++denies;
        CHECK(r.sample_every == 1);
      }
    }
    CHECK(allows == 50);
    CHECK(denies == 500);
    CHECK(verify(path).ok);
  }

  TEST_CASE("a full queue drops and counts; log() does not wait for the writer") {
    std::string path = fresh_db("drops");
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> first_commit{true};
    LogOptions o;
    o.path = path;
    o.queue_capacity = 64;
    o.batch_max = 1;
    // The writer stalls in its first commit callback until the producer is done.
    o.on_commit = [&](uint64_t) {
      if (first_commit.exchange(false)) released.wait();
    };
    auto log = open_log(o);
    log->log(input(false, 0));
    while (log->stats().written == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // The writer waits for `release`, set only after this loop: a log() that waited for the
    // writer would never return, and ctest's timeout would fail the test.
    size_t accepted = 0;
    for (int i = 0; i < 10000; ++i) accepted += log->log(input(false, i)) ? 1 : 0;
    release.set_value();
    log->flush();
    auto st = log->stats();
    CHECK(accepted == 64);
    CHECK(st.dropped == 10000 - 64);
    CHECK(st.written == 65);
    log.reset();
    CHECK(verify(path).ok);
  }

  TEST_CASE("many threads log at once; nothing lost below capacity, the chain holds") {
    std::string path = fresh_db("threads");
    LogOptions o;
    o.path = path;
    o.queue_capacity = 1 << 16;
    o.durable = false;
    {
      auto log = open_log(o);
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&log, t] {
          for (int i = 0; i < 5000; ++i) log->log(input((i + t) % 2 == 0, i));
        });
      }
      for (auto& t : threads) t.join();
      log->flush();
      auto st = log->stats();
      CHECK(st.written + st.dropped == 20000);
      CHECK(st.written == st.last_seq);
    }
    auto r = verify(path);
    CHECK(r.ok);
  }

  TEST_CASE(
      "log() on a real bundle and query: records the bundle digest and the decision's rules") {
    std::string bytes = flowgate::encode_bundle(flowgate::testing::test_policy());
    std::unique_ptr<const flowgate::runtime::Bundle> bundle;
    REQUIRE(flowgate::runtime::Bundle::load(bytes, &bundle).ok());
    std::string path = fresh_db("bundle");
    flowgate::runtime::InternedQuery q;
    q.data = 0;
    q.purpose = 0;
    q.recipient = 0;
    q.destination = flowgate::runtime::InternedQuery::kDevice;
    q.region = 0;
    q.age = 40;
    uint32_t d = bundle->decide(q);
    {
      LogOptions o;
      o.path = path;
      auto log = open_log(o);
      CHECK(log->log(*bundle, q, d));
    }
    auto rows = all_rows(path);
    REQUIRE(rows.size() == 1);
    auto digest = bundle->digest();
    CHECK(rows[0].bundle == flowgate::log::to_hex(digest.data(), digest.size()));
    CHECK(rows[0].decision == d);
    CHECK(rows[0].allow == bundle->decision(d).allow());
    CHECK(rows[0].destination_id == "device");
    CHECK(rows[0].data_id == bundle->data_id(0));
    std::string rules;
    for (std::string_view r : bundle->decision(d).rules()) {
      rules += (rules.empty() ? "" : ",") + std::string(r);
    }
    CHECK(rows[0].rules == rules);
    CHECK(rows[0].age_band == static_cast<int8_t>(flowgate::log::AgeBand::k18AndOver));
  }

  TEST_CASE("filters: time, verdict, rule, data category group") {
    std::string path = fresh_db("filters");
    {
      LogOptions o;
      o.path = path;
      auto log = open_log(o);
      for (int i = 0; i < 20; ++i) log->log(input(i % 4 == 0, i));
    }
    auto count = [&](const flowgate::log::LogFilter& f) {
      size_t n = 0;
      REQUIRE(flowgate::log::read_log(path, f, [&](const LogRow&) { return ++n, true; }).ok());
      return n;
    };
    flowgate::log::LogFilter f;
    CHECK(count(f) == 20);
    f.allow = false;
    CHECK(count(f) == 15);
    f = {};
    f.rule = "encrypt-in-transit";
    CHECK(count(f) == 5);
    f.rule = "encrypt";  // a rule id, not a substring
    CHECK(count(f) == 0);
    f = {};
    f.data = "technical";
    CHECK(count(f) == 5);
    f.data = "technical.ads";
    CHECK(count(f) == 5);
    f.data = "media.photo";
    CHECK(count(f) == 15);
    f.data = "media.pho";
    CHECK(count(f) == 0);
    f = {};
    f.since_ms = 0;
    f.until_ms = 1;
    CHECK(count(f) == 0);
  }

  TEST_CASE("throughput") {
    // log() into a queue large enough for the burst (so its cost is the call alone), then the
    // writer's sustained rate: rows committed per second until flush() returns.
    for (bool durable : {true, false}) {
      std::string path = fresh_db(durable ? "throughput-full" : "throughput-normal");
      LogOptions o;
      o.path = path;
      o.durable = durable;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
      const int n = 10000;  // the sanitizers slow SQLite's caller tenfold; the same code at a tenth
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
      const int n = 10000;
#else
      const int n = 100000;
#endif
#else
      const int n = 100000;
#endif
      o.queue_capacity = 1 << 17;
      auto log = open_log(o);
      auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < n; ++i) log->log(input(i % 2 == 0, i));
      auto pushed = std::chrono::steady_clock::now();
      log->flush();
      auto done = std::chrono::steady_clock::now();
      auto st = log->stats();
      double push_ns = std::chrono::duration<double, std::nano>(pushed - start).count() / n;
      double seconds = std::chrono::duration<double>(done - start).count();
      MESSAGE("decision log (synchronous=", std::string(durable ? "FULL" : "NORMAL"), "): log() ",
              push_ns, " ns/call; ", st.written, " rows committed in ", seconds,
              " s = ", st.written / seconds, " rows/s; ", st.dropped, " dropped");
      CHECK(st.dropped == 0);
      CHECK(st.written == static_cast<uint64_t>(n));
      log.reset();
      CHECK(verify(path).ok);
    }
  }
}
