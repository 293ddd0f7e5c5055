// The decision log (flowgate/decision_log.h): rows and their chain, tampering of every kind found
// by verify_log, rotation with its anchor, sampling, drops when the queue is full, reopening, many
// threads logging at once, the log() overload on a real bundle, and throughput.
#include "flowgate/decision_log.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "bundle/bundle_writer.h"
#include "bundle_test_policy.h"
#include "flowgate/runtime.h"
#include "runtime/hex.h"
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
  in.query.gpc = i % 3 == 0;
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

// Runs `statement` on the file; the SQLite result code.
int try_sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc;
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

// An edit as an adversary makes it: the CHECK constraints refuse the values flowgate never writes,
// so first they are switched off, as anyone who can write the file can do.
void tamper(const std::string& path, const std::string& statement) {
  sql(path, "PRAGMA ignore_check_constraints = ON; " + statement);
}

// The first column of the first row of `query`, as an integer.
int64_t sql_int(const std::string& path, const std::string& query) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, query.c_str(), -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  int64_t v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

// The file's bytes, all of them in the main file: the WAL checkpointed into it and emptied.
std::string checkpointed_bytes(const std::string& path) {
  sql(path, "PRAGMA wal_checkpoint(TRUNCATE)");
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  REQUIRE(out.good());
}

