// `flowgate audit` as an auditor runs it on a copy of the device's log: verify (exit 0, then exit 1
// naming the first broken row once a row is altered, also to a value the query filters miss),
// query with filters, export as JSON and CSV.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "flowgate/decision_log.h"

namespace fs = std::filesystem;

namespace {

struct Run {
  int code;
  std::string out;
};

Run run_cli(const std::string& args) {
  std::string cmd = std::string(FLOWGATE_CLI) + " " + args + " 2>&1";
  Run r{0, ""};
  std::FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string_view kDeny[] = {"media-stays-on-device"};
const std::string_view kAllow[] = {"share-ads-id-with-advertisers"};
const std::string_view kCites[] = {"§1.1"};

std::string make_log() {
  fs::path dir = fs::temp_directory_path() / ("flowgate-audit-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / "audit.db").string();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  flowgate::log::LogOptions o;
  o.path = path;
  std::unique_ptr<flowgate::log::DecisionLog> log;
  REQUIRE(flowgate::log::DecisionLog::open(o, &log).ok());
  for (int i = 0; i < 30; ++i) {
    flowgate::log::LogInput in;
    in.allow = i % 3 == 0;
    in.data_id = in.allow ? "technical.ads.identifier" : "media.photo";
    in.purpose_id = "core_functionality";
    in.recipient_id = "service_provider.cloud_storage";
    in.destination_id = "JP, \"Tokyo\"";  // quoted in CSV
    in.rules = in.allow ? kAllow : kDeny;
    in.citations = kCites;
    in.query.age = 30;
    log->log(in);
  }
  return path;
}

}  // namespace

TEST_SUITE("audit-cli") {
  TEST_CASE("verify, query, export; a tampered row fails verify with its number") {
    std::string db = make_log();
    Run r = run_cli("audit verify --db " + db);
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(r.out.find("chain verified: 30 rows") != std::string::npos);

    r = run_cli("audit query --db " + db + " --verdict deny --format json");
    CHECK(r.code == 0);
    size_t lines = 0;
    for (size_t at = 0; (at = r.out.find('\n', at)) != std::string::npos; ++at) ++lines;
    CHECK(lines == 20);
    auto first = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
    CHECK(first["decision"] == "deny");
    CHECK(first["age_band"] == "18+");
    CHECK_FALSE(first.contains("age"));

    r = run_cli("audit query --db " + db +
                " --data technical --rule share-ads-id-with-advertisers");
    CHECK(r.out.find("10 rows") != std::string::npos);
    r = run_cli("audit query --db " + db + " --since 2000-01-01 --until 2000-12-31");
    CHECK(r.out.find("0 rows") != std::string::npos);
    r = run_cli("audit query --db " + db + " --since yesterday");
    CHECK(r.code == 2);

    r = run_cli("audit export --db " + db + " --format json");
    CHECK(r.code == 0);
    auto all = nlohmann::json::parse(r.out);
    REQUIRE(all.is_array());
    CHECK(all.size() == 30);
    CHECK(all[29]["seq"] == 30);
    CHECK(all[0]["destination"] == "JP, \"Tokyo\"");

    r = run_cli("audit export --db " + db + " --format csv --verdict allow");
    CHECK(r.code == 0);
    CHECK(r.out.rfind("seq,time,bundle,", 0) == 0);
    CHECK(r.out.find("\"JP, \"\"Tokyo\"\"\"") != std::string::npos);
    size_t csv_lines = 0;
    for (char c : r.out) csv_lines += c == '\n';
    CHECK(csv_lines == 11);  // header + 10 allows

    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, "UPDATE decisions SET verdict = 'allow' WHERE seq = 8", nullptr,
                         nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
    r = run_cli("audit verify --db " + db);
    CHECK(r.code == 1);
    CHECK(r.out.find("chain broken at row 8") != std::string::npos);
    r = run_cli("audit verify --db " + db + " --format json");
    CHECK(r.code == 1);
    CHECK(nlohmann::json::parse(r.out)["first_broken_row"] == 8);

    // A deny rewritten as 'DENY' (the schema's CHECK switched off first) drops out of the deny
    // query; verify names the row and the column.
    db = make_log();
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h,
                         "PRAGMA ignore_check_constraints = ON; "
                         "UPDATE decisions SET verdict = 'DENY' WHERE seq = 11",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
    r = run_cli("audit query --db " + db + " --verdict deny");
    CHECK(r.out.find("19 rows") != std::string::npos);
    r = run_cli("audit verify --db " + db);
    CHECK(r.code == 1);
    CHECK(r.out.find("chain broken at row 11: its hash does not match its contents: column "
                     "verdict holds the text 'DENY'") != std::string::npos);

    r = run_cli("audit verify --db /nonexistent/x.db");
    CHECK(r.code == 2);
  }
}
