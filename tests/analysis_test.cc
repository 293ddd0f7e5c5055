// flowgate diff, flowgate test and flowgate approve, in the engine and through the CLI as CI runs
// them: semantic diff on scratch edits of the shipped policy (folders, git revisions, bundles;
// every output format), the shipped policy unit tests (pass, fail, JUnit, coverage), and the
// approvals database under concurrent writers and a writer killed mid-loop; approval records.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "analysis/junit.h"
#include "analysis/policy_tests.h"
#include "analysis/sarif.h"
#include "analysis/semantic_diff.h"
#include "bundle/bundle_reader.h"
#include "bundle/bundle_writer.h"
#include "compile/compiler.h"
#include "model/calendar.h"
#include "policy_fixture.h"
#include "runtime/hex.h"
#include "store/approvals.h"

using namespace flowgate;
using namespace flowgate::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

CompiledPolicy compile_dir(const std::string& dir) {
  Checked checked = load_and_check(dir);
  REQUIRE(checked.errors == 0);
  return compile_policy(*checked.policy);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Replaces the first occurrence of `from` in a policy file; the edit must apply.
void edit(const ScratchPolicy& p, const std::string& file, const std::string& from,
          const std::string& to) {
  std::string text = read_file(p.dir() / file);
  size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  text.replace(at, from.size(), to);
  p.write(file, text);
}

// The deny of §1.1 ("media stays on the device"), removed.
void remove_media_deny(const ScratchPolicy& p) {
  std::string text = read_file(p.dir() / "rules/collection.yaml");
  size_t from = text.find("  - id: media-stays-on-device");
  size_t to = text.find("  - id: collect-correspondence");
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  text.erase(from, to - from);
  p.write("rules/collection.yaml", text);
}

const char* kCloudBackupRule = R"(
  - id: media-cloud-backup
    effect: allow
    match:
      data: media
      purpose: core_functionality
      action: transmit
      recipient: service_provider.cloud_storage
    citations: ["§3"]
    quote: "We may engage with service providers to provide you with different services on behalf of us; e.g. payment company, cloud storage services and other services."
)";

struct Run {
  int status = -1;
  std::string out;
};

