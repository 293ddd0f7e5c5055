// The gate (engine/gate/): Apple manifests (real and hostile), our SDK manifests, the mapping, the
// per-subject decisions and PoliCheck classes, multi-hop flow paths, and the disclosures — the
// emitted privacy manifest gating clean against the inventory.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "flowgate/toolchain.h"
#include "gate/disclosures.h"
#include "gate/flow_graph.h"
#include "gate/gate_check.h"
#include "gate/gate_findings.h"
#include "gate/sdk_discovery.h"
#include "policy_fixture.h"

namespace flowgate {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = FLOWGATE_GATE_FIXTURES;
const Date kAsOf = *parse_date("2026-11-29");

struct Shipped {
  testing::Checked checked = testing::load_and_check(testing::source_dir());
  DiagnosticSink sink;
  std::optional<AppleMapping> mapping =
      load_apple_mapping(default_mapping_path(testing::source_dir()), *checked.policy, sink);
};

Shipped& shipped() {
  static Shipped s;
  return s;
}

std::optional<AppleManifest> parse_text(const std::string& text, DiagnosticSink& sink) {
  SourceFile file("test.xcprivacy", text);
  return parse_apple_manifest(file, sink);
}

bool has_code(const DiagnosticSink& sink, const std::string& code) {
  for (const auto& d : sink.diagnostics()) {
    if (d.code == code) return true;
  }
  return false;
}

GateReport gate_apple(const std::string& name) {
  auto& s = shipped();
  DiagnosticSink sink;
  std::string path = kFixtures + "/manifests/" + name + "/PrivacyInfo.xcprivacy";
  auto manifest = read_apple_manifest(path, path, sink);
  REQUIRE_MESSAGE(manifest, name);
  return run_gate(*s.checked.policy, {component_from_apple(*manifest, *s.mapping, name)}, kAsOf);
}

GateReport gate_sdk(const std::string& file, DiagnosticSink& sink) {
  auto& s = shipped();
  auto sdk = read_sdk_manifest(kFixtures + "/sdks/" + file, *s.checked.policy, sink);
  REQUIRE(sdk);
  std::optional<AppleManifest> apple;
  if (!sdk->apple_manifest.empty()) {
    apple = read_apple_manifest(sdk->apple_manifest, sdk->apple_manifest, sink);
    REQUIRE(apple);
  }
  return run_gate(*s.checked.policy,
                  {component_from_sdk(*sdk, apple ? &*apple : nullptr, *s.mapping)}, kAsOf);
}

std::set<std::string> rules_of(const GateReport& r, Severity level = Severity::kError) {
  std::set<std::string> out;
  for (const auto& f : r.findings) {
    if (f.level == level) out.insert(f.rule);
  }
  return out;
}

}  // namespace