// Overwrites the root page of `table` (these small tables hold one page) with zeros.
void zero_page(const std::string& path, const std::string& table) {
  int64_t page = sql_int(path, "SELECT rootpage FROM sqlite_master WHERE name = '" + table + "'");
  int64_t size = sql_int(path, "PRAGMA page_size");
  std::string bytes = checkpointed_bytes(path);
  REQUIRE(static_cast<int64_t>(bytes.size()) >= page * size);
  std::fill(bytes.begin() + (page - 1) * size, bytes.begin() + page * size, '\0');
  write_bytes(path, bytes);
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
      sql(p, "UPDATE decisions SET verdict = 'allow' WHERE seq = 18");  // a deny, a valid value
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
      std::string q = make("rehash-text");  // the right 32 bytes, as text instead of a blob
      tamper(q, "UPDATE decisions SET hash = CAST(hash AS TEXT) WHERE seq = 41");
      CHECK(verify(q).first_broken == 41);
    }
    SUBCASE("an untouched log") {
      CHECK(verify(make("clean")).ok);
    }
  }

  TEST_CASE("the chain covers every column as stored: type, width and bytes") {
    // 50 rows: odd seq allow, even seq deny; gpc 1 on seq 1, 4, 7, …; action 1 (transmit).
    auto make = [](const std::string& name, uint64_t max_rows = 0) {
      std::string path = fresh_db(name);
      LogOptions o;
      o.path = path;
      o.max_rows = max_rows;
      auto log = open_log(o);
      for (int i = 0; i < 50; ++i) log->log(input(i % 2 == 0, i));
      log->flush();
      return path;
    };
    auto broken_at = [](const std::string& path, uint64_t row, const std::string& says) {
      auto r = verify(path);
      CHECK_FALSE(r.ok);
      CHECK(r.first_broken == row);
      CHECK_MESSAGE(r.problem.find(says) != std::string::npos, r.problem);
    };
    SUBCASE(
        "a deny's verdict rewritten as a value the filter misses: 'DENY', 'deny ', '', a blob") {
      for (std::string value : {"'DENY'", "'deny '", "''", "CAST('deny' AS BLOB)", "X'64656e79'"}) {
        CAPTURE(value);
        std::string p = make("verdict");
        // The schema refuses it outright; only with the constraints switched off does it stick.
        CHECK((try_sql(p, "UPDATE decisions SET verdict = " + value + " WHERE seq = 18") & 0xff) ==
              SQLITE_CONSTRAINT);
        tamper(p, "UPDATE decisions SET verdict = " + value + " WHERE seq = 18");
        // The row is gone from `audit query --verdict deny`, and verify says where and why.
        flowgate::log::LogFilter denies;
        denies.allow = false;
        size_t n = 0;
        REQUIRE(flowgate::log::read_log(p, denies, [&](const LogRow&) { return ++n, true; }).ok());
        CHECK(n == 24);
        broken_at(p, 18, "column verdict holds");
      }
    }
    SUBCASE("an index widened past 32 bits: data + 2^32") {
      std::string p = make("data-wide");
      CHECK(try_sql(p, "UPDATE decisions SET data = data + 4294967296 WHERE seq = 12") !=
            SQLITE_OK);
      tamper(p, "UPDATE decisions SET data = data + 4294967296 WHERE seq = 12");
      broken_at(p, 12, "column data holds the integer 4294967300");  // seq 12: data 11 % 7
    }
    SUBCASE("a flag that still reads as true: gpc 1 → 7") {
      std::string p = make("gpc");
      REQUIRE(all_rows(p)[15].gpc);
      CHECK(try_sql(p, "UPDATE decisions SET gpc = 7 WHERE seq = 16") != SQLITE_OK);
      tamper(p, "UPDATE decisions SET gpc = 7 WHERE seq = 16");
      broken_at(p, 16, "column gpc holds the integer 7");
    }
    SUBCASE("a byte that wraps: action + 256") {
      std::string p = make("action");
      CHECK(try_sql(p, "UPDATE decisions SET action = action + 256 WHERE seq = 33") != SQLITE_OK);
      tamper(p, "UPDATE decisions SET action = action + 256 WHERE seq = 33");
      broken_at(p, 33, "column action holds the integer 257");
    }
    SUBCASE("another storage class for the same number: a real, text") {
      std::string p = make("real");
      tamper(p, "UPDATE decisions SET decision = 3.0 + 1e-9 WHERE seq = 20");
      broken_at(p, 20, "column decision holds the real");
      std::string q = make("text-number");
      tamper(q, "UPDATE decisions SET sample_every = CAST('1' AS BLOB) WHERE seq = 21");
      broken_at(q, 21, "column sample_every holds a blob of 1 bytes");
    }
    SUBCASE("one byte flipped in the file: a stored verdict 'deny' → 'Deny'") {
      std::string p = make("flip");
      std::string bytes = checkpointed_bytes(p);
      const size_t page = static_cast<size_t>(sql_int(p, "PRAGMA page_size"));
      // Past page 1, which holds the schema's own text ("verdict IN ('allow', 'deny')").
      size_t at = bytes.find("deny", page);
      REQUIRE(at != std::string::npos);
      bytes[at] = 'D';
      write_bytes(p, bytes);
      int64_t row =
          sql_int(p, "SELECT seq FROM decisions WHERE verdict NOT IN ('allow', 'deny') LIMIT 1");
      broken_at(p, static_cast<uint64_t>(row), "column verdict holds the text 'Deny'");
    }
    SUBCASE("one byte flipped in the file: inside a stored id") {
      std::string p = make("flip-id");
      std::string bytes = checkpointed_bytes(p);
      size_t at = bytes.find("advertiser.google");
      REQUIRE(at != std::string::npos);
      bytes[at + 11] ^= 0x01;  // 'g' → 'f': still text, still plausible
      write_bytes(p, bytes);
      int64_t row =
          sql_int(p,
                  "SELECT min(seq) FROM decisions WHERE recipient_id != 'advertiser.google' AND "
                  "verdict = 'allow'");
      broken_at(p, static_cast<uint64_t>(row), "does not match its contents");
    }
    SUBCASE("the anchor or the format row gone: deleted or its page zeroed") {
      std::string a = make("anchor-deleted");
      sql(a, "DELETE FROM anchor");
      broken_at(a, 1, "the anchor row is missing");
      std::string z = make("anchor-zeroed");
      zero_page(z, "anchor");
      broken_at(z, 1, "anchor");
      std::string m = make("meta-deleted");
      sql(m, "DELETE FROM meta");
      broken_at(m, 1, "no format row");
      std::string mz = make("meta-zeroed");
      zero_page(mz, "meta");
      broken_at(mz, 1, "format row");
      std::string f = make("meta-altered");
      sql(f, "UPDATE meta SET value = 'flowgate decision log 3'");
      broken_at(f, 1, "the format row holds the text 'flowgate decision log 3'");
      // After rotation the failure names the oldest row left, where the chain would start.
      std::string r = make("anchor-zeroed-rotated", 20);
      REQUIRE(verify(r).anchor_seq == 30);
      zero_page(r, "anchor");
      broken_at(r, 31, "anchor");
      // Nor does a writer continue such a log: it would start a chain from nothing.
      std::unique_ptr<DecisionLog> log;
      LogOptions o;
      o.path = a;
      auto s = DecisionLog::open(o, &log);
      CHECK_FALSE(s.ok());
      CHECK(s.message().find("anchor row is missing") != std::string::npos);
    }
    SUBCASE("a damaged index that hides rows from time queries while every row chains") {
      std::string p = make("index");
      // Rebuild the time index over other values: the table and its chain are untouched.
      tamper(p,
             "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = 'CREATE INDEX "
             "decisions_time ON decisions(seq)' WHERE name = 'decisions_time'");
      auto r = verify(p);
      CHECK_FALSE(r.ok);
      CHECK_MESSAGE(r.problem.find("SQLite file is damaged") != std::string::npos, r.problem);
    }
  }

  TEST_CASE("a format 1 log is refused by name, by the writer and by verify") {
    std::string path = fresh_db("format1");
    sql(path,
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE anchor(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL);"
        "CREATE TABLE decisions(seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, bundle TEXT, "
        "data INTEGER, purpose INTEGER, recipient INTEGER, destination INTEGER, region INTEGER, "
        "action INTEGER, age_band INTEGER, gpc INTEGER, ads_personalization INTEGER, "
        "consent_mask INTEGER, feature_mask INTEGER, data_id TEXT, purpose_id TEXT, "
        "recipient_id TEXT, destination_id TEXT, verdict TEXT, decision INTEGER, rules TEXT, "
        "citations TEXT, sample_every INTEGER, hash BLOB);"
        "INSERT INTO meta VALUES ('format', 'flowgate decision log 1');");
    std::unique_ptr<DecisionLog> log;
    LogOptions o;
    o.path = path;
    auto s = DecisionLog::open(o, &log);
    CHECK(s.code() == flowgate::runtime::Status::Code::kNotSupported);
    CHECK(s.message().find("format 1") != std::string::npos);
    VerifyReport report;
    auto v = flowgate::log::verify_log(path, &report);
    CHECK(v.code() == flowgate::runtime::Status::Code::kNotSupported);
    CHECK_FALSE(report.ok);
  }

  TEST_CASE("the writer's values are the canonical ones: stored_row round-trips through decode") {
    std::string path = fresh_db("roundtrip");
    {
      LogOptions o;
      o.path = path;
      auto log = open_log(o);
      auto in = input(true, 3);
      in.query.consent_mask = ~uint64_t{0};  // all 64 bits: stored as the integer -1
      in.query.feature_mask = uint64_t{1} << 63;
      in.query.destination = flowgate::runtime::InternedQuery::kDevice;
      log->log(in);
    }
    auto rows = all_rows(path);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].consent_mask == ~uint64_t{0});
    CHECK(rows[0].feature_mask == uint64_t{1} << 63);
    CHECK(rows[0].destination == 0xFFFF);
    CHECK(flowgate::log::stored_row(flowgate::log::decode_row(
              flowgate::log::stored_row(rows[0]))) == flowgate::log::stored_row(rows[0]));
    CHECK(verify(path).ok);
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
    CHECK(rows[0].bundle == flowgate::runtime::to_hex(digest));
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