// Runs the flowgate binary with arguments (no shell), capturing stdout.
Run flowgate_cli(const std::vector<std::string>& args, const std::string& cwd = {}) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> argv{const_cast<char*>(FLOWGATE_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(FLOWGATE_BINARY, argv.data());
    _exit(127);
  }
  close(fds[1]);
  Run r;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof buffer)) > 0) r.out.append(buffer, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

int sh(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("flowgate-analysis-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<std::string> summaries(const DiffResult& d) {
  std::vector<std::string> out;
  for (const auto& c : d.changes) out.push_back(c.summary);
  return out;
}

}  // namespace

TEST_SUITE("semantic-diff") {
  TEST_CASE("a policy against itself: no change, exit 0") {
    CompiledPolicy shipped = compile_dir(source_dir());
    DiffResult d = semantic_diff(shipped, shipped);
    CHECK(d.changes.empty());
    CHECK(d.newly_allowed == 0);
    Run r = flowgate_cli({"diff", source_dir(), source_dir()});
    CHECK(r.status == 0);
    CHECK(r.out.find("No change") != std::string::npos);
  }

  TEST_CASE("an allow for media to cloud storage: the §1.1 deny still wins, no change") {
    ScratchPolicy p;
    edit(p, "rules/sharing.yaml", "  - id: share-with-cloud-storage\n",
         std::string(kCloudBackupRule + 1) + "\n  - id: share-with-cloud-storage\n");
    DiffResult d = semantic_diff(compile_dir(source_dir()), compile_dir(p.dir().string()));
    CHECK(d.newly_allowed == 0);
    CHECK(d.changes.empty());
    Run r = flowgate_cli({"diff", source_dir(), p.dir().string()});
    CHECK(r.status == 0);
  }

  TEST_CASE("removing the deny media-stays-on-device newly allows media to cloud storage") {
    ScratchPolicy p;
    edit(p, "rules/sharing.yaml", "  - id: share-with-cloud-storage\n",
         std::string(kCloudBackupRule + 1) + "\n  - id: share-with-cloud-storage\n");
    remove_media_deny(p);
    CompiledPolicy before = compile_dir(source_dir());
    CompiledPolicy after = compile_dir(p.dir().string());
    DiffOptions options;  // name EU_EEA as it stood on 2026-11-29
    {
      Checked named = load_and_check(p.dir().string());
      for (const char* group : {"EU_EEA"}) {
        std::set<std::string> members;
        for (const auto& [region, name] : named.policy->regions.regions()) {
          if (named.policy->regions.contains(group, region, *parse_date("2026-11-29")))
            members.insert(region);
        }
        options.region_groups.emplace_back(group, members);
      }
    }
    DiffResult d = semantic_diff(before, after, options);
    CHECK(d.newly_allowed == 16);
    CHECK(d.newly_denied == 0);
    CHECK(d.changes.size() == 16);
    // The exact cubes: media to the recipients the §3 and §11.2.2 allows name, which the §1.1
    // deny no longer overrides; in the EU/EEA only where a §11.1.1 row gives a basis (core
    // functionality, 16 and over), with the transfer obligation the destination calls for;
    // elsewhere a child under 13 only with the parents' decision (§8, COPPA), and in Maryland
    // not for analytics or measurement from 2026-04-01 (Md. Com. Law § 14-4707). A cube is one
    // decision before and one after: the affiliate and cloud-storage flows share the allow that
    // comes first (the §11.2.2 table) and so one cube.
    std::vector<std::string> got = summaries(d);
    for (const char* expected : {
             "media.* → acquirer for corporate_transaction, subjects in any except EU_EEA, age "
             "unknown, 13+, from 2026-01-30: deny → allow",
             "media.* → acquirer for corporate_transaction, subjects in any except EU_EEA, age "
             "0–12, from 2026-01-30, parental consent: deny → allow",
             "media.* → affiliate, service_provider.cloud_storage (to EU_EEA) for "
             "core_functionality, subjects in EU_EEA, age 16+, from 2026-01-30: deny → allow",
             "media.* → affiliate, service_provider.cloud_storage (to GB) for core_functionality, "
             "subjects in EU_EEA, age 16+, 2026-01-30 to 2031-12-27: deny → allow",
             "media.* → affiliate, service_provider.cloud_storage (to GB) for core_functionality, "
             "subjects in EU_EEA, age 16+, from 2031-12-28: deny → allow",
             "media.* → affiliate, service_provider.cloud_storage for advertising.measurement, "
             "analytics, subjects in any except EU_EEA, age 0–12, 2026-01-30 to 2026-03-31, "
             "parental consent: deny → allow",
             "media.* → authority for legal_compliance, security, subjects in any except EU_EEA, "
             "age unknown, 13+, from 2026-01-30: deny → allow",
             "media.* → affiliate, service_provider.cloud_storage for analytics, "
             "core_functionality, legal_compliance, paid_services, security, support, "
             "user_functions, subjects in any except EU_EEA, age unknown, 13+, from 2026-01-30: "
             "deny → allow",
         }) {
      INFO(expected);
      CHECK(std::count(got.begin(), got.end(), expected) == 1);
    }
    const DiffChange* backup = nullptr;
    for (const auto& c : d.changes) {
      if (c.summary.rfind("media.* → affiliate, service_provider.cloud_storage for analytics, "
                          "core_functionality",
                          0) == 0)
        backup = &c;
    }
    REQUIRE(backup);
    CHECK(backup->after.rules ==
          std::vector<std::string>{"ca-table-all-categories-to-cloud-and-affiliates",
                                   "encrypt-every-transmit", "partners-bound-by-agreement"});
    for (const auto& c : d.changes) {
      CHECK(c.kind == ChangeKind::kNewlyAllowed);
      CHECK(c.data.rfind("media", 0) == 0);
      CHECK(c.before.rules == std::vector<std::string>{"media-stays-on-device"});
      CHECK(c.classes > 0);
      CHECK(c.flows > 0);
    }
    // Exactness: every concrete media flow the cubes name is decided deny → allow by the two
    // compiled policies, and flows outside media are unchanged.
    Run r = flowgate_cli({"diff", source_dir(), p.dir().string(), "--verbose"});
    CHECK(r.status == 1);
    CHECK(r.out.find("change(s) newly allow flows") != std::string::npos);
    CHECK(r.out.find("  media-stays-on-device (removed deny") != std::string::npos);
    CHECK(r.out.find("service_provider.cloud_storage") != std::string::npos);
  }

  TEST_CASE("bundle inputs give the same changes as folders") {
    ScratchPolicy p;
    remove_media_deny(p);
    TempDir tmp;
    CompiledPolicy before = compile_dir(source_dir());
    CompiledPolicy after = compile_dir(p.dir().string());
    std::string old_bytes = encode_bundle(before), new_bytes = encode_bundle(after);
    CompiledPolicy decoded;
    REQUIRE(decode_bundle(old_bytes, &decoded).ok());
    CHECK(encode_bundle(decoded) == old_bytes);  // the decoder is the writer's inverse
    const runtime::Status truncated = decode_bundle(old_bytes.substr(0, 100), &decoded);
    CHECK(truncated.code() == runtime::Status::Code::kCorruption);
    CHECK_FALSE(truncated.message().empty());
    std::ofstream(tmp.path / "old.fgb", std::ios::binary) << old_bytes;
    std::ofstream(tmp.path / "new.fgb", std::ios::binary) << new_bytes;
    Run folders = flowgate_cli({"diff", source_dir(), p.dir().string(), "--format", "json"});
    Run bundles = flowgate_cli({"diff", (tmp.path / "old.fgb").string(),
                                (tmp.path / "new.fgb").string(), "--format", "json"});
    CHECK(folders.status == 1);
    CHECK(bundles.status == 1);
    json a = json::parse(folders.out), b = json::parse(bundles.out);
    // The same cubes (bundles carry no region group names, so the order of listing may differ).
    auto cubes = [](const json& doc) {
      std::vector<std::string> out;
      for (const auto& c : doc["changes"]) {
        out.push_back(c["flows"]["data"].get<std::string>() + "|" +
                      c["flows"]["recipient"].get<std::string>() + "|" +
                      c["flows"]["purpose"].get<std::string>() + "|" +
                      c["flows"]["as_of"].get<std::string>() + "|" + c["kind"].get<std::string>() +
                      "|" + std::to_string(c["class_combinations"].get<uint64_t>()) + "|" +
                      std::to_string(c["flow_count"].get<uint64_t>()));
      }
      std::sort(out.begin(), out.end());
      return out;
    };
    CHECK(cubes(a) == cubes(b));
    CHECK(a["changes"].size() == 16);
    Run garbage =
        flowgate_cli({"diff", (tmp.path / "old.fgb").string(), source_dir() + "/README.md"});
    CHECK(garbage.status == 2);
    Run missing = flowgate_cli({"diff", "/nonexistent/x", source_dir()});
    CHECK(missing.status == 2);
  }

  TEST_CASE("git revisions: git:REV extracts the policy folder at a commit") {
    TempDir repo;
    for (const char* part : {"rules", "jurisdictions"}) {
      fs::copy(fs::path(source_dir()) / part, repo.path / part, fs::copy_options::recursive);
    }
    fs::copy(fs::path(source_dir()) / "data_inventory.yaml", repo.path / "data_inventory.yaml");
    std::string git = "git -C '" + repo.path.string() +
                      "' -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false ";
    REQUIRE(sh(git + "init -q") == 0);
    REQUIRE(sh(git + "add -A") == 0);
    REQUIRE(sh(git + "commit -q -m v1") == 0);
    std::string text = read_file(repo.path / "rules/collection.yaml");
    size_t from = text.find("  - id: media-stays-on-device");
    size_t to = text.find("  - id: collect-correspondence");
    text.erase(from, to - from);
    std::ofstream(repo.path / "rules/collection.yaml", std::ios::trunc) << text;
    REQUIRE(sh(git + "commit -q -am v2") == 0);
    Run same = flowgate_cli({"diff", "git:HEAD", "git:HEAD", "--policy", repo.path.string()});
    CHECK(same.status == 0);
    Run changed = flowgate_cli({"diff", "git:HEAD~1", "git:HEAD", "--policy", repo.path.string()});
    CHECK(changed.status == 1);
    CHECK(changed.out.find("media-stays-on-device") != std::string::npos);
    // From inside the repository, with no --policy; a revision that does not exist is exit 2.
    Run inside = flowgate_cli({"diff", "git:HEAD~1", "."}, repo.path.string());
    CHECK(inside.status == 1);
    Run bad = flowgate_cli({"diff", "git:no-such-rev", "."}, repo.path.string());
    CHECK(bad.status == 2);
  }

  TEST_CASE("every format: json, sarif, markdown") {
    ScratchPolicy p;
    remove_media_deny(p);
    Run j = flowgate_cli({"diff", source_dir(), p.dir().string(), "--format", "json"});
    CHECK(j.status == 1);
    json doc = json::parse(j.out);
    CHECK(doc["newly_allows"] == true);
    CHECK(doc["summary"]["newly_allowed"].get<size_t>() == doc["changes"].size());
    for (const auto& c : doc["changes"]) {
      CHECK(c["kind"] == "newly-allowed");
      CHECK(c["before"]["decision"] == "deny");
      CHECK(c["after"]["decision"] == "allow");
      CHECK(c["before"]["rules"] == json::array({"media-stays-on-device"}));
    }

    Run s = flowgate_cli({"diff", source_dir(), p.dir().string(), "--format", "sarif"});
    CHECK(s.status == 1);
    json sarif = json::parse(s.out);
    CHECK(sarif["version"] == "2.1.0");
    REQUIRE(sarif["runs"].size() == 1);
    CHECK(sarif["runs"][0]["tool"]["driver"]["name"] == "flowgate");
    const json& results = sarif["runs"][0]["results"];
    CHECK(results.size() == doc["changes"].size());
    for (const auto& r : results) {
      CHECK(r["ruleId"] == "newly-allowed");
      CHECK(r["level"] == "error");
      CHECK(r["message"]["text"].get<std::string>().find("deny → allow") != std::string::npos);
      CHECK(
          r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].get<std::string>().find(
              "rules/") == 0);
    }
    // Validated against the official SARIF 2.1.0 schema the lint tests use, when python3 has
    // jsonschema (Debian: python3-jsonschema).
    TempDir tmp;
    std::ofstream(tmp.path / "diff.sarif") << s.out;
    std::string schema = source_dir() + "/tests/schemas/sarif-2.1.0.json";
    if (fs::exists(schema) && sh("python3 -c 'import jsonschema' 2>/dev/null") == 0) {
      CHECK(sh("python3 -c 'import json,sys,jsonschema; "
               "jsonschema.validate(json.load(open(sys.argv[1])), "
               "json.load(open(sys.argv[2])))' '" +
               (tmp.path / "diff.sarif").string() + "' '" + schema + "'") == 0);
    } else {
      MESSAGE("SARIF schema validation skipped: no schema or no python3-jsonschema");
    }

    Run m = flowgate_cli({"diff", source_dir(), p.dir().string(), "--format", "markdown"});
    CHECK(m.status == 1);
    std::istringstream lines(m.out);
    std::string line;
    std::vector<std::string> table;
    bool in_flows = false;  // the flow table; the table by rule comes before it
    while (std::getline(lines, line)) {
      in_flows = in_flows || line.rfind("| change |", 0) == 0;
      if (in_flows && line.rfind("|", 0) == 0) table.push_back(line);
    }
    REQUIRE(table.size() == 2 + doc["changes"].size());
    CHECK(table[1].rfind("| --- |", 0) == 0);
    auto cells = [](const std::string& row) {
      size_t n = 0;
      for (size_t i = 0; i < row.size(); ++i) n += row[i] == '|' && (i == 0 || row[i - 1] != '\\');
      return n;
    };
    for (const auto& row : table) CHECK(cells(row) == cells(table[0]));
    CHECK(m.out.find("### flowgate diff") == 0);

    Run none = flowgate_cli({"diff", source_dir(), source_dir(), "--format", "sarif"});
    CHECK(none.status == 0);
    CHECK(json::parse(none.out)["runs"][0]["results"].empty());
    Run help = flowgate_cli({"diff", "--help"});
    CHECK(help.status == 0);
    CHECK(help.out.find("Examples") != std::string::npos);
  }
}