TEST_SUITE("gate") {
  TEST_CASE("the shipped mapping loads, maps every Apple value, and checks its ids") {
    auto& s = shipped();
    REQUIRE(s.checked.errors == 0);
    CHECK_MESSAGE(s.mapping, render_text(s.sink.sorted(), nullptr, false));
    CHECK(s.mapping->data_types.size() == apple_data_types().size());
    CHECK(s.mapping->purposes.size() == apple_purposes().size());
    CHECK(s.mapping->data_types.at("NSPrivacyCollectedDataTypeCrashData").ours.empty());
    CHECK(s.mapping->data_types.at("NSPrivacyCollectedDataTypePreciseLocation").ours.empty());
    CHECK(s.mapping->data_types.at("NSPrivacyCollectedDataTypeContacts").ours.empty());
  }

  TEST_CASE("a mapping with an unknown id or a missing Apple value is refused with locations") {
    auto& s = shipped();
    fs::path dir = fs::temp_directory_path() / "flowgate-gate-mapping";
    fs::create_directories(dir);
    std::string text =
        "apple:\n  default_destination: US\n  data_types:\n"
        "    - {apple: NSPrivacyCollectedDataTypeCrashData, ours: [crash.logs]}\n"
        "  purposes: []\n  emit_data: []\n  emit_purposes: []\n"
        "play_data_safety: {data: [], purposes: []}\n";
    std::ofstream(dir / "apple.yaml") << text;
    DiagnosticSink sink;
    CHECK_FALSE(load_apple_mapping((dir / "apple.yaml").string(), *s.checked.policy, sink));
    CHECK(has_code(sink, "mapping-unknown-id"));
    CHECK(has_code(sink, "mapping-incomplete"));
    bool located = false;
    for (const auto& d : sink.diagnostics()) {
      located = located || (d.code == "mapping-unknown-id" && d.location.line == 4);
    }
    CHECK(located);
    fs::remove_all(dir);
  }

  TEST_CASE("every real manifest parses") {
    for (const auto& entry : fs::directory_iterator(kFixtures + "/manifests")) {
      if (!entry.is_directory()) continue;
      DiagnosticSink sink;
      auto path = (entry.path() / "PrivacyInfo.xcprivacy").string();
      auto m = read_apple_manifest(path, path, sink);
      CHECK_MESSAGE(m, path);
    }
    DiagnosticSink sink;
    std::string adjust = kFixtures + "/manifests/adjust/PrivacyInfo.xcprivacy";
    auto m = read_apple_manifest(adjust, adjust, sink);
    REQUIRE(m);
    CHECK(m->tracking == true);
    CHECK(m->tracking_domains.size() == 8);
    CHECK(m->collected.size() == 2);
    CHECK(m->collected[0].type == "NSPrivacyCollectedDataTypeDeviceID");
    CHECK(m->collected[0].tracking);
    CHECK(m->collected[0].purposes.size() == 2);
    CHECK(m->accessed_apis.size() == 2);
    CHECK(m->collected[0].location.line == 39);
    std::string amplitude = kFixtures + "/manifests/amplitude-swift/PrivacyInfo.xcprivacy";
    auto a = read_apple_manifest(amplitude, amplitude, sink);
    REQUIRE(a);
    CHECK_FALSE(a->tracking.has_value());  // the key is absent
  }

  TEST_CASE("hostile and malformed manifests are refused with file:line:col, never crash") {
    struct Case {
      std::string file;
      std::string code;
      uint32_t line;
    };
    for (const Case& c :
         {Case{"billion-laughs", "manifest-entity", 3}, Case{"external-entity", "manifest-dtd", 2},
          Case{"undeclared-entity", "manifest-entity", 2},
          Case{"not-a-plist", "manifest-not-plist", 2}, Case{"malformed", "manifest-xml", 9},
          Case{"wrong-types", "manifest-type", 5}}) {
      CAPTURE(c.file);
      DiagnosticSink sink;
      std::string path = kFixtures + "/manifests-hostile/" + c.file + ".xcprivacy";
      CHECK_FALSE(read_apple_manifest(path, path, sink));
      REQUIRE(sink.has_errors());
      CHECK(has_code(sink, c.code));
      bool at_line = false;
      for (const auto& d : sink.diagnostics()) at_line = at_line || d.location.line == c.line;
      CHECK_MESSAGE(at_line, render_text(sink.sorted(), nullptr, false));
    }
    SUBCASE("deeply nested") {
      std::string text = "<plist version=\"1.0\">";
      for (int i = 0; i < 100000; ++i) text += "<array>";
      DiagnosticSink sink;
      CHECK_FALSE(parse_text(text, sink));  // unclosed, or too deep: either way refused
      CHECK(sink.has_errors());
      std::string closed = "<plist version=\"1.0\"><dict><key>k</key>";
      for (int i = 0; i < 5000; ++i) closed += "<array>";
      for (int i = 0; i < 5000; ++i) closed += "</array>";
      closed += "</dict></plist>";
      DiagnosticSink sink2;
      CHECK_FALSE(parse_text(closed, sink2));
      CHECK(has_code(sink2, "manifest-too-deep"));
    }
    SUBCASE("huge") {
      std::string text = "<plist version=\"1.0\"><dict><key>NSPrivacyTrackingDomains</key><array>";
      while (text.size() < (2u << 20)) text += "<string>a.example</string>";
      text += "</array></dict></plist>";
      DiagnosticSink sink;
      CHECK_FALSE(parse_text(text, sink));
      CHECK(has_code(sink, "manifest-too-large"));
      std::string many = "<plist version=\"1.0\"><dict><key>NSPrivacyTrackingDomains</key><array>";
      for (int i = 0; i < 30000; ++i) many += "<string>x</string>";
      many += "</array></dict></plist>";
      DiagnosticSink sink2;
      CHECK_FALSE(parse_text(many, sink2));
      CHECK(has_code(sink2, "manifest-too-large"));
    }
    SUBCASE("not XML at all, empty, binary plist magic") {
      for (std::string text : {std::string(""), std::string("{\"json\": true}"),
                               std::string("bplist00\x01\x02", 10), std::string("<plist>")}) {
        DiagnosticSink sink;
        CHECK_FALSE(parse_text(text, sink));
        CHECK(sink.has_errors());
      }
    }
    SUBCASE("a duplicate key and a key without a value") {
      DiagnosticSink sink;
      CHECK_FALSE(
          parse_text("<plist version=\"1.0\"><dict><key>NSPrivacyTracking</key><true/>"
                     "<key>NSPrivacyTracking</key><false/><key>dangling</key></dict></plist>",
                     sink));
      CHECK(has_code(sink, "manifest-duplicate-key"));
      CHECK(has_code(sink, "manifest-structure"));
    }
  }

  TEST_CASE("one document, Apple's DOCTYPE or none: what pugixml alone would let through") {
    const std::string kAppleDoctype =
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n";
    const std::string kClean =
        "<plist version=\"1.0\"><dict><key>NSPrivacyTracking</key><false/></dict></plist>";
    auto refused = [&](const std::string& text, const std::string& code, const std::string& says,
                       uint32_t line, uint32_t column) {
      CAPTURE(text);
      DiagnosticSink sink;
      CHECK_FALSE(parse_text(text, sink));
      std::string all = render_text(sink.sorted(), nullptr, false);
      bool found = false;
      for (const auto& d : sink.diagnostics()) {
        found = found || (d.code == code && d.message.find(says) != std::string::npos &&
                          d.location.line == line && d.location.column == column);
      }
      CHECK_MESSAGE(found, all);
    };
    auto accepted = [&](const std::string& text) {
      CAPTURE(text);
      DiagnosticSink sink;
      CHECK_MESSAGE(parse_text(text, sink), render_text(sink.sorted(), nullptr, false));
    };

    SUBCASE("a second root hides tracking and precise location: the file fails, not the first") {
      auto& s = shipped();
      std::string path = kFixtures + "/manifests-hostile/two-roots.xcprivacy";
      DiagnosticSink sink;
      CHECK_FALSE(read_apple_manifest(path, path, sink));
      CHECK(has_code(sink, "manifest-xml"));
      // Read alone, each root tells the story: the first passes, the hidden second fails.
      std::ifstream in(path);
      std::string text((std::istreambuf_iterator<char>(in)), {});
      size_t second = text.find("<plist", text.find("</plist>"));
      REQUIRE(second != std::string::npos);
      DiagnosticSink first_sink, second_sink;
      auto first = parse_text(text.substr(0, second), first_sink);
      auto hidden = parse_text(text.substr(second), second_sink);
      REQUIRE(first);
      REQUIRE(hidden);
      CHECK_FALSE(
          run_gate(*s.checked.policy, {component_from_apple(*first, *s.mapping, "x")}, kAsOf)
              .failed());
      auto report =
          run_gate(*s.checked.policy, {component_from_apple(*hidden, *s.mapping, "x")}, kAsOf);
      CHECK(report.failed());
      CHECK(rules_of(report).count("gate-tracking-eu"));
    }
    SUBCASE("anything but comments and whitespace after the root") {
      refused(kClean + "<plist/>", "manifest-xml", "a second root element <plist>", 1, 79);
      refused(kClean + "\n<dict/>", "manifest-xml", "a second root element <dict>", 2, 1);
      refused(kClean + "\n  stray", "manifest-xml", "text after the root element", 2, 3);
      refused(kClean + "<![CDATA[<plist/>]]>", "manifest-xml", "text after the root element", 1,
              79);
      refused(kClean + "<?evil x?>", "manifest-xml", "a processing instruction after", 1, 79);
      refused(kClean + "<?xml version=\"1.0\"?>", "manifest-xml", "after the root element", 1, 79);
      refused(kClean + kAppleDoctype, "manifest-xml", "a DOCTYPE after the root element", 1, 79);
      refused(kClean + std::string("\0<plist/>", 9), "manifest-xml", "a NUL byte", 1, 79);
      accepted(kClean + "\n<!-- a comment -->\n  \t\r\n<!-- another -->\n");
    }
    SUBCASE("anything but the declaration, comments, PIs and the DOCTYPE before the root") {
      refused("stray\n" + kClean, "manifest-xml", "text before the root element", 1, 1);
      refused(" <?xml version=\"1.0\"?>" + kClean, "manifest-xml", "must be the first thing", 1, 2);
      refused("<!-- never closed " + kClean, "manifest-xml", "comment is never closed", 1, 1);
      accepted("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- <!DOCTYPE x> -->\n" +
               kAppleDoctype + "<!-- c -->" + kClean);
    }
    SUBCASE("exactly Apple's DOCTYPE, parsed by XML's grammar, whitespace-tolerant") {
      accepted(kAppleDoctype + kClean);
      accepted(
          "<!DOCTYPE\n\tplist   PUBLIC\n  '-//Apple//DTD PLIST 1.0//EN'\r\n"
          "\t'http://www.apple.com/DTDs/PropertyList-1.0.dtd'  \n>" +
          kClean);
      accepted(kClean);  // no DOCTYPE at all
      // A quoted '>' no longer ends the DOCTYPE early, so the subset behind it is seen.
      refused(
          "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
          "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd?>\" [ ]>" +
              kClean,
          "manifest-dtd", "internal DTD subset", 1, 105);
      refused(
          "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
          "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\"[]>" +
              kClean,
          "manifest-dtd", "internal DTD subset", 1, 102);
      // A SYSTEM id after Apple's public id: as its system literal, or as a keyword.
      refused(
          "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://evil.example/x.dtd\">" +
              kClean,
          "manifest-dtd", "its system identifier is \"http://evil.example/x.dtd\"", 1, 1);
      refused(
          "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" SYSTEM \"file:///etc/passwd\">" +
              kClean,
          "manifest-dtd", "malformed DOCTYPE", 1, 54);
      refused(
          "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
          "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\" \"file:///etc/passwd\">" +
              kClean,
          "manifest-dtd", "malformed DOCTYPE", 1, 103);
      refused("<!DOCTYPE plist>" + kClean, "manifest-dtd", "no external identifier", 1, 1);
      refused("<!DOCTYPE html PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"x\">" + kClean,
              "manifest-dtd", "root element is \"html\"", 1, 1);
      refused(
          "<!DOCTYPE plist PUBLIC \"-//Apple Computer//DTD PLIST 1.0//EN\" "
          "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">" +
              kClean,
          "manifest-dtd", "its public identifier is \"-//Apple Computer//DTD PLIST 1.0//EN\"", 1,
          1);
      refused("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN>" + kClean, "manifest-dtd",
              "malformed DOCTYPE", 1, 69);
      refused(kAppleDoctype + kAppleDoctype + kClean, "manifest-dtd", "a second DOCTYPE", 2, 1);
    }
    SUBCASE("the hostile fixtures: the gate fails on each, naming the file, line and column") {
      struct Case {
        std::string file, code, says;
        uint32_t line, column;
      };
      for (const Case& c : {
               Case{"two-roots", "manifest-xml", "a second root element <plist>", 11, 1},
               Case{"trailing-text", "manifest-xml", "text after the root element", 10, 1},
               Case{"doctype-subset-after-gt", "manifest-dtd", "internal DTD subset", 2, 105},
               Case{"doctype-foreign-system-id", "manifest-dtd",
                    "its system identifier is \"file:///etc/passwd\"", 2, 1},
           }) {
        CAPTURE(c.file);
        std::string path = kFixtures + "/manifests-hostile/" + c.file + ".xcprivacy";
        DiagnosticSink sink;
        CHECK_FALSE(read_apple_manifest(path, path, sink));
        bool found = false;
        for (const auto& d : sink.diagnostics()) {
          found =
              found || (d.code == c.code && d.severity == Severity::kError &&
                        d.message.find(c.says) != std::string::npos && d.location.file == path &&
                        d.location.line == c.line && d.location.column == c.column);
        }
        CHECK_MESSAGE(found, render_text(sink.sorted(), nullptr, false));
      }
    }
  }

  TEST_CASE("real manifests: the verdict derived from the policy, and why") {
    struct Expect {
      std::string name;
      bool fails;
      std::set<std::string> errors;  // error finding rules
    };
    // Why, one line each (mappings/apple.yaml gives the readings;
    // tests/fixtures/manifests/SOURCE.md the origin):
    // - alamofire, sdwebimage, mixpanel-swift, firebase-core: collect nothing → pass.
    // - firebase-crashlytics, sentry-cocoa: crash and performance data — §1 never lists them →
    //   omitted; their diagnostic data (device info, OS) for app functionality is disclosed but
    //   denied for an EU minor, and nothing routes the SDK through the runtime check.
    // - adjust: tracking (NSPrivacyTracking) and the EU layer gives advertising no basis (§11.1.1)
    //   → gate-tracking-eu; product interaction is no §1 category → omitted.
    // - branch: tracking → gate-tracking-eu; performance data → omitted.
    // - intercom: email → omitted; photos/videos → incorrect (media stays on the device, §1.1).
    // - google-signin: name, email, phone, coarse location → omitted.
    // - amplitude-swift: product interaction, coarse location → omitted.
    // - revenuecat: purchase history to a vendor the manifest cannot name (cloud storage by the
    //   mapping's default) — disclosed, but denied for some subjects and not routed.
    std::vector<Expect> expectations = {
        {"alamofire", false, {}},
        {"sdwebimage", false, {}},
        {"mixpanel-swift", false, {}},
        {"firebase-core", false, {}},
        {"firebase-crashlytics", true, {"gate-omitted", "gate-unrouted-deny"}},
        {"sentry-cocoa", true, {"gate-omitted", "gate-unrouted-deny"}},
        {"adjust", true, {"gate-omitted", "gate-tracking-eu", "gate-unrouted-deny"}},
        {"branch", true, {"gate-omitted", "gate-tracking-eu", "gate-unrouted-deny"}},
        {"intercom", true, {"gate-omitted", "gate-incorrect", "gate-unrouted-deny"}},
        {"google-signin", true, {"gate-omitted", "gate-unrouted-deny"}},
        {"amplitude-swift", true, {"gate-omitted", "gate-unrouted-deny"}},
        {"revenuecat", true, {"gate-unrouted-deny"}},
        // Disclosed, but denied for some subjects (EU minors; analytics in the EU), not routed:
        {"chartboost-core", true, {"gate-unrouted-deny"}},
        {"firebase-auth", true, {"gate-unrouted-deny"}},
        {"firebase-firestore", true, {"gate-unrouted-deny"}},
        {"firebase-installations", true, {"gate-unrouted-deny"}},
        {"firebase-remoteconfig", true, {"gate-unrouted-deny"}},
        // Other data types for analytics to a measurement company: no reading is disclosed.
        {"firebase-messaging", true, {"gate-omitted", "gate-unrouted-deny"}},
    };
    for (const auto& e : expectations) {
      CAPTURE(e.name);
      auto report = gate_apple(e.name);
      CHECK(report.failed() == e.fails);
      CHECK(rules_of(report) == e.errors);
    }
    // The tracking domains are reported, each with its location; Adjust's are URLs.
    auto adjust = gate_apple("adjust");
    size_t domains = 0;
    for (const auto& f : adjust.findings) {
      if (f.rule == "gate-tracking-domain") {
        ++domains;
        CHECK(f.location.line > 0);
        CHECK(f.message.find("written as a URL") != std::string::npos);
      }
    }
    CHECK(domains == 8);
  }

  TEST_CASE("per-subject decisions and PoliCheck classes of single flows") {
    auto& s = shipped();
    auto subjects = standard_subject_classes();
    REQUIRE(subjects.size() == 10);
    auto decide = [&](std::string data, std::string purpose, std::string recipient,
                      std::string destination) {
      DeclaredFlow f;
      f.data = data;
      f.purpose = purpose;
      f.recipient = recipient;
      f.destination = destination;
      auto d = decide_for_subjects(*s.checked.policy, f, subjects, kAsOf);
      return std::make_pair(classify(f, d, subjects), d);
    };
    // §3 discloses the ads identifier to advertisers; §11.2.2 forbids it for Californians.
    auto [ads, ads_d] =
        decide("technical.ads.identifier", "advertising.targeted", "advertiser.google", "US");
    CHECK(ads == PoliCheckClass::kAmbiguous);
    CHECK(ads_d[0].verdict == CellVerdict::kDeny);   // EU adult: no §11.1.1 row
    CHECK(ads_d[5].verdict == CellVerdict::kDeny);   // US-CA
    CHECK(ads_d[6].verdict == CellVerdict::kAllow);  // US-VA
    CHECK(ads_d[8].verdict == CellVerdict::kDeny);   // toggle off
    // Media to cloud storage: disclosed by §3, forbidden by §1.1 for everyone.
    CHECK(
        decide("media.photo", "core_functionality", "service_provider.cloud_storage", "JP").first ==
        PoliCheckClass::kIncorrect);
    // Nothing discloses the ads identifier to the payment company.
    CHECK(decide("technical.ads.identifier", "analytics", "service_provider.payment", "US").first ==
          PoliCheckClass::kOmitted);
    // Support messages to our servers: consent-only basis in the EU.
    auto [support, support_d] = decide("correspondence.support", "support", "first_party", "JP");
    CHECK(support == PoliCheckClass::kConsistent);
    CHECK(support_d[0].verdict == CellVerdict::kAllowWithSignal);
    CHECK(support_d[1].verdict == CellVerdict::kDeny);   // EU minor
    CHECK(support_d[4].verdict == CellVerdict::kAllow);  // JP
  }

  TEST_CASE("our SDK manifests") {
    SUBCASE("routed through the runtime check: denials for some subjects are the runtime's") {
      DiagnosticSink sink;
      auto r = gate_sdk("firebase-auth.yaml", sink);
      CHECK_FALSE(rules_of(r).count("gate-unrouted-deny"));
      CHECK(r.components[0].routed_through_runtime);
      CHECK(r.components[0].flows.front().recipient == "service_provider.cloud_storage");
    }
    SUBCASE("not routed: a flow denied for some subjects fails") {
      DiagnosticSink sink;
      auto r = gate_sdk("crash-reporter-unrouted.yaml", sink);
      CHECK(r.failed());
      CHECK(rules_of(r) == std::set<std::string>{"gate-unrouted-deny"});
    }
    SUBCASE("incorrect but routed: a warning, the runtime always denies") {
      DiagnosticSink sink;
      auto r = gate_sdk("media-uploader.yaml", sink);
      CHECK_FALSE(r.failed());
      CHECK(rules_of(r, Severity::kWarning).count("gate-incorrect"));
      CHECK(r.flows.front().policheck == PoliCheckClass::kIncorrect);
    }
    SUBCASE("bad ids, a bad boolean and an unknown key: every problem, located") {
      DiagnosticSink sink;
      auto sdk =
          read_sdk_manifest(kFixtures + "/sdks/bad-ids.yaml", *shipped().checked.policy, sink);
      CHECK_FALSE(sdk);
      std::set<uint32_t> lines;
      for (const auto& d : sink.diagnostics()) {
        if (d.severity == Severity::kError) lines.insert(d.location.line);
      }
      CHECK(lines == std::set<uint32_t>{3, 4, 5, 6, 8});
      // Unknown ids are named as decide names them: the field, the nearest id, a group's leaves.
      std::map<uint32_t, std::string> message;
      for (const auto& d : sink.diagnostics()) message[d.location.line] = d.message;
      CHECK(message[3] == "recipient: 'advertizer' is not a recipient the policy knows");
      CHECK(message[6].find("data: 'technical' is a group") == 0);
      CHECK(message[6].find("technical.device.info") != std::string::npos);
    }

    SUBCASE("a destination written as a country's name suggests its ISO code") {
      fs::path dir = fs::temp_directory_path() / "flowgate-gate-country";
      fs::create_directories(dir);
      std::ofstream(dir / "sdk.yaml")
          << "sdk: s\nvendor: V\nrecipient: advertiser.google\ndestinations: [Germany]\n"
             "routed_through_runtime: true\ndata: [media.photo]\npurposes: [analytics]\n";
      DiagnosticSink sink;
      CHECK_FALSE(read_sdk_manifest((dir / "sdk.yaml").string(), *shipped().checked.policy, sink));
      fs::remove_all(dir);
      REQUIRE(sink.diagnostics().size() == 1);
      CHECK(sink.diagnostics()[0].message ==
            "destination: 'Germany' is not a region id the policy knows; did you mean DE?");
    }
  }

  TEST_CASE("flow paths: every path off the device, multi-hop, forbidden ones found") {
    auto& s = shipped();
    DiagnosticSink sink;
    auto sdk = read_sdk_manifest(kFixtures + "/sdks/revenuecat.yaml", *s.checked.policy, sink);
    REQUIRE(sdk);
    auto apple = read_apple_manifest(sdk->apple_manifest, sdk->apple_manifest, sink);
    REQUIRE(apple);
    auto report = run_gate(*s.checked.policy,
                           {component_from_inventory(*s.checked.policy),
                            component_from_sdk(*sdk, &*apple, *s.mapping)},
                           kAsOf);
    auto graph =
        build_flow_graph(*s.checked.policy, report.components, kAsOf, standard_subject_classes());
    CHECK_FALSE(graph.truncated);
    // payment.result → app → revenuecat → payment company (US) → its affiliate → CN: four hops.
    const FlowPath* onward = nullptr;
    const FlowPath* direct = nullptr;
    for (const auto& p : graph.paths) {
      std::string text = graph.describe(p);
      if (text ==
          "payment.result → app → revenuecat → service_provider.payment (revenuecat) → "
          "affiliate (revenuecat) → CN [paid_services]") {
        onward = &p;
      }
      if (text ==
          "payment.result → app → revenuecat → service_provider.payment (revenuecat) → US "
          "[paid_services]") {
        direct = &p;
      }
    }
    std::string all;
    for (const auto& p : graph.paths) {
      if (p.data == "payment.result") all += graph.describe(p) + "\n";
    }
    REQUIRE_MESSAGE(direct, all);
    REQUIRE_MESSAGE(onward, all);
    CHECK(direct->verdict != PathVerdict::kForbidden);
    // Affiliates receive payment results for paid services (§3): allowed, the runtime decides.
    CHECK(onward->verdict != PathVerdict::kForbidden);
    // The inventory's own paths: none forbidden (the shipped inventory is consistent).
    for (const auto& p : graph.paths) {
      CHECK_MESSAGE(p.verdict != PathVerdict::kForbidden,
                    std::string(graph.describe(p) + ": " + p.why));
    }
    // A vendor forwarding to a recipient the policy never names for the data: forbidden.
    SdkManifest bad = *sdk;
    bad.onward = {{{"advertiser.google", {}}, {"US", {}}}};
    auto forbidden_graph =
        build_flow_graph(*s.checked.policy, {component_from_sdk(bad, &*apple, *s.mapping)}, kAsOf,
                         standard_subject_classes());
    auto findings = path_findings(forbidden_graph);
    REQUIRE_FALSE(findings.empty());
    CHECK(findings.front().rule == "gate-path-forbidden");
    CHECK(findings.front().message.find("advertiser.google") != std::string::npos);
    auto dot = to_dot(forbidden_graph, "t");
    CHECK(dot.find("color=red") != std::string::npos);
    CHECK(dot.rfind("digraph", 0) == 0);
    // A recipient's label breaks the line before its owner with DOT's \n, not a literal one.
    CHECK(dot.find("label=\"advertiser.google\\n(") != std::string::npos);
    CHECK(dot.find("\\\\n") == std::string::npos);
  }

  TEST_CASE("the inventory gates clean: every flow disclosed, all routed") {
    auto& s = shipped();
    auto r = run_gate(*s.checked.policy, {component_from_inventory(*s.checked.policy)}, kAsOf);
    for (const auto& f : r.findings) {
      CHECK_MESSAGE(f.level != Severity::kError, std::string(f.rule + ": " + f.message));
    }
  }

  TEST_CASE("disclosures: the emitted privacy manifest parses and gates clean") {
    auto& s = shipped();
    auto emitted = emit_privacy_manifest(*s.checked.policy, *s.mapping);
    REQUIRE(emitted.problems.empty());
    DiagnosticSink sink;
    SourceFile file("emitted/PrivacyInfo.xcprivacy", emitted.text);
    auto manifest = parse_apple_manifest(file, sink);
    REQUIRE_MESSAGE(manifest, render_text(sink.sorted(), nullptr, false));
    CHECK(manifest->tracking == true);  // ads identifier to advertisers for targeted ads
    auto r =
        run_gate(*s.checked.policy,
                 {component_from_app_manifest(*manifest, *s.mapping, *s.checked.policy)}, kAsOf);
    for (const auto& f : r.findings) {
      CHECK_MESSAGE(f.level != Severity::kError, std::string(f.rule + ": " + f.message));
    }
    // Drift: drop the DeviceID entry and the gate fails on the inventory flows it hid.
    AppleManifest drifted = *manifest;
    std::erase_if(drifted.collected, [](const AppleCollectedType& t) {
      return t.type == "NSPrivacyCollectedDataTypeDeviceID";
    });
    auto r2 =
        run_gate(*s.checked.policy,
                 {component_from_app_manifest(drifted, *s.mapping, *s.checked.policy)}, kAsOf);
    CHECK(r2.failed());
    CHECK(rules_of(r2).count("gate-app-manifest-missing"));
  }

  TEST_CASE("disclosures: Play Data safety, California table, GDPR Art. 30") {
    auto& s = shipped();
    auto play = emit_play_data_safety(*s.checked.policy, *s.mapping, false);
    CHECK(play.problems.empty());
    auto j = nlohmann::json::parse(play.text);
    CHECK(j["security_practices"]["data_encrypted_in_transit"] == true);
    bool ids_shared = false;
    for (const auto& t : j["data_types"]) {
      if (t["data_type"] == "Device or other IDs") ids_shared = t["shared"];
      CHECK(t["data_type"] != "Photos");  // media never leaves the device
    }
    CHECK(ids_shared);  // ads identifier to advertisers
    auto csv = emit_play_data_safety(*s.checked.policy, *s.mapping, true);
    CHECK(csv.text.rfind("category,data_type,collected,shared", 0) == 0);
    auto ca = emit_california_table(*s.checked.policy, kAsOf);
    CHECK(ca.text.find("| ads-identifier (`technical.ads.identifier`)") != std::string::npos);
    CHECK(ca.text.find("ca-no-sale-or-sharing") != std::string::npos);
    auto art30 = emit_gdpr_art30(*s.checked.policy, kAsOf, false);
    CHECK(art30.text.find("| user_functions |") != std::string::npos);
    CHECK(art30.text.find("transfer.scc") != std::string::npos);  // affiliate in CN
    auto art30j = nlohmann::json::parse(emit_gdpr_art30(*s.checked.policy, kAsOf, true).text);
    CHECK(art30j["processing_activities"].size() > 3);
  }

  TEST_CASE("SDK identity: the package names the SDK, never a generic folder") {
    struct Case {
      const char* path;
      const char* name;
      const char* package;
    };
    for (const Case& c : std::vector<Case>{
             {"Pods/Adjust/Adjust/PrivacyInfo.xcprivacy", "Adjust", "Pods/Adjust"},
             {"Pods/FirebaseAuth/FirebaseAuth/Sources/Resources/PrivacyInfo.xcprivacy",
              "FirebaseAuth", "Pods/FirebaseAuth"},
             {"vendor/Intercom.xcframework/ios-arm64_x86_64-simulator/Intercom.framework/"
              "PrivacyInfo.xcprivacy",
              "Intercom", "vendor/Intercom.xcframework"},
             {"Frameworks/Branch.framework/PrivacyInfo.xcprivacy", "Branch",
              "Frameworks/Branch.framework"},
             {"SourcePackages/checkouts/amplitude/Sources/Amplitude/PrivacyInfo.xcprivacy",
              "Amplitude", "SourcePackages/checkouts/amplitude/Sources/Amplitude"},
             // Swift packages whose manifest sits in Resources: the nearest non-generic folder.
             {"checkouts/facebook-ios-sdk/FBSDKCoreKit/Resources/PrivacyInfo.xcprivacy",
              "FBSDKCoreKit", "checkouts/facebook-ios-sdk/FBSDKCoreKit"},
             {"checkouts/AppsFlyerFramework/Resources/PrivacyInfo.xcprivacy", "AppsFlyerFramework",
              "checkouts/AppsFlyerFramework"},
             {"sentry-cocoa/Sources/Resources/PrivacyInfo.xcprivacy", "sentry-cocoa",
              "sentry-cocoa"},
             {"App/GoogleSignIn_Privacy.bundle/PrivacyInfo.xcprivacy", "GoogleSignIn",
              "App/GoogleSignIn_Privacy.bundle"},
         }) {
      CAPTURE(c.path);
      auto id = sdk_identity_from_path(c.path);
      CHECK(id.name == c.name);
      CHECK(id.package == c.package);
    }
  }

  TEST_CASE("discovery: folders searched, slices one SDK, other files skipped with a note") {
    fs::path root = fs::temp_directory_path() / "flowgate-gate-discovery";
    fs::remove_all(root);
    std::string manifest = kFixtures + "/manifests/intercom/PrivacyInfo.xcprivacy";
    for (const char* slice : {"ios-arm64", "ios-arm64_x86_64-simulator"}) {
      fs::path dir = root / "Pods/Intercom/Intercom.xcframework" / slice / "Intercom.framework";
      fs::create_directories(dir);
      fs::copy_file(manifest, dir / "PrivacyInfo.xcprivacy");
    }
    fs::create_directories(root / "Pods/Adjust/Adjust");
    fs::copy_file(kFixtures + "/manifests/adjust/PrivacyInfo.xcprivacy",
                  root / "Pods/Adjust/Adjust/PrivacyInfo.xcprivacy");
    fs::copy_file(kFixtures + "/sdks/crash-reporter-unrouted.yaml", root / "crash-reporter.yaml");
    std::ofstream(root / "config.yaml") << "name: not an sdk\n";
    std::ofstream(root / "README.md") << "# stray\n";
    DiagnosticSink sink;
    auto found = discover_sdks({root.string(), (root / "README.md").string()}, sink);
    CHECK_FALSE(sink.has_errors());
    REQUIRE(found.sources.size() == 3);
    std::map<std::string, size_t> slices;
    for (const auto& source : found.sources) slices[source.name] = source.files.size();
    CHECK(slices["Intercom"] == 2);
    CHECK(slices["Adjust"] == 1);
    CHECK(slices.count("crash-reporter"));
    REQUIRE(found.notes.size() == 2);  // config.yaml in the folder, README.md named
    CHECK(found.notes[0].find("skipped 1 YAML file") != std::string::npos);
    CHECK(found.notes[1].find("README.md") != std::string::npos);

    auto& s = shipped();
    auto components = read_sdk_components(found, *s.checked.policy, *s.mapping, sink);
    CHECK_FALSE(sink.has_errors());
    REQUIRE(components.size() == 3);
    for (const auto& c : components) {
      for (const auto& f : c.findings) CHECK(f.rule != "gate-slices-disagree");  // same manifest
    }
    // A missing argument is an error; the rest are still found.
    DiagnosticSink missing;
    auto partial = discover_sdks({(root / "nope").string(), root.string()}, missing);
    CHECK(has_code(missing, "gate-input-missing"));
    CHECK(partial.sources.size() == 3);
    fs::remove_all(root);
  }

  TEST_CASE("findings grouped by cause: one per entry, the ban blamed on its rule, stable prints") {
    auto intercom = gate_apple("intercom");
    auto summary = summarize_gate(intercom, nullptr);
    std::set<std::string> seen;
    for (const auto& g : summary.groups) {
      CAPTURE(g.summary);
      CHECK(seen.insert(g.fingerprint).second);  // never the same finding twice
      CHECK(g.location.line > 0);
      CHECK_FALSE(g.fix.empty());
      if (g.rule == "gate-incorrect") {
        // Photos and videos: media-stays-on-device bans every subject; the EU-minor rule, which
        // decides only for the EU minor, is not to blame.
        CHECK(g.rules == std::vector<std::string>{"media-stays-on-device"});
        CHECK(g.readings.size() == 8);  // 2 data types × 4 purposes, one group
      }
    }
    CHECK(summary.failing == 3);
    // The readings of one entry (DeviceID's three readings × purposes) are one group, not one each.
    size_t unrouted_findings = 0;
    for (const auto& f : intercom.findings) unrouted_findings += f.rule == "gate-unrouted-deny";
    size_t unrouted_groups = 0;
    for (const auto& g : summary.groups) unrouted_groups += g.rule == "gate-unrouted-deny";
    CHECK(unrouted_findings > unrouted_groups);
    CHECK(unrouted_groups == 1);

    // Fingerprints: not the wording and not the line; the rule, the statements and the file.
    auto reworded = intercom;
    for (auto& f : reworded.findings) {
      f.message = "reworded";
      f.location.line += 7;
    }
    auto again = summarize_gate(reworded, nullptr);
    REQUIRE(again.groups.size() == summary.groups.size());
    for (size_t i = 0; i < again.groups.size(); ++i) {
      CHECK(again.groups[i].fingerprint == summary.groups[i].fingerprint);
    }
    auto moved = intercom;
    for (auto& f : moved.findings) f.location.file = "elsewhere/PrivacyInfo.xcprivacy";
    CHECK(summarize_gate(moved, nullptr).groups.front().fingerprint !=
          summary.groups.front().fingerprint);

    // The baseline accepts by fingerprint; what it lists beyond the findings is stale.
    Baseline baseline;
    for (const auto& g : summary.groups) {
      if (g.level == Severity::kError)
        baseline.entries.push_back({g.fingerprint, "reviewed", "", 0});
    }
    baseline.entries.push_back({"0123456789abcdef0123456789abcdef", "gone", "", 9});
    auto accepted = summarize_gate(intercom, &baseline);
    CHECK_FALSE(accepted.failed());
    CHECK(accepted.baselined == 3);
    REQUIRE(accepted.stale.size() == 1);
    CHECK(accepted.stale.front().line == 9);
  }

  TEST_CASE("every gate rule has a title, a description and a fix") {
    for (const auto& rule : gate_rules()) {
      CAPTURE(rule.id);
      CHECK_FALSE(rule.title.empty());
      CHECK_FALSE(rule.description.empty());
      CHECK_FALSE(rule.fix.empty());
    }
    for (const char* id : {"gate-omitted", "gate-unrouted-deny", "gate-path-forbidden",
                           "gate-tracking-eu", "gate-slices-disagree"}) {
      CHECK(find_gate_rule(id) != nullptr);
    }
  }
}

}  // namespace flowgate
