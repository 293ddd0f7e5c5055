#include "bundle_test_policy.h"

#include <algorithm>
#include <initializer_list>

namespace flowgate::testing {
namespace {

constexpr uint32_t L(uint32_t decision) {
  return CompiledPolicy::kLeaf | decision;
}

struct Builder {
  CompiledPolicy& p;
  uint32_t add(uint32_t variable, std::initializer_list<uint32_t> children) {
    p.nodes.push_back({variable, static_cast<uint32_t>(p.children.size())});
    p.children.insert(p.children.end(), children);
    return static_cast<uint32_t>(p.nodes.size() - 1);
  }
};

}  // namespace

CompiledPolicy test_policy(bool top_down) {
  CompiledPolicy p;
  p.policy_name = "Test Policy";
  p.policy_version = "2026-01-30";
  p.data_ids = {"media.photo", "technical.ads.identifier", "technical.device.info"};
  p.purpose_ids = {"core_functionality", "advertising.targeted", "analytics"};
  p.recipient_ids = {"device", "first_party", "advertiser.google"};
  p.feature_ids = {"bluetooth"};
  p.region_ids = {"DE", "JP", "US-CA", "US-VA"};
  p.region_class = {1, 0, 2, 0};       // other, EU, California
  p.destination_class = {2, 1, 2, 2};  // device, Japan, elsewhere
  p.device_destination_class = 0;
  p.region_classes = 3;
  p.destination_classes = 3;
  p.date_breakpoints = {20454};  // 2026-01-01
  p.age_thresholds = {16};
  p.bits = {{Bit::Kind::kGpc, ""},
            {Bit::Kind::kAdsPersonalization, ""},
            {Bit::Kind::kConsentForPurpose, ""},
            {Bit::Kind::kConsent, "analytics"},
            {Bit::Kind::kFeature, "bluetooth"}};
  p.variables = {{VariableKind::kData, 0, 3},        {VariableKind::kPurpose, 0, 3},
                 {VariableKind::kAction, 0, 2},      {VariableKind::kRecipient, 0, 3},
                 {VariableKind::kDestination, 0, 3}, {VariableKind::kRegion, 0, 3},
                 {VariableKind::kDate, 0, 2},        {VariableKind::kAge, 0, 3},
                 {VariableKind::kBit, 0, 2},         {VariableKind::kBit, 1, 2},
                 {VariableKind::kBit, 2, 2},         {VariableKind::kBit, 3, 2},
                 {VariableKind::kBit, 4, 2}};
  p.decisions = {
      {false, {}, {}, {"§0"}, {"unknown-id"}, "An id the policy does not know is denied."},
      {false,
       {},
       {},
       {"§0"},
       {"default-deny"},
       "We process your personal information only as described in this Policy."},
      {true,
       {"encrypt_in_transit"},
       {},
       {"§1.3", "§3", "§5"},
       {"share-ads-id-with-advertisers"},
       "Ads identifiers go to advertisers for targeted advertising (§3)."},
      {true, {}, {}, {"§1.1"}, {"collect-on-device"}, "The camera captures on the device (§1.1)."},
      {false,
       {},
       {},
       {"§11.1.2"},
       {"eu-age-verification"},
       "Subjects in the EU under 16, or of unknown age, are denied (§11.1.2)."},
      {true,
       {"encrypt_in_transit", "transfer.scc"},
       {"consent"},
       {"§11.1.1", "§5"},
       {"eu-ads-consent"},
       "Targeted advertising in the EU needs consent (§11.1.1)."},
  };
  p.unknown_id_decision = kUnknownId;

  Builder b{p};
  const uint32_t D = L(kDefaultDeny), T = L(kAllowTransmit);
  // media.photo: collect on the device only.
  const uint32_t rec = b.add(3, {L(kAllowCollect), D, D});
  const uint32_t photo = b.add(2, {rec, D});
  // technical.ads.identifier for advertising.targeted: GPC and the toggle elsewhere; the EU needs
  // an adult with consent; never in California.
  const uint32_t ads_other = b.add(9, {D, T});
  const uint32_t gpc = b.add(8, {ads_other, D});
  const uint32_t cfp = b.add(10, {D, L(kAllowEu)});
  const uint32_t ads_eu = b.add(9, {D, cfp});
  const uint32_t age = b.add(7, {L(kDenyMinor), L(kDenyMinor), ads_eu});
  const uint32_t region = b.add(5, {gpc, age, D});
  const uint32_t ads_purpose = b.add(1, {D, region, D});
  // technical.device.info: core use always; analytics with consent from 2026, outside Japan only
  // while bluetooth is in use.
  const uint32_t consent_jp = b.add(11, {D, T});
  const uint32_t date_jp = b.add(6, {D, consent_jp});
  const uint32_t feature = b.add(12, {D, T});
  const uint32_t consent_other = b.add(11, {D, feature});
  const uint32_t date_other = b.add(6, {D, consent_other});
  const uint32_t destination = b.add(4, {D, date_jp, date_other});
  const uint32_t info = b.add(1, {T, D, destination});
  p.root = b.add(0, {photo, ads_purpose, info});
  p.unreduced_nodes = p.nodes.size();

  if (top_down) {  // renumber i → n-1-i: the root becomes node 0
    const uint32_t n = static_cast<uint32_t>(p.nodes.size());
    auto flip = [n](uint32_t ref) { return ref & CompiledPolicy::kLeaf ? ref : n - 1 - ref; };
    for (uint32_t& c : p.children) c = flip(c);
    std::reverse(p.nodes.begin(), p.nodes.end());
    p.root = flip(p.root);
  }
  return p;
}

uint32_t walk_compiled(const CompiledPolicy& p, uint32_t data, uint32_t purpose, uint32_t action,
                       uint32_t recipient, uint32_t destination, uint32_t region, int age,
                       int32_t as_of_days, bool gpc, bool ads, uint64_t consents, uint64_t features,
                       const runtime::ConsentStrings& strings, bool parental_consent) {
  const uint32_t regions = static_cast<uint32_t>(p.region_ids.size());
  if (data >= p.data_ids.size() || purpose >= p.purpose_ids.size() || action > 1 ||
      recipient >= p.recipient_ids.size() || region >= regions ||
      (destination >= regions && destination != 0xFFFF)) {
    return p.unknown_id_decision;
  }
  auto index_of = [](const std::vector<std::string>& ids, const std::string& id) {
    return static_cast<uint32_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
  };
  uint32_t ref = p.root;
  while (!(ref & CompiledPolicy::kLeaf)) {
    const DiagramNode& n = p.nodes[ref];
    const Variable& v = p.variables[n.variable];
    uint32_t value = 0;
    switch (v.kind) {
      case VariableKind::kData:
        value = data;
        break;
      case VariableKind::kPurpose:
        value = purpose;
        break;
      case VariableKind::kAction:
        value = action;
        break;
      case VariableKind::kRecipient:
        value = recipient;
        break;
      case VariableKind::kDestination:
        value =
            destination == 0xFFFF ? p.device_destination_class : p.destination_class[destination];
        break;
      case VariableKind::kRegion:
        value = p.region_class[region];
        break;
      case VariableKind::kDate:
        for (int32_t b : p.date_breakpoints) value += b <= as_of_days;
        break;
      case VariableKind::kAge:
        if (age >= 0) {
          value = 1;
          for (int32_t t : p.age_thresholds) value += t <= age;
        }
        break;
      case VariableKind::kBit: {
        const Bit& bit = p.bits[v.bit];
        switch (bit.kind) {
          case Bit::Kind::kGpc:
            value = gpc;
            break;
          case Bit::Kind::kAdsPersonalization:
            value = ads;
            break;
          case Bit::Kind::kParentalConsent:
            value = parental_consent;
            break;
          case Bit::Kind::kConsentForPurpose:
            value = (consents >> purpose) & 1;
            break;
          case Bit::Kind::kConsent:
            value = (consents >> index_of(p.purpose_ids, bit.id)) & 1;
            break;
          case Bit::Kind::kFeature:
            value = (features >> index_of(p.feature_ids, bit.id)) & 1;
            break;
          case Bit::Kind::kTcfPurposeConsent:
          case Bit::Kind::kTcfPurposeLegitimateInterest:
          case Bit::Kind::kGppOptOut:
          case Bit::Kind::kTcfPresent:
          case Bit::Kind::kGppPresent:
            value = bit.value_in(strings);
            break;
        }
        break;
      }
    }
    ref = p.children[n.first_child + value];
  }
  return ref & ~CompiledPolicy::kLeaf;
}

}  // namespace flowgate::testing
