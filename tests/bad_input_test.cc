// The bad-input corpus: every file in tests/bad_inputs/ is laid over a copy of the shipped policy
// and must give exactly the errors its header expects — code and file:line:col, and a part of the
// message where given — never a crash. A header, in '#' comment lines at the top:
//   # target: rules/zz-bad.yaml            where the file goes in the policy folder
//   # expect: rules/zz-bad.yaml:4:7 unknown-key "efect"
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "policy_fixture.h"

namespace fs = std::filesystem;
using namespace flowgate;
using namespace flowgate::testing;

namespace {

struct Expected {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string code;
  std::string message_part;
};

struct Case {
  std::string name;
  std::string bytes;
  std::string target;
  std::vector<Expected> expected;
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Case parse_case(const fs::path& path) {
  Case c;
  c.name = path.filename().string();
  c.bytes = read_bytes(path);
  static const std::regex kTarget(R"(^# target: (\S+)\s*$)");
  static const std::regex kExpect(
      R"re(^# expect: (\S+?):(\d+):(\d+) ([a-z0-9-]+)(?: "(.*)")?\s*$)re");
  std::istringstream lines(c.bytes);
  std::string line;
  std::smatch m;
  while (std::getline(lines, line) && line.rfind("#", 0) == 0) {
    if (std::regex_match(line, m, kTarget)) c.target = m[1];
    if (std::regex_match(line, m, kExpect)) {
      c.expected.push_back({m[1], static_cast<uint32_t>(std::stoul(m[2])),
                            static_cast<uint32_t>(std::stoul(m[3])), m[4], m[5]});
    }
  }
  return c;
}

std::string describe(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    out += fmt::format("  {}:{}:{} {} \"{}\"\n", d.location.file, d.location.line,
                       d.location.column, d.code, d.message);
  }
  return out;
}

void run_case(const Case& c) {
  INFO("case ", c.name);
  REQUIRE_MESSAGE(!c.target.empty(), "the case has no '# target:' line");
  REQUIRE_MESSAGE(!c.expected.empty(), "the case has no '# expect:' line");
  ScratchPolicy scratch;
  scratch.write(c.target, c.bytes);
  auto result = load_and_check(scratch.dir().string());
  INFO("diagnostics:\n", describe(result.diagnostics));
  for (const auto& e : c.expected) {
    bool found =
        std::any_of(result.diagnostics.begin(), result.diagnostics.end(), [&](const Diagnostic& d) {
          return d.location.file == e.file && d.location.line == e.line &&
                 d.location.column == e.column && d.code == e.code &&
                 d.message.find(e.message_part) != std::string::npos;
        });
    CHECK_MESSAGE(found, fmt::format("expected {}:{}:{} {} \"{}\"", e.file, e.line, e.column,
                                     e.code, e.message_part));
  }
  CHECK_MESSAGE(result.errors == c.expected.size(), "unexpected extra errors");
}

}  // namespace

TEST_SUITE("bad-inputs") {
  TEST_CASE("the corpus has at least 30 cases and each gives its expected errors") {
    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator(FLOWGATE_BAD_INPUT_DIR)) {
      if (entry.is_regular_file() && entry.path().filename().string()[0] != '.' &&
          entry.path().extension() != ".md") {
        paths.push_back(entry.path());
      }
    }
    std::sort(paths.begin(), paths.end());
    CHECK(paths.size() >= 30);
    for (const auto& path : paths) run_case(parse_case(path));
  }

  TEST_CASE("an unknown consent-string name is told the known ones") {
    ScratchPolicy scratch;
    scratch.write("rules/zz-gpp.yaml", R"yaml(rules:
  - id: zz-gpp
    effect: deny
    match:
      purpose: advertising.targeted
    when: "usnat.targeted_ad_opt_out"
    citations: ["§11.2.1"]
    quote: "You may opt out of targeted advertising on our services by clicking [Settings]-[Privacy Settings]-[Personalized Options] and toggling off [Enable Ads Personalization]."
)yaml");
    auto result = load_and_check(scratch.dir().string());
    REQUIRE(result.errors == 1);
    CHECK(result.diagnostics[0].help ==
          "did you mean usnat.targeted_ads_opt_out? the usnat names are usnat.sale_opt_out, "
          "usnat.sharing_opt_out, usnat.targeted_advertising_opt_out, usnat.targeted_ads_opt_out");
  }

  TEST_CASE("a region written by its name or in lower case is told its ISO code") {
    ScratchPolicy scratch;
    scratch.write("rules/zz-places.yaml", R"yaml(rules:
  - id: zz-places
    effect: deny
    match:
      action: transmit
      destination: [Germany, jp]
    citations: ["§3"]
    quote: "We may engage with service providers to provide you with different services on behalf of us; e.g. payment company, cloud storage services and other services."
)yaml");
    auto result = load_and_check(scratch.dir().string());
    REQUIRE(result.errors == 2);
    CHECK(result.diagnostics[0].message ==
          "'Germany' in rule 'zz-places' is not device, a region or a region group");
    CHECK(result.diagnostics[0].help ==
          "write 'DE' (Germany): regions are ISO codes, listed in jurisdictions/regions.yaml");
    CHECK(result.diagnostics[1].help ==
          "write 'JP' (Japan): regions are ISO codes, listed in jurisdictions/regions.yaml");
  }

  TEST_CASE("a file over the size budget is refused before parsing") {
    ScratchPolicy scratch;
    std::string huge = "rules:\n";
    while (huge.size() <= (1u << 20))
      huge += "  # padding padding padding padding padding padding\n";
    scratch.write("rules/zz-huge.yaml", huge);
    auto result = load_and_check(scratch.dir().string());
    REQUIRE(result.errors == 1);
    CHECK(result.diagnostics[0].code == "file-too-large");
    CHECK(result.diagnostics[0].location.file == "rules/zz-huge.yaml");
  }

  TEST_CASE("a deeply nested document is refused, however deep") {
    for (size_t depth : {100u, 5000u}) {
      ScratchPolicy scratch;
      scratch.write("rules/zz-deep.yaml",
                    "rules: " + std::string(depth, '[') + std::string(depth, ']') + "\n");
      auto result = load_and_check(scratch.dir().string());
      REQUIRE(result.errors == 1);
      CHECK((result.diagnostics[0].code == "yaml-too-deep" ||
             result.diagnostics[0].code == "yaml-syntax"));
    }
  }
}