TEST_SUITE("policy-tests") {
  TEST_CASE("the shipped policy's unit tests pass and report coverage") {
    Checked checked = load_and_check(source_dir());
    REQUIRE(checked.errors == 0);
    CompiledPolicy compiled = compile_policy(*checked.policy);
    DiagnosticSink sink;
    auto files = load_policy_tests(default_policy_test_files(source_dir()), Date{0}, sink);
    REQUIRE(!sink.has_errors());
    size_t cases = 0;
    for (const auto& f : files) cases += f.cases.size();
    CHECK(cases >= 40);
    PolicyTestRun run = run_policy_tests(*checked.policy, compiled, files);
    for (const auto& r : run.results) {
      INFO(r.test->name);
      CHECK(r.passed);
      for (const auto& d : r.differences) MESSAGE(d);
    }
    CHECK(run.failed == 0);
    CHECK(run.rules == checked.policy->rules.size());
    CHECK(run.uncovered.size() < run.rules);
    Run cli = flowgate_cli({"test", "--policy", source_dir()});
    CHECK(cli.status == 0);
    CHECK(cli.out.find("0 failed") != std::string::npos);
    CHECK(cli.out.find("Coverage:") != std::string::npos);
  }

  TEST_CASE("a failing case says what differed, with file:line:col; junit and json") {
    TempDir tmp;
    std::ofstream(tmp.path / "t.yaml") << R"(tests:
  - name: photo capture on the device is allowed
    query: {data: media.photo, purpose: core_functionality, action: collect,
            subject: {region: JP, age: 30}, as_of: 2026-11-29}
    expect: {decision: allow, rules: [collect-camera-microphone]}
  - name: wrongly expects media upload to cloud storage to be allowed
    query: {data: media.photo, purpose: core_functionality, action: transmit,
            recipient: service_provider.cloud_storage, destination: JP,
            subject: {region: US-CA, age: 30}, as_of: 2026-11-29}
    expect: {decision: allow, obligations: [encrypt_in_transit], rules: [share-with-cloud-storage]}
)";
    std::string file = (tmp.path / "t.yaml").string();
    Run text = flowgate_cli({"test", "--policy", source_dir(), file});
    CHECK(text.status == 1);
    // Short by default: the failure first, at its file:line:col; no line for the passing case.
    CHECK(text.out.rfind("FAIL " + file + ":6:5: wrongly expects", 0) == 0);
    CHECK(text.out.find("PASS") == std::string::npos);
    CHECK(text.out.find("decision: expected allow, got deny") != std::string::npos);
    CHECK(text.out.find("missing share-with-cloud-storage; unexpected media-stays-on-device") !=
          std::string::npos);
    CHECK(text.out.find("1 passed, 1 failed") != std::string::npos);

    Run junit = flowgate_cli({"test", "--policy", source_dir(), file, "--format", "junit"});
    CHECK(junit.status == 1);
    CHECK(junit.out.find("<testsuites name=\"flowgate test\" tests=\"2\" failures=\"1\"") !=
          std::string::npos);
    CHECK(junit.out.find("<failure message=\"decision: expected allow, got deny") !=
          std::string::npos);
    std::ofstream(tmp.path / "junit.xml") << junit.out;
    CHECK(sh("python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); "
             "assert r.tag==\"testsuites\" and r.get(\"failures\")==\"1\"' '" +
             (tmp.path / "junit.xml").string() + "'") == 0);

    Run j = flowgate_cli({"test", "--policy", source_dir(), file, "--format", "json"});
    json doc = json::parse(j.out);
    CHECK(doc["passed"] == 1);
    CHECK(doc["failed"] == 1);
    CHECK(doc["results"][1]["line"] == 6);
    CHECK(doc["coverage"]["uncovered"].size() > 10);  // two cases exercise few rules
    bool lists_deny = false;
    for (const auto& u : doc["coverage"]["uncovered"])
      lists_deny |= u["id"] == "ca-no-sale-or-sharing";
    CHECK(lists_deny);
  }

  TEST_CASE("malformed test files: every problem with file:line:col, exit 2") {
    TempDir tmp;
    std::ofstream(tmp.path / "bad.yaml") << R"(tests:
  - name: typo in a key
    query: {data: media.photo, purpose: core_functionality, action: collect,
            subject: {region: JP, agee: 30}}
    expect: {decision: allow}
  - name: bad decision
    query: {data: media.photo, purpose: core_functionality, action: collect, subject: {region: JP}}
    expect: {decision: permit}
)";
    DiagnosticSink sink;
    load_policy_tests({(tmp.path / "bad.yaml").string()}, Date{0}, sink);
    auto d = sink.sorted();
    REQUIRE(d.size() >= 2);
    CHECK(d[0].location.line == 4);
    CHECK(d[1].location.line == 8);
    Run r = flowgate_cli({"test", "--policy", source_dir(), (tmp.path / "bad.yaml").string()});
    CHECK(r.status == 2);
  }

  TEST_CASE("the junit writer escapes and counts") {
    JUnitCase pass{"a <b> & \"c\"", "k", "", 0, 0.5, JUnitCase::Outcome::kPassed, "", "", ""};
    JUnitCase fail{"f", "k", "x.yaml", 3, 0, JUnitCase::Outcome::kFailed, "m\x01", "d", ""};
    std::string xml = write_junit("n", {{"s", "", {pass, fail}}});
    CHECK(xml.find("name=\"a &lt;b&gt; &amp; &quot;c&quot;\"") != std::string::npos);
    CHECK(xml.find("tests=\"2\" failures=\"1\"") != std::string::npos);
    CHECK(xml.find('\x01') == std::string::npos);
  }
}

