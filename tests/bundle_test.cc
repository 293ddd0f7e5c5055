// The bundle format end to end: encode → load → decide on the hand-built test policy; the loader
// against every truncation and every byte flip (with and without the digest resealed, so the
// structural checks are reached); signatures; concurrent deciding; atomic file writes.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>
#include <vector>

#include "bundle/bundle_writer.h"
#include "bundle_test_policy.h"
#include "flowgate/runtime.h"
#include "flowgate/verify.h"
#include "runtime/hex.h"
#include "runtime/sha256.h"

using namespace flowgate;
using runtime::Bundle;
using runtime::InternedQuery;
using runtime::Status;
using runtime::StringQuery;
using testing::test_policy;

namespace {

std::unique_ptr<const Bundle> load_ok(const std::string& bytes) {
  std::unique_ptr<const Bundle> bundle;
  Status s = Bundle::load(bytes, &bundle);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(bundle != nullptr);
  return bundle;
}

Status load_status(const std::string& bytes) {
  std::unique_ptr<const Bundle> bundle;
  Status s = Bundle::load(bytes, &bundle);
  CHECK(s.ok() == (bundle != nullptr));
  return s;
}

// Recomputes the digest over [44, end) so a deliberate change reaches the structural checks.
std::string reseal(std::string bytes, size_t end) {
  if (bytes.size() < 44 || end > bytes.size() || end < 44) return bytes;
  auto d = runtime::sha256(std::string_view(bytes).substr(44, end - 44));
  std::memcpy(bytes.data() + 12, d.data(), 32);
  return bytes;
}

uint32_t get_u32(const std::string& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
void put_u32(std::string& b, size_t at, uint32_t v) {
  std::memcpy(b.data() + at, &v, 4);
}
// The section table entry of section `s`: offset, size, count.
size_t section_offset(const std::string& b, int s) {
  return get_u32(b, 88 + 16 * s);
}
size_t section_count(const std::string& b, int s) {
  return get_u32(b, 88 + 16 * s + 8);
}

struct Case {
  InternedQuery query;
  uint32_t expected;
};

// Every combination of the test policy's variables, with unknown and out-of-range values. A
// collect (action 0) is expected as the runtime reads it: to recipient `device`, on the device.
std::vector<Case> all_cases(const CompiledPolicy& p) {
  std::vector<Case> cases;
  const auto device =
      static_cast<uint16_t>(std::find(p.recipient_ids.begin(), p.recipient_ids.end(), "device") -
                            p.recipient_ids.begin());
  REQUIRE(device < p.recipient_ids.size());
  const uint16_t destinations[] = {0, 1, 2, 4, InternedQuery::kDevice};
  const int16_t ages[] = {-1, 10, 40};
  const int32_t dates[] = {20000, 30000};
  for (uint16_t data = 0; data < 4; ++data)
    for (uint16_t purpose = 0; purpose < 4; ++purpose)
      for (uint8_t action = 0; action < 3; ++action)
        for (uint16_t recipient = 0; recipient < 4; ++recipient)
          for (uint16_t destination : destinations)
            for (uint16_t region = 0; region < 5; ++region)
              for (int16_t age : ages)
                for (int32_t date : dates)
                  for (int bits = 0; bits < 4; ++bits)
                    for (uint64_t consents = 0; consents < 8; ++consents)
                      for (uint64_t features = 0; features < 2; ++features) {
                        InternedQuery q;
                        q.data = data;
                        q.purpose = purpose;
                        q.action = action;
                        q.recipient = recipient;
                        q.destination = destination;
                        q.region = region;
                        q.age = age;
                        q.as_of_days = date;
                        q.gpc = bits & 1;
                        q.ads_personalization = bits & 2;
                        q.consent_mask = consents;
                        q.feature_mask = features;
                        const bool collect = action == 0;
                        cases.push_back(
                            {q, testing::walk_compiled(
                                    p, data, purpose, action, collect ? device : recipient,
                                    collect ? InternedQuery::kDevice : destination, region, age,
                                    date, q.gpc, q.ads_personalization, consents, features)});
                      }
  return cases;
}

// Reads everything a loaded bundle offers, so that ASan sees any out-of-bounds read.
size_t touch(const Bundle& bundle, std::mt19937& rng) {
  size_t sum = bundle.policy_name().size() + bundle.policy_version().size();
  for (uint32_t d = 0; d < bundle.decision_count(); ++d) {
    const runtime::Decision decision = bundle.decision(d);
    sum += decision.allow() + decision.reason().size() + decision.reason().data()[0];
    for (const auto& list :
         {decision.obligations(), decision.legal_basis(), decision.citations(), decision.rules()}) {
      for (std::string_view s : list) sum += s.size() + static_cast<unsigned char>(s.data()[0]);
    }
  }
  for (int i = 0; i < 64; ++i) {
    InternedQuery q;
    q.data = static_cast<uint16_t>(rng() % (bundle.data_count() + 2));
    q.purpose = static_cast<uint16_t>(rng() % (bundle.purpose_count() + 2));
    q.recipient = static_cast<uint16_t>(rng() % (bundle.recipient_count() + 2));
    q.action = static_cast<uint8_t>(rng() % 3);
    q.destination = rng() % 4 == 0 ? InternedQuery::kDevice
                                   : static_cast<uint16_t>(rng() % (bundle.region_count() + 2));
    q.region = static_cast<uint16_t>(rng() % (bundle.region_count() + 2));
    q.age = static_cast<int16_t>(static_cast<int>(rng() % 100) - 5);
    q.as_of_days = static_cast<int32_t>(rng());
    q.gpc = rng() & 1;
    q.ads_personalization = rng() & 1;
    q.consent_mask = (uint64_t{rng()} << 32) | rng();
    q.feature_mask = (uint64_t{rng()} << 32) | rng();
    const uint32_t d = bundle.decide(q);
    CHECK(d < bundle.decision_count());
    sum += bundle.decision(d).reason().size();
  }
  return sum;
}

// The test policy with every consent-string bit kind: device info for core functionality is sent
// only with consent to TCF purpose 4, legitimate interest for purpose 24, both strings present
// and no usca sharing opt-out. Bits 5–9, variables 13–17.
CompiledPolicy consent_string_policy() {
  CompiledPolicy p = test_policy();
  const auto first_bit = static_cast<uint32_t>(p.bits.size());
  p.bits.insert(p.bits.end(), {{Bit::Kind::kTcfPurposeConsent, "4"},
                               {Bit::Kind::kTcfPurposeLegitimateInterest, "24"},
                               {Bit::Kind::kGppOptOut, "usca.sharing_opt_out"},
                               {Bit::Kind::kTcfPresent, ""},
                               {Bit::Kind::kGppPresent, ""}});
  for (uint32_t b = first_bit; b < p.bits.size(); ++b) {
    p.variables.push_back({VariableKind::kBit, b, 2});
  }
  const uint32_t T = CompiledPolicy::kLeaf | testing::kAllowTransmit;
  const uint32_t D = CompiledPolicy::kLeaf | testing::kDefaultDeny;
  auto add = [&](uint32_t variable, uint32_t if_0, uint32_t if_1) {
    p.nodes.push_back({variable, static_cast<uint32_t>(p.children.size())});
    p.children.insert(p.children.end(), {if_0, if_1});
    return static_cast<uint32_t>(p.nodes.size() - 1);
  };
  const uint32_t gpp_present = add(17, D, T);
  const uint32_t tcf_present = add(16, D, gpp_present);
  const uint32_t opt_out = add(15, tcf_present, D);
  const uint32_t interest = add(14, D, opt_out);
  const uint32_t consent = add(13, D, interest);
  // The root tests data; its third child tests the purpose of technical.device.info.
  const uint32_t info = p.children[p.nodes[p.root].first_child + 2];
  p.children[p.nodes[info].first_child] = consent;  // core_functionality
  return p;  // nodes after their parents now: the encoder renumbers them
}

std::string temp_dir() {
  std::string dir = (std::filesystem::temp_directory_path() / "flowgate-bundle-test-XXXXXX");
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  return dir;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_SUITE("bundle") {
  TEST_CASE("round trip: the hand-built policy decides its leaves") {
    const CompiledPolicy policy = test_policy();
    const std::string bytes = encode_bundle(policy, ChildWidth::kWide);
    MESSAGE("test policy bundle: " << bytes.size() << " bytes, " << policy.nodes.size()
                                   << " nodes, " << policy.decisions.size() << " decisions");
    auto bundle = load_ok(bytes);
    CHECK(bundle->policy_name() == "Test Policy");
    CHECK(bundle->policy_version() == "2026-01-30");
    CHECK(bundle->data_count() == 3);
    CHECK(bundle->decision_count() == 6);
    CHECK_FALSE(bundle->is_signed());
    CHECK(*bundle->data_index("technical.device.info") == 2);
    CHECK(*bundle->purpose_index("core_functionality") == 0);
    CHECK(*bundle->region_index("US-VA") == 3);
    CHECK(*bundle->feature_index("bluetooth") == 0);
    CHECK(*bundle->destination_index("device") == InternedQuery::kDevice);
    CHECK(*bundle->destination_index("JP") == 1);
    CHECK_FALSE(bundle->data_index("media").has_value());
    CHECK_FALSE(bundle->region_index("device").has_value());
    CHECK_FALSE(bundle->recipient_index("").has_value());
    CHECK(bundle->data_id(1) == "technical.ads.identifier");
    CHECK(bundle->data_id(9).empty());

    using testing::TestDecision;
    auto decide = [&](StringQuery q) { return bundle->decide(q); };
    StringQuery photo{.data = "media.photo",
                      .purpose = "core_functionality",
                      .action = "collect",
                      .recipient = "device",
                      .destination = "device",
                      .region = "DE"};
    CHECK(decide(photo) == testing::kAllowCollect);
    photo.action = "transmit";
    CHECK(decide(photo) == testing::kDefaultDeny);
    photo.action = "upload";
    CHECK(decide(photo) == testing::kUnknownId);

    StringQuery ads{.data = "technical.ads.identifier",
                    .purpose = "advertising.targeted",
                    .recipient = "advertiser.google",
                    .destination = "US-VA",
                    .region = "US-VA",
                    .age = 34};
    CHECK(decide(ads) == testing::kAllowTransmit);
    ads.gpc = true;
    CHECK(decide(ads) == testing::kDefaultDeny);
    ads.gpc = false;
    ads.ads_personalization = false;
    CHECK(decide(ads) == testing::kDefaultDeny);
    ads.ads_personalization = true;
    ads.region = "US-CA";
    CHECK(decide(ads) == testing::kDefaultDeny);
    ads.region = "DE";
    CHECK(decide(ads) == testing::kDefaultDeny);  // adult, no consent
    const std::string_view misspelt[] = {"advertising.targeted", "no-such-purpose"};
    ads.consents = misspelt;  // an unknown consent is a mistake, never "no consent"
    runtime::UnknownId field;
    CHECK(bundle->decide(ads, &field) == testing::kUnknownId);
    CHECK(field == runtime::UnknownId{runtime::QueryField::kConsent, 1});
    const std::string_view consents[] = {"advertising.targeted"};
    ads.consents = consents;
    CHECK(bundle->decide(ads, &field) == testing::kAllowEu);
    CHECK(field.field == runtime::QueryField::kNone);
    ads.age = 15;
    CHECK(decide(ads) == testing::kDenyMinor);
    ads.age = -1;
    CHECK(decide(ads) == testing::kDenyMinor);
    ads.region = "XX";
    CHECK(bundle->decide(ads, &field) == testing::kUnknownId);
    CHECK(field.field == runtime::QueryField::kRegion);
    // A collect is read on the device: its recipient and destination, even unknown, are not read.
    StringQuery capture{.data = "media.photo",
                        .purpose = "core_functionality",
                        .action = "collect",
                        .recipient = "advertiser.nobody",
                        .destination = "Germany",
                        .region = "DE"};
    const uint32_t elsewhere = bundle->decide(capture, &field);
    capture.recipient = capture.destination = "device";
    CHECK(elsewhere == bundle->decide(capture));
    CHECK(field.field == runtime::QueryField::kNone);

    StringQuery info{.data = "technical.device.info",
                     .purpose = "analytics",
                     .recipient = "first_party",
                     .destination = "JP",
                     .region = "US-VA",
                     .as_of_days = runtime::days_from_civil(2026, 3, 1)};
    CHECK(decide(info) == testing::kDefaultDeny);  // no consent
    const std::string_view analytics[] = {"analytics"};
    info.consents = analytics;
    CHECK(decide(info) == testing::kAllowTransmit);
    info.as_of_days = runtime::days_from_civil(2025, 12, 31);
    CHECK(decide(info) == testing::kDefaultDeny);  // before the breakpoint
    info.as_of_days = runtime::days_from_civil(2026, 1, 1);
    CHECK(decide(info) == testing::kAllowTransmit);  // on it
    info.destination = "US-CA";
    CHECK(decide(info) == testing::kDefaultDeny);  // elsewhere: needs bluetooth in use
    const std::string_view bluetooth[] = {"bluetooth"};
    info.features = bluetooth;
    CHECK(decide(info) == testing::kAllowTransmit);
    info.destination = "device";
    CHECK(decide(info) == testing::kDefaultDeny);

    const runtime::Decision eu = bundle->decision(testing::kAllowEu);
    CHECK(eu.allow());
    REQUIRE(eu.obligations().size() == 2);
    CHECK(eu.obligations()[0] == "encrypt_in_transit");
    CHECK(eu.obligations()[1] == "transfer.scc");
    CHECK(eu.obligations()[1].data()[eu.obligations()[1].size()] == '\0');
    REQUIRE(eu.legal_basis().size() == 1);
    CHECK(eu.legal_basis()[0] == "consent");
    std::vector<std::string_view> citations(eu.citations().begin(), eu.citations().end());
    CHECK(citations == std::vector<std::string_view>{"§11.1.1", "§5"});
    CHECK(eu.rules()[0] == "eu-ads-consent");
    CHECK(eu.reason() == "Targeted advertising in the EU needs consent (§11.1.1).");
    const runtime::Decision unknown = bundle->decision(12345);  // out of range: the unknown record
    CHECK(unknown.index() == testing::kUnknownId);
    CHECK_FALSE(unknown.allow());
    CHECK(unknown.rules()[0] == "unknown-id");
    CHECK(unknown.obligations().empty());
  }

  TEST_CASE("the runtime agrees with the compiled diagram on every combination") {
    for (bool top_down : {false, true}) {
      CAPTURE(top_down);
      const CompiledPolicy policy = test_policy(top_down);
      auto bundle = load_ok(encode_bundle(policy));
      const std::vector<Case> cases = all_cases(policy);
      size_t disagreements = 0;
      for (const Case& c : cases) disagreements += bundle->decide(c.query) != c.expected;
      CHECK(disagreements == 0);
      MESSAGE(cases.size() << " queries compared");
    }
    // Both node orders encode to the same bundle: the encoder renumbers bottom-up.
    CHECK(encode_bundle(test_policy(true)).size() == encode_bundle(test_policy(false)).size());
  }

  // The runtime takes a walk's first steps from a table over the leading variables (the prefix of
  // the variable order made of data, purpose, action and recipient), built at load by walking the
  // diagram in that order; a diagram in another order, which its walks do not follow, decides
  // alike.
  TEST_CASE("the runtime agrees with the compiled diagram in any variable order") {
    // The test policy's variables by their index there, in a new order.
    const std::vector<std::vector<uint32_t>> orders = {
        {12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0},  // a bit first: no leading variable
        {3, 2, 0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12},  // all four lead; walked data, then action
        {0, 1, 5, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12},  // the region after data and purpose
    };
    const CompiledPolicy base = test_policy();
    for (const std::vector<uint32_t>& order : orders) {
      CompiledPolicy policy = base;
      std::vector<uint32_t> position(order.size());
      for (uint32_t i = 0; i < order.size(); ++i) {
        policy.variables[i] = base.variables[order[i]];
        position[order[i]] = i;
      }
      for (DiagramNode& n : policy.nodes) n.variable = position[n.variable];
      auto bundle = load_ok(encode_bundle(policy));
      size_t disagreements = 0;
      for (const Case& c : all_cases(policy))
        disagreements += bundle->decide(c.query) != c.expected;
      CHECK(disagreements == 0);
    }
  }

  // Interning hashes an id's length and its first and last bytes (8 of each, fewer below 8) and
  // compares the rest; ids of every length, and ids that share length and ends (so share a hash),
  // each intern to their own index, and no id one byte away from one interns to it.
  TEST_CASE("interning: ids of every length, and ids alike but for their middle") {
    std::vector<std::string> ids;
    for (size_t n = 1; n <= 41; ++n) ids.push_back(std::string(n, 'a'));
    for (char c = 'b'; c <= 'i'; ++c) {
      ids.push_back("technical." + std::string(8, c) + ".identifier");
    }
    for (char c = 'b'; c <= 'e'; ++c) {
      ids.push_back("prefix__" + std::string(18, 'm') + c + std::string(5, 'm') + "__suffix");
    }
    CompiledPolicy policy = test_policy();
    policy.region_ids = ids;
    policy.region_class.assign(ids.size(), 0);
    policy.destination_class.assign(ids.size(), 1);
    auto bundle = load_ok(encode_bundle(policy));
    for (size_t i = 0; i < ids.size(); ++i) {
      CAPTURE(ids[i]);
      CHECK(bundle->region_index(ids[i]) == i);
      CHECK_FALSE(bundle->region_index(ids[i] + "z").has_value());
      for (size_t at = 0; at < ids[i].size(); ++at) {
        std::string near = ids[i];
        near[at] ^= 0x20;
        const std::optional<uint16_t> found = bundle->region_index(near);
        CHECK((!found || ids[*found] == near));
      }
    }
  }

  TEST_CASE("encode_bundle refuses a compiled policy the runtime could not load") {
    CompiledPolicy cyclic = test_policy();
    cyclic.children[cyclic.nodes[0].first_child] = static_cast<uint32_t>(cyclic.nodes.size() - 1);
    CHECK_THROWS_WITH_AS(encode_bundle(cyclic), doctest::Contains("cycle"), std::invalid_argument);
    CompiledPolicy domain = test_policy();
    domain.variables[0].domain = 4;
    CHECK_THROWS_AS(encode_bundle(domain), std::invalid_argument);
    CompiledPolicy dangling = test_policy();
    dangling.unknown_id_decision = 99;
    CHECK_THROWS_WITH_AS(encode_bundle(dangling), doctest::Contains("unknown-id decision"),
                         std::invalid_argument);
    CompiledPolicy classes = test_policy();
    classes.region_class[0] = 3;
    CHECK_THROWS_AS(encode_bundle(classes), std::invalid_argument);
  }

  TEST_CASE("every truncation is refused") {
    const std::string bytes = encode_bundle(test_policy(), ChildWidth::kWide);
    const std::string signed_bytes = sign_bundle(bytes, generate_key_pair().secret);
    for (const std::string* b : {&bytes, &signed_bytes}) {
      for (size_t n = 0; n < b->size(); ++n) {
        Status s = load_status(b->substr(0, n));
        CAPTURE(n);
        CHECK_FALSE(s.ok());
        CHECK(s.code() == Status::Code::kCorruption);
        CHECK_FALSE(s.message().empty());
      }
    }
    CHECK(load_status(bytes.substr(0, 100)).message() ==
          "bundle corrupt: truncated: 100 bytes of " + std::to_string(bytes.size()));
    CHECK(load_status(bytes + std::string(3, '\0')).message() ==
          "bundle corrupt: 3 unexpected bytes after the bundle's end (a signature block without "
          "the signed flag?)");
  }

  TEST_CASE("every byte flip is refused") {
    const std::string bytes = encode_bundle(test_policy(), ChildWidth::kWide);
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (uint8_t mask : {0x01, 0x80, 0xFF}) {
        std::string b = bytes;
        b[i] = static_cast<char>(b[i] ^ mask);
        Status s = load_status(b);
        CAPTURE(i);
        CHECK_FALSE(s.ok());
        if (i >= 88) CHECK(s.message().find("digest mismatch") != std::string::npos);
      }
    }
    std::string magic = bytes;
    magic[0] = 'X';
    CHECK(load_status(magic).message() ==
          "bundle corrupt: bad magic number (not a flowgate bundle)");
    std::string version = bytes;
    put_u32(version, 8, 6);
    CHECK(load_status(version).code() == Status::Code::kNotSupported);
  }

  TEST_CASE("resealed flips reach the structural checks and never crash") {
    const std::string bytes = encode_bundle(test_policy(), ChildWidth::kWide);
    std::mt19937 rng(7);
    size_t refused = 0, loaded = 0;
    for (size_t i = 44; i < bytes.size(); ++i) {
      for (uint8_t mask : {0x01, 0x02, 0x10, 0x80, 0xFF}) {
        std::string b = bytes;
        b[i] = static_cast<char>(b[i] ^ mask);
        b = reseal(b, b.size());
        std::unique_ptr<const Bundle> bundle;
        Status s = Bundle::load(b, &bundle);
        if (s.ok()) {
          ++loaded;
          touch(*bundle, rng);
        } else {
          ++refused;
          CHECK(s.message().rfind("bundle corrupt: ", 0) == 0);
        }
      }
    }
    MESSAGE(refused << " resealed flips refused, " << loaded << " loaded (string bytes, ids, "
                    << "class values) and decided safely");
    CHECK(refused > loaded);
    // Random multi-byte damage, resealed.
    for (int round = 0; round < 3000; ++round) {
      std::string b = bytes;
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int k = 0; k < flips; ++k) {
        b[44 + rng() % (b.size() - 44)] = static_cast<char>(rng());
      }
      std::unique_ptr<const Bundle> bundle;
      if (Bundle::load(reseal(b, b.size()), &bundle).ok()) touch(*bundle, rng);
    }
  }

  TEST_CASE("narrow children (format version 3): smaller, decided alike, checked at load") {
    const CompiledPolicy policy = test_policy();
    const std::string wide = encode_bundle(policy, ChildWidth::kWide);
    const std::string narrow = encode_bundle(policy);
    CHECK(get_u32(narrow, 8) == 3);
    CHECK((get_u32(narrow, 44) & 2) != 0);
    CHECK(section_count(narrow, 14) == section_count(wide, 14));
    CHECK(get_u32(narrow, 88 + 16 * 14 + 4) == 2 * section_count(narrow, 14));
    auto wide_bundle = load_ok(wide);
    auto narrow_bundle = load_ok(narrow);
    size_t disagreements = 0;
    for (const Case& c : all_cases(policy)) {
      disagreements += narrow_bundle->decide(c.query) != c.expected;
      disagreements += wide_bundle->decide(c.query) != c.expected;
    }
    CHECK(disagreements == 0);
    auto damaged = [&](auto edit) {
      std::string b = narrow;
      edit(b);
      return load_status(reseal(b, b.size())).message();
    };
    const size_t children = section_offset(narrow, 14);
    const size_t nodes = section_offset(narrow, 13);
    const uint32_t root = get_u32(narrow, 72);
    const uint32_t root_first = get_u32(narrow, nodes + 8 * root + 4);
    auto put_u16 = [](std::string& b, size_t at, uint16_t v) { std::memcpy(b.data() + at, &v, 2); };
    CHECK(damaged([&](std::string& b) {
            put_u16(b, children + 2 * root_first, 0x8063);
          }).find("is decision 99, not below 6") != std::string::npos);
    CHECK(damaged([&](std::string& b) {
            put_u16(b, children + 2 * root_first, static_cast<uint16_t>(root));
          }).find("which is not below it") != std::string::npos);
    // The flag on a version-2 stamp is refused before anything is read with it.
    CHECK(damaged([&](std::string& b) { put_u32(b, 8, 2); }) ==
          "bundle corrupt: narrow children need format version 3");
  }

  TEST_CASE(
      "3-byte children (format version 5): smaller than u32, decided alike, checked at load") {
    const CompiledPolicy policy = test_policy();
    const std::string wide = encode_bundle(policy, {.width = ChildWidth::kWide, .serial = 9});
    const std::string medium = encode_bundle(policy, {.width = ChildWidth::kMedium, .serial = 9});
    CHECK(get_u32(medium, 8) == 5);
    CHECK((get_u32(medium, 44) & 6) == 4);
    CHECK(section_count(medium, 14) == section_count(wide, 14));
    CHECK(get_u32(medium, 88 + 16 * 14 + 4) == 3 * section_count(medium, 14));
    CHECK_THROWS_WITH_AS(encode_bundle(policy, ChildWidth::kMedium),
                         "cannot bundle the compiled policy: 3-byte children need a serial "
                         "(format version 5)",
                         std::invalid_argument);
    auto bundle = load_ok(medium);
    CHECK(bundle->serial() == 9);
    size_t disagreements = 0;
    for (const Case& c : all_cases(policy)) disagreements += bundle->decide(c.query) != c.expected;
    CHECK(disagreements == 0);
    auto damaged = [&](auto edit) {
      std::string b = medium;
      edit(b);
      return load_status(reseal(b, b.size())).message();
    };
    const size_t children = section_offset(medium, 14);
    const size_t nodes = section_offset(medium, 13);
    const uint32_t root = get_u32(medium, 72);
    const uint32_t root_first = get_u32(medium, nodes + 8 * root + 4);
    auto put_u24 = [](std::string& b, size_t at, uint32_t v) {
      for (int k = 0; k < 3; ++k) b[at + k] = static_cast<char>(v >> (8 * k));
    };
    CHECK(damaged([&](std::string& b) {
            put_u24(b, children + 3 * root_first, 0x80'0063);
          }).find("is decision 99, not below 6") != std::string::npos);
    CHECK(damaged([&](std::string& b) {
            put_u24(b, children + 3 * root_first, 0x7F'0000);
          }).find("refers to node 8323072, which is not below it") != std::string::npos);
    // The flag is refused on a version-4 stamp, and beside the narrow flag, before anything is
    // read with it.
    CHECK(damaged([&](std::string& b) { put_u32(b, 8, 4); }) ==
          "bundle corrupt: 3-byte children need format version 5");
    CHECK(damaged([&](std::string& b) { put_u32(b, 44, 6); }) ==
          "bundle corrupt: children both narrow and 3-byte (flags 0x00000006)");
    // Resealed flips reach the structural checks and the widening (under ASan: no read past the
    // section); whatever loads decides without leaving its arrays.
    std::mt19937 rng(11);
    size_t refused = 0;
    for (size_t i = 44; i < medium.size(); ++i) {
      for (uint8_t mask : {0x01, 0x80, 0xFF}) {
        std::string b = medium;
        b[i] = static_cast<char>(b[i] ^ mask);
        std::unique_ptr<const Bundle> damaged_bundle;
        if (Bundle::load(reseal(b, b.size()), &damaged_bundle).ok()) {
          touch(*damaged_bundle, rng);
        } else {
          ++refused;
        }
      }
    }
    CHECK(refused > 0);
    // Every truncation and every byte flip is refused.
    for (size_t n = 0; n < medium.size(); ++n) CHECK_FALSE(load_status(medium.substr(0, n)).ok());
    for (size_t i = 0; i < medium.size(); ++i) {
      std::string b = medium;
      b[i] = static_cast<char>(b[i] ^ 0x10);
      CAPTURE(i);
      CHECK_FALSE(load_status(b).ok());
    }
  }

  // A diagram past u16 refs: the test policy under a chain of 40,000 nodes on the feature bit
  // (feature in use: down the chain to the policy's root; not in use: straight there).
  TEST_CASE("the writer picks 3-byte children for a large diagram with a serial, u32 without") {
    const CompiledPolicy base = test_policy();
    CompiledPolicy policy = base;
    const uint32_t feature_variable = 12;
    REQUIRE(policy.variables[feature_variable].kind == VariableKind::kBit);
    uint32_t below = base.root;
    for (uint32_t k = 0; k < 40000; ++k) {
      policy.nodes.push_back({feature_variable, static_cast<uint32_t>(policy.children.size())});
      policy.children.push_back(base.root);
      policy.children.push_back(below);
      below = static_cast<uint32_t>(policy.nodes.size() - 1);
    }
    policy.root = below;
    const std::string medium = encode_bundle(policy, EncodeOptions{.serial = 3});
    const std::string wide = encode_bundle(policy);
    CHECK(get_u32(medium, 8) == 5);
    CHECK((get_u32(medium, 44) & 6) == 4);
    CHECK(get_u32(wide, 8) == 1);
    CHECK((get_u32(wide, 44) & 6) == 0);
    const size_t children = section_count(medium, 14);
    CHECK(children == base.children.size() + 80000);
    CHECK(get_u32(medium, 88 + 16 * 14 + 4) == 3 * children);
    CHECK(get_u32(wide, 88 + 16 * 14 + 4) == 4 * children);
    // For runtimes of version 4: u32 children with the serial; forced widths alike.
    for (const std::string& v4 :
         {encode_bundle(policy, EncodeOptions{.serial = 3, .max_format_version = 4}),
          encode_bundle(policy, {.width = ChildWidth::kWide, .serial = 3})}) {
      CHECK(get_u32(v4, 8) == 4);
      CHECK((get_u32(v4, 44) & 6) == 0);
      CHECK(get_u32(v4, 88 + 16 * 14 + 4) == 4 * children);
    }
    CHECK(encode_bundle(policy, {.width = ChildWidth::kMedium, .serial = 3}) == medium);
    CHECK_THROWS_AS(
        encode_bundle(policy, {.width = ChildWidth::kMedium, .serial = 3, .max_format_version = 4}),
        std::invalid_argument);
    auto medium_bundle = load_ok(medium);
    auto wide_bundle = load_ok(wide);
    size_t compared = 0, disagreements = 0;
    const std::vector<Case> cases = all_cases(base);
    for (size_t i = 0; i < cases.size(); ++i) {
      // A case with the feature walks the whole chain: a sample of those.
      if (cases[i].query.feature_mask != 0 && i % 1009 != 0) continue;
      ++compared;
      disagreements += medium_bundle->decide(cases[i].query) != cases[i].expected;
      disagreements += wide_bundle->decide(cases[i].query) != cases[i].expected;
    }
    MESSAGE(compared << " queries compared on a diagram of " << policy.nodes.size() << " nodes");
    CHECK(disagreements == 0);
  }

  TEST_CASE("serial (format version 4): a section of its own, digested, signed, checked at load") {
    const CompiledPolicy policy = test_policy();
    const std::string plain = encode_bundle(policy);
    CHECK(get_u32(plain, 8) == 3);  // no serial: the version the bundle needs, as before
    CHECK(load_ok(plain)->serial() == 0);
    const std::string bytes = encode_bundle(policy, EncodeOptions{.serial = 0x1'2345'6789});
    CHECK(get_u32(bytes, 8) == 4);
    CHECK(get_u32(bytes, 48) == 376);  // header and 18 section table entries
    CHECK(get_u32(bytes, 52) == 18);
    CHECK(get_u32(bytes, 64) == get_u32(plain, 64));  // the header's fields stay where they were
    CHECK(section_count(bytes, 17) == 1);
    uint64_t stored = 0;
    std::memcpy(&stored, bytes.data() + section_offset(bytes, 17), 8);
    CHECK(stored == 0x1'2345'6789);
    CHECK(bytes.size() == plain.size() + 16 + 8);  // one table entry and the u64
    auto bundle = load_ok(bytes);
    CHECK(bundle->serial() == 0x1'2345'6789);
    size_t disagreements = 0;
    for (const Case& c : all_cases(policy)) disagreements += bundle->decide(c.query) != c.expected;
    CHECK(disagreements == 0);
    // Wide children and a serial: version 4 without the narrow flag.
    const std::string wide = encode_bundle(policy, {.width = ChildWidth::kWide, .serial = 7});
    CHECK(get_u32(wide, 8) == 4);
    CHECK((get_u32(wide, 44) & 2) == 0);
    CHECK(load_ok(wide)->serial() == 7);

    // The digest covers the serial, so the signature does.
    const size_t at = section_offset(bytes, 17);
    std::string flipped = bytes;
    flipped[at] ^= 1;
    CHECK(load_status(flipped).message().find("digest mismatch") != std::string::npos);
    const KeyPair keys = generate_key_pair();
    const std::string signed_bytes = sign_bundle(bytes, keys.secret);
    CHECK(load_ok(signed_bytes)->serial() == 0x1'2345'6789);
    CHECK(runtime::verify_bundle_signature(signed_bytes, keys.public_key).ok());
    std::string raised = signed_bytes;
    put_u32(raised, at + 4, 2);  // serial + 2^32, digest resealed: the signature no longer holds
    raised = reseal(raised, raised.size() - 80);
    REQUIRE(load_ok(raised)->serial() == 0x2'2345'6789);
    CHECK(runtime::verify_bundle_signature(raised, keys.public_key)
              .message()
              .find("does not verify") != std::string::npos);

    auto damaged = [&](auto edit) {
      std::string b = bytes;
      edit(b);
      return load_status(reseal(b, b.size())).message();
    };
    CHECK(damaged([&](std::string& b) { std::memset(b.data() + at, 0, 8); }) ==
          "bundle corrupt: serial 0 (a bundle without a serial is format version 1 to 3)");
    CHECK(damaged([&](std::string& b) {
            put_u32(b, 88 + 16 * 17 + 8, 2);
          }).find("section 'serial': 2 elements of 8 bytes do not make 8 bytes") !=
          std::string::npos);
    // The version decides the layout: a version-4 header on a version-3 layout and the reverse are
    // refused before any section is read.
    std::string as_v3 = bytes;
    put_u32(as_v3, 8, 3);
    CHECK(load_status(as_v3).message() ==
          "bundle corrupt: header size 376, expected 360 in format version 3");
    std::string as_v4 = plain;
    put_u32(as_v4, 8, 4);
    CHECK(load_status(as_v4).message() ==
          "bundle corrupt: header size 360, expected 376 in format version 4");
    // Every truncation and every byte flip of a bundle with a serial is refused.
    for (size_t n = 0; n < bytes.size(); ++n) CHECK_FALSE(load_status(bytes.substr(0, n)).ok());
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::string b = bytes;
      b[i] = static_cast<char>(b[i] ^ 0x10);
      CAPTURE(i);
      CHECK_FALSE(load_status(b).ok());
    }
  }

  TEST_CASE("specific structural damage gets a specific message") {
    const std::string bytes = encode_bundle(test_policy(), ChildWidth::kWide);
    auto damaged = [&](auto edit) {
      std::string b = bytes;
      edit(b);
      return load_status(reseal(b, b.size())).message();
    };
    // The root node's first child made to point at the root itself: a cycle.
    const size_t nodes = section_offset(bytes, 13), children = section_offset(bytes, 14);
    const size_t n = section_count(bytes, 13);
    const uint32_t root = get_u32(bytes, 72);
    REQUIRE(root == n - 1);
    const uint32_t root_first = get_u32(bytes, nodes + 8 * root + 4);
    CHECK(damaged([&](std::string& b) { put_u32(b, children + 4 * root_first, root); }) ==
          "bundle corrupt: node " + std::to_string(root) + ": child 0 refers to node " +
              std::to_string(root) + ", which is not below it");
    CHECK(damaged([&](std::string& b) {
            put_u32(b, children + 4 * root_first, 0x8000'0063);
          }).find("is decision 99, not below 6") != std::string::npos);
    CHECK(damaged([&](std::string& b) {
            put_u32(b, nodes + 8 * root + 4, 0xFFFF'FFF0);
          }).find("run past the children table") != std::string::npos);
    CHECK(damaged([&](std::string& b) {
            put_u32(b, nodes + 8 * root, 77);
          }).find("variable 77, not below 13") != std::string::npos);
    CHECK(damaged([&](std::string& b) { put_u32(b, 72, 0x8000'0009); }) ==
          "bundle corrupt: root 2147483657 refers to no node or decision");
    CHECK(damaged([&](std::string& b) {
            put_u32(b, 64, 100000);
          }).find("policy name: string 100000") != std::string::npos);
    CHECK(damaged([&](std::string& b) {
            put_u32(b, 88 + 16 * 13, 3);
          }).find("section 'nodes': offset 3 not 8-aligned") != std::string::npos);
    CHECK(damaged([&](std::string& b) {
            put_u32(b, 88 + 16 * 13 + 4, 0x7FFF'FFF8);
          }).find("runs past the bundle's end") != std::string::npos);
    const size_t variables = section_offset(bytes, 12);
    CHECK(damaged([&](std::string& b) { put_u32(b, variables + 8, 4); }) ==
          "bundle corrupt: variable 0: domain 4, but its kind has 3 values");
    CHECK(damaged([&](std::string& b) { b[variables] = 9; }) ==
          "bundle corrupt: variable 0: unknown kind 9");
    const size_t decisions = section_offset(bytes, 15);
    CHECK(damaged([&](std::string& b) { b[decisions] = 2; }) ==
          "bundle corrupt: decision 0: allow is 2, not 0 or 1");
    const size_t data_ids = section_offset(bytes, 2);
    CHECK(damaged([&](std::string& b) { put_u32(b, data_ids + 4, get_u32(b, data_ids)); }) ==
          "bundle corrupt: data ids: 'media.photo' appears twice");
    const size_t region_class = section_offset(bytes, 7);
    CHECK(damaged([&](std::string& b) { b[region_class] = 7; }) ==
          "bundle corrupt: region class of region 0 is 7, not below 3 classes");
    const size_t strings = section_offset(bytes, 1);
    CHECK(damaged([&](std::string& b) { b[strings + 2] = '\xC0'; }).find("not valid UTF-8") !=
          std::string::npos);
    CHECK(damaged([&](std::string& b) { b[strings + 2] = '\0'; }).find("holds a NUL byte") !=
          std::string::npos);
    CHECK(damaged([&](std::string& b) { put_u32(b, 44, 8); }) ==
          "bundle corrupt: unknown flags 0x00000008");
  }

  TEST_CASE("signatures: right key, wrong key, unsigned, tampered") {
    const std::string bytes = encode_bundle(test_policy(), ChildWidth::kWide);
    const KeyPair keys = generate_key_pair();
    const KeyPair other = generate_key_pair();
    const std::string signed_bytes = sign_bundle(bytes, keys.secret);
    CHECK(signed_bytes.size() == bytes.size() + 80);
    auto bundle = load_ok(signed_bytes);
    CHECK(bundle->is_signed());
    CHECK(std::memcmp(bundle->signing_key_id().data(), keys.public_key.bytes.data(), 8) == 0);
    CHECK(runtime::verify_bundle_signature(signed_bytes, keys.public_key).ok());
    const runtime::PublicKey both[] = {other.public_key, keys.public_key};
    CHECK(runtime::verify_bundle_signature(*bundle, both).ok());

    Status wrong = runtime::verify_bundle_signature(signed_bytes, other.public_key);
    CHECK(wrong.code() == Status::Code::kUnauthenticated);
    CHECK(wrong.message().find("which is not a trusted key") != std::string::npos);
    Status unsigned_status = runtime::verify_bundle_signature(bytes, keys.public_key);
    CHECK(unsigned_status.code() == Status::Code::kUnauthenticated);
    CHECK(unsigned_status.message().find("unsigned") != std::string::npos);

    // A signature made by another key under this key's id does not verify.
    std::string forged = sign_bundle(bytes, other.secret);
    std::memcpy(forged.data() + forged.size() - 72, keys.public_key.bytes.data(), 8);
    Status forged_status = runtime::verify_bundle_signature(forged, keys.public_key);
    CHECK(forged_status.message().find("does not verify") != std::string::npos);

    // Every flip of a signed bundle fails the load or the signature.
    for (size_t i = 0; i < signed_bytes.size(); ++i) {
      std::string b = signed_bytes;
      b[i] = static_cast<char>(b[i] ^ 0x01);
      CAPTURE(i);
      CHECK_FALSE(runtime::verify_bundle_signature(b, keys.public_key).ok());
    }
    // Re-signing replaces the block; the content (and the decisions) are unchanged.
    const std::string resigned = sign_bundle(signed_bytes, other.secret);
    CHECK(resigned.size() == signed_bytes.size());
    CHECK(runtime::verify_bundle_signature(resigned, other.public_key).ok());
    CHECK_FALSE(runtime::verify_bundle_signature(resigned, keys.public_key).ok());
    CHECK_THROWS_AS(sign_bundle("not a bundle", keys.secret), std::invalid_argument);
  }

  TEST_CASE("consent-string bits: format version 2, decided from the query's strings") {
    CHECK(get_u32(encode_bundle(test_policy(), ChildWidth::kWide), 8) ==
          1);  // no such bits: still version 1
    const CompiledPolicy policy = consent_string_policy();
    const std::string bytes = encode_bundle(policy, ChildWidth::kWide);
    CHECK(get_u32(bytes, 8) == 2);
    auto bundle = load_ok(bytes);
    StringQuery info{.data = "technical.device.info",
                     .purpose = "core_functionality",
                     .recipient = "first_party",
                     .destination = "JP",
                     .region = "US-VA"};
    CHECK(bundle->decide(info) == testing::kDefaultDeny);
    info.consent_strings = {.tcf_present = true,
                            .gpp_present = true,
                            .tcf_purpose_consents = 1u << 3,
                            .tcf_purpose_legitimate_interests = 1u << 23};
    CHECK(bundle->decide(info) == testing::kAllowTransmit);
    info.consent_strings.gpp_opt_outs = 1u << runtime::kUsCaSharingOptOut;
    CHECK(bundle->decide(info) == testing::kDefaultDeny);
    info.consent_strings.gpp_opt_outs = 1u << runtime::kUsNatSharingOptOut;  // not tested
    CHECK(bundle->decide(info) == testing::kAllowTransmit);
    // Every combination of the strings' facts, against the compiled diagram walked directly.
    size_t disagreements = 0;
    for (uint32_t facts = 0; facts < 1u << 7; ++facts) {
      const runtime::ConsentStrings strings{
          .tcf_present = (facts & 1) != 0,
          .gpp_present = (facts & 2) != 0,
          .tcf_purpose_consents = (facts & 4) ? 1u << 3 : 1u << 4,
          .tcf_purpose_legitimate_interests = (facts & 8) ? 1u << 23 : 0xFF'FFFFu ^ (1u << 23),
          // Bits 3–5: usca sale, usca sharing, and one past the fields.
          .gpp_opt_outs = static_cast<uint8_t>((facts >> 4) << 3)};
      InternedQuery q;
      q.data = 2;
      q.purpose = 0;
      q.recipient = 1;
      q.destination = 1;
      q.region = 3;
      q.consent_strings = strings;
      disagreements += bundle->decide(q) != testing::walk_compiled(policy, 2, 0, 1, 1, 1, 3, -1, 0,
                                                                   false, true, 0, 0, strings);
    }
    CHECK(disagreements == 0);
  }

  TEST_CASE("consent-string bits are checked at load") {
    const std::string bytes = encode_bundle(consent_string_policy(), ChildWidth::kWide);
    const size_t bits = section_offset(bytes, 11);
    auto damaged = [&](auto edit) {
      std::string b = bytes;
      edit(b);
      return load_status(reseal(b, b.size())).message();
    };
    auto id_of_bit = [&](size_t bit) { return bits + 8 * bit + 4; };
    CHECK(damaged([&](std::string& b) { put_u32(b, id_of_bit(5), 25); }) ==
          "bundle corrupt: bit 5: TCF purpose 25, not in [1, 24]");
    CHECK(damaged([&](std::string& b) { put_u32(b, id_of_bit(6), 0); }) ==
          "bundle corrupt: bit 6: TCF purpose 0, not in [1, 24]");
    CHECK(damaged([&](std::string& b) { put_u32(b, id_of_bit(5), 0xFFFF'FFFF); }) ==
          "bundle corrupt: bit 5: TCF purpose 4294967295, not in [1, 24]");
    // The GPP field's name swapped for another string of the bundle (the first data id).
    const uint32_t data_id = get_u32(bytes, section_offset(bytes, 2));
    CHECK(damaged([&](std::string& b) { put_u32(b, id_of_bit(7), data_id); }) ==
          "bundle corrupt: bit 7: 'media.photo' is not a GPP opt-out field");
    CHECK(damaged([&](std::string& b) {
            put_u32(b, id_of_bit(7), 1'000'000);
          }).find("bit 7 id: string 1000000") != std::string::npos);
    CHECK(damaged([&](std::string& b) { put_u32(b, id_of_bit(8), data_id); }) ==
          "bundle corrupt: bit 8: this kind takes no id");
    CHECK(damaged([&](std::string& b) { b[bits + 8 * 9] = 11; }) ==
          "bundle corrupt: bit 9: unknown kind 11");
    CHECK(damaged([&](std::string& b) { b[bits + 8 * 9] = 10; }) ==
          "bundle corrupt: bit 9: kind 10 needs format version 3");
    // The version sits before the digest: a version-1 stamp on these kinds is refused as corrupt,
    // a later version as not supported.
    std::string v1 = bytes;
    put_u32(v1, 8, 1);
    CHECK(load_status(v1).message() == "bundle corrupt: bit 5: kind 5 needs format version 2");
    std::string v6 = bytes;
    put_u32(v6, 8, 6);
    CHECK(load_status(v6).code() == Status::Code::kNotSupported);
    // The writer loads what it wrote: a purpose out of range never reaches a file.
    CompiledPolicy bad = consent_string_policy();
    bad.bits[5].id = "25";
    CHECK_THROWS_WITH_AS(encode_bundle(bad), doctest::Contains("TCF purpose 25"),
                         std::invalid_argument);
  }

  TEST_CASE("key files round trip") {
    const std::string dir = temp_dir();
    const KeyPair keys = generate_key_pair();
    REQUIRE(write_key_files(keys, dir + "/k.key", dir + "/k.pub").ok());
    struct stat st;
    REQUIRE(stat((dir + "/k.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    SecretKey secret;
    REQUIRE(read_secret_key_file(dir + "/k.key", &secret).ok());
    CHECK(secret.bytes == keys.secret.bytes);
    runtime::PublicKey pub;
    REQUIRE(runtime::read_public_key_file(dir + "/k.pub", &pub).ok());
    CHECK(pub.bytes == keys.public_key.bytes);
    CHECK(read_file(dir + "/k.pub") == runtime::to_hex(pub.bytes) + "\n");
    CHECK(read_secret_key_file(dir + "/k.pub.missing", &secret).code() == Status::Code::kIoError);
    std::ofstream(dir + "/bad.key") << "not a key\n";
    CHECK(read_secret_key_file(dir + "/bad.key", &secret).code() == Status::Code::kInvalidArgument);
    CHECK(runtime::parse_public_key_hex("abc", &pub).code() == Status::Code::kInvalidArgument);
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("write_file_atomically replaces whole files and leaves the old one on failure") {
    const std::string dir = temp_dir();
    const std::string path = dir + "/policy.fgb";
    REQUIRE(write_file_atomically(path, "first").ok());
    REQUIRE(write_file_atomically(path, "second version").ok());
    CHECK(read_file(path) == "second version");
    // A directory in the way of the rename: the write fails, nothing else changes.
    std::filesystem::create_directory(dir + "/blocked");
    std::filesystem::create_directory(dir + "/blocked/inner");
    Status blocked = write_file_atomically(dir + "/blocked", "x");
    CHECK(blocked.code() == Status::Code::kIoError);
    CHECK(blocked.message().find("cannot rename") != std::string::npos);
    Status missing = write_file_atomically(dir + "/missing/policy.fgb", "x");
    CHECK(missing.code() == Status::Code::kIoError);
    CHECK(missing.message().find("cannot create a temporary file") != std::string::npos);
    if (geteuid() != 0) {  // root ignores directory permissions
      chmod(dir.c_str(), 0500);
      CHECK_FALSE(write_file_atomically(path, "third").ok());
      chmod(dir.c_str(), 0700);
    }
    CHECK(read_file(path) == "second version");
    size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
    CHECK(entries == 2);  // policy.fgb and blocked/: no temp files left behind
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("threads decide concurrently on one bundle") {
    const CompiledPolicy policy = test_policy();
    std::shared_ptr<const Bundle> bundle = load_ok(encode_bundle(policy));
    const std::vector<Case> cases = all_cases(policy);
    constexpr int kThreads = 8;
    std::atomic<size_t> wrong{0}, decided{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        size_t w = 0, n = 0;
        // Each thread walks all cases from its own starting point.
        const size_t start = cases.size() / kThreads * t;
        for (size_t k = 0; k < cases.size(); ++k) {
          const Case& c = cases[(start + k) % cases.size()];
          w += bundle->decide(c.query) != c.expected;
          ++n;
        }
        wrong += w;
        decided += n;
      });
    }
    for (std::thread& t : threads) t.join();
    CHECK(decided == cases.size() * kThreads);
    CHECK(wrong == 0);
  }
}
