// flowgate coverage: sentence splitting (abbreviations, section numbers, bullets, table rows,
// multi-byte UTF-8), then the shipped policy and scratch copies of it — an unquoted sentence, a
// stale listing, a bad reason — through compute_coverage and the CLI.
#include "analysis/coverage.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "policy_fixture.h"

namespace flowgate {
namespace {

using testing::ScratchPolicy;

std::vector<std::string> texts(const std::vector<Sentence>& sentences) {
  std::vector<std::string> out;
  for (const auto& s : sentences) out.push_back(s.text);
  return out;
}

struct Run {
  int status = -1;
  std::string out;
};

// The flowgate binary with arguments, stdout and stderr captured.
Run flowgate_cli(const std::string& args) {
  Run r;
  std::string command = std::string(FLOWGATE_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const char* kText = "rules/kapi-action-privacy-policy.txt";

}  // namespace

TEST_SUITE("coverage-split") {
  TEST_CASE("abbreviations and initials do not end a sentence") {
    auto s = split_sentences(
        "We use providers; e.g. Payment companies. Shanghai Co., Ltd. and its affiliates, i.e. "
        "Us. Residents of U.S. States apply. The end.\n");
    CHECK(texts(s) == std::vector<std::string>{"We use providers; e.g. Payment companies.",
                                               "Shanghai Co., Ltd. and its affiliates, i.e. Us.",
                                               "Residents of U.S. States apply.", "The end."});
    CHECK(s[1].column == 43);
    CHECK(s[1].line == 1);
  }

  TEST_CASE("section numbers: headings open sections, a cited number does not split") {
    auto s = split_sentences(
        "Preamble.\n11.2.1 States Except for California\nAs described in Section 1. PERSONAL "
        "INFORMATION WE COLLECT above. Next one.\nRead 11.2.1. Then more.\n");
    REQUIRE(s.size() == 5);
    CHECK(s[0].section == "§0");
    CHECK(s[1].kind == SentenceKind::kHeading);
    CHECK(s[1].section == "§11.2.1");
    CHECK(s[2].text == "As described in Section 1. PERSONAL INFORMATION WE COLLECT above.");
    CHECK(s[2].section == "§11.2.1");
    CHECK(s[3].text == "Next one.");
    CHECK(s[4].text == "Read 11.2.1. Then more.");  // a number never ends a sentence
    CHECK(s[4].line == 4);
  }

  TEST_CASE("the table of contents belongs to the preamble") {
    auto s = split_sentences("Title\n1. ONE\n2. TWO\n1. ONE\nBody of one.\n2. TWO\nBody.\n");
    REQUIRE(s.size() == 7);
    CHECK(s[1].section == "§0");
    CHECK(s[2].section == "§0");
    CHECK(s[3].section == "§1");
    CHECK(s[4].section == "§1");
    CHECK(s[5].section == "§2");
  }

  TEST_CASE("bullet lines: the marker is not text; each line is its own sentence") {
    auto s = split_sentences(
        "\xC2\xB7 Photos and Videos. When you use the camera, we ask.\n"
        "\xE2\x80\xA2\xC2\xA0Payment information.You can purchase.\n"
        "\xC2\xA7 providing our Services;\n"
        "- To object. This includes e.g. marketing\n");
    CHECK(texts(s) == std::vector<std::string>{
                          "Photos and Videos.", "When you use the camera, we ask.",
                          "Payment information.", "You can purchase.", "providing our Services;",
                          "To object.", "This includes e.g. marketing"});
    for (const auto& sentence : s) CHECK(sentence.kind == SentenceKind::kBullet);
    CHECK(s[0].column == 4);  // "·" is two bytes, then a space
    CHECK(s[2].column == 6);  // "•" three bytes, then U+00A0 two
    CHECK(s[4].column == 4);  // "§" two bytes, then a space
    CHECK(s[5].column == 3);
    CHECK(s[3].column == 26);  // "information.You": a dot wedged between words
  }

  TEST_CASE("table rows are one sentence whatever their cells hold") {
    auto s = split_sentences(
        "Purpose | Type | Legal Basis |\nTo monitor. To protect | Technical Information | "
        "Performance of contract |\n");
    REQUIRE(s.size() == 2);
    CHECK(s[0].kind == SentenceKind::kTableRow);
    CHECK(s[1].kind == SentenceKind::kTableRow);
    CHECK(s[1].text.rfind("To monitor. To protect", 0) == 0);
  }

  TEST_CASE("multi-byte UTF-8: curly quotes close a sentence, columns count bytes") {
    auto s = split_sentences(
        "The \xE2\x80\x9C"
        "Policy\xE2\x80\x9D applies. You said \xE2\x80\x9Cstop.\xE2\x80\x9D "
        "Then \xC2\xA7"
        "5 says more! Mail kaipai.action@sensetime.com today? Yes\r\n");
    CHECK(texts(s) == std::vector<std::string>{"The \xE2\x80\x9CPolicy\xE2\x80\x9D applies.",
                                               "You said \xE2\x80\x9Cstop.\xE2\x80\x9D",
                                               "Then \xC2\xA7"
                                               "5 says more!",
                                               "Mail kaipai.action@sensetime.com today?", "Yes"});
    CHECK(s[1].column == 27);  // two 3-byte quotes before it
  }
}

TEST_SUITE("coverage") {
  TEST_CASE("the shipped policy: every sentence is quoted or listed, with its reason") {
    auto checked = testing::load_and_check(testing::source_dir());
    REQUIRE(checked.errors == 0);
    CoverageReport report = compute_coverage(*checked.policy);
    CHECK(report.text_path == kText);
    CHECK(report.unaccounted == 0);
    CHECK(report.stale.empty());
    CHECK(report.quoted > 50);
    CHECK(report.quoted + report.listed == report.sentences.size());
    // §1.1's media sentence is quoted by the rule that keeps media on the device.
    bool media = false;
    for (const auto& s : report.sentences) {
      if (s.sentence.text.rfind("All the information aforementioned", 0) != 0) continue;
      CHECK(s.sentence.section == "§1.1");
      for (const auto& q : s.quoted_by) media = media || q.id == "media-stays-on-device";
    }
    CHECK(media);
    // The §5 certifications are listed as organisational.
    bool certifications = false;
    for (const auto& s : report.sentences) {
      if (s.sentence.text.find("ISO 27001") == std::string::npos) continue;
      REQUIRE(s.unencoded != nullptr);
      certifications = s.listed() && s.unencoded->reason == "organisational";
    }
    CHECK(certifications);
  }

  TEST_CASE("a sentence nothing quotes: listed with its line, exit 1") {
    ScratchPolicy scratch;
    std::string text = read_file(scratch.dir() / kText);
    size_t lines = std::count(text.begin(), text.end(), '\n');
    if (!text.empty() && text.back() != '\n') ++lines;
    scratch.write(kText, text + (text.back() == '\n' ? "" : "\n") +
                             "We will sell nothing to anyone, ever.\n");
    auto checked = testing::load_and_check(scratch.dir().string());
    REQUIRE(checked.errors == 0);
    CoverageReport report = compute_coverage(*checked.policy);
    REQUIRE(report.unaccounted == 1);
    for (const auto& s : report.sentences) {
      if (s.accounted()) continue;
      CHECK(s.sentence.line == lines + 1);
      CHECK(s.sentence.column == 1);
      CHECK(s.sentence.section == "§11.2.2");
    }
    Run run = flowgate_cli("coverage " + scratch.dir().string());
    CHECK(run.status == 1);
    CHECK(run.out.find(fmt::format("{}:{}:1: §11.2.2: \"We will sell nothing to anyone, ever.\"",
                                   kText, lines + 1)) != std::string::npos);
    CHECK(run.out.find("quote it from a rule, or list it in rules/unencoded.yaml") !=
          std::string::npos);
    CHECK(run.out.find(", 1 unaccounted") != std::string::npos);
  }

  TEST_CASE("a listing a statement quotes is stale: a warning, not a failure") {
    ScratchPolicy scratch;
    std::string listing = read_file(scratch.dir() / "rules/unencoded.yaml");
    scratch.write("rules/unencoded.yaml",
                  listing +
                      "  - quote: \"your personal information will be stored in our servers\"\n"
                      "    section: \"§4\"\n"
                      "    reason: organisational\n");
    auto checked = testing::load_and_check(scratch.dir().string());
    REQUIRE(checked.errors == 0);
    CoverageReport report = compute_coverage(*checked.policy);
    CHECK(report.unaccounted == 0);
    REQUIRE(report.stale.size() == 1);
    REQUIRE(report.stale[0].quoted_by.size() == 1);
    CHECK(report.stale[0].quoted_by[0].id == "first-party-servers-in-japan");
    Run run = flowgate_cli("coverage " + scratch.dir().string());
    CHECK(run.status == 0);
    CHECK(run.out.find("warning: stale listing") != std::string::npos);
    CHECK(run.out.find("first-party-servers-in-japan") != std::string::npos);
  }

  TEST_CASE("a reason that is not one of the words is a check error at its file:line:col") {
    ScratchPolicy scratch;
    std::string listing = read_file(scratch.dir() / "rules/unencoded.yaml");
    size_t line = std::count(listing.begin(), listing.end(), '\n') + 3;
    scratch.write("rules/unencoded.yaml", listing +
                                              "  - quote: \"Welcome to Kapi Action!\"\n"
                                              "    section: \"§0\"\n"
                                              "    reason: organizational\n"
                                              "  - quote: \"Welcome to Kapi Action!\"\n"
                                              "    section: \"§0\"\n"
                                              "    reason: other\n");
    auto checked = testing::load_and_check(scratch.dir().string());
    REQUIRE(checked.errors == 2);
    const Diagnostic& bad = checked.diagnostics[0];
    CHECK(bad.code == "bad-unencoded-reason");
    CHECK(bad.location.file == "rules/unencoded.yaml");
    CHECK(bad.location.line == line);
    CHECK(bad.location.column == 13);
    CHECK(bad.help == "did you mean 'organisational'?");
    CHECK(checked.diagnostics[1].code == "missing-key");  // reason other needs a note
    Run run = flowgate_cli("coverage " + scratch.dir().string());
    CHECK(run.status == 2);
    CHECK(run.out.find(fmt::format("rules/unencoded.yaml:{}:13: error[bad-unencoded-reason]",
                                   line)) != std::string::npos);
  }

  TEST_CASE("json: every sentence with its section, place, text and what accounts for it") {
    Run run = flowgate_cli("coverage " + testing::source_dir() + " --format json");
    CHECK(run.status == 0);
    auto j = nlohmann::json::parse(run.out);
    CHECK(j["summary"]["unaccounted"] == 0);
    CHECK(j["sentences"].size() == j["summary"]["sentences"]);
    for (const auto& s : j["sentences"]) {
      CHECK(s["accounted"] == true);
      CHECK((s["quoted_by"].size() > 0 || s["unencoded"].is_object()));
      CHECK(s["line"].get<int>() > 0);
      CHECK(s["col"].get<int>() > 0);
      CHECK(s["section"].get<std::string>().rfind("§", 0) == 0);
    }
    const auto& first = j["sentences"][0];
    CHECK(first["text"] == "Kapi Action Privacy Policy");
    CHECK(first["unencoded"]["reason"] == "heading");
  }
}

}  // namespace flowgate