TEST_SUITE("approvals") {
  std::string shipped_bundle() {
    static const std::string bytes = encode_bundle(compile_dir(source_dir()));
    return bytes;
  }

  TEST_CASE("the local index: record, list, latest") {
    TempDir tmp;
    std::string db = (tmp.path / "approvals.db").string();
    std::unique_ptr<ApprovalStore> store;
    REQUIRE(ApprovalStore::open(db, &store).ok());
    std::optional<Approval> last;
    REQUIRE(store->latest(&last).ok());
    CHECK(!last);
    REQUIRE(store->record(shipped_bundle(), "A. Officer", "initial review", nullptr).ok());
    REQUIRE(store->latest(&last).ok());
    REQUIRE(last);
    CHECK(last->who == "A. Officer");
    CHECK(last->note == "initial review");
    CHECK(last->sha256 == sha256_hex(shipped_bundle()));
    CHECK(last->bundle == shipped_bundle());
    CHECK(std::regex_match(last->approved_at,
                           std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")));
    CHECK(last->policy_version == "2026-01-30");
    std::vector<Approval> all;
    REQUIRE(store->list(&all, false).ok());
    CHECK(all.size() == 1);
    CHECK(!store->record("not a bundle", "x", "y", nullptr).ok());
  }

  // A signed record as `flowgate approve` writes it (the command itself: approval_records.sh).
  struct SignedRecord {
    KeyPair keys = generate_key_pair();
    std::vector<Approver> approvers{{"A. Officer", "ana@example.com", "DPO", keys.public_key}};
    ApprovalRecord record;
    SignedRecord() {
      record.policy_name = "kapi-action";
      record.policy_version = "2026-01-30";
      record.digest = sha256_hex("compiled policy");
      record.source = {std::string(40, 'a'), std::string(40, 'b'), std::string(40, 'c'),
                       std::string(40, 'd')};
      record.approver = "A. Officer";
      record.key = runtime::to_hex(keys.public_key.bytes);
      record.approved_at = "2026-11-29T10:15:02Z";
      record.note = "PRIV-42: \"quoted\", ünïcode\nand a second line";
      record.signature = sign_detached(approval_message(record), keys.secret);
    }
    runtime::Status reparse(const std::string& text, ApprovalRecord* out) const {
      return parse_approval_record(text, "approvals/r.yaml", out);
    }
  };

  TEST_CASE("records: written, read back and verified; any edit is refused") {
    SignedRecord s;
    const std::string text = render_approval_record(s.record);
    ApprovalRecord back;
    REQUIRE(s.reparse(text, &back).ok());
    CHECK(back.note == s.record.note);
    CHECK(approval_message(back) == approval_message(s.record));
    CHECK(verify_approval_record(back, s.approvers).ok());
    CHECK(approval_file_name(s.record) ==
          "2026-01-30-" + s.record.digest.substr(0, 12) + "-a.-officer.yaml");

    // The same signature on another digest, version or note does not verify.
    for (auto edit : {+[](ApprovalRecord& r) { r.digest[0] = r.digest[0] == '0' ? '1' : '0'; },
                      +[](ApprovalRecord& r) { r.policy_version = "2026-02-01"; },
                      +[](ApprovalRecord& r) { r.source.rules = std::string(40, 'e'); },
                      +[](ApprovalRecord& r) { r.note += "!"; }}) {
      ApprovalRecord changed = back;
      edit(changed);
      runtime::Status v = verify_approval_record(changed, s.approvers);
      CHECK(v.code() == runtime::Status::Code::kUnauthenticated);
      CHECK(v.message().find("signature does not verify") != std::string::npos);
    }
    // A key approvers.yaml does not list, or another approver's name on the listed key.
    KeyPair other = generate_key_pair();
    ApprovalRecord unlisted = back;
    unlisted.key = runtime::to_hex(other.public_key.bytes);
    unlisted.signature = sign_detached(approval_message(unlisted), other.secret);
    CHECK(verify_approval_record(unlisted, s.approvers).message().find("does not list") !=
          std::string::npos);
    ApprovalRecord renamed = back;
    renamed.approver = "Eve";
    renamed.signature = sign_detached(approval_message(renamed), s.keys.secret);
    CHECK(verify_approval_record(renamed, s.approvers).message().find("names approver 'Eve'") !=
          std::string::npos);
  }

  TEST_CASE("records and approvers.yaml that are not well formed name file:line:col") {
    SignedRecord s;
    const std::string text = render_approval_record(s.record);
    ApprovalRecord out;
    auto message = [&](const std::string& bad) { return s.reparse(bad, &out).message(); };
    std::string extra = text + "reviewer: \"someone\"\n";
    CHECK(message(extra).find("approvals/r.yaml:18:1: unknown key 'reviewer'") !=
          std::string::npos);
    std::string no_digest = std::regex_replace(text, std::regex("digest: [^\n]*\n"), "");
    CHECK(message(no_digest).find("'digest' is missing") != std::string::npos);
    std::string short_sig =
        std::regex_replace(text, std::regex("signature: \"[0-9a-f]{4}"), "signature: \"");
    CHECK(message(short_sig).find(":17:12: signature is not 128") != std::string::npos);
    CHECK(message("format: [unclosed").find("approvals/r.yaml:1:") != std::string::npos);

    TempDir tmp;
    std::vector<Approver> approvers;
    std::string path = (tmp.path / "approvers.yaml").string();
    CHECK(read_approvers(path, "approvers.yaml", &approvers).message().find("no such file") !=
          std::string::npos);
    std::ofstream(path) << "approvers:\n  - name: ana\n    key: \"12ab\"\n";
    CHECK(read_approvers(path, "approvers.yaml", &approvers).message().find(
              "approvers.yaml:3:10: a public key is 64 hex digits") != std::string::npos);
  }

  // A record signed by a listed approver whose source does not compile to its digest (as after
  // a hand-made record, or a flowgate upgrade that changed the bundle encoding) is refused.
  TEST_CASE("diff --against approved: a record whose source compiles to another digest") {
    TempDir repo;
    for (const char* part : {"rules", "jurisdictions"}) {
      fs::copy(fs::path(source_dir()) / part, repo.path / part, fs::copy_options::recursive);
    }
    fs::copy(fs::path(source_dir()) / "data_inventory.yaml", repo.path / "data_inventory.yaml");
    SignedRecord s;
    std::ofstream(repo.path / "approvers.yaml")
        << "approvers:\n  - name: \"A. Officer\"\n    key: \"" << s.record.key << "\"\n";
    std::string git = "git -C '" + repo.path.string() +
                      "' -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false ";
    REQUIRE(sh(git + "init -q && " + git + "add -A && " + git + "commit -q -m v1") == 0);
    auto object = [&](const std::string& name) {
      fs::path out = repo.path.parent_path() / (repo.path.filename().string() + ".object");
      REQUIRE(sh(git + "rev-parse " + name + " > '" + out.string() + "'") == 0);
      std::string id = read_file(out);
      fs::remove(out);
      return id.substr(0, id.find('\n'));
    };
    s.record.source = {object("HEAD"), object("HEAD:rules"), object("HEAD:jurisdictions"),
                       object("HEAD:data_inventory.yaml")};
    const std::string real = sha256_hex("");  // the digest the record claims instead
    s.record.digest = real;
    s.record.signature = sign_detached(approval_message(s.record), s.keys.secret);
    fs::create_directories(repo.path / "approvals");
    std::ofstream(repo.path / "approvals" / approval_file_name(s.record))
        << render_approval_record(s.record);
    fs::path err = repo.path.parent_path() / (repo.path.filename().string() + ".err");
    int status = sh("'" FLOWGATE_BINARY "' diff --against approved --policy '" +
                    repo.path.string() + "' > /dev/null 2> '" + err.string() + "'");
    CHECK(status == 2);
    std::string message = read_file(err);
    fs::remove(err);
    CHECK(message.find("approves digest " + real.substr(0, 12)) != std::string::npos);
    CHECK(message.find("the record is for another policy") != std::string::npos);
  }

  TEST_CASE("concurrent writers: N processes approving at once lose nothing") {
    TempDir tmp;
    shipped_bundle();  // compiled once, before the processes fork
    std::string db = (tmp.path / "approvals.db").string();
    constexpr int kProcesses = 8, kEach = 4;
    std::vector<pid_t> children;
    for (int i = 0; i < kProcesses; ++i) {
      pid_t pid = fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        int failures = 0;
        for (int k = 0; k < kEach; ++k) {
          std::string who = "writer-" + std::to_string(i);
          std::string note = "approval " + std::to_string(k);
          pid_t c = fork();
          if (c == 0) {  // a process of its own, as each `flowgate approve` is
            std::unique_ptr<ApprovalStore> store;
            bool ok = ApprovalStore::open(db, &store).ok() &&
                      store->record(shipped_bundle(), who, note, nullptr).ok();
            _exit(ok ? 0 : 1);
          }
          int status = 0;
          waitpid(c, &status, 0);
          failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        _exit(failures);
      }
      children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      waitpid(pid, &status, 0);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    std::unique_ptr<ApprovalStore> store;
    REQUIRE(ApprovalStore::open(db, &store).ok());
    std::vector<Approval> all;
    REQUIRE(store->list(&all, false).ok());
    CHECK(all.size() == kProcesses * kEach);
    std::set<std::string> seen;
    for (const auto& a : all) {
      seen.insert(a.who + "/" + a.note);
      CHECK(a.bundle.empty());  // listed without bundles: the NULL column reads as no bytes
    }
    CHECK(seen.size() == kProcesses * kEach);
    CHECK(store->integrity_check().ok());
  }

  TEST_CASE("threads with separate connections") {
    TempDir tmp;
    std::string db = (tmp.path / "approvals.db").string();
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        std::unique_ptr<ApprovalStore> store;
        if (!ApprovalStore::open(db, &store).ok()) {
          ++failures;
          return;
        }
        for (int k = 0; k < 10; ++k) {
          if (!store->record(shipped_bundle(), "thread-" + std::to_string(t), "n", nullptr).ok())
            ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(failures == 0);
    std::unique_ptr<ApprovalStore> store;
    REQUIRE(ApprovalStore::open(db, &store).ok());
    std::vector<Approval> all;
    REQUIRE(store->list(&all, false).ok());
    CHECK(all.size() == 40);
  }

  TEST_CASE(
      "a writer killed with SIGKILL mid-loop: the database opens, is intact, keeps every "
      "committed approval") {
    TempDir tmp;
    std::string db = (tmp.path / "approvals.db").string();
    std::string bundle = shipped_bundle();
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      std::unique_ptr<ApprovalStore> store;
      if (!ApprovalStore::open(db, &store).ok()) _exit(3);
      for (int k = 0;; ++k) {
        Approval a;
        if (!store->record(bundle, "looper", "n" + std::to_string(k), &a).ok()) _exit(4);
        int64_t id = a.id;  // reported only after COMMIT returned
        if (write(fds[1], &id, sizeof id) != sizeof id) _exit(5);
      }
    }
    close(fds[1]);
    std::vector<int64_t> committed;
    int64_t id;
    while (committed.size() < 25 && read(fds[0], &id, sizeof id) == sizeof id)
      committed.push_back(id);
    usleep(3000);  // let it be inside another write
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    while (read(fds[0], &id, sizeof id) == sizeof id) committed.push_back(id);
    close(fds[0]);
    REQUIRE(committed.size() >= 25);

    std::unique_ptr<ApprovalStore> store;
    const runtime::Status opened = ApprovalStore::open(db, &store);
    REQUIRE_MESSAGE(opened.ok(), opened.message());
    const runtime::Status intact = store->integrity_check();
    CHECK_MESSAGE(intact.ok(), intact.message());
    std::vector<Approval> all;
    REQUIRE(store->list(&all, true).ok());
    std::set<int64_t> ids;
    for (const auto& a : all) {
      ids.insert(a.id);
      CHECK(a.bundle == bundle);  // no torn row
      CHECK(a.sha256 == sha256_hex(bundle));
    }
    for (int64_t c : committed) CHECK(ids.count(c) == 1);
    CHECK(all.size() >= committed.size());
    CHECK(all.size() <= committed.size() + 1);  // at most the one committed but not yet reported
    // And it still takes writes.
    CHECK(store->record(bundle, "after", "crash", nullptr).ok());
    // A bundle the runtime does not load is refused with the runtime's Status, not recorded.
    const runtime::Status refused = store->record("not a bundle", "x", "y", nullptr);
    CHECK(refused.code() == runtime::Status::Code::kCorruption);
    CHECK(refused.message().find("refusing to approve") != std::string::npos);
    // The latest approval is the one recorded after the crash, its bundle whole.
    std::optional<Approval> latest;
    REQUIRE(store->latest(&latest).ok());
    REQUIRE(latest);
    CHECK(latest->who == "after");
    CHECK(latest->bundle == bundle);
  }
}
